from __future__ import annotations

from zdrav_shared.problems import Conflict, PayloadTooLarge, Unprocessable


class ResponseIdConflict(Conflict):
    slug = "response-id-conflict"
    title = "Response id already used for a different body"

    def __init__(self, response_id: str) -> None:
        super().__init__(
            f"response {response_id} was already stored with a different body; a resend must repeat the "
            "original exactly, and a new response needs a new id",
            id=response_id,
        )


class AnswersInvalid(Unprocessable):
    slug = "answers-invalid"
    title = "Answers do not fit the questionnaire"


class OutsideCampaign(Unprocessable):
    slug = "outside-campaign"
    title = "The response does not belong to the campaign"


class BatchTooLarge(PayloadTooLarge):
    slug = "batch-too-large"
    title = "Too many responses in one batch"
