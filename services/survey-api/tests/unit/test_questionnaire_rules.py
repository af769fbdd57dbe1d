"""Questionnaire definitions and answer validation."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from survey_api.questionnaires.rules import (
    FREE_TEXT_MAX_LENGTH,
    AnswerError,
    AnswerOption,
    Question,
    QuestionnaireDefinition,
    QuestionType,
    json_pointer,
    validate_answers,
)


def _options(*codes: str) -> tuple[AnswerOption, ...]:
    return tuple(AnswerOption(code=code, label_ru=code.upper()) for code in codes)


@pytest.fixture(scope="module")
def definition() -> QuestionnaireDefinition:
    return QuestionnaireDefinition(
        code="test-all-types",
        version=1,
        title_ru="Проверка",
        questions=(
            Question(code="sat", type=QuestionType.SATISFACTION5, text_ru="Довольны?", required=True),
            Question(code="nps", type=QuestionType.NPS, text_ru="Порекомендуете?", required=True),
            Question(code="rate", type=QuestionType.RATING, text_ru="Оценка?"),
            Question(
                code="channel",
                type=QuestionType.SINGLE_CHOICE,
                text_ru="Как записались?",
                options=_options("phone", "portal", "desk"),
            ),
            Question(
                code="issues",
                type=QuestionType.MULTIPLE_CHOICE,
                text_ru="Что мешало?",
                options=_options("queue", "rude", "dirty"),
            ),
            Question(code="comment", type=QuestionType.FREE_TEXT, text_ru="Комментарий"),
        ),
    )


VALID: dict[str, Any] = {
    "sat": "rather_yes",
    "nps": 9,
    "rate": 4,
    "channel": "portal",
    "issues": ["queue", "dirty"],
    "comment": "Долго ждал у кабинета 305",
}


class TestDefinition:
    def test_duplicate_question_codes_are_refused(self) -> None:
        question = Question(code="q1", type=QuestionType.NPS, text_ru="?")
        with pytest.raises(ValidationError, match="repeated: q1"):
            QuestionnaireDefinition(code="x", version=1, title_ru="X", questions=(question, question))

    def test_choice_question_needs_options(self) -> None:
        with pytest.raises(ValidationError, match="at least two options"):
            Question(code="q", type=QuestionType.SINGLE_CHOICE, text_ru="?")
        with pytest.raises(ValidationError, match="at least two options"):
            Question(code="q", type=QuestionType.MULTIPLE_CHOICE, text_ru="?", options=_options("a"))

    @pytest.mark.parametrize("kind", [t for t in QuestionType if not t.has_options])
    def test_options_only_on_choice_types(self, kind: QuestionType) -> None:
        with pytest.raises(ValidationError, match="takes no options"):
            Question(code="q", type=kind, text_ru="?", options=_options("a", "b"))

    def test_duplicate_option_codes_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="repeated: a"):
            Question(code="q", type=QuestionType.SINGLE_CHOICE, text_ru="?", options=_options("a", "b", "a"))

    @pytest.mark.parametrize("code", ["Q1", "1q", "q-1", "q 1", "q__1", "q1_", "", "щ1", "q" * 65])
    def test_bad_question_codes_are_refused(self, code: str) -> None:
        with pytest.raises(ValidationError):
            Question(code=code, type=QuestionType.NPS, text_ru="?")

    @pytest.mark.parametrize("code", ["nsi-standard", "cardio_2025", "a1"])
    def test_questionnaire_codes_may_be_slugs(self, code: str) -> None:
        question = Question(code="q", type=QuestionType.NPS, text_ru="?")
        assert QuestionnaireDefinition(code=code, version=1, title_ru="X", questions=(question,)).code == code

    def test_blank_russian_text_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            Question(code="q", type=QuestionType.NPS, text_ru="   ")

    def test_version_and_questions_are_required(self) -> None:
        with pytest.raises(ValidationError):
            QuestionnaireDefinition(code="x", version=0, title_ru="X", questions=())

    def test_extra_fields_are_refused(self) -> None:
        with pytest.raises(ValidationError):
            Question.model_validate({"code": "q", "type": "nps", "text_ru": "?", "weight": 2})

    def test_definition_round_trips_through_json(self, definition: QuestionnaireDefinition) -> None:
        again = QuestionnaireDefinition.model_validate_json(definition.model_dump_json())
        assert again == definition
        assert again.question("issues") is not None
        assert again.question("missing") is None


class TestValidateAnswers:
    def test_valid_answers(self, definition: QuestionnaireDefinition) -> None:
        assert validate_answers(definition, VALID) == []

    def test_only_required_answers(self, definition: QuestionnaireDefinition) -> None:
        assert validate_answers(definition, {"sat": "dont_know", "nps": 0}) == []

    def test_missing_required_answers(self, definition: QuestionnaireDefinition) -> None:
        errors = validate_answers(definition, {"nps": None})
        assert [e.pointer for e in errors] == ["/answers/sat", "/answers/nps"]
        assert all("required" in e.message for e in errors)

    def test_unknown_question(self, definition: QuestionnaireDefinition) -> None:
        errors = validate_answers(definition, {**VALID, "q9/x~": 1})
        assert errors == [
            AnswerError("/answers/q9~1x~0", "'q9/x~' is not a question of questionnaire 'test-all-types'")
        ]

    @pytest.mark.parametrize("value", ["YES", "да", 1, True, ["yes"], ""])
    def test_bad_satisfaction_answer(self, definition: QuestionnaireDefinition, value: Any) -> None:
        errors = validate_answers(definition, {**VALID, "sat": value})
        assert len(errors) == 1
        assert errors[0].pointer == "/answers/sat"
        assert "yes, rather_yes, rather_no, no, dont_know" in errors[0].message

    @pytest.mark.parametrize("value", [0, 6, 10])
    def test_nps_bounds_accepted(self, definition: QuestionnaireDefinition, value: int) -> None:
        assert validate_answers(definition, {**VALID, "nps": value}) == []

    @pytest.mark.parametrize("value", [-1, 11, 100])
    def test_nps_out_of_range(self, definition: QuestionnaireDefinition, value: int) -> None:
        errors = validate_answers(definition, {**VALID, "nps": value})
        assert errors == [AnswerError("/answers/nps", f"must be from 0 to 10, got {value}")]

    @pytest.mark.parametrize("value", [True, False, 7.0, "7", [7]])
    def test_nps_must_be_a_plain_integer(self, definition: QuestionnaireDefinition, value: Any) -> None:
        errors = validate_answers(definition, {**VALID, "nps": value})
        assert errors == [AnswerError("/answers/nps", "must be a whole number from 0 to 10")]

    @pytest.mark.parametrize(("value", "ok"), [(1, True), (5, True), (0, False), (6, False), (True, False)])
    def test_rating(self, definition: QuestionnaireDefinition, value: Any, ok: bool) -> None:
        assert (validate_answers(definition, {**VALID, "rate": value}) == []) is ok

    @pytest.mark.parametrize("value", ["email", "PHONE", 1, ["phone"]])
    def test_single_choice_unknown(self, definition: QuestionnaireDefinition, value: Any) -> None:
        errors = validate_answers(definition, {**VALID, "channel": value})
        assert errors == [AnswerError("/answers/channel", "must be one of the options: phone, portal, desk")]

    def test_multiple_choice_duplicates_and_unknown(self, definition: QuestionnaireDefinition) -> None:
        errors = validate_answers(definition, {**VALID, "issues": ["queue", "noise", "queue", 3]})
        assert [e.pointer for e in errors] == ["/answers/issues/1", "/answers/issues/2", "/answers/issues/3"]
        assert "more than once" in errors[1].message

    def test_multiple_choice_is_a_list_not_a_string(self, definition: QuestionnaireDefinition) -> None:
        errors = validate_answers(definition, {**VALID, "issues": "queue"})
        assert errors == [AnswerError("/answers/issues", "must be a list of option codes: queue, rude, dirty")]

    def test_empty_multiple_choice_and_blank_text_are_unanswered(self, definition: QuestionnaireDefinition) -> None:
        assert validate_answers(definition, {**VALID, "issues": [], "comment": "  "}) == []

    def test_free_text_length(self, definition: QuestionnaireDefinition) -> None:
        assert validate_answers(definition, {**VALID, "comment": "ж" * FREE_TEXT_MAX_LENGTH}) == []
        errors = validate_answers(definition, {**VALID, "comment": "ж" * (FREE_TEXT_MAX_LENGTH + 1)})
        assert errors == [AnswerError("/answers/comment", "must be at most 2000 characters, got 2001")]

    @pytest.mark.parametrize("value", [5, ["a"], {"text": "a"}])
    def test_free_text_must_be_a_string(self, definition: QuestionnaireDefinition, value: Any) -> None:
        assert validate_answers(definition, {**VALID, "comment": value}) == [
            AnswerError("/answers/comment", "must be a string")
        ]

    def test_free_text_refuses_nul(self, definition: QuestionnaireDefinition) -> None:
        errors = validate_answers(definition, {**VALID, "comment": "a\x00b"})
        assert [e.message for e in errors] == ["must not contain NUL characters"]

    def test_pointer_prefix_for_a_batch_item(self, definition: QuestionnaireDefinition) -> None:
        errors = validate_answers(definition, {"sat": "yes"}, pointer_prefix="/responses/3/answers")
        assert errors[0].pointer == "/responses/3/answers/nps"

    def test_every_problem_is_reported(self, definition: QuestionnaireDefinition) -> None:
        answers = {"sat": "maybe", "rate": 9, "channel": "x", "issues": ["x"], "comment": 1, "extra": 1}
        assert len(validate_answers(definition, answers)) == 7  # incl. the missing nps

    @settings(max_examples=150, deadline=None)
    @given(
        st.dictionaries(
            st.text(max_size=8),
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5) | st.lists(st.text()),
            max_size=8,
        )
    )
    def test_any_json_input_gives_errors_not_exceptions(
        self, definition: QuestionnaireDefinition, answers: dict[str, Any]
    ) -> None:
        errors = validate_answers(definition, answers)
        assert all(e.pointer.startswith("/answers/") for e in errors)


def test_json_pointer_escapes() -> None:
    assert json_pointer("a/b", "c~d", 0, prefix="/answers") == "/answers/a~1b/c~0d/0"


class TestScreening:
    QUESTION = Question(code="lately", type=QuestionType.SCREENING, text_ru="Были в последние 6 месяцев?")

    def _definition(self, *extra: Question) -> QuestionnaireDefinition:
        sat = Question(code="sat", type=QuestionType.SATISFACTION5, text_ru="Довольны?", required=True)
        return QuestionnaireDefinition(code="s", version=1, title_ru="С", questions=(self.QUESTION, sat, *extra))

    @pytest.mark.parametrize("value", ["yes", "no", None])
    def test_yes_no_or_unanswered_when_optional(self, value: Any) -> None:
        assert validate_answers(self._definition(), {"lately": value, "sat": "no"}) == []

    @pytest.mark.parametrize("value", ["No", "maybe", True, 0, ["no"]])
    def test_anything_else_is_refused(self, value: Any) -> None:
        assert validate_answers(self._definition(), {"lately": value, "sat": "no"}) == [
            AnswerError("/answers/lately", "must be one of: yes, no")
        ]

    def test_at_most_one_per_questionnaire(self) -> None:
        with pytest.raises(ValidationError, match="at most one screening question"):
            self._definition(Question(code="again", type=QuestionType.SCREENING, text_ru="Ещё раз?"))
        assert self._definition().screening_code == "lately"

    def test_takes_no_options(self) -> None:
        with pytest.raises(ValidationError, match="takes no options"):
            Question(code="x", type=QuestionType.SCREENING, text_ru="?", options=_options("yes", "no"))
