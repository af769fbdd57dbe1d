"""One response's answers as stored, and the plan that checks and stores them in one pass.

Pure code: no FastAPI, no database. :func:`stored_answers` is the definition of what is stored
(unanswered questions dropped, free text masked, plus the has-text flag, the NPS score, the answers
of the satisfaction slots ``sat1`` … ``sat5`` and whether a screening «no» keeps the response out of
the aggregates). It runs after
:func:`~survey_api.questionnaires.rules.validate_answers`, which says what is valid and why not.

:class:`AnswerPlan` does both at once for the answers a kiosk sends nearly always: a flat object of
known question codes with valid values. Compiled once per questionnaire (option sets, ranges), it
costs a fraction of the two general functions, which matters on the kiosk-batch hot path where it
runs for every item. It only ever says "stored like this" or "not sure": for anything unusual
(an invalid answer, an int subclass, an unknown code) it answers ``None`` and the caller takes the
general path, which also explains the errors. A property test holds the plan equal to the general
path wherever it answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from survey_api.questionnaires.rules import (
    FREE_TEXT_MAX_LENGTH,
    NPS_MAX,
    NPS_MIN,
    RATING_MAX,
    RATING_MIN,
    SATISFACTION_VALUES,
    SCREENED_OUT_ANSWER,
    SCREENING_VALUES,
    QuestionnaireDefinition,
    QuestionType,
)
from survey_api.responses.rules import mask_personal_data


class StoredAnswers(NamedTuple):  # made for every item of every batch: a tuple is built in C
    answers: dict[str, Any]
    has_text: bool
    nps: int | None
    satisfaction: tuple[str | None, ...]
    """The answers of the satisfaction slots, in the order of the campaign's satisfaction codes."""
    screened_out: bool = False
    """The screening question was answered «no»: stored, but in no aggregate."""


def stored_answers(
    definition: QuestionnaireDefinition, satisfaction_codes: tuple[str, ...], answers: Mapping[str, Any]
) -> StoredAnswers:
    """What is stored of valid answers: unanswered ones dropped, free text masked."""
    stored: dict[str, Any] = {}
    has_text = False
    nps_score: int | None = None
    for question in definition.questions:
        value = answers.get(question.code)
        if value is None:
            continue
        if question.type is QuestionType.FREE_TEXT:
            if not value.strip():
                continue
            value = mask_personal_data(value)
            has_text = True
        elif question.type is QuestionType.MULTIPLE_CHOICE and not value:
            continue
        elif question.type is QuestionType.NPS and nps_score is None:
            nps_score = value
        stored[question.code] = value
    screening = definition.screening_code
    screened_out = screening is not None and stored.get(screening) == SCREENED_OUT_ANSWER
    return StoredAnswers(stored, has_text, nps_score, _satisfaction(stored, satisfaction_codes), screened_out)


def _satisfaction(stored: Mapping[str, Any], codes: tuple[str, ...]) -> tuple[str | None, ...]:
    found = []
    for code in codes:
        value = stored.get(code)
        found.append(value if isinstance(value, str) else None)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class _Choice:
    """A question answered by one value of a known type from a known set (satisfaction5,
    single_choice, screening, nps, rating): the common case, checked by a type test and a set lookup."""

    code: str
    type: type
    allowed: frozenset[Any]
    required: bool


@dataclass(frozen=True, slots=True)
class _Other:
    """A free-text or multiple-choice question."""

    code: str
    type: QuestionType
    required: bool
    allowed: frozenset[str]


class AnswerPlan:
    """:func:`validate_answers` and :func:`stored_answers` of one questionnaire, compiled."""

    def __init__(self, definition: QuestionnaireDefinition, satisfaction_codes: tuple[str, ...]) -> None:
        self.satisfaction_codes = satisfaction_codes
        self.known = frozenset(question.code for question in definition.questions)
        self.nps_codes = tuple(q.code for q in definition.questions if q.type is QuestionType.NPS)
        self.screening_code = definition.screening_code
        choices: list[_Choice] = []
        others: list[_Other] = []
        for question in definition.questions:
            code, required = question.code, question.required
            match question.type:
                case QuestionType.SATISFACTION5:
                    choices.append(_Choice(code, str, frozenset(SATISFACTION_VALUES), required))
                case QuestionType.SINGLE_CHOICE:
                    choices.append(_Choice(code, str, question.option_codes, required))
                case QuestionType.SCREENING:
                    choices.append(_Choice(code, str, frozenset(SCREENING_VALUES), required))
                case QuestionType.NPS:
                    # type(value) is int first: True == 1 would be found in the set.
                    choices.append(_Choice(code, int, frozenset(range(NPS_MIN, NPS_MAX + 1)), required))
                case QuestionType.RATING:
                    choices.append(_Choice(code, int, frozenset(range(RATING_MIN, RATING_MAX + 1)), required))
                case QuestionType.FREE_TEXT | QuestionType.MULTIPLE_CHOICE:
                    others.append(_Other(code, question.type, required, question.option_codes))
        self.choices = tuple(choices)
        self.others = tuple(others)
        text_choices = {choice.code for choice in choices if choice.type is str}
        self.satisfaction_are_choices = text_choices.issuperset(satisfaction_codes)

    def store(self, answers: Mapping[str, Any]) -> StoredAnswers | None:
        """The stored form of valid answers, or ``None`` when the general path must decide."""
        if type(answers) is not dict or not self.known.issuperset(answers):
            return None
        stored: dict[str, Any] = {}
        for choice in self.choices:
            value = answers.get(choice.code)
            if type(value) is choice.type and value in choice.allowed:
                stored[choice.code] = value
            elif value is not None or choice.required:
                return None
        has_text = False
        for other in self.others:
            value = answers.get(other.code)
            if other.type is QuestionType.FREE_TEXT:
                if type(value) is str and value.strip():
                    if len(value) > FREE_TEXT_MAX_LENGTH or "\x00" in value:
                        return None
                    stored[other.code] = mask_personal_data(value)
                    has_text = True
                    continue
            elif type(value) is list and value:
                if not all(type(item) is str for item in value) or not other.allowed.issuperset(value):
                    return None
                if len(set(value)) != len(value):
                    return None
                stored[other.code] = value
                continue
            # Unanswered (null, blank text, empty list) is fine unless required; a wrong type never.
            if other.required or not (value is None or type(value) is type(_EMPTY[other.type])):
                return None
        nps_score = None
        for code in self.nps_codes:
            if code in stored:
                nps_score = stored[code]
                break
        if self.satisfaction_are_choices:  # their stored values are strings: no type test needed
            satisfaction = tuple(map(stored.get, self.satisfaction_codes))
        else:
            satisfaction = _satisfaction(stored, self.satisfaction_codes)
        screened_out = self.screening_code is not None and stored.get(self.screening_code) == SCREENED_OUT_ANSWER
        return StoredAnswers(stored, has_text, nps_score, satisfaction, screened_out)


_EMPTY: dict[QuestionType, Any] = {QuestionType.FREE_TEXT: "", QuestionType.MULTIPLE_CHOICE: []}
