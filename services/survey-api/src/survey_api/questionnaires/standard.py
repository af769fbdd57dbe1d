"""The ``nsi-standard`` questionnaire that every survey-api instance serves, in all its versions.

Questions, codes and answers are fixed by the client contract (CONTRACT.md, survey-api); English
texts are glosses for bilingual forms. Cross-check against the national method
(``data/reference/nsi_health_model.json``, ``satisfaction_survey`` and ``nps``):

- ``q1_process`` … ``q5_support``: the Russian texts are the method's five questions verbatim.
- Answers: the method prints a four-point scale (Да / Скорее да / Скорее нет / Нет); the contract
  adds ``dont_know``, which is reported beside the satisfaction share and kept out of its
  denominator, so a share here is the method's share.
- ``comment``: the method's sixth question, «Опишите Ваши предложения по совершенствованию
  процессов.». Version 1 worded it as the contract first did («Что мешало и что можно улучшить?»);
  version 2 words it as the method prints it (issue 15). The method suggests prompting for a comment
  after «Нет» / «Скорее нет»: that is a form (UI) concern, so the comment stays optional.
- ``screening`` (version 2): the method surveys those going through the life situation now or in the
  last six months. A ``no`` keeps the response out of the aggregates. It is optional, so that a form
  that does not ask it (every kiosk app built on version 1) still sends valid answers, and it is listed
  last so that the contract's seven questions keep their positions; forms ask it first.
- ``nps``: the method names NPS but prints no question, scale or formula; the wording is the
  contract's and the 0–10 scale is the conventional one.

Required: the five satisfaction questions and ``nps`` (``dont_know`` gives a respondent a way out,
and an NPS or share over a varying subset of respondents would be hard to compare); the comment and
the screening question are optional.

Published versions never change (campaigns and their responses refer to them), so a new wording is a
new version: every database holds both, inserted at start if absent (``QuestionnaireService.
ensure_standard``), owned by the federation (``RU``), and campaigns created without a version take the
latest.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from survey_api.questionnaires.rules import Question, QuestionnaireDefinition, QuestionType

STANDARD_QUESTIONNAIRE_CODE = "nsi-standard"
STANDARD_QUESTIONNAIRE_VERSION = 2
"""The current version: what a campaign created without a version gets."""

SATISFACTION_QUESTION_CODE = "q1_process"
"""The question whose «Да» / «Скорее да» share is the satisfaction share."""

NPS_QUESTION_CODE = "nps"
COMMENT_QUESTION_CODE = "comment"
SCREENING_QUESTION_CODE = "screening"

CONTRACT_COMMENT_RU = "Что мешало и что можно улучшить?"
METHOD_COMMENT_RU = "Опишите Ваши предложения по совершенствованию процессов."
"""The method's sixth question, as printed (``satisfaction_survey.questions_ru[5]``)."""

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


@dataclass(frozen=True, slots=True)
class StandardVersion:
    """One version of ``nsi-standard`` and why it was made (its history row says so)."""

    definition: QuestionnaireDefinition
    reason: str


def _definition(version: int, comment: tuple[str, str], screening: bool) -> QuestionnaireDefinition:
    satisfaction = [
        Question(code=code, type=QuestionType.SATISFACTION5, text_ru=text_ru, text_en=text_en, required=True)
        for code, text_ru, text_en in _SATISFACTION_QUESTIONS
    ]
    screening_questions = (
        [
            Question(
                code=SCREENING_QUESTION_CODE,
                type=QuestionType.SCREENING,
                text_ru="Вы проходите сейчас или проходили в течение последних 6 месяцев эту жизненную ситуацию?",
                text_en="Are you going through this life situation now, or did you in the last 6 months?",
                required=False,
            )
        ]
        if screening
        else []
    )
    return QuestionnaireDefinition(
        code=STANDARD_QUESTIONNAIRE_CODE,
        version=version,
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
                text_ru=comment[0],
                text_en=comment[1],
                required=False,
            ),
            *screening_questions,
        ),
    )


@cache
def standard_versions() -> tuple[StandardVersion, ...]:
    """Every version of ``nsi-standard``, oldest first (built once; the models are immutable)."""
    return (
        StandardVersion(
            _definition(1, (CONTRACT_COMMENT_RU, "What got in your way, and what could be improved?"), screening=False),
            "the national standard questionnaire as the client contract first fixed it",
        ),
        StandardVersion(
            _definition(
                STANDARD_QUESTIONNAIRE_VERSION,
                (METHOD_COMMENT_RU, "Describe your proposals for improving the processes."),
                screening=True,
            ),
            "the sixth question worded as the national method prints it; an optional screening question "
            "(the method surveys those going through the situation now or in the last six months)",
        ),
    )


def standard_questionnaire() -> QuestionnaireDefinition:
    """The current version of ``nsi-standard``."""
    return standard_versions()[-1].definition
