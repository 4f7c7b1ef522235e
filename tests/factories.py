"""Factories for the suite: the public ones from :mod:`fulfillment_core.testing.factories`,
with a smaller order (no storefront) and catalogue (the phone case only) that the older tests
count on."""

from __future__ import annotations

from typing import Any

from fulfillment_core import CatalogEntry, Order, SkuSource, SupplierCatalog
from fulfillment_core.testing.factories import (
    PHONE_CASE_CUSTOMS,
    PLACED_AT,
    make_address,
    make_line,
    make_supplier,
)
from fulfillment_core.testing.factories import make_order as make_storefront_order

__all__ = [
    "PHONE_CASE_CUSTOMS",
    "PLACED_AT",
    "make_address",
    "make_catalog",
    "make_line",
    "make_order",
    "make_supplier",
]


def make_order(**overrides: Any) -> Order:
    """The public default order without a storefront."""
    return make_storefront_order(**{"storefront": None, **overrides})


def make_catalog(*extra: CatalogEntry) -> SupplierCatalog:
    """The phone case only (``sup-sz-01`` first, ``sup-yw-02`` as backup), plus ``extra``."""
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
