"""Order.from_shopify: a Shopify Admin REST order object becomes an Order, or every problem."""

from __future__ import annotations

import copy
from typing import Any

import pendulum
import pytest

from fulfillment_core import Address, Money, Order, PaymentStatus, ValidationError, check_order
from fulfillment_core.cli import DEMO_ORDERS

from factories import make_catalog

PAYLOAD: dict[str, Any] = copy.deepcopy(dict(DEMO_ORDERS[0]))
PAYLOAD["line_items"][0]["properties"] = [{"name": "Engraving", "value": "M.G."}]
PAYLOAD["line_items"][0]["variant_id"] = 44102938475610
PAYLOAD["customer"] = {"id": 7001, "email": "ignored@example.com", "phone": "+16502530000"}


def _payload(**changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(PAYLOAD)
    payload.update(changes)
    return payload


def test_a_shopify_order_maps_onto_our_order() -> None:
    order = Order.from_shopify(PAYLOAD)
    assert order.id == "5912338890017"
    assert order.reference == "#1001"
    assert order.placed_at == pendulum.datetime(2026, 11, 23, 15, 14, 5, tz="UTC")
    assert order.currency == "USD"
    assert order.payment_status is PaymentStatus.PAID
    assert order.storefront == "shopify"
    assert order.contact.email == "maria.gonzalez@example.com"
    assert order.contact.phone == "+16502530000"
    address = order.shipping_address
    assert (address.name, address.province, address.postal_code, address.country_code) == (
        "María González",
        "CA",
        "94043",
        "US",
    )
    first = order.line_items[0]
    assert (first.id, first.sku, first.quantity, first.unit_price) == (
        "14071",
        "CASE-IP15-BLK",
        2,
        Money("19.99", "USD"),
    )
    assert first.variant_id == "44102938475610"
    assert first.properties == (("Engraving", "M.G."),)
    assert order.shipping_price == Money("4.99", "USD")
    assert order.subtotal == Money("74.88", "USD")


def test_province_name_is_used_when_there_is_no_code() -> None:
    payload = _payload()
    del payload["shipping_address"]["province_code"]
    payload["shipping_address"]["province"] = "California"
    assert Order.from_shopify(payload).shipping_address.province == "California"


def test_an_unpaid_order_without_a_financial_status_counts_as_pending() -> None:
    payload = _payload()
    del payload["financial_status"]
    assert Order.from_shopify(payload).payment_status is PaymentStatus.PENDING


def test_the_time_of_the_last_edit_is_read_when_shopify_sends_it() -> None:
    payload = _payload(updated_at="2026-11-23T18:05:00+01:00")
    assert Order.from_shopify(payload).updated_at == pendulum.datetime(
        2026, 11, 23, 17, 5, tz="UTC"
    )
    assert Order.from_shopify(_payload()).updated_at is None


def test_problems_are_reported_with_their_paths_in_the_shopify_payload() -> None:
    payload = _payload(created_at="not a date")
    payload["shipping_address"]["zip"] = 94043
    payload["line_items"][1]["price"] = "thirty"
    payload["line_items"][0]["quantity"] = 0
    with pytest.raises(ValidationError) as caught:
        Order.from_shopify(payload)
    assert caught.value.paths == (
        "shipping_address.zip",
        "line_items[0].quantity",
        "line_items[1].price",
        "created_at",
    )
    assert caught.value.subject == "Shopify order"


def test_a_bad_currency_is_reported_once_not_once_per_price() -> None:
    with pytest.raises(ValidationError) as caught:
        Order.from_shopify(_payload(currency="DOLLARS"))
    assert caught.value.paths == ("currency",)


def test_an_order_without_line_items_is_refused() -> None:
    payload = _payload()
    del payload["line_items"]
    with pytest.raises(ValidationError) as caught:
        Order.from_shopify(payload)
    assert caught.value.paths == ("line_items",)
    assert "is required" in str(caught.value)


def test_a_digital_only_order_without_shipping_address_is_read_and_passes_the_check() -> None:
    payload = _payload(shipping_address=None, shipping_lines=[])
    payload["line_items"] = [
        {"id": 1, "sku": None, "name": "Gift card", "quantity": 1, "price": "25.00",
         "requires_shipping": False},
    ]  # fmt: skip
    order = Order.from_shopify(payload)
    assert order.shipping_address == Address()
    assert check_order(order, make_catalog()).can_proceed


def test_a_physical_order_without_shipping_address_is_read_then_held_by_the_check() -> None:
    payload = _payload()
    del payload["shipping_address"]
    order = Order.from_shopify(payload)
    result = check_order(order, make_catalog())
    assert "shipping_address.country_code" in result.paths


def test_a_payload_wrapped_in_an_order_envelope_gets_a_hint() -> None:
    with pytest.raises(ValidationError, match=r"pass payload\['order'\]"):
        Order.from_shopify({"order": _payload()})


def test_every_problem_of_a_line_is_reported_even_when_its_price_is_bad() -> None:
    payload = _payload(currency="EURO")
    payload["line_items"][0].update(price=17.9, quantity=0)
    with pytest.raises(ValidationError) as caught:
        Order.from_shopify(payload)
    assert caught.value.paths == (
        "line_items[0].price",
        "line_items[0].quantity",
        "currency",
    )


def test_a_line_that_is_not_an_object_is_reported_as_such() -> None:
    payload = _payload()
    payload["line_items"].append("oops")
    with pytest.raises(ValidationError) as caught:
        Order.from_shopify(payload)
    assert [str(p) for p in caught.value.problems] == [
        "line_items[2]: must be an object, got 'oops'"
    ]


def test_a_multi_line_note_and_numeric_properties_are_kept() -> None:
    payload = _payload(note="Please leave at the back door.\nThanks!")
    payload["line_items"][0]["properties"] = [
        {"name": "Engraving", "value": "Love,\nM."},
        {"name": "Size", "value": 42},
        {"name": "Gift", "value": None},
    ]
    order = Order.from_shopify(payload)
    assert order.note == "Please leave at the back door.\nThanks!"
    assert order.line_items[0].properties == (
        ("Engraving", "Love,\nM."),
        ("Size", "42"),
        ("Gift", ""),
    )


def test_a_bad_province_name_is_reported_under_the_key_it_came_from() -> None:
    payload = _payload()
    del payload["shipping_address"]["province_code"]
    payload["shipping_address"]["province"] = 42
    with pytest.raises(ValidationError) as caught:
        Order.from_shopify(payload)
    assert caught.value.paths == ("shipping_address.province",)


def test_a_malformed_shipping_line_is_reported() -> None:
    with pytest.raises(ValidationError) as caught:
        Order.from_shopify(_payload(shipping_lines=[{"price": "4.99"}, {"price": None}]))
    assert caught.value.paths == ("shipping_lines[1].price",)
