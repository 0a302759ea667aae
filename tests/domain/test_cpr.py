import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaben_raadgivning.domain.cpr import (
    MODULUS11_WARNING,
    CprError,
    century_year,
    generate_cpr,
    looks_like_cpr_prefix,
    mask_cpr,
    modulus11_ok,
    parse_cpr,
)

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("yy", "seventh", "year"),
    [
        (0, 0, 1900), (36, 1, 1936), (99, 3, 1999), (57, 2, 1957),
        (0, 4, 2000), (36, 4, 2036), (37, 4, 1937), (99, 4, 1999),
        (0, 9, 2000), (36, 9, 2036), (37, 9, 1937), (85, 9, 1985),
        (0, 5, 2000), (57, 5, 2057), (58, 5, 1858), (99, 8, 1899),
        (20, 6, 2020), (57, 7, 2057), (58, 8, 1858), (10, 8, 2010),
    ],
)  # fmt: skip
def test_century_rule(yy: int, seventh: int, year: int) -> None:
    assert century_year(yy, seventh) == year


@pytest.mark.parametrize(
    ("text", "birth", "today"),
    [
        ("010190-0000", date(1990, 1, 1), TODAY),
        ("010137-4000", date(1937, 1, 1), TODAY),
        ("010136-4000", date(2036, 1, 1), date(2040, 1, 1)),
        ("010105-9000", date(2005, 1, 1), TODAY),
        ("010160-9000", date(1960, 1, 1), TODAY),
        ("010120-5000", date(2020, 1, 1), TODAY),
        ("010160-5000", date(1860, 1, 1), TODAY),
        ("311299-8000", date(1899, 12, 31), TODAY),
    ],
)
def test_parse_cpr_birth_date_follows_century_rule(text: str, birth: date, today: date) -> None:
    assert parse_cpr(text, today=today).birth_date == birth


@pytest.mark.parametrize("text", ["070761-4285", "0707614285", " 070761-4285 ", "070761 4285", "\t0707614285\n"])
def test_accepted_spellings(text: str) -> None:
    info = parse_cpr(text, today=TODAY)
    assert info.digits == "0707614285"
    assert info.formatted == "070761-4285"
    assert info.birth_date == date(1961, 7, 7)


def test_modulus11_ok_number_has_no_warning() -> None:
    info = parse_cpr("070761-4285", today=TODAY)  # the CPR office's published example
    assert info.modulus11_ok
    assert info.warnings == ()
    assert info.sex == "M"


def test_failed_modulus11_is_a_warning_not_an_error() -> None:
    info = parse_cpr("070761-4286", today=TODAY)
    assert not info.modulus11_ok
    assert info.warnings == (MODULUS11_WARNING,)
    assert "modulus 11" in info.warnings[0]
    assert info.sex == "K"


@pytest.mark.parametrize(
    ("text", "sex"), [("010190-0001", "M"), ("010190-0002", "K"), ("010190-1239", "M"), ("010190-1230", "K")]
)
def test_sex_from_last_digit(text: str, sex: str) -> None:
    assert parse_cpr(text, today=TODAY).sex == sex


@pytest.mark.parametrize(
    ("text", "birth"),
    [
        ("610190-1234", date(1990, 1, 1)),
        ("910190-1234", date(1990, 1, 31)),
        ("752312-4000", None),  # month 23
        ("880201-1234", date(1901, 2, 28)),
        ("890201-1234", None),  # 29.02.1901 does not exist
        ("920190-1234", None),  # day 32
    ],
)
def test_replacement_numbers(text: str, birth: date | None) -> None:
    if birth is None:
        with pytest.raises(CprError, match="ikke en gyldig dato"):
            parse_cpr(text, today=TODAY)
        return
    info = parse_cpr(text, today=TODAY)
    assert info.replacement
    assert info.birth_date == birth


def test_replacement_leap_day() -> None:
    info = parse_cpr("890200-4000", today=TODAY)  # day 29 + 60, February 2000
    assert info.replacement and info.birth_date == date(2000, 2, 29)


def test_ordinary_number_is_not_replacement() -> None:
    assert not parse_cpr("010190-1234", today=TODAY).replacement


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "CPR-nummer mangler."),
        ("   ", "CPR-nummer mangler."),
        ("12345", "10 cifre"),
        ("010190-12345", "10 cifre"),
        ("01019O-1234", "10 cifre"),
        ("0101-901234", "10 cifre"),
        ("310290-1234", "ikke en gyldig dato"),
        ("011390-1234", "ikke en gyldig dato"),
        ("000190-1234", "ikke en gyldig dato"),
        ("450190-1234", "ikke en gyldig dato"),  # between 31 and 61: neither date nor replacement
        ("290201-1234", "ikke en gyldig dato"),  # 7th digit 1 → 1901, not a leap year
        ("010130-5000", "fremtiden"),  # 2030
    ],
)
def test_rejections_have_danish_messages(text: str, fragment: str) -> None:
    with pytest.raises(CprError) as caught:
        parse_cpr(text, today=TODAY)
    assert fragment in caught.value.message
    assert str(caught.value) == caught.value.message


def test_leap_day_1900_rules() -> None:
    with pytest.raises(CprError):
        parse_cpr("290200-1234", today=TODAY)  # 1900 was not a leap year
    assert parse_cpr("290200-4000", today=TODAY).birth_date == date(2000, 2, 29)


def test_birth_today_is_allowed() -> None:
    assert parse_cpr("010626-4000", today=TODAY).birth_date == TODAY
    with pytest.raises(CprError):
        parse_cpr("020626-4000", today=TODAY)


@pytest.mark.parametrize("text", ["0101901234", "010190-1234", " 010190 1234 "])
def test_mask(text: str) -> None:
    assert mask_cpr(text) == "010190-xxxx"


def test_mask_rejects_non_cpr() -> None:
    with pytest.raises(CprError):
        mask_cpr("Hansen")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", True), ("0101", True), ("010190", True), ("010190-", True), ("010190-12", True),
        ("0101901234", True), (" 0101 ", True),
        ("", False), ("-", False), ("Hansen", False), ("0101a", False), ("01-01", False),
        ("010190--12", False), ("010190-12345", False), ("01019012345", False),
    ],
)  # fmt: skip
def test_looks_like_cpr_prefix(text: str, expected: bool) -> None:
    assert looks_like_cpr_prefix(text) is expected


@pytest.mark.parametrize(
    ("digits", "ok"), [("0707614285", True), ("0707614286", False), ("070761428", False), ("070761428x", False)]
)
def test_modulus11(digits: str, ok: bool) -> None:
    assert modulus11_ok(digits) is ok


@given(
    birth=st.dates(min_value=date(1858, 1, 1), max_value=date(2026, 6, 1)),
    sex=st.sampled_from(["M", "K"]),
    seed=st.integers(0, 2**32),
)
def test_generate_round_trip(birth: date, sex: str, seed: int) -> None:
    text = generate_cpr(birth, sex, random.Random(seed))
    info = parse_cpr(text, today=TODAY)
    assert info.formatted == text
    assert info.birth_date == birth
    assert info.sex == sex
    assert info.modulus11_ok
    assert not info.replacement


def test_generate_without_modulus11_mostly_fails_the_check() -> None:
    rng = random.Random(7)
    numbers = [generate_cpr(date(2010, 3, 4), "K", rng, modulus11=False) for _ in range(500)]
    infos = [parse_cpr(n, today=TODAY) for n in numbers]
    assert all(i.birth_date == date(2010, 3, 4) and i.sex == "K" for i in infos)
    assert 0 < sum(i.modulus11_ok for i in infos) < 150  # left to chance: about 1 in 11


def test_generate_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="Køn"):
        generate_cpr(date(1990, 1, 1), "X", random.Random(1))
    with pytest.raises(ValueError, match="1858–2057"):
        generate_cpr(date(1850, 1, 1), "M", random.Random(1))


def test_generate_is_deterministic_per_seed() -> None:
    a = [generate_cpr(date(1980, 5, 17), "M", random.Random(3)) for _ in range(3)]
    assert len(set(a)) == 1


@pytest.mark.parametrize("text", ["٠١٠١٩٠-١٢٣٤", "010190-123²"])
def test_only_ascii_digits(text: str) -> None:
    with pytest.raises(CprError, match="10 cifre"):
        parse_cpr(text, today=TODAY)
    assert not modulus11_ok(text.replace("-", ""))
