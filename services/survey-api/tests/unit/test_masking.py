"""Masking of e-mail addresses and phone numbers in free-text comments."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from survey_api.responses.rules import mask_personal_data

PHONES = [
    "+7 912 345-67-89",
    "+7 (912) 345-67-89",
    "+7-912-345-67-89",
    "+79123456789",
    "+ 7 912 345 67 89",
    "8(912)3456789",
    "8 (912) 345 67 89",
    "89123456789",
    "79123456789",
    "8 800 555-35-35",
    "8 (8152) 12-34-56",
    "8-8152-12-34-56",
    "(912) 345-67-89",
    "912 345-67-89",
    "9123456789",
    "345-67-89",
    "+7\u00a0912\u00a0345\u00a067\u00a089",
]


@pytest.mark.parametrize("phone", PHONES)
def test_phone_formats_are_masked(phone: str) -> None:
    assert mask_personal_data(f"Позвоните мне: {phone}, спасибо") == "Позвоните мне: [phone], спасибо"


@pytest.mark.parametrize("phone", PHONES)
def test_phone_at_the_edges_of_the_text(phone: str) -> None:
    assert mask_personal_data(phone) == "[phone]"


@pytest.mark.parametrize(
    "email", ["ivanov@mail.ru", "i.ivanov+kiosk@gmail.com", "петров@больница.рф", "a_b-c@sub.domain.org"]
)
def test_emails_are_masked(email: str) -> None:
    assert mask_personal_data(f"пишите на {email}.") == "пишите на [email]."


@pytest.mark.parametrize(
    "text",
    [
        "Ждал 2 часа, потом ещё 15 минут",
        "Запись на 12.03.2025 к 8:30",
        "Кабинет 305, третий этаж",
        "Приём в 2025-03-12, 14:00",
        "Очередь 40 человек, 3 окна из 8",
        "Сумма 8 000 000 рублей",
        "Полис 1234567890123456",
        "Талон № 12-34-56",
        "Рост 180, вес 75, давление 120/80",
        "ответил @registratura в чате",
        "7 раз звонил по 10 минут",
        "",
    ],
)
def test_ordinary_numbers_and_text_are_kept(text: str) -> None:
    assert mask_personal_data(text) == text


def test_phone_inside_a_longer_number_is_not_masked() -> None:
    assert mask_personal_data("код 189123456789") == "код 189123456789"


def test_phone_and_email_together() -> None:
    text = "Врач грубил. Мой тел. 8-912-345-67-89, почта ivan@ya.ru; кабинет 12"
    assert mask_personal_data(text) == "Врач грубил. Мой тел. [phone], почта [email]; кабинет 12"


def test_phone_followed_by_an_ordinary_number() -> None:
    assert mask_personal_data("8 912 345 67 89 2 раза") == "[phone] 2 раза"


_ALPHABET = st.sampled_from(list("0123456789789+-() .@abя\u00a0\n"))
_TEXT = st.lists(_ALPHABET, max_size=60).map("".join) | st.text(max_size=60)


def _digit_runs(text: str) -> Counter[str]:
    return Counter(re.findall(r"[0-9]+", text))


@settings(max_examples=200, deadline=None)
@given(_TEXT)
@example("8 912 345 67 89(912)345-67-89")
@example("a@b.ru89123456789")
def test_masking_is_idempotent(text: str) -> None:
    once = mask_personal_data(text)
    assert mask_personal_data(once) == once


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_masking_only_removes_whole_digit_runs(text: str) -> None:
    # Every run of digits left behind was a whole run of digits in the input: masking never cuts
    # a number in two nor glues digits into a new number.
    before, after = _digit_runs(text), _digit_runs(mask_personal_data(text))
    assert after <= before


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Nd"]), max_size=60))
def test_text_without_digits_or_at_sign_is_unchanged(text: str) -> None:
    if "@" not in text:
        assert mask_personal_data(text) == text
