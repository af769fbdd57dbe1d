"""The ``nsi-standard`` questionnaire, checked against the contract and the national method."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from survey_api.questionnaires.rules import QuestionType, validate_answers
from survey_api.questionnaires.standard import (
    STANDARD_QUESTIONNAIRE_CODE,
    standard_questionnaire,
    standard_versions,
)

REFERENCE = Path(__file__).resolve().parents[4] / "data" / "reference" / "nsi_health_model.json"


def _method() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return data


CONTRACT_QUESTIONS = [
    ("q1_process", QuestionType.SATISFACTION5, True),
    ("q2_documents", QuestionType.SATISFACTION5, True),
    ("q3_duration", QuestionType.SATISFACTION5, True),
    ("q4_simplicity", QuestionType.SATISFACTION5, True),
    ("q5_support", QuestionType.SATISFACTION5, True),
    ("nps", QuestionType.NPS, True),
    ("comment", QuestionType.FREE_TEXT, False),
]


def test_codes_types_and_required_as_in_the_contract() -> None:
    definition = standard_questionnaire()
    assert definition.code == STANDARD_QUESTIONNAIRE_CODE == "nsi-standard"
    assert definition.version == 2
    # The contract's seven questions in their places, then the optional screening question.
    assert [(q.code, q.type, q.required) for q in definition.questions] == [
        *CONTRACT_QUESTIONS,
        ("screening", QuestionType.SCREENING, False),
    ]
    assert definition.screening_code == "screening"
    assert all(q.text_en for q in definition.questions)


def test_version_1_is_kept_as_the_contract_first_fixed_it() -> None:
    first, current = standard_versions()
    assert (first.definition.version, current.definition.version) == (1, 2)
    assert [(q.code, q.type, q.required) for q in first.definition.questions] == CONTRACT_QUESTIONS
    assert first.definition.screening_code is None
    comment = first.definition.question("comment")
    assert comment is not None and comment.text_ru == "Что мешало и что можно улучшить?"
    # Everything but the comment's wording and the screening question is the same.
    same = [q for q in current.definition.questions if q.code not in ("comment", "screening")]
    assert same == [q for q in first.definition.questions if q.code != "comment"]
    assert first.reason and current.reason


def test_satisfaction_texts_are_the_methods_verbatim() -> None:
    method_questions = _method()["satisfaction_survey"]["questions_ru"]
    for version in standard_versions():
        ours = [q.text_ru for q in version.definition.questions[:5]]
        assert ours == method_questions[:5]


def test_the_sixth_question_is_worded_as_the_method_prints_it() -> None:
    method_sixth = _method()["satisfaction_survey"]["questions_ru"][5]
    comment = standard_questionnaire().question("comment")
    assert comment is not None
    assert method_sixth == "Опишите Ваши предложения по совершенствованию процессов."
    assert comment.text_ru == method_sixth
    assert _method()["satisfaction_survey"]["question_types"][5] == "free_text" and comment.required is False


def test_the_screening_question_asks_about_the_last_six_months() -> None:
    screening = standard_questionnaire().question("screening")
    assert screening is not None
    assert "6 месяцев" in screening.text_ru and "жизненную ситуацию" in screening.text_ru


def test_built_once() -> None:
    assert standard_questionnaire() is standard_questionnaire()


def test_a_typical_kiosk_response_is_valid() -> None:
    answers = {
        "q1_process": "yes",
        "q2_documents": "rather_no",
        "q3_duration": "no",
        "q4_simplicity": "dont_know",
        "q5_support": "rather_yes",
        "nps": 8,
        "comment": None,
    }
    for version in standard_versions():
        assert validate_answers(version.definition, answers) == []
    # Version 2 also takes a screening answer; version 1 has no such question.
    assert validate_answers(standard_questionnaire(), {**answers, "screening": "no"}) == []
    assert validate_answers(standard_versions()[0].definition, {**answers, "screening": "no"}) != []
    [error] = validate_answers(standard_questionnaire(), {**answers, "screening": "maybe"})
    assert error.pointer == "/answers/screening"
