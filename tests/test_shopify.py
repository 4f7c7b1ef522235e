"""Order.from_shopify: a Shopify Admin REST order object becomes an Order, or every problem."""

from __future__ import annotations

import copy
from typing import Any

import pendulum
import pytest

from fulfillment_core import Money, Order, PaymentStatus, ValidationError
from fulfillment_core.cli import DEMO_ORDERS

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


def test_an_order_without_shipping_address_or_lines_is_refused() -> None:
    payload = _payload(line_items="none")
    del payload["shipping_address"]
    with pytest.raises(ValidationError) as caught:
        Order.from_shopify(payload)
    assert caught.value.paths == ("shipping_address", "line_items")


def test_a_malformed_shipping_line_is_reported() -> None:
    with pytest.raises(ValidationError) as caught:
        Order.from_shopify(_payload(shipping_lines=[{"price": "4.99"}, {"price": None}]))
    assert caught.value.paths == ("shipping_lines[1].price",)
