"""The ``fulfillment-core`` command line (also ``python -m fulfillment_core``).

For now it runs a short demonstration of the order data check: three real-shaped Shopify orders
for a Shenzhen supplier, each read with :meth:`Order.from_shopify` and checked with
:func:`check_order`, and prints what it found. This is the only module that prints.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from . import __version__
from .catalog import CatalogEntry, SkuSource, SupplierCatalog
from .check import check_order
from .order import CustomsInfo, Order
from .supplier import Closure, Supplier

DEMO_SUPPLIER = Supplier(
    id="sup-sz-01",
    name="Shenzhen Gadget Works",
    timezone="Asia/Shanghai",
    country="CN",
    holidays=[Closure("2027-02-05", "2027-02-13", "Chinese New Year")],
    processing_days=(1, 3),
)

_PHONE_CASE = CustomsInfo(hs_code="3926.90", origin_country="CN", description="Plastic phone case")
DEMO_CATALOG = SupplierCatalog(
    [
        CatalogEntry(
            "CASE-IP15-BLK",
            [SkuSource("sup-sz-01", "SZ-PC-1501-B")],
            title="iPhone 15 case, black",
            customs=_PHONE_CASE,
            grams=45,
        ),
        CatalogEntry(
            "LAMP-SUNSET-01",
            [SkuSource("sup-sz-01", "SZ-LMP-0093"), SkuSource("sup-yw-02", "YW-SUNSET-L")],
            title="Sunset projection lamp",
            customs=CustomsInfo(
                hs_code="9405.40", origin_country="CN", description="LED projection lamp"
            ),
            grams=380,
        ),
    ]
)


def _shopify_line(line_id: int, sku: str | None, title: str, quantity: int, price: str) -> Any:
    return {
        "id": line_id,
        "sku": sku,
        "name": title,
        "quantity": quantity,
        "price": price,
        "grams": 45,
        "requires_shipping": True,
    }


DEMO_ORDERS: tuple[Mapping[str, Any], ...] = (
    {
        "id": 5912338890017,
        "name": "#1001",
        "email": "maria.gonzalez@example.com",
        "created_at": "2026-11-23T10:14:05-05:00",
        "currency": "USD",
        "financial_status": "paid",
        "shipping_address": {
            "first_name": "María",
            "last_name": "González",
            "address1": "1600 Amphitheatre Parkway",
            "city": "Mountain View",
            "province_code": "CA",
            "zip": "94043",
            "country_code": "US",
            "phone": "+1 650-253-0000",
        },
        "line_items": [
            _shopify_line(14071, "CASE-IP15-BLK", "iPhone 15 case - Black", 2, "19.99"),
            _shopify_line(14072, "LAMP-SUNSET-01", "Sunset projection lamp", 1, "34.90"),
        ],
        "shipping_lines": [{"price": "4.99"}],
    },
    {
        "id": 5912338890018,
        "name": "#1002",
        "email": "jonas.becker@example.de",
        "created_at": "2026-11-23T16:40:00+01:00",
        "currency": "EUR",
        "financial_status": "paid",
        "shipping_address": {
            "name": "Jonas Becker",
            "address1": "Hinterhaus, 3. OG links, Schönhauser Allee 123",
            "city": "Berlin",
            "zip": "",
            "country_code": "DE",
        },
        "line_items": [_shopify_line(14073, "LAMP-SUNSET-01", "Sonnenuntergangslampe", 1, "32.90")],
    },
    {
        "id": 5912338890019,
        "name": "#1003",
        "email": "ana.souza@example.com.br",
        "created_at": "2026-11-24T09:02:44-03:00",
        "currency": "BRL",
        "financial_status": "pending",
        "shipping_address": {
            "name": "Ana Souza",
            "address1": "Avenida Paulista, 1578",
            "city": "São Paulo",
            "province": "São Paulo",
            "zip": "01310-200",
            "country_code": "BR",
        },
        "line_items": [
            _shopify_line(14074, "CASE-IP15-BLK", "Capa iPhone 15 preta", 1, "89.90"),
            _shopify_line(14075, "MUG-CAT-350", "Caneca gato 350ml", 2, "59.90"),
        ],
    },
)


def run_demo(out: TextIO) -> int:
    """Check the demo orders and print what was found. Returns the number of held orders."""
    supplier = DEMO_SUPPLIER
    out.write(
        f"fulfillment-core {__version__}: order data check for {supplier.name}"
        f" ({supplier.timezone}, ships from {supplier.country})\n\n"
    )
    held = 0
    for payload in DEMO_ORDERS:
        order = Order.from_shopify(payload)
        result = check_order(order, DEMO_CATALOG, supplier)
        address = order.shipping_address
        out.write(
            f"Order {order.reference} to {address.city}, {address.country_code}:"
            f" {order.total_quantity} item(s), {order.subtotal}\n"
        )
        if result.can_proceed:
            out.write("  ready for sourcing: every datum the supplier needs is there\n")
        else:
            held += 1
            out.write(f"  ON HOLD ({len(result.holds)}):\n")
            for hold in result.holds:
                out.write(f"    - {hold.reason} at {hold.path} [{hold.actor} acts]\n")
                out.write(f"      {hold.message}\n")
        for warning in result.warnings:
            out.write(f"  warning: {warning}\n")
        out.write("\n")
    ready = len(DEMO_ORDERS) - held
    out.write(f"{ready} of {len(DEMO_ORDERS)} orders can go to sourcing; {held} wait for data.\n")
    return held


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="fulfillment-core",
        description="Dropshipping order fulfillment rules. With no command, runs a short demo.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.parse_args(argv)
    run_demo(sys.stdout)
    return 0
