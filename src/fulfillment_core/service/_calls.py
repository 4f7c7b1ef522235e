"""Port calls as values: what a flow yields, and the small flows every other flow uses."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, TypeVar

import attrs

from fulfillment_core._validation import describe
from fulfillment_core.fulfillment import FulfillmentOrder
from fulfillment_core.order import Order

__all__ = ["Flow", "PortCall", "ask", "get_order", "get_work"]

T = TypeVar("T")

#: A flow: yields the port calls it needs, is sent their results, returns ``T``.
Flow = Generator["PortCall", Any, T]

#: The ports a call may name (``"supplier"`` with the supplier's id).
PORTS = ("repository", "storefront", "supplier", "carrier", "notifier", "clock")


@attrs.frozen(repr=False)
class PortCall:
    """One call a flow needs made: ``port.method(*args, **kwargs)``.

    ``port`` is ``"repository"``, ``"storefront"``, ``"supplier"`` (then ``supplier_id`` says
    whose gateway), ``"carrier"``, ``"notifier"`` or ``"clock"``.
    """

    port: str
    method: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    supplier_id: str | None = None

    def __repr__(self) -> str:
        whose = f"[{self.supplier_id}]" if self.supplier_id else ""
        return f"PortCall({self.port}{whose}.{self.method})"


def ask(
    port: str, method: str, *args: Any, supplier_id: str | None = None, **kwargs: Any
) -> Flow[Any]:
    """Make one port call; return its result (or raise what it raised)."""
    return (yield PortCall(port, method, args, tuple(kwargs.items()), supplier_id))


def get_work(fulfillment_order_id: str) -> Flow[FulfillmentOrder]:
    work = yield from ask("repository", "get", fulfillment_order_id)
    if not isinstance(work, FulfillmentOrder):
        raise TypeError(f"repository.get returned {describe(work)}, not a FulfillmentOrder")
    return work


def get_order(order_id: str) -> Flow[Order]:
    order = yield from ask("repository", "get_order", order_id)
    if not isinstance(order, Order):
        raise TypeError(f"repository.get_order returned {describe(order)}, not an Order")
    return order
