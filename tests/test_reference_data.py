"""Behaviour tests for the static reference data in ``_geo`` and ``_currencies``."""

from __future__ import annotations

import re
import unicodedata

import pytest

from fulfillment_core import _currencies, _geo

# ---------------------------------------------------------------------------------------------
# Countries
# ---------------------------------------------------------------------------------------------


def test_there_are_249_iso_codes_plus_kosovo() -> None:
    assert len(_geo.COUNTRY_NAMES) == 250
    assert _geo.COUNTRY_NAMES["XK"] == "Kosovo"
    assert len(_geo.COUNTRY_CODES - {"XK"}) == 249


def test_country_codes_are_the_keys_of_country_names() -> None:
    assert frozenset(_geo.COUNTRY_NAMES) == _geo.COUNTRY_CODES


@pytest.mark.parametrize("code", sorted(_geo.COUNTRY_NAMES))
def test_every_country_has_a_two_letter_code_and_a_name(code: str) -> None:
    assert re.fullmatch(r"[A-Z]{2}", code)
    name = _geo.COUNTRY_NAMES[code]
    assert name == name.strip()
    assert name


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("US", "United States"),
        ("GB", "United Kingdom"),
        ("DE", "Germany"),
        ("CI", "Côte d'Ivoire"),
        ("AX", "Åland Islands"),
        ("CW", "Curaçao"),
        ("SS", "South Sudan"),
        ("BQ", "Caribbean Netherlands"),
    ],
)
def test_well_known_countries_have_their_common_names(code: str, name: str) -> None:
    assert _geo.COUNTRY_NAMES[code] == name


@pytest.mark.parametrize("code", ["UK", "EU", "AN", "YU", "CS", "ZR", "TP", "XX"])
def test_non_country_and_withdrawn_codes_are_not_listed(code: str) -> None:
    assert code not in _geo.COUNTRY_CODES


def test_country_names_cannot_be_mutated() -> None:
    with pytest.raises(TypeError):
        _geo.COUNTRY_NAMES["ZZ"] = "Nowhere"  # type: ignore[index]


def test_eu_has_27_member_states_all_known_countries() -> None:
    assert len(_geo.EU_MEMBER_STATES) == 27
    assert _geo.EU_MEMBER_STATES <= _geo.COUNTRY_CODES
    assert {"HR", "DE", "FR", "IE", "CY", "MT"} <= _geo.EU_MEMBER_STATES
    assert not {"GB", "CH", "NO", "MC", "IS", "LI"} & _geo.EU_MEMBER_STATES


# ---------------------------------------------------------------------------------------------
# Postal codes
# ---------------------------------------------------------------------------------------------


def test_postal_code_optional_countries_are_known_countries() -> None:
    assert _geo.POSTAL_CODE_OPTIONAL <= _geo.COUNTRY_CODES
    assert {"AE", "HK", "MO", "QA", "IE"} <= _geo.POSTAL_CODE_OPTIONAL


def test_major_markets_require_a_postal_code() -> None:
    assert not {"US", "CA", "GB", "DE", "FR", "JP", "CN", "BR", "AU"} & _geo.POSTAL_CODE_OPTIONAL


def test_postal_code_patterns_cover_required_markets() -> None:
    required = {
        *("US", "CA", "GB", "DE", "FR", "IT", "ES", "NL", "BE", "AT", "CH", "SE", "NO"),
        *("DK", "FI", "PL", "PT", "IE", "CZ", "AU", "NZ", "JP", "CN", "IN", "BR", "MX"),
        *("KR", "SG", "ZA", "IL", "TR", "RU", "SA", "AR", "HU", "GR", "RO"),
    }
    assert required <= set(_geo.POSTAL_CODE_PATTERNS)
    assert set(_geo.POSTAL_CODE_PATTERNS) <= _geo.COUNTRY_CODES


def test_every_pattern_has_an_example() -> None:
    assert set(_geo.POSTAL_CODE_EXAMPLES) == set(_geo.POSTAL_CODE_PATTERNS)


@pytest.mark.parametrize(("country", "example"), sorted(_geo.POSTAL_CODE_EXAMPLES.items()))
def test_every_example_matches_its_own_pattern(country: str, example: str) -> None:
    assert _geo.POSTAL_CODE_PATTERNS[country].fullmatch(example)
    assert _geo.postal_code_is_valid(country, example)
    assert _geo.normalize_postal_code(country, example) == example


POSTAL_CASES: list[tuple[str, str, bool]] = [
    # United States: ZIP and ZIP+4.
    ("US", "94105", True),
    ("US", "12345-6789", True),
    ("US", " 00501 ", True),
    ("US", "1234", False),
    ("US", "123456", False),
    ("US", "ABCDE", False),
    ("US", "12345-67", False),
    ("US", "", False),
    # Canada.
    ("CA", "K1A 0B1", True),
    ("CA", "K1A0B1", True),
    ("CA", "k1a 0b1", True),
    ("CA", "H2X  1Y4", True),
    ("CA", "D1A 0B1", False),
    ("CA", "K1A 0B", False),
    ("CA", "123 456", False),
    # United Kingdom: every outward-code shape plus GIR 0AA.
    ("GB", "SW1A 1AA", True),
    ("GB", "EC1A 1BB", True),
    ("GB", "W1A 0AX", True),
    ("GB", "M1 1AE", True),
    ("GB", "B33 8TH", True),
    ("GB", "CR2 6XH", True),
    ("GB", "DN55 1PT", True),
    ("GB", "GIR 0AA", True),
    ("GB", "sw1a1aa", True),
    ("GB", "SW1A", False),
    ("GB", "Q1 1AA", False),
    ("GB", "SW1A 1CA", False),
    ("GB", "12345", False),
    # Continental Europe.
    ("DE", "10115", True),
    ("DE", "1011", False),
    ("DE", "ABCDE", False),
    ("FR", "75008", True),
    ("FR", "97400", True),
    ("FR", "7500", False),
    ("IT", "00184", True),
    ("ES", "28013", True),
    ("ES", "53001", False),
    ("ES", "00123", False),
    ("NL", "1012 AB", True),
    ("NL", "1012AB", True),
    ("NL", "0123 AB", False),
    ("NL", "1012 A1", False),
    ("BE", "1000", True),
    ("BE", "0999", False),
    ("AT", "1010", True),
    ("CH", "8001", True),
    ("CH", "80011", False),
    ("SE", "114 55", True),
    ("SE", "11455", True),
    ("SE", "1145", False),
    ("NO", "0150", True),
    ("DK", "1050", True),
    ("FI", "00100", True),
    ("PL", "00-950", True),
    ("PL", "00-95", False),
    ("PT", "1000-001", True),
    ("PT", "1000", False),
    ("CZ", "110 00", True),
    ("CZ", "11000", True),
    ("HU", "1051", True),
    ("GR", "105 57", True),
    ("RO", "010011", True),
    ("RO", "01001", False),
    # Ireland (Eircode).
    ("IE", "D02 X285", True),
    ("IE", "A65 F4E2", True),
    ("IE", "D6W 1234", True),
    ("IE", "d02x285", True),
    ("IE", "D02 X28", False),
    ("IE", "B02 X285", False),
    # Asia-Pacific.
    ("AU", "2000", True),
    ("AU", "200", False),
    ("NZ", "6011", True),
    ("JP", "100-0001", True),
    ("JP", "1000001", True),
    ("JP", "100-001", False),
    ("JP", "ABC-DEFG", False),
    ("CN", "100000", True),
    ("CN", "10000", False),
    ("IN", "110001", True),
    ("IN", "010001", False),
    ("KR", "03187", True),
    ("KR", "123456", False),
    ("SG", "018956", True),
    ("SG", "18956", False),
    # Americas.
    ("BR", "01310-100", True),
    ("BR", "01310100", True),
    ("BR", "0131-100", False),
    ("MX", "06600", True),
    ("MX", "6600", False),
    ("AR", "C1002AAP", True),
    ("AR", "1002", True),
    ("AR", "I1002AAP", False),
    ("AR", "12345", False),
    # Middle East, Africa, elsewhere.
    ("ZA", "8001", True),
    ("IL", "6100000", True),
    ("IL", "61000", False),
    ("TR", "34000", True),
    ("TR", "82000", False),
    ("RU", "101000", True),
    ("RU", "12345", False),
    ("SA", "11564", True),
    ("SA", "11564-1234", True),
    # Countries without a pattern accept anything.
    ("HK", "", True),
    ("AE", "whatever", True),
]


@pytest.mark.parametrize(("country", "value", "expected"), POSTAL_CASES)
def test_postal_code_validity(country: str, value: str, expected: bool) -> None:
    assert _geo.postal_code_is_valid(country, value) is expected


def test_postal_case_table_is_large_enough() -> None:
    assert len(POSTAL_CASES) >= 60


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  sw1a   1aa ", "SW1A 1AA"),
        ("k1a\t0b1", "K1A 0B1"),
        ("10115", "10115"),
        ("\n d02  x285\n", "D02 X285"),
        ("01310-100", "01310-100"),
        ("", ""),
    ],
)
def test_normalize_trims_collapses_whitespace_and_upper_cases(value: str, expected: str) -> None:
    assert _geo.normalize_postal_code("GB", value) == expected


def test_normalize_does_not_insert_or_remove_separators() -> None:
    assert _geo.normalize_postal_code("CA", "k1a0b1") == "K1A0B1"
    assert _geo.normalize_postal_code("BR", "01310100") == "01310100"


# ---------------------------------------------------------------------------------------------
# Subdivisions
# ---------------------------------------------------------------------------------------------


def test_subdivision_required_includes_the_big_address_markets() -> None:
    assert {"US", "CA", "AU", "BR", "MX", "IN", "CN"} <= _geo.SUBDIVISION_REQUIRED
    assert _geo.SUBDIVISION_REQUIRED <= _geo.COUNTRY_CODES
    assert set(_geo.SUBDIVISIONS) <= _geo.SUBDIVISION_REQUIRED


@pytest.mark.parametrize(
    ("country", "count"),
    [("US", 51 + 5 + 3), ("CA", 13), ("AU", 8), ("BR", 27), ("MX", 32), ("IN", 36)],
)
def test_subdivision_tables_are_complete(country: str, count: int) -> None:
    assert len(_geo.SUBDIVISIONS[country]) == count


@pytest.mark.parametrize(
    ("country", "code", "name"),
    [(c, code, name) for c, table in _geo.SUBDIVISIONS.items() for code, name in table.items()],
)
def test_every_subdivision_code_and_name_matches_itself(country: str, code: str, name: str) -> None:
    assert _geo.match_subdivision(country, code) == code
    assert _geo.match_subdivision(country, code.lower()) == code
    assert _geo.match_subdivision(country, f"{country}-{code}") == code
    assert _geo.match_subdivision(country, name) == code
    assert _geo.match_subdivision(country, name.upper()) == code


def _strip_accents(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


@pytest.mark.parametrize(
    ("country", "code", "name"),
    [(c, code, name) for c, table in _geo.SUBDIVISIONS.items() for code, name in table.items()],
)
def test_subdivision_names_match_without_accents(country: str, code: str, name: str) -> None:
    assert _geo.match_subdivision(country, _strip_accents(name).lower()) == code


@pytest.mark.parametrize(
    ("country", "value", "expected"),
    [
        ("US", "CA", "CA"),
        ("US", "ca", "CA"),
        ("US", "US-CA", "CA"),
        ("US", "us-ny", "NY"),
        ("US", "  California ", "CA"),
        ("US", "new   york", "NY"),
        ("US", "Washington", "WA"),
        ("US", "Washington, D.C.", "DC"),
        ("US", "AP", "AP"),
        ("US", "Armed Forces Europe", "AE"),
        ("US", "Narnia", None),
        ("US", "", None),
        ("US", "   ", None),
        ("US", "ZZ", None),
        ("CA", "QC", "QC"),
        ("CA", "Québec", "QC"),
        ("CA", "quebec", "QC"),
        ("CA", "CA-ON", "ON"),
        ("AU", "nsw", "NSW"),
        ("AU", "AU-VIC", "VIC"),
        ("AU", "Western Australia", "WA"),
        ("BR", "sao paulo", "SP"),
        ("BR", "SÃO PAULO", "SP"),
        ("BR", "Goias", "GO"),
        ("BR", "BR-RJ", "RJ"),
        ("MX", "JAL", "JAL"),
        ("MX", "MX-CMX", "CMX"),
        ("MX", "ciudad de mexico", "CMX"),
        ("MX", "Mexico City", "CMX"),
        ("MX", "CDMX", "CMX"),
        ("MX", "Nuevo Leon", "NLE"),
        ("MX", "NL", "NLE"),
        ("MX", "Q ROO", "ROO"),
        ("IN", "MH", "MH"),
        ("IN", "maharashtra", "MH"),
        ("IN", "TG", "TG"),
        ("IN", "TS", "TG"),
        ("IN", "Telangana", "TG"),
        ("IN", "Orissa", "OD"),
        ("IN", "OR", "OD"),
        ("IN", "LA", "LA"),
        ("IN", "DH", "DH"),
        ("IN", "Jammu & Kashmir", "JK"),
        ("IN", "IN-KA", "KA"),
        ("IN", "Atlantis", None),
    ],
)
def test_match_subdivision(country: str, value: str, expected: str | None) -> None:
    assert _geo.match_subdivision(country, value) == expected


@pytest.mark.parametrize(
    ("country", "value", "expected"),
    [
        ("JP", "  Tokyo ", "Tokyo"),
        ("DE", "Bayern", "Bayern"),
        ("IT", "MI", "MI"),
        ("GB", "", None),
        ("FR", "   ", None),
    ],
)
def test_match_subdivision_returns_free_text_for_other_countries(
    country: str, value: str, expected: str | None
) -> None:
    assert _geo.match_subdivision(country, value) == expected


def test_subdivision_tables_cannot_be_mutated() -> None:
    with pytest.raises(TypeError):
        _geo.SUBDIVISIONS["US"]["XX"] = "Nowhere"  # type: ignore[index]


# ---------------------------------------------------------------------------------------------
# Currencies
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "exponent"),
    [
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("CAD", 2),
        ("AUD", 2),
        ("CHF", 2),
        ("CNY", 2),
        ("INR", 2),
        ("BRL", 2),
        ("MXN", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("VND", 0),
        ("CLP", 0),
        ("ISK", 0),
        ("PYG", 0),
        ("UGX", 0),
        ("XOF", 0),
        ("XAF", 0),
        ("XPF", 0),
        ("BHD", 3),
        ("IQD", 3),
        ("JOD", 3),
        ("KWD", 3),
        ("LYD", 3),
        ("OMR", 3),
        ("TND", 3),
        ("CLF", 4),
        ("UYW", 4),
        ("ZWG", 2),
        ("VES", 2),
        ("SLE", 2),
        ("MRU", 2),
        ("STN", 2),
    ],
)
def test_currency_minor_units(currency: str, exponent: int) -> None:
    assert _currencies.CURRENCY_MINOR_UNITS[currency] == exponent


@pytest.mark.parametrize(
    "currency",
    ["HRK", "SLL", "ZWL", "VEF", "MRO", "STD", "CUC", "ANG", "BGN", "LTL", "EEK", "LVL"],
)
def test_withdrawn_currencies_are_not_listed(currency: str) -> None:
    assert currency not in _currencies.CURRENCY_MINOR_UNITS


@pytest.mark.parametrize(
    "currency", ["XAU", "XAG", "XPT", "XPD", "XDR", "XTS", "XXX", "XSU", "XUA", "XBA"]
)
def test_codes_without_minor_units_are_not_listed(currency: str) -> None:
    assert currency not in _currencies.CURRENCY_MINOR_UNITS


def test_currency_codes_and_exponents_are_well_formed() -> None:
    table = _currencies.CURRENCY_MINOR_UNITS
    assert len(table) > 150
    for code, exponent in table.items():
        assert re.fullmatch(r"[A-Z]{3}", code), code
        assert exponent in {0, 2, 3, 4}, code


def test_subdivision_aliases_point_at_canonical_codes() -> None:
    for aliases in (_geo._CODE_ALIASES, _geo._NAME_ALIASES):
        for country, table in aliases.items():
            assert set(table.values()) <= set(_geo.SUBDIVISIONS[country]), country
