"""Hypothesis strategies for realistic orders, addresses and carrier histories.

This module imports ``hypothesis`` (a test dependency, not a dependency of the library), which
is why :mod:`fulfillment_core.testing` does not re-export it: import it from here.

* :func:`addresses` draws addresses in 19 countries that :func:`~fulfillment_core.check_order`
  accepts (``valid=True``: complete for the country, postal code in its format, a known
  state where one is checked, a valid customs id for Brazil and Korea), or that it holds
  (``valid=False``: every draw breaks at least one address rule).
* :func:`orders` draws orders against a catalogue (by default
  :func:`~fulfillment_core.testing.factories.make_catalog`) that pass the whole check, or
  that break at least one of its rules.
* :func:`tracking_histories` draws what a carrier reports for one parcel, as it arrives:
  ordered scans, sometimes repeated, late or shuffled.

>>> from hypothesis import given, settings
>>> from fulfillment_core import check_order
>>> from fulfillment_core.testing import make_catalog, make_supplier
>>> @settings(max_examples=20)
... @given(orders())
... def test_valid_orders_go_through(order):
...     assert check_order(order, make_catalog(), make_supplier()).can_proceed
>>> test_valid_orders_go_through()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import attrs
import pendulum
from hypothesis import strategies as st

from fulfillment_core._geo import (
    POSTAL_CODE_OPTIONAL,
    POSTAL_CODE_PATTERNS,
    SUBDIVISION_REQUIRED,
    SUBDIVISIONS,
    match_subdivision,
    postal_code_is_valid,
)
from fulfillment_core._validation import Checker, to_datetime
from fulfillment_core.address import Address, Contact
from fulfillment_core.catalog import SupplierCatalog
from fulfillment_core.exceptions import Problem, ValidationError
from fulfillment_core.money import Money
from fulfillment_core.order import LineItem, Order, PaymentStatus, RiskLevel
from fulfillment_core.testing.factories import make_catalog
from fulfillment_core.tracking import TrackingEvent, TrackingStatus

__all__ = ["ADDRESS_COUNTRIES", "addresses", "orders", "tracking_histories"]

# --------------------------------------------------------------------------- addresses


@attrs.frozen
class _Country:
    """What a realistic address of one country looks like."""

    cities: tuple[str, ...]
    streets: tuple[str, ...]
    #: Free-text regions, for countries whose state is required but not checked against a list.
    regions: tuple[str, ...] = ()
    city_optional: bool = False


_COUNTRIES: dict[str, _Country] = {
    "US": _Country(
        ("Mountain View", "Brooklyn", "Austin", "Portland"),
        ("1600 Amphitheatre Parkway", "350 5th Ave", "221 W 2nd St", "Apt 4B, 88 Pine St"),
    ),
    "CA": _Country(("Toronto", "Vancouver", "Montréal"), ("24 Sussex Dr", "1055 W Georgia St")),
    "GB": _Country(("London", "Manchester", "Edinburgh"), ("10 Downing Street", "221B Baker St")),
    "DE": _Country(("Berlin", "München", "Hamburg"), ("Invalidenstraße 116", "Hauptstr. 5")),
    "FR": _Country(("Paris", "Lyon", "Marseille"), ("55 Rue du Faubourg Saint-Honoré",)),
    "NL": _Country(("Amsterdam", "Utrecht"), ("Prinsengracht 263", "Damrak 1")),
    "IT": _Country(("Roma", "Milano"), ("Via del Corso 12",), regions=("RM", "MI", "Roma")),
    "ES": _Country(("Madrid", "Barcelona"), ("Calle de Alcalá 48",), regions=("Madrid", "B")),
    "IE": _Country(("Dublin", "Cork"), ("1 Grafton Street",), regions=("Co. Dublin", "Cork")),
    "AU": _Country(("Sydney", "Melbourne"), ("1 Macquarie St", "Unit 3, 45 King St")),
    "JP": _Country(
        ("Chiyoda-ku", "大阪市"), ("1-1 Chiyoda", "梅田1-2-3"), regions=("Tokyo", "大阪府")
    ),
    "CN": _Country(
        ("Shanghai", "北京市"), ("88 Century Ave", "长安街1号"), regions=("Shanghai", "广东省")
    ),
    "KR": _Country(("Seoul", "Busan"), ("110 Sejong-daero",), regions=("Seoul", "Busan")),
    "BR": _Country(("São Paulo", "Rio de Janeiro"), ("Av. Paulista, 1578",)),
    "MX": _Country(("Ciudad de México", "Guadalajara"), ("Paseo de la Reforma 505",)),
    "IN": _Country(("Mumbai", "Bengaluru"), ("12 MG Road", "Flat 5, Marine Drive")),
    "SG": _Country(("Singapore",), ("1 Raffles Place", "10 Bayfront Ave"), city_optional=True),
    "HK": _Country(("Kowloon", "Central"), ("1 Nathan Road",), regions=("Kowloon", "Hong Kong")),
    "AE": _Country(("Dubai", "Abu Dhabi"), ("Sheikh Zayed Road 1",), regions=("Dubai",)),
}

#: The countries :func:`addresses` draws from.
ADDRESS_COUNTRIES: tuple[str, ...] = tuple(_COUNTRIES)

_NAMES = ("María González", "Kenji Tanaka", "Li Wei", "Zoë Müller", "Aoife O'Brien", "Priya Nair")

# Letters of many scripts, no spaces at the ends (values fold and strip whitespace).
_words = st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=10)
_generated_line = st.lists(_words, min_size=1, max_size=3).map(" ".join)
_phones = st.integers(10**7, 10**14).map(lambda digits: f"+{digits}")


def _cpf(body: list[int]) -> str:
    """A Brazilian CPF: nine digits and their two check digits."""
    digits = list(body)
    for first_weight in (10, 11):
        total = sum(d * w for d, w in zip(digits, range(first_weight, 1, -1), strict=False))
        remainder = total % 11
        digits.append(0 if remainder < 2 else 11 - remainder)
    return "".join(map(str, digits))


_cpfs = st.lists(st.integers(0, 9), min_size=9, max_size=9).filter(lambda d: len(set(d)) > 1)
_TAX_IDS = {
    "BR": _cpfs.map(_cpf),
    "KR": st.integers(0, 10**12 - 1).map(lambda n: f"P{n:012d}"),
}


def _postal_codes(country: str) -> st.SearchStrategy[str]:
    pattern = POSTAL_CODE_PATTERNS[country]
    return st.from_regex(pattern, fullmatch=True).filter(
        lambda code: postal_code_is_valid(country, code)
    )


def _provinces(country: str) -> st.SearchStrategy[str]:
    if country in SUBDIVISIONS:
        known = SUBDIVISIONS[country]
        return st.sampled_from(sorted(known)) | st.sampled_from(sorted(known.values()))
    return st.sampled_from(_COUNTRIES[country].regions)


@st.composite
def _valid_fields(draw: st.DrawFn, countries: tuple[str, ...]) -> dict[str, str | None]:
    country = draw(st.sampled_from(countries))
    shape = _COUNTRIES[country]
    fields: dict[str, str | None] = {
        "country_code": country,
        "name": draw(st.sampled_from(_NAMES) | _generated_line),
        "company": draw(st.none() | st.just("Acme Trading Co.")),
        "address1": draw(st.sampled_from(shape.streets) | _generated_line),
        "address2": draw(st.none() | st.sampled_from(("Apt 2", "Floor 3", "c/o Front desk"))),
        "city": draw(st.sampled_from(shape.cities) | _generated_line),
        "province": None,
        "postal_code": None,
        "phone": draw(st.none() | _phones),
        "tax_id": None,
    }
    if shape.city_optional and draw(st.booleans()):
        fields["city"] = None
    if country in POSTAL_CODE_PATTERNS:
        optional = country in POSTAL_CODE_OPTIONAL
        fields["postal_code"] = draw(
            (st.none() | _postal_codes(country)) if optional else _postal_codes(country)
        )
    if country in SUBDIVISION_REQUIRED or (country in SUBDIVISIONS and draw(st.booleans())):
        fields["province"] = draw(_provinces(country))
    if country in _TAX_IDS:
        fields["tax_id"] = draw(_TAX_IDS[country])
    return fields


# Each way to break an address, and whether it applies to a country (it must produce a hold).
_JUNK_POSTAL_CODES = ("N/A", "none", "-", "123456789012345", "??")
_BREAKAGES: dict[str, Callable[[str], bool]] = {
    "country_missing": lambda country: True,
    "country_unknown": lambda country: True,
    "name_missing": lambda country: True,
    "address1_missing": lambda country: True,
    "city_missing": lambda country: not _COUNTRIES[country].city_optional,
    "postal_code_missing": lambda country: country not in POSTAL_CODE_OPTIONAL,
    "postal_code_malformed": lambda country: (
        country in POSTAL_CODE_PATTERNS and country not in POSTAL_CODE_OPTIONAL
    ),
    "province_missing": lambda country: country in SUBDIVISION_REQUIRED,
    "province_unknown": lambda country: country in SUBDIVISIONS,
}


@st.composite
def _invalid_fields(draw: st.DrawFn, countries: tuple[str, ...]) -> dict[str, str | None]:
    fields = draw(_valid_fields(countries))
    country = fields["country_code"]
    assert country is not None
    applicable = sorted(name for name, applies in _BREAKAGES.items() if applies(country))
    for breakage in draw(st.sets(st.sampled_from(applicable), min_size=1, max_size=3)):
        if breakage == "country_missing":
            fields["country_code"] = None
        elif breakage == "country_unknown":
            fields["country_code"] = draw(st.sampled_from(("UK", "USA", "EN", "ZZ")))
        elif breakage == "postal_code_malformed":
            fields["postal_code"] = draw(
                st.sampled_from(_JUNK_POSTAL_CODES).filter(
                    lambda code: not postal_code_is_valid(country, code)
                )
            )
        elif breakage == "province_unknown":
            fields["province"] = draw(
                st.sampled_from(("Atlantis", "Narnia", "XX")).filter(
                    lambda name: match_subdivision(country, name) is None
                )
            )
        else:
            fields[breakage.removesuffix("_missing")] = None
    return fields


def _countries(countries: Iterable[str] | None, subject: str) -> tuple[str, ...]:
    if countries is None:
        return ADDRESS_COUNTRIES
    chosen = tuple(code.strip().upper() for code in countries)
    unknown = [code for code in chosen if code not in _COUNTRIES]
    if unknown or not chosen:
        raise ValidationError(
            subject,
            [
                Problem(
                    "countries",
                    f"{', '.join(unknown) or 'nothing'} is not among the countries drawn from",
                    f"choose from {', '.join(ADDRESS_COUNTRIES)}",
                )
            ],
        )
    return chosen


def addresses(
    valid: bool = True, *, countries: Iterable[str] | None = None
) -> st.SearchStrategy[Address]:
    """Realistic shipping addresses in ``countries`` (default: :data:`ADDRESS_COUNTRIES`).

    ``valid=True``: complete for the country and free of :func:`~fulfillment_core.check_order`
    address holds, whatever the supplier (Brazilian and Korean addresses carry a valid CPF or
    customs code). ``valid=False``: each draw breaks one to three rules that apply to its
    country (a missing or unknown country, name, street, city, postal code or state, a
    malformed postal code, an unknown state), so the check always holds it.
    """
    chosen = _countries(countries, "addresses")
    fields = _valid_fields(chosen) if valid else _invalid_fields(chosen)
    return fields.map(lambda values: Address(**values))


# --------------------------------------------------------------------------- orders

_instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 12, 31)
).map(lambda moment: pendulum.instance(moment, tz="UTC"))


_CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "JPY", "BRL")
_emails = st.builds(
    "{}@{}".format,
    st.sampled_from(("maria.gonzalez", "k.tanaka", "li.wei", "zoe+shop"))
    | st.from_regex(r"[a-z][a-z0-9]{0,11}", fullmatch=True),
    st.sampled_from(("example.com", "mail.example.org", "example.co.uk")),
)
_ORDER_BREAKAGES = (
    "address",
    "no_contact",
    "bad_email",
    "bad_phone",
    "unpaid",
    "refunded",
    "high_risk",
    "unknown_sku",
    "no_sku",
)


@st.composite
def _orders(draw: st.DrawFn, valid: bool, catalog: SupplierCatalog) -> Order:
    currency = draw(st.sampled_from(_CURRENCIES))
    breakages = (
        set() if valid else draw(st.sets(st.sampled_from(_ORDER_BREAKAGES), min_size=1, max_size=3))
    )
    address = draw(addresses(valid="address" not in breakages))
    skus = [entry.sku for entry in catalog if catalog.sources(entry.sku, address.country_code)] or [
        entry.sku for entry in catalog
    ]
    lines: list[LineItem] = []
    for index in range(draw(st.integers(1, 4))):
        sku = draw(st.sampled_from(skus))
        entry = catalog.get(sku)
        lines.append(
            LineItem(
                f"line-{index + 1}",
                sku,
                draw(st.integers(1, 5)),
                Money.from_minor_units(draw(st.integers(0, 100_000)), currency),
                title=entry.title if entry is not None else "",
            )
        )
    contact = draw(
        st.sampled_from(("email", "phone", "both") + (("address",) if address.phone else ()))
    )
    email = draw(_emails) if contact in ("email", "both") else None
    phone = draw(_phones) if contact in ("phone", "both") else None
    payment = draw(
        st.sampled_from(
            (PaymentStatus.PAID, PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_REFUNDED)
        )
    )
    risk = draw(st.sampled_from((RiskLevel.LOW, RiskLevel.MEDIUM)))
    if "no_contact" in breakages:
        email = phone = None
        address = attrs.evolve(address, phone=None)
    if "bad_email" in breakages:
        email = draw(st.sampled_from(("maria.gonzalez@", "maria at example.com", "@example.com")))
    if "bad_phone" in breakages:
        phone = draw(st.sampled_from(("12", "call me", "+1 555")))
    if "unpaid" in breakages:
        payment = draw(
            st.sampled_from(
                (PaymentStatus.PENDING, PaymentStatus.PARTIALLY_PAID, PaymentStatus.EXPIRED)
            )
        )
    if "refunded" in breakages:
        payment = draw(st.sampled_from((PaymentStatus.REFUNDED, PaymentStatus.VOIDED)))
    if "high_risk" in breakages:
        risk = RiskLevel.HIGH
    if breakages & {"unknown_sku", "no_sku"}:
        index = draw(st.integers(0, len(lines) - 1))
        broken = None if "no_sku" in breakages else f"NOT-IN-CATALOG-{index}"
        lines[index] = attrs.evolve(lines[index], sku=broken)
    placed = draw(_instants)
    edited = draw(st.none() | st.integers(0, 30 * 86400))  # seconds after it was placed
    return Order(
        str(draw(st.integers(10**12, 10**13 - 1))),
        f"#{draw(st.integers(1001, 99_999))}",
        placed,
        currency,
        address,
        lines,
        contact=Contact(email=email, phone=phone),
        payment_status=payment,
        risk_level=risk,
        storefront="gadget-cases.myshopify.com",
        updated_at=None if edited is None else placed.add(seconds=edited),
    )


def orders(
    valid: bool = True, *, catalog: SupplierCatalog | None = None
) -> st.SearchStrategy[Order]:
    """Realistic storefront orders of one to four lines of ``catalog`` SKUs (default:
    :func:`~fulfillment_core.testing.factories.make_catalog`).

    ``valid=True``: :func:`~fulfillment_core.check_order` finds no hold with this catalogue,
    with no supplier or with any supplier that makes every SKU (the default catalogue's
    ``sup-sz-01``), because the entries carry customs data. ``valid=False``: each draw breaks
    one to three rules (address, contact, payment, fraud risk, an unknown or missing SKU).
    """
    chosen = make_catalog() if catalog is None else catalog
    if not isinstance(chosen, SupplierCatalog) or not len(chosen):
        raise ValidationError(
            "orders",
            [Problem("catalog", "must be a SupplierCatalog with at least one entry")],
        )
    return _orders(valid, chosen)


# --------------------------------------------------------------------------- tracking

_ORIGINS = ("Shenzhen, CN", "Guangzhou, CN", "Yiwu, CN")
_HUBS = ("Hong Kong, HK", "Leipzig, DE", "Los Angeles, US", "Chicago, US", "Amsterdam, NL")
_RAW_CODES = {
    TrackingStatus.PICKED_UP: "PU",
    TrackingStatus.IN_TRANSIT: "IT",
    TrackingStatus.ON_HOLD: "CUS",
    TrackingStatus.DELAYED: "DLY",
    TrackingStatus.OUT_FOR_DELIVERY: "OFD",
    TrackingStatus.READY_FOR_PICKUP: "RFP",
    TrackingStatus.DELIVERY_FAILED: "DF",
    TrackingStatus.DELIVERED: "DLV",
    TrackingStatus.RETURNED_TO_SENDER: "RTS",
    TrackingStatus.LOST: "LOST",
}
_ENDINGS = (
    "delivered",
    "still_moving",
    "failed_then_delivered",
    "picked_up_at_point",
    "returned",
    "lost",
)


@st.composite
def _histories(draw: st.DrawFn, label_created_at: pendulum.DateTime) -> list[TrackingEvent]:
    scans: list[TrackingEvent] = []
    at = label_created_at

    def scan(status: TrackingStatus, location: str | None, incident: str | None = None) -> None:
        nonlocal at
        at = at.add(minutes=draw(st.integers(30, 3 * 24 * 60)))
        scans.append(
            TrackingEvent(
                status, at, incident=incident, location=location, raw_code=_RAW_CODES[status]
            )
        )

    origin = draw(st.sampled_from(_ORIGINS))
    scan(TrackingStatus.PICKED_UP, origin)
    scan(TrackingStatus.IN_TRANSIT, origin)
    for _ in range(draw(st.integers(0, 3))):
        scan(TrackingStatus.IN_TRANSIT, draw(st.sampled_from(_HUBS)))
    destination = draw(st.sampled_from(_HUBS))
    if draw(st.booleans()):
        scan(TrackingStatus.ON_HOLD, destination, "customs")
        scan(TrackingStatus.IN_TRANSIT, destination)
    if draw(st.booleans()):
        scan(TrackingStatus.DELAYED, destination, draw(st.sampled_from(("weather", "capacity"))))
        scan(TrackingStatus.IN_TRANSIT, destination)
    ending = draw(st.sampled_from(_ENDINGS))
    if ending in ("delivered", "failed_then_delivered"):
        scan(TrackingStatus.OUT_FOR_DELIVERY, destination)
        if ending == "failed_then_delivered":
            scan(TrackingStatus.DELIVERY_FAILED, destination, "recipient_unavailable")
            scan(TrackingStatus.OUT_FOR_DELIVERY, destination)
        scan(TrackingStatus.DELIVERED, destination)
    elif ending == "picked_up_at_point":
        scan(TrackingStatus.READY_FOR_PICKUP, destination)
        scan(TrackingStatus.DELIVERED, destination)
    elif ending == "returned":
        scan(TrackingStatus.DELIVERY_FAILED, destination, "address_issue")
        scan(TrackingStatus.RETURNED_TO_SENDER, destination)
    elif ending == "lost":
        scan(TrackingStatus.LOST, None)

    arrived = list(scans)
    if draw(st.booleans()):  # the carrier repeats itself
        arrived += draw(st.lists(st.sampled_from(scans), min_size=1, max_size=3))
    if draw(st.booleans()):  # a scan reported late, after later ones
        late = arrived.pop(draw(st.integers(0, len(arrived) - 1)))
        arrived.append(late)
    if draw(st.booleans()):  # a webhook queue that delivers in any order
        arrived = list(draw(st.permutations(arrived)))
    return arrived


def tracking_histories(label_created_at: dt.datetime) -> st.SearchStrategy[list[TrackingEvent]]:
    """What a carrier reports for a parcel labelled at ``label_created_at``, in arrival order.

    Behind each draw is one plausible journey, every scan strictly after the label and after
    the scan before it: picked up, in transit through hubs, maybe held by customs and
    released, maybe delayed, then delivered (perhaps after a failed attempt, or from a pickup
    point), returned, lost, or still moving. At most one terminal status is reported, and
    the first scan in carrier order is ``picked_up``. Arrival is messy: scans may repeat, one
    may come late, or all may come shuffled.
    """
    instant = to_datetime(label_created_at)
    check = Checker()
    check.datetime("label_created_at", instant)
    check.done("tracking_histories")
    assert isinstance(instant, pendulum.DateTime)
    return _histories(instant)
