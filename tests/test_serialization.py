"""The dict form: JSON-safe, exact round trips, and every problem of bad data with its path."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulfillment_core import (
    InWarehouse,
    Money,
    Order,
    OutOfStock,
    StockStatus,
    Supplier,
    ValidationError,
    from_dict,
    to_dict,
)

from factories import make_address, make_order
from strategies import catalogs, orders, policies, stock_statuses, suppliers


@given(st.one_of(orders(), suppliers, catalogs, stock_statuses(), policies))
def test_every_value_round_trips_exactly_through_json(value: Any) -> None:
    data = json.loads(json.dumps(to_dict(value)))
    assert from_dict(type(value), data) == value


@given(stock_statuses())
def test_stock_statuses_come_back_as_the_right_kind_from_the_base_class(value: Any) -> None:
    assert type(from_dict(StockStatus, to_dict(value))) is type(value)


def test_the_dict_form_is_plain_and_readable() -> None:
    data = to_dict(make_order())
    assert data["placed_at"] == "2026-11-23T15:14:05+00:00"
    assert data["line_items"][0]["unit_price"] == {"amount": "19.99", "currency": "USD"}
    assert data["payment_status"] == "paid"
    assert data["shipping_address"]["country_code"] == "US"


def test_weekdays_and_sets_serialise_as_sorted_readable_lists() -> None:
    supplier = Supplier("s", "S", "Asia/Shanghai", "CN", work_days=["mon", "sat"])
    data = to_dict(supplier)
    assert data["work_days"] == ["monday", "saturday"]
    assert data["supported_inserts"] == ["thank_you_card", "branded_invoice", "packing_slip"]
    assert to_dict(Supplier("s", "S", "Asia/Shanghai", "CN", work_days=["fri", "mon", "thu"]))[
        "work_days"
    ] == ["monday", "thursday", "friday"]
    assert data["cutoff"] == "16:00:00"
    assert data["processing_days"] == {"min_days": 1, "max_days": 3}


def test_optional_fields_may_be_left_out() -> None:
    money = from_dict(Money, {"amount": "5", "currency": "EUR"})
    assert money == Money("5.00", "EUR")
    stock = from_dict(
        StockStatus, {"kind": "out_of_stock", "sku": "SZ-1", "as_of": "2026-03-02T09:00:00+08:00"}
    )
    assert stock == OutOfStock("SZ-1", as_of="2026-03-02T01:00:00+00:00")


def test_bad_nested_data_reports_every_problem_with_its_path() -> None:
    data = to_dict(make_order())
    data["placed_at"] = "last tuesday"
    data["shipping_address"]["postal_code"] = 94043
    data["line_items"][0]["quantity"] = "two"
    data["line_items"][0]["unit_price"]["amount"] = 19.99
    data["line_items"].append({"id": "line-2", "sku": "X", "quantity": 1})
    data["colour"] = "red"
    with pytest.raises(ValidationError) as caught:
        from_dict(Order, data)
    assert caught.value.paths == (
        "colour",
        "placed_at",
        "shipping_address.postal_code",
        "line_items[0].quantity",
        "line_items[0].unit_price.amount",
        "line_items[1].unit_price",
    )
    assert "known fields: id, reference" in str(caught.value)


def test_lists_of_values_must_be_lists() -> None:
    data = to_dict(make_order())
    data["line_items"] = {"id": "line-1"}
    with pytest.raises(ValidationError) as caught:
        from_dict(Order, data)
    assert caught.value.paths == ("line_items",)


@pytest.mark.parametrize("kind", [None, "sold_out", 3])
def test_a_stock_status_needs_a_known_kind(kind: object) -> None:
    with pytest.raises(ValidationError) as caught:
        from_dict(StockStatus, {"kind": kind, "sku": "SZ-1", "as_of": "2026-03-02T01:00:00Z"})
    assert caught.value.paths == ("kind",)


def test_a_stock_kind_must_match_the_class_asked_for() -> None:
    data = to_dict(OutOfStock("SZ-1", as_of="2026-03-02T01:00:00Z"))
    with pytest.raises(ValidationError, match="InWarehouse was expected"):
        from_dict(InWarehouse, data)


def test_only_library_values_are_serialised() -> None:
    with pytest.raises(TypeError):
        to_dict({"a": 1})
    with pytest.raises(TypeError):
        from_dict(dict, {})


# --------------------------------------------------------------------------- every public value


def _public_values() -> list[Any]:
    import pendulum

    from fulfillment_core import (
        Allocation,
        Audience,
        Breach,
        CarrierQuote,
        Channel,
        LineQuantity,
        Notification,
        NotificationKind,
        SourcingAction,
        SourcingDecision,
        TrackingEvent,
        rollup,
    )
    from fulfillment_core.ports import (
        CancellationAnswer,
        FulfillmentRequest,
        Label,
        ParcelRequest,
        PurchaseConfirmation,
        RequestLine,
        StorefrontFulfillment,
        SupplierAnswer,
    )
    from fulfillment_core.shipping import ServiceChoice
    from fulfillment_core.testing import make_fulfillment_order

    at = pendulum.datetime(2026, 3, 2, 1, tz="UTC")
    quote = CarrierQuote("DHL", "Express", Money("24.00", "USD"), (2, 4), tracked=True)
    order = make_order()
    return [
        Notification(Audience.MERCHANT, NotificationKind.BACKORDERED, Channel.EMAIL, "o-1",
                     "fo-1", at, (("restock_eta", "unknown"),)),
        Breach("fo-1", "o-1", "processing", "stock", 2, at),
        SourcingDecision("line-1", [Allocation(SourcingAction.WAIT_FOR_RESTOCK, 2, "s", "r", at)]),
        ServiceChoice(quote, "fastest", "the fastest", 2, (("China Post / SAL", "untracked"),)),
        rollup(order, []),
        TrackingEvent("on_hold", at, incident="customs"),
        LineQuantity("line-1", 2),
        StorefrontFulfillment("o-1", "fo-1", "sh-1", [("line-1", 1)], "DHL", ["JD1"]),
        FulfillmentRequest("fo-1", "o-1", [RequestLine("line-1", "SZ-1", 1)], make_address()),
        SupplierAnswer(False, "discontinued"),
        CancellationAnswer(True),
        PurchaseConfirmation("PO-1", at),
        ParcelRequest("sh-1", "CN", make_address(), 450, 2),
        Label("DHL", "Express", "JD0001", at, tracking_url="https://dhl.example/JD0001"),
        make_fulfillment_order(),
    ]  # fmt: skip


@pytest.mark.parametrize("value", _public_values(), ids=lambda v: type(v).__name__)
def test_newer_values_round_trip_through_json_with_their_types(value: Any) -> None:
    back = from_dict(type(value), json.loads(json.dumps(to_dict(value))))
    assert back == value
    for field in attrs.fields(type(value)):
        if field.init:
            assert type(getattr(back, field.name)) is type(getattr(value, field.name)), field.name


def test_a_breach_read_from_junk_names_every_field() -> None:
    from fulfillment_core import Breach

    with pytest.raises(ValidationError) as caught:
        from_dict(Breach, {"fulfillment_order_id": 1, "order_id": 2, "kind": "k",
                           "cause": "c", "late_by_days": -5, "since": "yesterday"})  # fmt: skip
    assert caught.value.paths == (
        "fulfillment_order_id",
        "order_id",
        "kind",
        "cause",
        "late_by_days",
        "since",
    )
