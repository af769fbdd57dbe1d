"""The ``nsi-standard`` questionnaire, checked against the contract and the national method."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from survey_api.questionnaires.rules import QuestionType, validate_answers
from survey_api.questionnaires.standard import (
    STANDARD_QUESTIONNAIRE_CODE,
    standard_questionnaire,
)

REFERENCE = Path(__file__).resolve().parents[4] / "data" / "reference" / "nsi_health_model.json"


def _method() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return data


def test_codes_types_and_required_as_in_the_contract() -> None:
    definition = standard_questionnaire()
    assert definition.code == STANDARD_QUESTIONNAIRE_CODE == "nsi-standard"
    assert definition.version == 1
    assert [(q.code, q.type, q.required) for q in definition.questions] == [
        ("q1_process", QuestionType.SATISFACTION5, True),
        ("q2_documents", QuestionType.SATISFACTION5, True),
        ("q3_duration", QuestionType.SATISFACTION5, True),
        ("q4_simplicity", QuestionType.SATISFACTION5, True),
        ("q5_support", QuestionType.SATISFACTION5, True),
        ("nps", QuestionType.NPS, True),
        ("comment", QuestionType.FREE_TEXT, False),
    ]
    assert all(q.text_en for q in definition.questions)


def test_satisfaction_texts_are_the_methods_verbatim() -> None:
    method_questions = _method()["satisfaction_survey"]["questions_ru"]
    ours = [q.text_ru for q in standard_questionnaire().questions[:5]]
    assert ours == method_questions[:5]


def test_comment_wording_differs_from_the_method_as_documented() -> None:
    method_sixth = _method()["satisfaction_survey"]["questions_ru"][5]
    comment = standard_questionnaire().question("comment")
    assert comment is not None
    assert method_sixth == "Опишите Ваши предложения по совершенствованию процессов."
    assert comment.text_ru == "Что мешало и что можно улучшить?"


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
    assert validate_answers(standard_questionnaire(), answers) == []
