"""Factories for valid values with realistic defaults: override only what a test is about.

The defaults tell one coherent story, so values built separately fit together: María González
in Mountain View, California orders an iPhone 15 case (``CASE-IP15-BLK``, 19.99 USD, paid) on
the storefront; Shenzhen Gadget Works (``sup-sz-01``, Asia/Shanghai, CN) makes it as
``SZ-PC-1501-B``; the catalogue carries the customs data a CN to US parcel needs. So
``check_order(make_order(), make_catalog(), make_supplier())`` has no holds, and a test that
breaks one field sees exactly the hold it is about.

Every factory takes the value's own field names as keywords and passes them through, so every
field can be overridden (and a misspelt one fails loudly, as the constructor does).

>>> from fulfillment_core import check_order
>>> order = make_order(shipping_address=make_address(postal_code=None))
>>> check_order(order, make_catalog(), make_supplier()).paths
('shipping_address.postal_code',)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pendulum

from fulfillment_core.address import Address, Contact
from fulfillment_core.catalog import CatalogEntry, SkuSource, SupplierCatalog
from fulfillment_core.fulfillment import FulfillmentLine, FulfillmentOrder
from fulfillment_core.money import Money
from fulfillment_core.order import CustomsInfo, LineItem, Order
from fulfillment_core.policy import ShipmentPolicy
from fulfillment_core.ports import (
    FulfillmentRequest,
    ParcelRequest,
    RequestLine,
    StorefrontFulfillment,
)
from fulfillment_core.supplier import Supplier

__all__ = [
    "PHONE_CASE_CUSTOMS",
    "PLACED_AT",
    "T_SHIRT_CUSTOMS",
    "make_address",
    "make_catalog",
    "make_contact",
    "make_fulfillment_order",
    "make_fulfillment_request",
    "make_line",
    "make_order",
    "make_parcel_request",
    "make_policy",
    "make_storefront_fulfillment",
    "make_supplier",
]

#: When the default order was placed: Monday 07:14 in California, 23:14 (after the cut-off) in
#: Shenzhen.
PLACED_AT = pendulum.datetime(2026, 11, 23, 15, 14, 5, tz="UTC")

PHONE_CASE_CUSTOMS = CustomsInfo(
    hs_code="392690", origin_country="CN", description="Plastic phone case"
)
T_SHIRT_CUSTOMS = CustomsInfo(hs_code="610910", origin_country="CN", description="Cotton T-shirt")


def _with(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    return {**defaults, **overrides}


def make_address(**overrides: Any) -> Address:
    """A complete US address (Mountain View, CA 94043) with a phone number."""
    defaults = {
        "name": "María González",
        "address1": "1600 Amphitheatre Parkway",
        "city": "Mountain View",
        "province": "CA",
        "postal_code": "94043",
        "country_code": "US",
        "phone": "+1 650-253-0000",
    }
    return Address(**_with(defaults, overrides))


def make_contact(**overrides: Any) -> Contact:
    """The customer's email address (the phone is on the address)."""
    return Contact(**_with({"email": "maria.gonzalez@example.com"}, overrides))


def make_line(index: int = 0, *, currency: str = "USD", **overrides: Any) -> LineItem:
    """Line ``index`` (id ``line-{index + 1}``): one black iPhone 15 case at 19.99 in
    ``currency``."""
    defaults = {
        "id": f"line-{index + 1}",
        "sku": "CASE-IP15-BLK",
        "quantity": 1,
        "unit_price": Money("19.99", currency),
        "title": "iPhone 15 case - Black",
    }
    return LineItem(**_with(defaults, overrides))


def make_order(*, currency: str = "USD", **overrides: Any) -> Order:
    """Order ``#1001``, paid, one line, to :func:`make_address`, placed at :data:`PLACED_AT`.

    ``currency`` sets the order's currency and the default line's price currency.
    """
    defaults: dict[str, Any] = {
        "id": "5912338890017",
        "reference": "#1001",
        "placed_at": PLACED_AT,
        "currency": currency,
        "payment_status": "paid",
        "contact": make_contact(),
        "storefront": "gadget-cases.myshopify.com",
    }
    if "shipping_address" not in overrides:
        defaults["shipping_address"] = make_address()
    if "line_items" not in overrides:
        defaults["line_items"] = (make_line(0, currency=currency),)
    return Order(**_with(defaults, overrides))


def make_supplier(**overrides: Any) -> Supplier:
    """Shenzhen Gadget Works: Asia/Shanghai, Monday to Friday, cut-off 16:00, 1-3 days."""
    defaults = {
        "id": "sup-sz-01",
        "name": "Shenzhen Gadget Works",
        "timezone": "Asia/Shanghai",
        "country": "CN",
    }
    return Supplier(**_with(defaults, overrides))


#: The default catalogue's entries: the phone case (two suppliers) and a T-shirt (one).
_DEFAULT_ENTRIES = (
    CatalogEntry(
        "CASE-IP15-BLK",
        [SkuSource("sup-sz-01", "SZ-PC-1501-B"), SkuSource("sup-yw-02", "YW-C15-B")],
        title="iPhone 15 case - Black",
        customs=PHONE_CASE_CUSTOMS,
        grams=45,
    ),
    CatalogEntry(
        "TEE-RED-M",
        [SkuSource("sup-sz-01", "SZ-88121-R-M")],
        title="Classic tee - Red / M",
        customs=T_SHIRT_CUSTOMS,
        grams=180,
    ),
)


def make_catalog(
    *extra: CatalogEntry, entries: Iterable[CatalogEntry] | None = None
) -> SupplierCatalog:
    """The phone case (``sup-sz-01`` first, ``sup-yw-02`` as backup) and a red T-shirt
    (``sup-sz-01`` only), with customs data, plus ``extra`` entries; ``entries`` replaces
    the two defaults."""
    base = tuple(_DEFAULT_ENTRIES if entries is None else entries)
    return SupplierCatalog([*base, *extra])


def make_policy(**overrides: Any) -> ShipmentPolicy:
    """The library's default policy (fastest tracked service, blind shipping, 3/15-day SLAs),
    with ``overrides``."""
    return ShipmentPolicy(**overrides)


def make_fulfillment_order(**overrides: Any) -> FulfillmentOrder:
    """New work for ``sup-sz-01`` on the default order: one case, opened at :data:`PLACED_AT`.

    Takes :meth:`FulfillmentOrder.open`'s arguments (``id``, ``order_id``, ``supplier_id``,
    ``lines``, ``at``, ``key``). Later states come through the aggregate's own methods.
    """
    defaults: dict[str, Any] = {
        "id": "fo-5912338890017-1",
        "order_id": "5912338890017",
        "supplier_id": "sup-sz-01",
        "lines": (
            FulfillmentLine.new("line-1", 1, sku="CASE-IP15-BLK", supplier_sku="SZ-PC-1501-B"),
        ),
        "at": PLACED_AT,
    }
    fields = _with(defaults, overrides)
    return FulfillmentOrder.open(fields.pop("id"), **fields)


def make_fulfillment_request(**overrides: Any) -> FulfillmentRequest:
    """The default work as the supplier is asked for it: one ``SZ-PC-1501-B`` to María."""
    defaults: dict[str, Any] = {
        "fulfillment_order_id": "fo-5912338890017-1",
        "order_id": "5912338890017",
        "lines": (RequestLine("line-1", "SZ-PC-1501-B", 1),),
        "shipping_address": make_address(),
        "contact": make_contact(),
        "inserts": {"packing_slip"},
    }
    return FulfillmentRequest(**_with(defaults, overrides))


def make_parcel_request(**overrides: Any) -> ParcelRequest:
    """One 45 g phone case in a parcel from CN to María."""
    defaults: dict[str, Any] = {
        "shipment_id": "shp-5912338890017-1",
        "origin_country": "CN",
        "destination": make_address(),
        "grams": 45,
        "units": 1,
    }
    return ParcelRequest(**_with(defaults, overrides))


def make_storefront_fulfillment(**overrides: Any) -> StorefrontFulfillment:
    """The default parcel's fulfillment as the storefront is told it (YunExpress)."""
    defaults: dict[str, Any] = {
        "order_id": "5912338890017",
        "fulfillment_order_id": "fo-5912338890017-1",
        "shipment_id": "shp-5912338890017-1",
        "items": {"line-1": 1},
        "tracking_company": "YunExpress",
        "tracking_numbers": ("YT000000001",),
        "tracking_urls": ("https://t.17track.net/en#nums=YT000000001",),
    }
    return StorefrontFulfillment(**_with(defaults, overrides))
