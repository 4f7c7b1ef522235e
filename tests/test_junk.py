"""Junk in, a ValidationError out: never a TypeError, KeyError or AttributeError from inside.

Every public constructor, named constructor and reader is fed random values of random types
(mixed with valid ones, so that the checks behind the first field are reached too).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulfillment_core import (
    AtFactory,
    CancellationRequested,
    Closure,
    Contact,
    CustomsInfo,
    DataWarning,
    DayRange,
    Discontinued,
    FulfillmentLine,
    FulfillmentOrder,
    GoodsBackordered,
    Hold,
    HoldReleased,
    InWarehouse,
    LineQuantity,
    Money,
    Order,
    OutOfStock,
    Problem,
    ServiceConstraints,
    Shipment,
    ShipmentPolicy,
    SkuSource,
    SlaThresholds,
    StockStatus,
    TrackingEvent,
    ValidationError,
    from_dict,
    to_dict,
)

from factories import make_catalog, make_line, make_order, make_supplier

AS_OF = pendulum.datetime(2026, 3, 2, tz="UTC")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", " ", "USD", "us", "2026-03-02T09:00:00+08:00", "monday", "1.5", "NaN"]),
    st.binary(max_size=8),
    st.datetimes(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.datetimes(timezones=st.just(zoneinfo.ZoneInfo("America/New_York"))),  # DST gaps too
    st.datetimes().map(lambda d: pendulum.naive(d.year, d.month, d.day, d.hour)),
    st.sampled_from(["2026-11-23T10:14:05", "Line one\nline two", "\t", "٩٤٠٤٣"]),
    st.dates(),
    st.times(),
)
junk = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(st.text(max_size=10), children, max_size=4),
        st.frozensets(st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
    ),
    max_leaves=12,
)


def _opened_fulfillment_order() -> FulfillmentOrder:
    fo = FulfillmentOrder.open(
        "fo-1", order_id="o-1", supplier_id="s-1", lines=[FulfillmentLine.new("line-1", 2)],
        at=AS_OF,
    )  # fmt: skip
    fo.submit(at=AS_OF, key="k-1")
    return fo


#: A valid instance of each public value class: its fields are the "valid" alternatives.
VALID: list[Any] = [
    Money("19.99", "USD"),
    make_order().shipping_address,
    Contact(email="maria@example.com", phone="+1 650 253 0000"),
    CustomsInfo(hs_code="392690", origin_country="CN", description="Phone case"),
    make_line(0),
    make_order(),
    make_supplier(holidays=[Closure.on("2026-10-01")]),
    Closure.on("2026-10-01", "National Day"),
    DayRange(1, 3),
    SkuSource("sup-sz-01", "SZ-1", destinations=["US"]),
    make_catalog().entries[0],
    make_catalog(),
    InWarehouse("SZ-1", as_of=AS_OF, quantity=3),
    AtFactory("SZ-1", as_of=AS_OF, quantity=3, ready_by=AS_OF),
    OutOfStock("SZ-1", as_of=AS_OF, restock_eta=AS_OF),
    Discontinued("SZ-1", as_of=AS_OF),
    ServiceConstraints(max_price=Money("9.00", "USD"), allowed_carriers=["dhl"]),
    SlaThresholds(),
    ShipmentPolicy(),
    Hold("invalid_sku", "line_items[0].sku", "merchant", "not mapped"),
    DataWarning("po_box", "shipping_address.address1", "PO box"),
    TrackingEvent("on_hold", AS_OF, incident="customs", location="Leipzig", raw_code="H1"),
    LineQuantity("line-1", 2),
    FulfillmentLine("line-1", "A", "SZ-A", 3, 1, 1, 1, restock_eta=AS_OF),
    Shipment("sh-1", "YunExpress", "Global", ["YT1"], {"line-1": 1}, AS_OF),
    GoodsBackordered(at=AS_OF, key="k", quantities={"line-1": 1}, restock_eta=AS_OF),
    HoldReleased(at=AS_OF, reason="invalid_sku", path="line_items[0].sku"),
    CancellationRequested(at=AS_OF, quantities=None, reason="customer changed mind"),
    _opened_fulfillment_order(),
]


def _init_fields(value: Any) -> list[attrs.Attribute[Any]]:
    return [f for f in attrs.fields(type(value)) if f.init]


@st.composite
def mixed_kwargs(draw: st.DrawFn, valid: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for field in _init_fields(valid):
        kwargs[field.name] = draw(st.one_of(junk, st.just(getattr(valid, field.name))))
    return kwargs


def _only_validation_errors(build: Any, *args: Any, **kwargs: Any) -> None:
    problems: tuple[Problem, ...] | None = None
    try:
        build(*args, **kwargs)
    except ValidationError as error:
        problems = error.problems
    if problems is not None:
        assert problems, "a ValidationError always says what is wrong"
        assert all(isinstance(p.path, str) and p.message for p in problems)


@pytest.mark.parametrize("valid", VALID, ids=lambda v: type(v).__name__)
@given(data=st.data())
def test_junk_fields_raise_only_validation_errors(valid: Any, data: st.DataObject) -> None:
    kwargs = data.draw(mixed_kwargs(valid))
    _only_validation_errors(type(valid), **kwargs)


@given(junk)
def test_the_stock_base_refuses_to_be_built_from_anything(value: Any) -> None:
    with pytest.raises(ValidationError):
        StockStatus(value, as_of=value)


@pytest.mark.parametrize("valid", VALID, ids=lambda v: type(v).__name__)
@given(data=st.data())
def test_junk_dicts_raise_only_validation_errors(valid: Any, data: st.DataObject) -> None:
    good = to_dict(valid)
    mixed = {
        key: data.draw(st.one_of(junk, st.just(value)), label=key) for key, value in good.items()
    }
    if data.draw(st.booleans(), label="drop a key") and mixed:
        mixed.pop(data.draw(st.sampled_from(sorted(mixed))))
    _only_validation_errors(from_dict, type(valid), mixed)
    _only_validation_errors(from_dict, type(valid), data.draw(junk, label="whole"))


@given(junk, junk)
def test_money_named_constructors_raise_only_validation_errors(a: Any, b: Any) -> None:
    _only_validation_errors(Money.from_minor_units, a, b)
    _only_validation_errors(Money.rounded, a, b)
    _only_validation_errors(Money("1.00", "USD").scaled, a)
    _only_validation_errors(Money("1.00", "USD").allocate, a if isinstance(a, list) else [a])


SHOPIFY_KEYS = [
    "id",
    "name",
    "email",
    "phone",
    "created_at",
    "currency",
    "financial_status",
    "shipping_address",
    "line_items",
    "shipping_lines",
    "customer",
    "note",
]


@given(st.dictionaries(st.sampled_from(SHOPIFY_KEYS), junk, max_size=len(SHOPIFY_KEYS)))
def test_junk_shopify_payloads_raise_only_validation_errors(payload: dict[str, Any]) -> None:
    _only_validation_errors(Order.from_shopify, payload)


@given(junk)
def test_anything_that_is_not_a_payload_raises_a_validation_error(payload: Any) -> None:
    _only_validation_errors(Order.from_shopify, payload)


@given(
    st.fixed_dictionaries(
        {
            "first_name": junk,
            "address1": junk,
            "zip": junk,
            "country_code": junk,
            "province_code": junk,
        }
    ),
    st.lists(
        st.fixed_dictionaries(
            {"id": junk, "sku": junk, "quantity": junk, "price": junk, "properties": junk}
        ),
        max_size=3,
    ),
)
def test_junk_inside_a_shopify_payload_raises_only_validation_errors(
    address: dict[str, Any], lines: list[dict[str, Any]]
) -> None:
    payload = {
        "id": 1,
        "name": "#1",
        "created_at": "2026-11-23T10:14:05-05:00",
        "currency": "USD",
        "shipping_address": address,
        "line_items": lines,
    }
    _only_validation_errors(Order.from_shopify, payload)
