"""Which supplier makes what: :class:`SupplierCatalog` maps storefront SKUs to supplier SKUs.

Each storefront SKU has a :class:`CatalogEntry` holding its sources, ranked: the first
:class:`SkuSource` is the primary supplier, the rest are backups tried in order. A source may be
limited to some destination countries (a battery product the backup cannot fly to Australia,
say). An entry also holds the product data a cross-border shipment needs: customs information
and unit weight.

SKUs are matched exactly once whitespace is tidied (trimmed, inner runs folded to one space) and
Unicode is normalised (NFC): ``"TEE-RED-M"`` and ``"tee-red-m"`` are different SKUs, as they are
on Shopify.

>>> from fulfillment_core import CatalogEntry, SkuSource, SupplierCatalog
>>> catalog = SupplierCatalog([
...     CatalogEntry("TEE-RED-M", [SkuSource("sup-sz-01", "SZ-88121-R-M"),
...                                SkuSource("sup-yw-02", "YW-TSHIRT-RM")]),
... ])
>>> [s.supplier_id for s in catalog.sources("TEE-RED-M")]
['sup-sz-01', 'sup-yw-02']
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from ._validation import (
    Checker,
    first_duplicates,
    to_country_set,
    to_line,
    to_text,
    to_tuple,
)
from .money import Money
from .order import CustomsInfo

__all__ = ["CatalogEntry", "SkuSource", "SupplierCatalog"]


@attrs.frozen
class SkuSource:
    """One supplier's SKU for a storefront product, optionally limited to some destinations."""

    supplier_id: str = attrs.field(converter=to_text)
    supplier_sku: str = attrs.field(converter=to_line)
    destinations: frozenset[str] | None = attrs.field(
        default=None, converter=to_country_set, kw_only=True
    )
    unit_cost: Money | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("supplier_id", self.supplier_id, max_length=255)
        check.text("supplier_sku", self.supplier_sku, max_length=255)
        check.countries("destinations", self.destinations, required=False)
        if (
            check.instance("unit_cost", self.unit_cost, Money, required=False)
            and self.unit_cost is not None
            and self.unit_cost.is_negative
        ):
            check.fail("unit_cost", f"must not be negative, got {self.unit_cost}")
        check.done("SkuSource")

    def serves(self, country_code: str | None) -> bool:
        """Whether this source may ship to ``country_code`` (``None``: destination unknown)."""
        if self.destinations is None or country_code is None:
            return True
        return country_code.strip().upper() in self.destinations


@attrs.frozen
class CatalogEntry:
    """A storefront SKU with its ranked sources and the product data shipping needs."""

    sku: str = attrs.field(converter=to_line)
    sources: tuple[SkuSource, ...] = attrs.field(converter=to_tuple)
    title: str = attrs.field(default="", converter=to_text, kw_only=True)
    customs: CustomsInfo | None = attrs.field(default=None, kw_only=True)
    grams: int | None = attrs.field(default=None, kw_only=True)
    ship_separately: bool = attrs.field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("sku", self.sku, max_length=255)
        if check.sequence("sources", self.sources, SkuSource, non_empty=True):
            for dup in first_duplicates(source.supplier_id for source in self.sources):
                check.fail(
                    "sources",
                    f"supplier {dup!r} is listed twice",
                    "rank each supplier once per SKU",
                )
        check.text("title", self.title, required=False, max_length=1024)
        check.instance("customs", self.customs, CustomsInfo, required=False)
        check.integer("grams", self.grams, minimum=0, required=False)
        check.boolean("ship_separately", self.ship_separately)
        check.done("CatalogEntry")

    @property
    def primary(self) -> SkuSource:
        """The first-ranked source."""
        return self.sources[0]


@attrs.frozen
class SupplierCatalog:
    """Storefront SKU to ranked supplier sources. Built once, looked up per line, in O(1)."""

    entries: tuple[CatalogEntry, ...] = attrs.field(converter=to_tuple)
    _by_sku: dict[str, CatalogEntry] = attrs.field(init=False, repr=False, eq=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        if check.sequence("entries", self.entries, CatalogEntry):
            for dup in first_duplicates(entry.sku for entry in self.entries):
                check.fail("entries", f"SKU {dup!r} has two entries", "merge their sources")
        check.done("SupplierCatalog")
        object.__setattr__(self, "_by_sku", {entry.sku: entry for entry in self.entries})

    def __contains__(self, sku: object) -> bool:
        return isinstance(sku, str) and self.get(sku) is not None

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, sku: str | None) -> CatalogEntry | None:
        """The entry for storefront ``sku``, or ``None`` when it is not mapped."""
        key = to_line(sku)
        if not isinstance(key, str):
            return None
        return self._by_sku.get(key)

    def sources(self, sku: str | None, destination: str | None = None) -> tuple[SkuSource, ...]:
        """The ranked sources of ``sku`` that may ship to ``destination`` (empty if none)."""
        entry = self.get(sku)
        if entry is None:
            return ()
        return tuple(source for source in entry.sources if source.serves(destination))

    def source_for(self, sku: str | None, supplier_id: str) -> SkuSource | None:
        """``supplier_id``'s source for ``sku``, or ``None`` when that supplier does not make it."""
        entry = self.get(sku)
        if entry is None:
            return None
        for source in entry.sources:
            if source.supplier_id == supplier_id:
                return source
        return None
