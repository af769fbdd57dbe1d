"""The ``nsi-standard`` questionnaire that every survey-api instance serves.

Questions, codes and Russian texts are fixed by the client contract (CONTRACT.md, survey-api);
English texts are glosses for bilingual forms.

Cross-check against the national method (``data/reference/nsi_health_model.json``,
``satisfaction_survey`` and ``nps``):

- ``q1_process`` … ``q5_support``: the Russian texts are the method's five questions verbatim.
- Answers: the method prints a four-point scale (Да / Скорее да / Скорее нет / Нет); the contract
  adds ``dont_know``. Because the contract counts ``dont_know`` in the denominator of the
  satisfaction share, a share here can be lower than the method's for the same respondents.
- ``comment``: the method's sixth question reads «Опишите Ваши предложения по совершенствованию
  процессов.»; the contract words it «Что мешало и что можно улучшить?» and the contract wins. The
  method suggests prompting for a comment after «Нет» / «Скорее нет»: that is a form (UI) concern,
  so the comment stays optional.
- ``nps``: the method names NPS but prints no question, scale or formula; the wording is the
  contract's and the 0–10 scale is the conventional one.

Required: the five satisfaction questions and ``nps`` (``dont_know`` gives a respondent a way out,
and an NPS or share over a varying subset of respondents would be hard to compare); the comment is
optional.
"""

from __future__ import annotations

from functools import cache

from survey_api.questionnaires.rules import Question, QuestionnaireDefinition, QuestionType

STANDARD_QUESTIONNAIRE_CODE = "nsi-standard"
STANDARD_QUESTIONNAIRE_VERSION = 1

SATISFACTION_QUESTION_CODE = "q1_process"
"""The question whose «Да» / «Скорее да» share is the satisfaction share."""

NPS_QUESTION_CODE = "nps"
COMMENT_QUESTION_CODE = "comment"

# (code, Russian text as in the contract, English gloss)
_SATISFACTION_QUESTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "q1_process",
        "Удовлетворены ли Вы текущим процессом оказания услуги или работы сервиса?",
        "Are you satisfied with the current process of providing the service or with how the service works?",
    ),
    (
        "q2_documents",
        "Удовлетворены ли Вы количеством документации?",
        "Are you satisfied with the amount of paperwork?",
    ),
    (
        "q3_duration",
        "Удовлетворены ли Вы длительностью оказания услуги?",
        "Are you satisfied with how long the service took?",
    ),
    (
        "q4_simplicity",
        "Удовлетворены ли Вы простотой и понятностью процесса получения услуги?",
        "Are you satisfied with how simple and clear the process of getting the service is?",
    ),
    (
        "q5_support",
        "Удовлетворены ли Вы качеством поддержки и сервиса?",
        "Are you satisfied with the quality of support and service?",
    ),
)


@cache
def standard_questionnaire() -> QuestionnaireDefinition:
    """The ``nsi-standard`` questionnaire, version 1 (built once; the model is immutable)."""
    satisfaction = [
        Question(code=code, type=QuestionType.SATISFACTION5, text_ru=text_ru, text_en=text_en, required=True)
        for code, text_ru, text_en in _SATISFACTION_QUESTIONS
    ]
    return QuestionnaireDefinition(
        code=STANDARD_QUESTIONNAIRE_CODE,
        version=STANDARD_QUESTIONNAIRE_VERSION,
        title_ru="Стандартная анкета НСИ: удовлетворённость и NPS",
        title_en="NSI standard questionnaire: satisfaction and NPS",
        questions=(
            *satisfaction,
            Question(
                code=NPS_QUESTION_CODE,
                type=QuestionType.NPS,
                text_ru="Насколько вероятно, что Вы порекомендуете это учреждение друзьям и знакомым?",
                text_en="How likely are you to recommend this institution to friends and acquaintances?",
                required=True,
            ),
            Question(
                code=COMMENT_QUESTION_CODE,
                type=QuestionType.FREE_TEXT,
                text_ru="Что мешало и что можно улучшить?",
                text_en="What got in your way, and what could be improved?",
                required=False,
            ),
        ),
    )
