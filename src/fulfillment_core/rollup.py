"""The order-level status, derived (never stored) from an order's fulfillment orders.

One order may be split across suppliers (several fulfillment orders) and across parcels. Its
status is worked out from the per-line ledgers and the parcels' tracking, in this order:

1. every unit cancelled → ``cancelled``;
2. every unit not cancelled is delivered → ``delivered``;
3. some unit delivered → ``partially_delivered``;
4. every unit not cancelled is shipped → ``shipped``;
5. some unit shipped → ``partially_shipped``;
6. some work on hold → ``on_hold``;
7. some unit refused by its supplier (rejected work), and none left with anyone else →
   ``request_declined`` (the merchant must find another source);
8. some unit sourced, backordered, or accepted by a supplier → ``in_progress``;
9. otherwise → ``unfulfilled``.

Units of order lines that no fulfillment order covers count as unfulfilled (not yet routed).
:attr:`OrderRollup.shopify_display_fulfillment_status` maps the result to Shopify's
``OrderDisplayFulfillmentStatus``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

import attrs

from ._validation import Checker, to_enum, to_tuple
from .fulfillment import FulfillmentOrder
from .lifecycle import IN_PROGRESS_STATUSES, WorkStatus
from .order import Order

__all__ = ["LineRollup", "OrderRollup", "OrderStatus", "rollup"]


class OrderStatus(enum.StrEnum):
    UNFULFILLED = "unfulfilled"
    ON_HOLD = "on_hold"
    REQUEST_DECLINED = "request_declined"
    IN_PROGRESS = "in_progress"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


@attrs.frozen
class LineRollup:
    """One order line across every fulfillment order: how many units are where.

    ``ordered`` = ``unrouted`` + ``open`` + ``in_progress`` + ``backordered`` + ``shipped``
    + ``cancelled`` + ``declined``; ``delivered`` counts shipped units whose parcel is
    delivered. ``declined`` counts units a supplier rejected that no other fulfillment order has
    taken over since.
    """

    line_id: str
    ordered: int
    unrouted: int
    open: int
    in_progress: int
    backordered: int
    shipped: int
    cancelled: int
    delivered: int
    declined: int

    @property
    def over_routed(self) -> int:
        """Units the fulfillment orders hold beyond what was ordered: transient while a switch
        to a backup waits for the first supplier to accept the cancellation, a routing mistake
        otherwise."""
        return max(self.routed_total - self.ordered, 0)

    @property
    def routed_total(self) -> int:
        """Units the fulfillment orders account for."""
        return (
            self.open
            + self.in_progress
            + self.backordered
            + self.shipped
            + self.cancelled
            + self.declined
        )


def _to_status(value: object) -> Any:
    return to_enum(OrderStatus, value)


@attrs.frozen
class OrderRollup:
    """An order's derived status and its per-line quantities."""

    status: OrderStatus = attrs.field(converter=_to_status)
    lines: tuple[LineRollup, ...] = attrs.field(converter=to_tuple)

    @property
    def shopify_display_fulfillment_status(self) -> str:
        """Shopify's ``OrderDisplayFulfillmentStatus`` for this rollup."""
        if self.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            return "FULFILLED"
        if self.status is OrderStatus.PARTIALLY_DELIVERED:
            live = sum(line.ordered - line.cancelled for line in self.lines)
            shipped = sum(line.shipped for line in self.lines)
            return "FULFILLED" if shipped == live else "PARTIALLY_FULFILLED"
        return _SHOPIFY[self.status]


_SHOPIFY = {
    OrderStatus.UNFULFILLED: "UNFULFILLED",
    OrderStatus.ON_HOLD: "ON_HOLD",
    OrderStatus.REQUEST_DECLINED: "REQUEST_DECLINED",
    OrderStatus.IN_PROGRESS: "IN_PROGRESS",
    OrderStatus.PARTIALLY_SHIPPED: "PARTIALLY_FULFILLED",
    OrderStatus.CANCELLED: "UNFULFILLED",
}


def rollup(order: Order, fulfillment_orders: Iterable[FulfillmentOrder]) -> OrderRollup:
    """The order's status from its fulfillment orders (those of other orders are ignored)."""
    check = Checker()
    check.instance("order", order, Order)
    works = list(fulfillment_orders)
    check.sequence("fulfillment_orders", tuple(works), FulfillmentOrder)
    check.done("rollup")
    works = [fo for fo in works if fo.order_id == order.id]
    lines = tuple(_line(item.id, item.quantity, works) for item in order.line_items)
    return OrderRollup(_status(lines, works), lines)


def _line(line_id: str, ordered: int, works: list[FulfillmentOrder]) -> LineRollup:
    open_ = in_progress = backordered = shipped = cancelled = delivered = declined = 0
    for fo in works:
        for line in fo.lines:
            if line.line_id != line_id:
                continue
            if fo.status is WorkStatus.REJECTED:
                declined += line.remaining
            else:
                open_ += line.open
                in_progress += line.in_progress
                backordered += line.backordered
            shipped += line.shipped
            cancelled += line.cancelled
        delivered += sum(s.quantity_of(line_id) for s in fo.shipments if s.is_delivered)
    live = open_ + in_progress + backordered + shipped
    # Units cancelled or rejected at one supplier and re-routed to another appear at both:
    # count them once, as the live units of the supplier that took them over. A rejection
    # still to be re-routed outranks a cancellation (the units need a source).
    declined = min(declined, max(ordered - live, 0))
    cancelled = min(cancelled, max(ordered - live - declined, 0))
    return LineRollup(
        line_id,
        ordered,
        max(ordered - live - cancelled - declined, 0),
        open_,
        in_progress,
        backordered,
        shipped,
        cancelled,
        delivered,
        declined,
    )


def _status(lines: tuple[LineRollup, ...], works: list[FulfillmentOrder]) -> OrderStatus:
    ordered = sum(line.ordered for line in lines)
    cancelled = sum(line.cancelled for line in lines)
    live = ordered - cancelled
    delivered = sum(line.delivered for line in lines)
    shipped = sum(line.shipped for line in lines)
    if live == 0:
        return OrderStatus.CANCELLED
    if delivered >= live:
        return OrderStatus.DELIVERED
    if delivered:
        return OrderStatus.PARTIALLY_DELIVERED
    if shipped >= live:
        return OrderStatus.SHIPPED
    if shipped:
        return OrderStatus.PARTIALLY_SHIPPED
    if any(fo.status is WorkStatus.ON_HOLD for fo in works):
        return OrderStatus.ON_HOLD
    declined = sum(line.declined for line in lines)
    others = sum(line.open + line.in_progress + line.backordered for line in lines)
    if declined and not others:
        return OrderStatus.REQUEST_DECLINED
    if any(line.in_progress or line.backordered for line in lines) or any(
        fo.status in IN_PROGRESS_STATUSES for fo in works
    ):
        return OrderStatus.IN_PROGRESS
    return OrderStatus.UNFULFILLED
