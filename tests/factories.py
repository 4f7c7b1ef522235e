"""Factories with realistic defaults: override only what a test is about."""

from __future__ import annotations

from typing import Any

import pendulum

from fulfillment_core import (
    Address,
    CatalogEntry,
    Contact,
    CustomsInfo,
    LineItem,
    Money,
    Order,
    SkuSource,
    Supplier,
    SupplierCatalog,
)

PLACED_AT = pendulum.datetime(2026, 11, 23, 15, 14, 5, tz="UTC")


def make_address(**overrides: Any) -> Address:
    fields: dict[str, Any] = {
        "name": "María González",
        "address1": "1600 Amphitheatre Parkway",
        "city": "Mountain View",
        "province": "CA",
        "postal_code": "94043",
        "country_code": "US",
        "phone": "+1 650-253-0000",
    }
    fields.update(overrides)
    return Address(**fields)


def make_line(index: int = 0, **overrides: Any) -> LineItem:
    fields: dict[str, Any] = {
        "id": f"line-{index + 1}",
        "sku": "CASE-IP15-BLK",
        "quantity": 1,
        "unit_price": Money("19.99", overrides.pop("currency", "USD")),
        "title": "iPhone 15 case - Black",
    }
    fields.update(overrides)
    return LineItem(**fields)


def make_order(**overrides: Any) -> Order:
    currency = overrides.get("currency", "USD")
    fields: dict[str, Any] = {
        "id": "5912338890017",
        "reference": "#1001",
        "placed_at": PLACED_AT,
        "currency": currency,
        "payment_status": "paid",
        "contact": Contact(email="maria.gonzalez@example.com"),
        "shipping_address": make_address(),
    }
    fields.update(overrides)
    if "line_items" not in fields:
        fields["line_items"] = (make_line(0, currency=currency),)
    return Order(**fields)


def make_supplier(**overrides: Any) -> Supplier:
    fields: dict[str, Any] = {
        "id": "sup-sz-01",
        "name": "Shenzhen Gadget Works",
        "timezone": "Asia/Shanghai",
        "country": "CN",
    }
    fields.update(overrides)
    return Supplier(**fields)


PHONE_CASE_CUSTOMS = CustomsInfo(
    hs_code="392690", origin_country="CN", description="Plastic phone case"
)


def make_catalog(*extra: CatalogEntry) -> SupplierCatalog:
    return SupplierCatalog(
        [
            CatalogEntry(
                "CASE-IP15-BLK",
                [SkuSource("sup-sz-01", "SZ-PC-1501-B"), SkuSource("sup-yw-02", "YW-C15-B")],
                customs=PHONE_CASE_CUSTOMS,
                grams=45,
            ),
            *extra,
        ]
    )
