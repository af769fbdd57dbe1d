"""The compiled answer plan against the general path (validate_answers, then stored_answers).

The plan is an optimisation of the kiosk hot path: wherever it answers, it must answer exactly what
the general path stores, and it must answer for the valid flat answers kiosks send."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_api.campaigns.context import satisfaction_codes
from survey_api.questionnaires.rules import (
    FREE_TEXT_MAX_LENGTH,
    AnswerOption,
    Question,
    QuestionnaireDefinition,
    QuestionType,
    validate_answers,
)
from survey_api.questionnaires.standard import standard_questionnaire
from survey_api.responses.answers import AnswerPlan, stored_answers


def _options(*codes: str) -> tuple[AnswerOption, ...]:
    return tuple(AnswerOption(code=code, label_ru=code.upper()) for code in codes)


ALL_TYPES = QuestionnaireDefinition(
    code="plan-all-types",
    version=1,
    title_ru="Проверка",
    questions=(
        Question(code="sat", type=QuestionType.SATISFACTION5, text_ru="Довольны?", required=True),
        Question(code="sat_two", type=QuestionType.SATISFACTION5, text_ru="А так?"),
        Question(code="nps", type=QuestionType.NPS, text_ru="Порекомендуете?"),
        Question(code="nps_again", type=QuestionType.NPS, text_ru="Ещё раз?"),
        Question(code="rate", type=QuestionType.RATING, text_ru="Оценка?", required=True),
        Question(code="visit", type=QuestionType.SINGLE_CHOICE, text_ru="Как?", options=_options("walk", "car")),
        Question(
            code="tags", type=QuestionType.MULTIPLE_CHOICE, text_ru="Что?", options=_options("a", "b", "c")
        ),
        Question(
            code="must", type=QuestionType.MULTIPLE_CHOICE, text_ru="Обязательно?", options=_options("x", "y"),
            required=True,
        ),
        Question(code="comment", type=QuestionType.FREE_TEXT, text_ru="Комментарий"),
        Question(code="reason", type=QuestionType.FREE_TEXT, text_ru="Причина", required=True),
        Question(code="lately", type=QuestionType.SCREENING, text_ru="Были в последние 6 месяцев?"),
    ),
)  # fmt: skip
REQUIRED_SCREENING = QuestionnaireDefinition(
    code="plan-required-screening",
    version=1,
    title_ru="Проверка",
    questions=(
        Question(code="lately", type=QuestionType.SCREENING, text_ru="Были?", required=True),
        Question(code="q1_process", type=QuestionType.SATISFACTION5, text_ru="Довольны?", required=True),
        Question(code="nps", type=QuestionType.NPS, text_ru="Порекомендуете?"),
    ),
)
DEFINITIONS = [ALL_TYPES, REQUIRED_SCREENING, standard_questionnaire()]

_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.floats(allow_nan=False),
    st.sampled_from(["yes", "no", "rather_no", "dont_know", "walk", "car", "a", "x", "", "  ", "maybe", "No"]),
    st.text(max_size=12),
    st.lists(st.sampled_from(["a", "b", "c", "x", "y", "z", 1]), max_size=4),
    st.just("текст 8 912 345-67-89 a@b.ru"),
    st.just("x" * (FREE_TEXT_MAX_LENGTH + 1)),
    st.just("with \x00 nul"),
)
# Just inside and just outside what is valid, for every type: where a compiled check is most likely
# to be off by one.
EDGES: list[Any] = [
    *(-1, 0, 1, 5, 6, 10, 11, True, False, 7.0, "7", "YES", "no", "NO", "other", "a", "", " ", "\x00", None),
    *(["a", "a"], ["z"], [], ["a", 1], ["x", "y"], ["y", "y"]),
    *("x" * FREE_TEXT_MAX_LENGTH, "x" * (FREE_TEXT_MAX_LENGTH + 1)),
]


def _valid_value(question: Question) -> st.SearchStrategy[Any]:
    options = sorted(question.option_codes)
    unanswered = st.none() if not question.required else st.nothing()
    match question.type:
        case QuestionType.SATISFACTION5:
            value: st.SearchStrategy[Any] = st.sampled_from(["yes", "rather_yes", "rather_no", "no", "dont_know"])
        case QuestionType.NPS:
            value = st.integers(0, 10)
        case QuestionType.RATING:
            value = st.integers(1, 5)
        case QuestionType.SINGLE_CHOICE:
            value = st.sampled_from(options)
        case QuestionType.MULTIPLE_CHOICE:
            value = st.lists(st.sampled_from(options), min_size=1, unique=True)
            unanswered = unanswered | st.just([]) if not question.required else unanswered
        case QuestionType.SCREENING:
            value = st.sampled_from(["yes", "no"])
        case QuestionType.FREE_TEXT:
            value = st.text(min_size=1, max_size=40).filter(lambda t: t.strip() and "\x00" not in t)
            unanswered = unanswered | st.sampled_from(["", "   "]) if not question.required else unanswered
    return value | unanswered


def _valid_answers(definition: QuestionnaireDefinition) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({q.code: _valid_value(q) for q in definition.questions})


def _general(definition: QuestionnaireDefinition, answers: dict[str, Any]) -> Any:
    if validate_answers(definition, answers):
        return None
    return stored_answers(definition, satisfaction_codes(definition), answers)


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.code)
@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_the_plan_stores_what_the_general_path_stores(definition: QuestionnaireDefinition, data: Any) -> None:
    codes = [q.code for q in definition.questions] + ["unknown"]
    answers = data.draw(
        st.one_of(
            _valid_answers(definition),
            st.dictionaries(st.sampled_from(codes), _ANY, max_size=len(codes)),
            # valid answers with one value swapped for anything
            _valid_answers(definition).flatmap(
                lambda valid: st.tuples(st.sampled_from(codes), st.sampled_from(EDGES) | _ANY).map(
                    lambda kv: {**valid, kv[0]: kv[1]}
                )
            ),
        )
    )
    found = AnswerPlan(definition, satisfaction_codes(definition)).store(answers)
    if found is not None:
        assert found == _general(definition, answers)


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.code)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_every_edge_value_in_every_question(definition: QuestionnaireDefinition, data: Any) -> None:
    valid = data.draw(_valid_answers(definition))
    plan = AnswerPlan(definition, satisfaction_codes(definition))
    for question in definition.questions:
        for edge in EDGES:
            answers = {**valid, question.code: edge}
            found = plan.store(answers)
            if found is not None:
                assert found == _general(definition, answers), (question.code, edge)


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.code)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_plan_answers_for_valid_flat_answers(definition: QuestionnaireDefinition, data: Any) -> None:
    """The fast path is taken for what kiosks send: without it the plan would be dead weight."""
    answers = data.draw(_valid_answers(definition))
    found = AnswerPlan(definition, satisfaction_codes(definition)).store(answers)
    assert found is not None
    assert found == _general(definition, answers)


def test_the_plan_by_hand() -> None:
    plan = AnswerPlan(ALL_TYPES, satisfaction_codes(ALL_TYPES))
    answers = {
        "sat": "yes", "nps": None, "nps_again": 7, "rate": 4, "tags": [], "must": ["y", "x"],
        "comment": "звоните 8 912 345-67-89", "reason": "очередь",
    }  # fmt: skip
    found = plan.store(answers)
    assert found is not None
    assert found.answers == {
        "sat": "yes", "nps_again": 7, "rate": 4, "must": ["y", "x"], "comment": "звоните [phone]", "reason": "очередь",
    }  # fmt: skip
    assert (found.has_text, found.nps, found.satisfaction, found.screened_out) == (True, 7, ("yes", None), False)
    # A screening «no» is stored as sent and marks the response screened out; «yes» does not.
    screened = plan.store({**answers, "lately": "no"})
    assert screened is not None and screened.screened_out is True and screened.answers["lately"] == "no"
    kept = plan.store({**answers, "lately": "yes"})
    assert kept is not None and kept.screened_out is False
    # Not sure → the general path decides (here: True is not a score, a repeated option, an unknown code).
    assert plan.store({**answers, "rate": True}) is None
    assert plan.store({**answers, "must": ["x", "x"]}) is None
    assert plan.store({**answers, "extra": 1}) is None
    assert plan.store({**answers, "reason": "  "}) is None  # required and blank
    assert plan.store({**answers, "lately": "No"}) is None  # not a screening answer
