"""Which supplier does which line: supplier routing.

:func:`route_order` splits an :class:`~fulfillment_core.Order` into work per supplier. For each
line that needs shipping it walks the SKU's ranked sources in the catalogue and takes the first
whose source may ship to the destination and whose supplier is known and serves that country.
Lines are grouped by supplier, in the order their first line appears, so the same order always
routes the same way.

A line that cannot be routed is not an exception: it becomes a :class:`~fulfillment_core.Hold`
(``invalid_sku`` when the SKU is missing or unmapped, ``undeliverable_destination`` when it is
mapped but nobody ships it there), for the merchant to act on.

>>> from fulfillment_core.cli import DEMO_CATALOG, DEMO_ORDERS, DEMO_SUPPLIER
>>> from fulfillment_core import Order, route_order
>>> plan = route_order(Order.from_shopify(DEMO_ORDERS[0]), DEMO_CATALOG, [DEMO_SUPPLIER])
>>> [(work.supplier_id, [line.line_id for line in work.lines]) for work in plan.work]
[('sup-sz-01', ['14071', '14072'])]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import attrs
import pendulum

from ._validation import Checker, describe
from .catalog import SupplierCatalog
from .fulfillment import FulfillmentLine, FulfillmentOrder
from .holds import Actor, Hold, HoldReason
from .order import Order
from .supplier import Supplier

__all__ = ["RoutedWork", "RoutingPlan", "route_order"]


@attrs.frozen
class RoutedWork:
    """The lines one supplier will fulfil, each with the supplier's SKU."""

    supplier_id: str
    lines: tuple[FulfillmentLine, ...]


@attrs.frozen
class RoutingPlan:
    """Work per supplier, and holds for the lines nobody can take."""

    order_id: str
    work: tuple[RoutedWork, ...]
    holds: tuple[Hold, ...]

    @property
    def fully_routed(self) -> bool:
        return not self.holds

    def open_all(
        self,
        *,
        at: pendulum.DateTime,
        id_for: Callable[[str], str] | None = None,
    ) -> tuple[FulfillmentOrder, ...]:
        """One new :class:`FulfillmentOrder` per supplier (ids ``<order id>:<supplier id>``
        unless ``id_for(supplier_id)`` says otherwise)."""
        name = id_for or (lambda supplier_id: f"{self.order_id}:{supplier_id}")
        return tuple(
            FulfillmentOrder.open(
                name(work.supplier_id),
                order_id=self.order_id,
                supplier_id=work.supplier_id,
                lines=work.lines,
                at=at,
            )
            for work in self.work
        )


def route_order(
    order: Order,
    catalog: SupplierCatalog,
    suppliers: Iterable[Supplier] | Mapping[str, Supplier],
) -> RoutingPlan:
    """Split ``order`` into work per supplier (see the module's rules). Pure."""
    check = Checker()
    check.instance("order", order, Order)
    check.instance("catalog", catalog, SupplierCatalog)
    if isinstance(suppliers, Supplier):
        suppliers = [suppliers]
    given: object = suppliers
    values: list[object] = []
    if isinstance(given, Mapping):
        values = list(given.values())
    elif isinstance(given, Iterable) and not isinstance(given, (str, bytes)):
        values = list(given)
    else:
        check.fail(
            "suppliers",
            f"must be suppliers (a list, any iterable, or a mapping by id), got {describe(given)}",
        )
    by_id = {s.id: s for s in values if isinstance(s, Supplier)}
    if len(by_id) != len(values):
        check.fail("suppliers", "must hold Supplier values only", "pass [supplier, ...]")
    check.done("route_order")
    destination = order.shipping_address.country_code
    grouped: dict[str, list[FulfillmentLine]] = {}
    holds: list[Hold] = []
    for index, item in enumerate(order.line_items):
        if not item.requires_shipping:
            continue
        path = f"line_items[{index}].sku"
        entry = catalog.get(item.sku)
        if entry is None:
            what = f"SKU {item.sku!r} is not in the catalogue" if item.sku else "it has no SKU"
            holds.append(
                Hold(
                    HoldReason.INVALID_SKU,
                    path,
                    Actor.MERCHANT,
                    f"line {item.id} cannot be routed: {what}; map it to a supplier SKU",
                )
            )
            continue
        chosen = None
        passed: list[str] = []
        for source in entry.sources:
            supplier = by_id.get(source.supplier_id)
            if supplier is None:
                passed.append(f"{source.supplier_id} is not among the suppliers given")
            elif not source.serves(destination) or (
                destination is not None and not supplier.ships_to(destination)
            ):
                passed.append(f"{source.supplier_id} does not ship there")
            else:
                chosen = source
                break
        if chosen is None:
            where = destination or "an unknown destination"
            holds.append(
                Hold(
                    HoldReason.UNDELIVERABLE_DESTINATION,
                    path,
                    Actor.MERCHANT,
                    f"no supplier can ship SKU {item.sku!r} to {where} ({'; '.join(passed)});"
                    " add a source that does",
                )
            )
            continue
        grouped.setdefault(chosen.supplier_id, []).append(
            FulfillmentLine.new(
                item.id, item.quantity, sku=item.sku, supplier_sku=chosen.supplier_sku
            )
        )
    work = tuple(RoutedWork(supplier_id, tuple(lines)) for supplier_id, lines in grouped.items())
    return RoutingPlan(order.id, work, tuple(holds))
