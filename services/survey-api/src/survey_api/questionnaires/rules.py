"""Questionnaire definitions and the validation of one response's answers against them.

Pure code: no FastAPI, no database. A definition is an immutable pydantic model, so one instance
(for example the cached ``nsi-standard``) can be shared safely between requests.

Answer shapes, as they arrive in JSON (``answers: {code: value}``):

========================  =====================================================================
question type             answer value
========================  =====================================================================
``satisfaction5``         one of ``yes, rather_yes, rather_no, no, dont_know``
``nps``                   integer 0–10
``rating``                integer 1–5
``single_choice``         one option code
``multiple_choice``       list of distinct option codes
``free_text``             string of at most :data:`FREE_TEXT_MAX_LENGTH` characters
``screening``             ``yes`` or ``no``
========================  =====================================================================

A ``screening`` question asks whether the respondent belongs to the surveyed population: the
national method surveys «потребители, проходящие на момент исследования или проходившие в течение
полугода ранее выбранную жизненную ситуацию». A questionnaire declares it by having one question of
that type (at most one). A ``no`` keeps the response out of every aggregate (it is stored and counted
as ``screened_out``); ``yes`` or no answer (when the question is optional) counts as usual.

A ``null`` value counts as "not answered" (kiosk apps send the whole form, unanswered fields
included), and so do a blank free text and an empty multiple-choice list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from zdrav_shared.validation import RequestModel

QUESTIONNAIRE_CODE_PATTERN = r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$"
"""Questionnaire codes are lower-case slugs such as ``nsi-standard`` (they appear in URLs)."""

QUESTION_CODE_PATTERN = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"
"""Question and option codes are snake_case such as ``q1_process`` (they are JSON keys)."""

CODE_MAX_LENGTH = 64
TEXT_MAX_LENGTH = 1000
FREE_TEXT_MAX_LENGTH = 2000
"""Longest accepted free-text answer, in characters (not bytes)."""

NPS_MIN, NPS_MAX = 0, 10
RATING_MIN, RATING_MAX = 1, 5
ANSWERS_POINTER = "/answers"


class QuestionType(StrEnum):
    """The kinds of question a questionnaire can ask."""

    SATISFACTION5 = "satisfaction5"
    NPS = "nps"
    RATING = "rating"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    FREE_TEXT = "free_text"
    SCREENING = "screening"

    @property
    def has_options(self) -> bool:
        """Whether questions of this type list their own options."""
        return self in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE)


class SatisfactionAnswer(StrEnum):
    """The national method's four-point scale plus ``dont_know`` (see ``nsi-standard``)."""

    YES = "yes"
    RATHER_YES = "rather_yes"
    RATHER_NO = "rather_no"
    NO = "no"
    DONT_KNOW = "dont_know"


POSITIVE_SATISFACTION_ANSWERS: frozenset[SatisfactionAnswer] = frozenset(
    {SatisfactionAnswer.YES, SatisfactionAnswer.RATHER_YES}
)
"""Answers counted as satisfied («Да», «Скорее да») in the satisfaction share."""

SATISFACTION_LABELS: Mapping[SatisfactionAnswer, tuple[str, str]] = {
    SatisfactionAnswer.YES: ("Да", "Yes"),
    SatisfactionAnswer.RATHER_YES: ("Скорее да", "Rather yes"),
    SatisfactionAnswer.RATHER_NO: ("Скорее нет", "Rather no"),
    SatisfactionAnswer.NO: ("Нет", "No"),
    SatisfactionAnswer.DONT_KNOW: ("Затрудняюсь ответить", "Don't know"),
}
"""Russian and English labels of the satisfaction answers, for forms (``(label_ru, label_en)``)."""

SATISFACTION_VALUES = tuple(answer.value for answer in SatisfactionAnswer)

FOUR_POINT_SATISFACTION_VALUES = tuple(
    answer.value for answer in SatisfactionAnswer if answer is not SatisfactionAnswer.DONT_KNOW
)
"""The method's four answers (Да / Скорее да / Скорее нет / Нет): the denominator of a satisfaction
share. ``dont_know`` is not among them and is reported beside the share."""


class ScreeningAnswer(StrEnum):
    """Answers to a ``screening`` question: did the respondent go through the situation now or in the
    last six months?"""

    YES = "yes"
    NO = "no"


SCREENING_VALUES = tuple(answer.value for answer in ScreeningAnswer)
SCREENED_OUT_ANSWER = ScreeningAnswer.NO.value
"""The screening answer that keeps a response out of the aggregates."""
SCREENING_LABELS: Mapping[ScreeningAnswer, tuple[str, str]] = {
    ScreeningAnswer.YES: ("Да", "Yes"),
    ScreeningAnswer.NO: ("Нет", "No"),
}

QuestionnaireCode = Annotated[str, StringConstraints(pattern=QUESTIONNAIRE_CODE_PATTERN, max_length=CODE_MAX_LENGTH)]
QuestionCode = Annotated[str, StringConstraints(pattern=QUESTION_CODE_PATTERN, max_length=CODE_MAX_LENGTH)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_MAX_LENGTH)]


class AnswerOption(RequestModel):
    """One option of a single- or multiple-choice question."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: QuestionCode
    label_ru: Text
    label_en: Text | None = None


class Question(RequestModel):
    """One question: its code is the key of its answer in a response."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: QuestionCode
    type: QuestionType
    text_ru: Text
    text_en: Text | None = None
    required: bool = False
    options: tuple[AnswerOption, ...] | None = None

    @model_validator(mode="after")
    def _options_match_type(self) -> Question:
        if not self.type.has_options:
            if self.options is not None:
                raise ValueError(f"a {self.type.value} question takes no options")
            return self
        # Two options is the least that makes a choice; one would be a constant answer.
        if self.options is None or len(self.options) < 2:
            raise ValueError(f"a {self.type.value} question needs at least two options")
        codes = [option.code for option in self.options]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"option codes must be unique, repeated: {', '.join(duplicates)}")
        return self

    @property
    def option_codes(self) -> frozenset[str]:
        """Codes of the options (empty for types without options)."""
        return frozenset(option.code for option in self.options or ())


class QuestionnaireDefinition(BaseModel):
    """A versioned questionnaire: a code, titles and an ordered list of questions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: QuestionnaireCode
    version: int = Field(ge=1)
    title_ru: Text
    title_en: Text | None = None
    questions: tuple[Question, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_question_codes(self) -> QuestionnaireDefinition:
        codes = [question.code for question in self.questions]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"question codes must be unique, repeated: {', '.join(duplicates)}")
        # One answer decides whether a response counts: two screening questions could disagree.
        screening = [question.code for question in self.questions if question.type is QuestionType.SCREENING]
        if len(screening) > 1:
            raise ValueError(f"a questionnaire has at most one screening question, found: {', '.join(screening)}")
        return self

    def question(self, code: str) -> Question | None:
        """The question with this code, or ``None``."""
        return next((question for question in self.questions if question.code == code), None)

    @property
    def screening_code(self) -> str | None:
        """The code of the screening question, if the questionnaire has one."""
        return next((q.code for q in self.questions if q.type is QuestionType.SCREENING), None)


@dataclass(frozen=True, slots=True)
class AnswerError:
    """One problem with an answer set, in the ``{pointer, message}`` shape of a 422 problem."""

    pointer: str
    message: str


def json_pointer(*parts: str | int, prefix: str = "") -> str:
    """Build an RFC 6901 JSON pointer, escaping ``~`` and ``/`` inside the parts."""
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in parts)
    return prefix + "".join(f"/{part}" for part in escaped)


def validate_answers(
    definition: QuestionnaireDefinition,
    answers: Mapping[str, Any],
    *,
    pointer_prefix: str = ANSWERS_POINTER,
) -> list[AnswerError]:
    """Check one response's answers against its questionnaire; an empty list means valid.

    ``answers`` is the decoded JSON object ``{question_code: value}``. Every problem is reported,
    not only the first, so a kiosk operator can fix a form in one go: unknown question codes,
    values of the wrong type or outside the allowed set or range, missing required answers,
    duplicate or unknown options in a multiple choice, over-long free text. Booleans are never
    accepted as integers (``True`` is an ``int`` in Python but not a score), nor are floats such
    as ``7.0``: a kiosk that sends them has a bug worth surfacing.

    ``pointer_prefix`` locates the answers object in the request, e.g. ``/responses/3/answers``
    for the fourth response of a batch. Errors come in questionnaire order, then unknown codes in
    the order they were sent.
    """
    errors: list[AnswerError] = []
    for question in definition.questions:
        value = answers.get(question.code)
        if _is_unanswered(question, value):
            if question.required:
                pointer = json_pointer(question.code, prefix=pointer_prefix)
                errors.append(AnswerError(pointer, f"an answer to '{question.code}' is required"))
            continue
        # Valid answers are the common case: build the pointer only for an answer that has errors.
        if _check_value(question, value, ""):
            errors.extend(_check_value(question, value, json_pointer(question.code, prefix=pointer_prefix)))
    known = {question.code for question in definition.questions}
    for code in answers:
        if code not in known:
            errors.append(
                AnswerError(
                    json_pointer(code, prefix=pointer_prefix),
                    f"'{code}' is not a question of questionnaire '{definition.code}'",
                )
            )
    return errors


def _is_unanswered(question: Question, value: Any) -> bool:
    if value is None:
        return True
    if question.type is QuestionType.FREE_TEXT and isinstance(value, str):
        return not value.strip()
    return question.type is QuestionType.MULTIPLE_CHOICE and isinstance(value, list) and not value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_value(question: Question, value: Any, pointer: str) -> list[AnswerError]:
    match question.type:
        case QuestionType.SATISFACTION5:
            if isinstance(value, str) and value in SATISFACTION_VALUES:
                return []
            return [AnswerError(pointer, f"must be one of: {', '.join(SATISFACTION_VALUES)}")]
        case QuestionType.NPS:
            return _check_int(value, NPS_MIN, NPS_MAX, pointer)
        case QuestionType.RATING:
            return _check_int(value, RATING_MIN, RATING_MAX, pointer)
        case QuestionType.SINGLE_CHOICE:
            if isinstance(value, str) and value in question.option_codes:
                return []
            return [AnswerError(pointer, f"must be one of the options: {_options_text(question)}")]
        case QuestionType.MULTIPLE_CHOICE:
            return _check_multiple(question, value, pointer)
        case QuestionType.FREE_TEXT:
            return _check_text(value, pointer)
        case QuestionType.SCREENING:
            if isinstance(value, str) and value in SCREENING_VALUES:
                return []
            return [AnswerError(pointer, f"must be one of: {', '.join(SCREENING_VALUES)}")]


def _check_int(value: Any, low: int, high: int, pointer: str) -> list[AnswerError]:
    if not _is_int(value):
        return [AnswerError(pointer, f"must be a whole number from {low} to {high}")]
    if not low <= value <= high:
        return [AnswerError(pointer, f"must be from {low} to {high}, got {value}")]
    return []


def _check_multiple(question: Question, value: Any, pointer: str) -> list[AnswerError]:
    # A bare string is a sequence too; accepting it would split "a_b" into letters.
    if not isinstance(value, list):
        return [AnswerError(pointer, f"must be a list of option codes: {_options_text(question)}")]
    errors: list[AnswerError] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        item_pointer = json_pointer(index, prefix=pointer)
        if not isinstance(item, str) or item not in question.option_codes:
            errors.append(AnswerError(item_pointer, f"must be one of the options: {_options_text(question)}"))
        elif item in seen:
            errors.append(AnswerError(item_pointer, f"option '{item}' is selected more than once"))
        else:
            seen.add(item)
    return errors


def _check_text(value: Any, pointer: str) -> list[AnswerError]:
    if not isinstance(value, str):
        return [AnswerError(pointer, "must be a string")]
    if len(value) > FREE_TEXT_MAX_LENGTH:
        return [AnswerError(pointer, f"must be at most {FREE_TEXT_MAX_LENGTH} characters, got {len(value)}")]
    # PostgreSQL text cannot hold NUL: refusing it here keeps it a 422 instead of a 500.
    if "\x00" in value:
        return [AnswerError(pointer, "must not contain NUL characters")]
    return []


def _options_text(question: Question) -> str:
    return ", ".join(option.code for option in question.options or ())
