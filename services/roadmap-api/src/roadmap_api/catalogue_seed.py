"""The method's catalogues every database holds: the three health life situations and the nine health
best practices of the NSI "Здравоохранение" target model (data/reference/nsi_health_model.json).

The migration ``roadmap0003flows`` inserts them (with its own frozen copy of these rows); the service
also makes sure at start that each is there — inserting only what is missing, never changing what a
federal user has edited since — so they are always present, also in a database emptied by hand.
"""
# ruff: noqa: E501 - the seeded Russian texts are kept on one line each, as printed

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import BestPractice, LifeSituation
from zdrav_shared.db import Database
from zdrav_shared.logging import get_logger

log = get_logger(__name__)

OWNER = "RU"
SEEDED_BY = "seed:nsi-health"
SOURCE_RU = "Методические рекомендации по внедрению целевых моделей НСИ, модель «Здравоохранение»"

LIFE_SITUATIONS: list[dict[str, Any]] = [
    {
        "code": "nsi-health-1",
        "name_ru": "Получить первичную специализированную медико-санитарную помощь пациенту с заболеваниями сердечно-сосудистой системы",
        "name_en": "Get primary specialised outpatient care for a cardiovascular patient",
        "start_event_ru": "выбор медицинского учреждения для получения амбулаторной помощи",
        "end_event_ru": "первая контрольная явка пациента после проведённого лечения",
        "boundaries_ru": "От момента выбора медицинского учреждения для получения амбулаторной помощи до первой контрольной явки пациента после проведённого лечения",
        "beneficiaries_ru": "Пациенты с заболеваниями/подозрением на заболевания сердечно-сосудистой системы",
    },
    {
        "code": "nsi-health-2",
        "name_ru": "Получить специализированную медицинскую помощь пациенту с заболеваниями сердечно-сосудистой системы в плановой форме",
        "name_en": "Get planned specialised (inpatient) care for a cardiovascular patient",
        "start_event_ru": "получение направления на приём к кардиологу в консультативную поликлинику стационара",
        "end_event_ru": "постановка пациента на диспансерный учёт",
        "boundaries_ru": "От момента получения направления на приём к кардиологу в консультативную поликлинику стационара до момента постановки пациента на диспансерный учёт",
        "beneficiaries_ru": "Пациенты с заболеваниями сердечно-сосудистой системы",
    },
    {
        "code": "nsi-health-3",
        "name_ru": "Получить высокотехнологичную медицинскую помощь (ВМП) пациенту с заболеваниями сердечно-сосудистой системы",
        "name_en": "Get high-technology medical care (VMP) for a cardiovascular patient",
        "start_event_ru": "получение направления на приём кардиолога в поликлинику стационара",
        "end_event_ru": "первое посещение пациентом участкового врача после получения ВМП",
        "boundaries_ru": "От момента получения направления на приём кардиолога в поликлинику стационара до первого посещения пациентом участкового врача после получения ВМП",
        "beneficiaries_ru": "Пациенты с заболеваниями сердечно-сосудистой системы",
    },
]

BEST_PRACTICES: list[dict[str, Any]] = [
    {
        "code": "nsi-bp-1",
        "name_ru": "Республиканский логистический центр управления сердечно-сосудистыми рисками",
        "regions_ru": ["Республика Башкортостан"],
        "life_situation_codes": ["nsi-health-1", "nsi-health-3"],
        "result_ru": "время от поступления в приемное отделение до операции с 2 ч. до 20 мин.; летальность от инфаркта миокарда с 12,7% до 9,9%",
    },
    {
        "code": "nsi-bp-2",
        "name_ru": "Оцифровка крови и других анализов",
        "regions_ru": ["Республика Татарстан"],
        "life_situation_codes": [],
        "result_ru": "более 15 тыс. исследований в день",
    },
    {
        "code": "nsi-bp-3",
        "name_ru": "Электронный рецепт",
        "regions_ru": ["Белгородская область", "Московская область", "Владимирская область", "Курская область"],
        "life_situation_codes": [],
        "result_ru": "в Белгородской области на 30% сокращены очные визиты за продлением рецептов (свыше 380 000 электронных рецептов); 50% экономии времени врача на выписку рецептов",
    },
    {
        "code": "nsi-bp-4",
        "name_ru": "Цифровая диагностика выявления онкологии",
        "regions_ru": ["г. Москва"],
        "life_situation_codes": ["nsi-health-1", "nsi-health-2"],
        "result_ru": "диагноз консилиумом не более 72 часов; более 1 500 врачей из более 30 стран",
    },
    {
        "code": "nsi-bp-5",
        "name_ru": "«Мобильная поликлиника» для удаленных населенных пунктов",
        "regions_ru": ["Республика Татарстан"],
        "life_situation_codes": ["nsi-health-1", "nsi-health-3"],
        "result_ru": None,
    },
    {
        "code": "nsi-bp-6",
        "name_ru": "Единый колл-центр для обращения населения по вопросам в сфере здравоохранения",
        "regions_ru": ["Сахалинская область"],
        "life_situation_codes": ["nsi-health-1"],
        "result_ru": "номер 1-300; обращения обрабатываются не более 2 дней",
    },
    {
        "code": "nsi-bp-7",
        "name_ru": "Среда жизни",
        "regions_ru": ["Томенская область (так в источнике)"],
        "life_situation_codes": [],
        "result_ru": "удовлетворённость населения качеством медицинской помощи увеличилась на 10%",
    },
    {
        "code": "nsi-bp-8",
        "name_ru": "Доктор рядом",
        "regions_ru": ["г. Москва"],
        "life_situation_codes": ["nsi-health-1"],
        "result_ru": None,
    },
    {
        "code": "nsi-bp-9",
        "name_ru": "Облачная поликлиника",
        "regions_ru": ["Республика Саха (Якутия)"],
        "life_situation_codes": ["nsi-health-1"],
        "result_ru": None,
    },
]


async def _missing(session: AsyncSession) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    situations = set((await session.execute(select(LifeSituation.code))).scalars())
    practices = set((await session.execute(select(BestPractice.code))).scalars())
    return (
        [row for row in LIFE_SITUATIONS if row["code"] not in situations],
        [row for row in BEST_PRACTICES if row["code"] not in practices],
    )


async def ensure_seeded(database: Database) -> int:
    """Insert the seeded rows that are missing; returns how many were inserted. Never raises: a
    database not migrated yet (or a replica inserting at the same moment) is logged and left."""
    try:
        async with database.sessionmaker() as session:
            situations, practices = await _missing(session)
            common = {"owner": OWNER, "created_by": SEEDED_BY, "version": 1}
            session.add_all(LifeSituation(**row, **common) for row in situations)
            session.add_all(BestPractice(**row, url=None, source_ru=SOURCE_RU, **common) for row in practices)
            await session.commit()
            inserted = len(situations) + len(practices)
    except IntegrityError:
        log.info("catalogue_seed_raced")  # another replica inserted them first
        return 0
    except SQLAlchemyError as exc:
        log.warning("catalogue_seed_skipped", error=type(exc).__name__)
        return 0
    if inserted:
        log.info("catalogue_seeded", inserted=inserted)
    return inserted
