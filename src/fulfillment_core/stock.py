"""What a supplier says about one SKU right now: a :class:`StockStatus`.

Four kinds, one class each, all carrying the supplier ``sku`` and ``as_of`` (when the supplier
said it; stock answers go stale):

* :class:`InWarehouse`: ``quantity`` units on the supplier's own shelves, ready to pack;
* :class:`AtFactory`: ``quantity`` units can be bought from the factory, in the warehouse by
  ``ready_by`` (typically the same or the next day);
* :class:`OutOfStock`: none anywhere; ``restock_eta`` when the factory expects more, or ``None``
  when nobody knows;
* :class:`Discontinued`: never coming back.

``StockStatus`` itself is the common base (use it in type hints and ``isinstance`` checks); it
cannot be built directly.

>>> import pendulum
>>> from fulfillment_core import OutOfStock, StockKind
>>> answer = OutOfStock("SZ-88121-R-M", as_of=pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai"),
...                     restock_eta="2026-03-09T00:00:00+08:00")
>>> answer.kind is StockKind.OUT_OF_STOCK, answer.restock_eta.isoformat()
(True, '2026-03-08T16:00:00+00:00')
"""

from __future__ import annotations

import enum

import attrs
import pendulum
from typing_extensions import override

from ._validation import Checker, is_aware, to_datetime, to_line

__all__ = [
    "AtFactory",
    "Discontinued",
    "InWarehouse",
    "OutOfStock",
    "StockKind",
    "StockStatus",
]


class StockKind(enum.StrEnum):
    IN_WAREHOUSE = "in_warehouse"
    AT_FACTORY = "at_factory"
    OUT_OF_STOCK = "out_of_stock"
    DISCONTINUED = "discontinued"


@attrs.frozen
class StockStatus:
    """Base of the four stock answers; build :class:`InWarehouse`, :class:`AtFactory`,
    :class:`OutOfStock` or :class:`Discontinued` instead."""

    sku: str = attrs.field(converter=to_line)
    as_of: pendulum.DateTime = attrs.field(converter=to_datetime, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        if type(self) is StockStatus:
            check.fail(
                "",
                "StockStatus is the common base and cannot be built",
                "build InWarehouse, AtFactory, OutOfStock or Discontinued",
            )
        check.text("sku", self.sku, max_length=255)
        check.datetime("as_of", self.as_of)
        self._check_own(check)
        check.done(type(self).__name__)

    def _check_own(self, check: Checker) -> None:
        """Subclasses check their own fields here."""

    @property
    def kind(self) -> StockKind:
        return _KIND_OF[type(self)]

    @property
    def available_quantity(self) -> int:
        """Units that can be had without waiting for a restock (0 unless stocked)."""
        return 0


@attrs.frozen
class InWarehouse(StockStatus):
    """``quantity`` units are on the supplier's shelves."""

    quantity: int = attrs.field(kw_only=True)

    @override
    def _check_own(self, check: Checker) -> None:
        check.integer("quantity", self.quantity, minimum=1)

    @property
    @override
    def available_quantity(self) -> int:
        return self.quantity


@attrs.frozen
class AtFactory(StockStatus):
    """``quantity`` units can be bought from the factory and reach the warehouse by ``ready_by``."""

    quantity: int = attrs.field(kw_only=True)
    ready_by: pendulum.DateTime = attrs.field(converter=to_datetime, kw_only=True)

    @override
    def _check_own(self, check: Checker) -> None:
        check.integer("quantity", self.quantity, minimum=1)
        if (
            check.datetime("ready_by", self.ready_by)
            and is_aware(self.as_of)
            and self.ready_by < self.as_of
        ):
            check.fail("ready_by", "is before as_of", "a purchase cannot arrive before it is made")

    @property
    @override
    def available_quantity(self) -> int:
        return self.quantity


@attrs.frozen
class OutOfStock(StockStatus):
    """None to be had; ``restock_eta`` is when more are expected (``None``: unknown)."""

    restock_eta: pendulum.DateTime | None = attrs.field(
        default=None, converter=to_datetime, kw_only=True
    )

    @override
    def _check_own(self, check: Checker) -> None:
        if (
            check.datetime("restock_eta", self.restock_eta, required=False)
            and self.restock_eta is not None
            and is_aware(self.as_of)
            and self.restock_eta < self.as_of
        ):
            check.fail(
                "restock_eta",
                "is before as_of",
                "a restock expected in the past is unknown: leave it out",
            )


@attrs.frozen
class Discontinued(StockStatus):
    """The product will not be made again."""


_KIND_OF: dict[type[StockStatus], StockKind] = {
    InWarehouse: StockKind.IN_WAREHOUSE,
    AtFactory: StockKind.AT_FACTORY,
    OutOfStock: StockKind.OUT_OF_STOCK,
    Discontinued: StockKind.DISCONTINUED,
}

#: The concrete class for each kind, for readers of the ``kind`` tag in serialized data.
STOCK_CLASSES: dict[StockKind, type[StockStatus]] = {kind: cls for cls, kind in _KIND_OF.items()}
