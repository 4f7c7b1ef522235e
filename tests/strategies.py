"""Hypothesis strategies for valid domain values (for round-trip and invariant tests)."""

from __future__ import annotations

import datetime as dt

import pendulum
from hypothesis import strategies as st

from fulfillment_core import (
    Address,
    AtFactory,
    CatalogEntry,
    Closure,
    Contact,
    CustomsInfo,
    DayRange,
    Discontinued,
    InWarehouse,
    LineItem,
    Money,
    Order,
    OutOfStock,
    PaymentStatus,
    RiskLevel,
    ServiceConstraints,
    ShipmentPolicy,
    SkuSource,
    SlaThresholds,
    StockStatus,
    Supplier,
    SupplierCatalog,
)

CURRENCIES = st.sampled_from(["USD", "EUR", "JPY", "GBP", "KWD", "BRL", "CNY"])
COUNTRIES = st.sampled_from(["US", "CA", "GB", "DE", "FR", "AU", "JP", "CN", "BR", "MX", "IE"])
ZONES = st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/Paris", "Australia/Sydney"])

# Printable text in many scripts, with inner spaces but none at the ends (values strip them).
words = st.text(
    alphabet=st.characters(categories=("L", "N"), exclude_characters="\x00"),
    min_size=1,
    max_size=12,
)
lines = st.lists(words, min_size=1, max_size=4).map(" ".join)
optional_lines = st.none() | lines

instants = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.sampled_from([dt.UTC, pendulum.timezone("Asia/Shanghai")]),
).map(lambda d: pendulum.instance(d).in_timezone("UTC"))


def money(currency: str) -> st.SearchStrategy[Money]:
    return st.integers(min_value=0, max_value=10**9).map(
        lambda units: Money.from_minor_units(units, currency)
    )


addresses = st.builds(
    Address,
    name=optional_lines,
    company=optional_lines,
    address1=optional_lines,
    address2=optional_lines,
    city=optional_lines,
    province=optional_lines,
    postal_code=optional_lines,
    country_code=st.none() | COUNTRIES,
    phone=optional_lines,
    tax_id=optional_lines,
)
contacts = st.builds(Contact, email=optional_lines, phone=optional_lines)
customs = st.builds(
    CustomsInfo,
    hs_code=st.none() | st.from_regex(r"[0-9]{6,10}", fullmatch=True),
    origin_country=st.none() | COUNTRIES,
    description=optional_lines,
)


@st.composite
def line_items(draw: st.DrawFn, currency: str, index: int) -> LineItem:
    return LineItem(
        f"line-{index}",
        draw(optional_lines),
        draw(st.integers(min_value=1, max_value=1000)),
        draw(money(currency)),
        title=draw(st.just("") | lines),
        variant_id=draw(optional_lines),
        properties=draw(st.lists(st.tuples(lines, lines), max_size=2)),
        grams=draw(st.none() | st.integers(min_value=0, max_value=50_000)),
        requires_shipping=draw(st.booleans()),
        customs=draw(st.none() | customs),
    )


@st.composite
def orders(draw: st.DrawFn) -> Order:
    currency = draw(CURRENCIES)
    count = draw(st.integers(min_value=1, max_value=4))
    return Order(
        draw(words),
        "#" + str(draw(st.integers(min_value=1, max_value=10**6))),
        draw(instants),
        currency,
        draw(addresses),
        [draw(line_items(currency, index)) for index in range(count)],
        contact=draw(contacts),
        shipping_price=draw(st.none() | money(currency)),
        payment_status=draw(st.sampled_from(PaymentStatus)),
        risk_level=draw(st.sampled_from(RiskLevel)),
        storefront=draw(optional_lines),
        note=draw(optional_lines),
    )


day_ranges = st.tuples(st.integers(0, 30), st.integers(0, 30)).map(
    lambda pair: DayRange(min(pair), max(pair))
)
closures = st.tuples(st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)), st.integers(0, 14)).map(
    lambda pair: Closure(pair[0], pair[0] + dt.timedelta(days=pair[1]), "closed")
)

suppliers = st.builds(
    Supplier,
    id=words,
    name=lines,
    timezone=ZONES,
    country=COUNTRIES,
    work_days=st.frozensets(st.integers(0, 6), min_size=1),
    holidays=st.lists(closures, max_size=3),
    cutoff=st.times(),
    processing_days=day_ranges,
    supported_inserts=st.frozensets(
        st.sampled_from(["thank_you_card", "branded_invoice", "packing_slip"])
    ),
    destinations=st.none() | st.frozensets(COUNTRIES, min_size=1),
)

catalogs = st.lists(
    st.builds(
        CatalogEntry,
        sku=words,
        sources=st.lists(
            st.builds(
                SkuSource,
                supplier_id=words,
                supplier_sku=words,
                destinations=st.none() | st.frozensets(COUNTRIES, min_size=1),
                unit_cost=st.none() | money("USD"),
            ),
            min_size=1,
            max_size=3,
            unique_by=lambda source: source.supplier_id,
        ),
        title=st.just("") | lines,
        customs=st.none() | customs,
        grams=st.none() | st.integers(0, 10_000),
        ship_separately=st.booleans(),
    ),
    max_size=4,
    unique_by=lambda entry: entry.sku,
).map(SupplierCatalog)


@st.composite
def stock_statuses(draw: st.DrawFn) -> StockStatus:
    sku, as_of = draw(words), draw(instants)
    later = as_of.add(hours=draw(st.integers(0, 24 * 60)))
    return draw(
        st.sampled_from(
            [
                InWarehouse(sku, as_of=as_of, quantity=draw(st.integers(1, 10**6))),
                AtFactory(sku, as_of=as_of, quantity=draw(st.integers(1, 10**6)), ready_by=later),
                OutOfStock(sku, as_of=as_of, restock_eta=draw(st.none() | st.just(later))),
                Discontinued(sku, as_of=as_of),
            ]
        )
    )


policies = st.builds(
    ShipmentPolicy,
    service_strategy=st.sampled_from(["fastest", "cheapest", "best_value"]),
    best_value_price_weight=st.decimals(min_value=0, max_value=1, places=2),
    constraints=st.builds(
        ServiceConstraints,
        max_price=st.none() | money("USD"),
        tracked_only=st.booleans(),
        allowed_carriers=st.none() | st.frozensets(st.sampled_from(["dhl", "ups"]), min_size=1),
        blocked_carriers=st.frozensets(st.sampled_from(["4px", "yanwen"])),
        max_transit_days=st.none() | st.integers(1, 60),
    ),
    max_restock_wait_days=st.integers(0, 60),
    use_backup_suppliers=st.booleans(),
    split=st.sampled_from(["ship_available", "ship_complete"]),
    inserts=st.frozensets(st.sampled_from(["thank_you_card", "packing_slip"])),
    sla=st.builds(
        SlaThresholds,
        processing_days=st.integers(1, 10),
        shipping_days=st.integers(1, 60),
        merchant_response_days=st.integers(1, 10),
    ),
)
