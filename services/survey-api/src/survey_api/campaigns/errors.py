from __future__ import annotations

from zdrav_shared.problems import Conflict, NotFound


class CampaignNotFound(NotFound):
    slug = "campaign-not-found"
    title = "Campaign not found"

    def __init__(self, code: str) -> None:
        super().__init__(f"there is no campaign with code {code}", code=code)


class CampaignCodeTaken(Conflict):
    slug = "campaign-code-taken"
    title = "Campaign code already exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"a campaign with code {code} already exists", code=code)


class CampaignNotActive(Conflict):
    slug = "campaign-not-active"
    title = "The campaign does not accept responses"

    def __init__(self, code: str, status: str) -> None:
        # Not ``status=``: that key of the problem is the HTTP status (409), which it would overwrite.
        super().__init__(
            f"campaign {code} is {status}: it accepts new responses only while active", campaign_status=status
        )


class BadStatusTransition(Conflict):
    slug = "campaign-status-transition"
    title = "Campaign status cannot change that way"

    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(f"a {current} campaign cannot become {wanted} (draft → active → closed)")
