"""The data check's address rules, over real-shaped addresses from many countries."""

from __future__ import annotations

from typing import Any

import pytest

from fulfillment_core import Actor, Address, HoldReason, WarningCode, check_order

from factories import make_address, make_catalog, make_order


def _held_paths(**address: Any) -> set[str]:
    order = make_order(shipping_address=Address(**address))
    result = check_order(order, make_catalog())
    assert all(h.reason is HoldReason.INCORRECT_ADDRESS for h in result.holds)
    return {hold.path.removeprefix("shipping_address.") for hold in result.holds}


GOOD_ADDRESSES: list[dict[str, str]] = [
    # United States
    dict(name="María González", address1="1600 Amphitheatre Pkwy", city="Mountain View",
         province="CA", postal_code="94043", country_code="US"),
    dict(name="Li Wei", address1="350 Fifth Avenue", address2="Suite 3300", city="New York",
         province="NY", postal_code="10118-0110", country_code="US"),
    dict(name="Jordan Smith", address1="1100 Congress Ave", city="Austin", province="Texas",
         postal_code="78701", country_code="us"),
    dict(name="José Rivera", address1="Calle Fortaleza 63", city="San Juan", province="PR",
         postal_code="00901", country_code="US"),
    # Canada
    dict(name="Émilie Tremblay", address1="24 Sussex Drive", city="Ottawa", province="ON",
         postal_code="K1M 1M4", country_code="CA"),
    dict(name="Sam Chen", address1="290 Bremner Blvd", city="Toronto", province="Ontario",
         postal_code="m5v3l9", country_code="CA"),
    dict(name="Luc Gagnon", address1="1000 Rue de la Gauchetière O", city="Montréal",
         province="Quebec", postal_code="H3B 4W5", country_code="CA"),
    # United Kingdom
    dict(name="Oliver Brown", address1="10 Downing Street", city="London",
         postal_code="SW1A 2AA", country_code="GB"),
    dict(name="Amelia Jones", address1="221B Baker Street", city="London",
         postal_code="nw1 6xe", country_code="GB"),
    # Germany, France, Italy, Spain, Netherlands, Sweden, Poland, Greece
    dict(name="Jonas Becker", address1="Unter den Linden 77", city="Berlin",
         postal_code="10117", country_code="DE"),
    dict(name="Chloé Dubois", address1="55 Rue du Faubourg Saint-Honoré", city="Paris",
         postal_code="75008", country_code="FR"),
    dict(name="Giulia Rossi", address1="Via del Corso 12", city="Roma", province="RM",
         postal_code="00186", country_code="IT"),
    dict(name="Lucía García", address1="Calle de Alcalá 48", city="Madrid", province="Madrid",
         postal_code="28014", country_code="ES"),
    dict(name="Daan de Vries", address1="Damrak 1", city="Amsterdam", postal_code="1012 LG",
         country_code="NL"),
    dict(name="Elsa Lindqvist", address1="Drottninggatan 10", city="Stockholm",
         postal_code="111 51", country_code="SE"),
    dict(name="Zofia Wiśniewska", address1="ul. Marszałkowska 1", city="Warszawa",
         postal_code="00-624", country_code="PL"),
    dict(name="Γιώργος Παπαδόπουλος", address1="Πανεπιστημίου 30", city="Αθήνα",
         postal_code="106 79", country_code="GR"),
    # Australia
    dict(name="Jack Wilson", address1="1 Macquarie Street", city="Sydney", province="NSW",
         postal_code="2000", country_code="AU"),
    dict(name="Chloe Taylor", address1="200 Collins St", city="Melbourne", province="Victoria",
         postal_code="3000", country_code="AU"),
    # Asia
    dict(name="山田 太郎", address1="千代田1-1", city="千代田区", province="Tokyo",
         postal_code="100-0001", country_code="JP"),
    dict(name="王小明", address1="朝阳区建国路88号", city="北京", province="Beijing",
         postal_code="100022", country_code="CN"),
    dict(name="Priya Sharma", address1="12 MG Road", city="Bengaluru", province="KA",
         postal_code="560001", country_code="IN"),
    dict(name="김민준", address1="세종대로 110", city="중구", province="Seoul",
         postal_code="04524", country_code="KR"),
    dict(name="Tan Wei Ming", address1="1 Raffles Place", postal_code="048616",
         country_code="SG"),
    dict(name="Chan Tai Man", address1="Flat 12B, 8 Finance Street", city="Central",
         province="Hong Kong Island", country_code="HK"),
    dict(name="Fatima Al Mansoori", address1="Sheikh Zayed Road, Tower 2", city="Dubai",
         province="Dubai", country_code="AE"),
    # Latin America
    dict(name="Ana Souza", address1="Avenida Paulista, 1578", city="São Paulo", province="SP",
         postal_code="01310-200", country_code="BR"),
    dict(name="Joao Silva", address1="Rua das Laranjeiras 100", city="Rio de Janeiro",
         province="rio de janeiro", postal_code="22240003", country_code="BR"),
    dict(name="Sofía Hernández", address1="Av. Paseo de la Reforma 505", city="Cuauhtémoc",
         province="CMX", postal_code="06500", country_code="MX"),
    # Ireland, with and without the optional Eircode
    dict(name="Aoife Murphy", address1="1 Grafton Street", city="Dublin 2", province="Dublin",
         postal_code="D02 X285", country_code="IE"),
    dict(name="Seán Kelly", address1="Main Street", city="Dingle", province="Kerry",
         country_code="IE"),
]  # fmt: skip

BAD_ADDRESSES: list[tuple[dict[str, str], set[str]]] = [
    (dict(name="Jordan Smith", address1="1100 Congress Ave", city="Austin", province="TX",
          country_code="US"), {"postal_code"}),
    (dict(name="Jordan Smith", address1="1100 Congress Ave", city="Austin", province="TX",
          postal_code="7870", country_code="US"), {"postal_code"}),
    (dict(name="Jordan Smith", address1="1100 Congress Ave", city="Austin",
          postal_code="78701", country_code="US"), {"province"}),
    (dict(name="Jordan Smith", address1="1 Market St", city="San Francisco", province="Cali",
          postal_code="94105", country_code="US"), {"province"}),
    (dict(name="Sam Chen", address1="290 Bremner Blvd", city="Toronto", province="ON",
          postal_code="12345", country_code="CA"), {"postal_code"}),
    (dict(name="Sam Chen", address1="290 Bremner Blvd", city="Toronto", province="ZZ",
          postal_code="M5V 3L9", country_code="CA"), {"province"}),
    (dict(name="Oliver Brown", address1="10 Downing Street", city="London",
          postal_code="SW1A", country_code="GB"), {"postal_code"}),
    (dict(name="Jonas Becker", address1="Unter den Linden 77", city="Berlin",
          postal_code="1011", country_code="DE"), {"postal_code"}),
    (dict(name="Chloé Dubois", address1="55 Rue du Faubourg Saint-Honoré", city="Paris",
          country_code="FR"), {"postal_code"}),
    (dict(name="Jack Wilson", address1="1 Macquarie Street", city="Sydney",
          postal_code="2000", country_code="AU"), {"province"}),
    (dict(name="Jack Wilson", address1="1 Macquarie Street", city="Sydney", province="NSW",
          postal_code="20000", country_code="AU"), {"postal_code"}),
    (dict(name="Ana Souza", address1="Avenida Paulista, 1578", city="São Paulo",
          postal_code="01310-200", country_code="BR"), {"province"}),
    (dict(name="Ana Souza", address1="Avenida Paulista, 1578", city="São Paulo", province="SP",
          postal_code="0131-0200", country_code="BR"), {"postal_code"}),
    (dict(name="Sofía Hernández", address1="Av. Paseo de la Reforma 505", city="Cuauhtémoc",
          postal_code="06500", country_code="MX"), {"province"}),
    (dict(name="Priya Sharma", address1="12 MG Road", city="Bengaluru", province="KA",
          postal_code="05600", country_code="IN"), {"postal_code"}),
    (dict(name="王小明", address1="朝阳区建国路88号", city="北京", postal_code="100022",
          country_code="CN"), {"province"}),
    (dict(name="山田 太郎", address1="千代田1-1", city="千代田区", province="Tokyo",
          postal_code="1000", country_code="JP"), {"postal_code"}),
    (dict(name="Daan de Vries", address1="Damrak 1", city="Amsterdam", postal_code="1012",
          country_code="NL"), {"postal_code"}),
    (dict(name="Nobody", address1="1 Nowhere Lane", city="Atlantis", postal_code="00000",
          country_code="XX"), {"country_code"}),
    (dict(name="Oliver Brown", address1="10 Downing Street", city="London",
          postal_code="SW1A 2AA", country_code="UK"), {"country_code"}),
    (dict(name="Oliver Brown", address1="10 Downing Street", city="London",
          postal_code="SW1A 2AA"), {"country_code"}),
    (dict(postal_code="10117", country_code="DE"), {"name", "address1", "city"}),
    (dict(name="   ", address1="\t", city="Berlin", postal_code=" 10117 ", country_code="DE"),
     {"name", "address1"}),
    (dict(name="Giulia Rossi", address1="Via del Corso 12", city="Roma",
          postal_code="00186", country_code="IT"), {"province"}),
]  # fmt: skip


def test_the_address_table_spans_at_least_fifteen_countries_and_forty_cases() -> None:
    countries = {a.get("country_code", "").upper() for a in GOOD_ADDRESSES} | {
        a.get("country_code", "").upper() for a, _ in BAD_ADDRESSES
    }
    assert len(countries - {"", "XX", "UK"}) >= 15
    assert len(GOOD_ADDRESSES) + len(BAD_ADDRESSES) >= 40


@pytest.mark.parametrize(
    "address", GOOD_ADDRESSES, ids=lambda a: f"{a['country_code']}-{a['address1'][:20]}"
)
def test_complete_addresses_raise_no_hold(address: dict[str, str]) -> None:
    assert _held_paths(**address) == set()


@pytest.mark.parametrize(
    ("address", "paths"),
    BAD_ADDRESSES,
    ids=lambda v: "-".join(sorted(v)) if isinstance(v, set) else v.get("country_code", "none"),
)
def test_incomplete_addresses_hold_exactly_the_faulty_fields(
    address: dict[str, str], paths: set[str]
) -> None:
    assert _held_paths(**address) == paths


def test_address_holds_ask_the_customer_and_name_the_country_and_an_example() -> None:
    order = make_order(shipping_address=make_address(country_code="DE", province=None,
                                                     postal_code=None))  # fmt: skip
    (hold,) = check_order(order, make_catalog()).holds
    assert hold.actor is Actor.CUSTOMER
    assert hold.path == "shipping_address.postal_code"
    assert "Germany" in hold.message
    assert "10115" in hold.message


def test_a_malformed_postal_code_is_quoted_back_with_the_expected_shape() -> None:
    order = make_order(shipping_address=make_address(postal_code="ABCDE"))
    (hold,) = check_order(order, make_catalog()).holds
    assert "'ABCDE'" in hold.message
    assert "United States" in hold.message


def test_every_address_problem_is_reported_at_once() -> None:
    order = make_order(shipping_address=Address(country_code="US", province="Narnia"))
    paths = check_order(order, make_catalog()).paths
    assert paths == (
        "shipping_address.name",
        "shipping_address.address1",
        "shipping_address.city",
        "shipping_address.postal_code",
        "shipping_address.province",
    )


# --------------------------------------------------------------------------- warnings


def _warnings(**address_overrides: str) -> list[tuple[WarningCode, str]]:
    order = make_order(shipping_address=make_address(**address_overrides))
    result = check_order(order, make_catalog())
    assert result.can_proceed, "warnings never block"
    return [(w.code, w.path) for w in result.warnings]


@pytest.mark.parametrize(
    "line",
    [
        "PO Box 1234",
        "P.O. Box 55",
        "p o box 9",
        "POB 731",
        "Post Office Box 12",
        "GPO Box 1234",
        "Locked Bag 7",
        "Postfach 10 01 01",
        "Caixa Postal 2001",
        "Apartado Postal 14-200",
        "Box 41",
    ],
)
def test_po_boxes_are_flagged_as_a_warning_that_does_not_block(line: str) -> None:
    assert _warnings(address1=line) == [(WarningCode.PO_BOX, "shipping_address.address1")]


@pytest.mark.parametrize(
    "line",
    [
        "12 Post Road",
        "88 Apollo Street",
        "7 Boxwood Lane",
        "1 Post Office Road",
        "Pobla de Segur 5",
        "400 Box Hill Road",
        "22 Spokane Ave",
        "Hipódromo 1, Depto 4B",
    ],
)
def test_streets_that_merely_look_like_po_boxes_are_not_flagged(line: str) -> None:
    assert _warnings(address1=line) == []


def test_lines_longer_than_a_label_prints_are_a_warning() -> None:
    long_line = "Apartment 4021, Building 7, Riverside Gardens Estate"
    assert len(long_line) > 35
    assert _warnings(address2=long_line) == [
        (WarningCode.LINE_TOO_LONG, "shipping_address.address2")
    ]


def test_a_thirty_five_character_line_fits_the_label() -> None:
    assert _warnings(address1="x" * 35) == []


def test_unicode_names_and_lines_pass_untouched_and_count_characters_not_bytes() -> None:
    name = "Ζωή Αντωνίου-Παπαδημητρίου Ωραίου"  # 33 characters, 64 bytes in UTF-8
    assert len(name) <= 35 < len(name.encode())
    order = make_order(shipping_address=make_address(name=name))
    result = check_order(order, make_catalog())
    assert result.can_proceed
    assert result.warnings == ()
    assert order.shipping_address.name == name
