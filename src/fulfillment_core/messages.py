"""What arrives at the fulfillment service, and what it answers.

Every inbound message is a frozen value with an idempotency ``key`` (the webhook's or the event's
id): the service applies a message once, and a message that comes again with the same key is a
no-op that returns the first :class:`Outcome` (``replayed=True``).

==========================  ====================================================================
message                     what it says
==========================  ====================================================================
OrderPlaced                 a storefront order came in
OrderDataUpdated            the merchant (or customer) fixed the order's data
StockReported               a supplier says what it has of one SKU now
PurchaseArrived             a factory purchase reached the supplier's warehouse
LabelBought                 someone else (the supplier) bought a label for a parcel
TrackingReported            the carrier reported on a parcel
OrderCancellationRequested  the merchant or customer wants units (or all) cancelled
SupplierRejected            the supplier will not (or can no longer) fulfil the work
RetryFailedEffects          the merchant fixed what made effects fail: try them again
Tick                        time passed: retry pending effects, watch the SLAs, follow restocks
==========================  ====================================================================
"""

from __future__ import annotations

from typing import Any

import attrs

from ._validation import Checker, to_line, to_text, to_tuple
from .fulfillment import FulfillmentEvent
from .order import Order
from .ports import Label
from .shipment import LineQuantity, _to_line_quantities, check_line_quantities
from .stock import StockStatus
from .tracking import TrackingEvent

__all__ = [
    "LabelBought",
    "Message",
    "OrderCancellationRequested",
    "OrderDataUpdated",
    "OrderPlaced",
    "Outcome",
    "PurchaseArrived",
    "RetryFailedEffects",
    "StockReported",
    "SupplierRejected",
    "Tick",
    "TrackingReported",
]


def _optional_quantities(value: Any) -> Any:
    return None if value is None else _to_line_quantities(value)


@attrs.frozen
class Message:
    """The base of every inbound message: its idempotency ``key``."""

    key: str = attrs.field(converter=to_line, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        if type(self) is Message:
            check.fail("", "Message is the common base and cannot be built")
        check.text("key", self.key, max_length=200)
        if isinstance(self.key, str) and "#" in self.key:
            check.fail("key", "must not contain '#'", "the service appends '#2', '#3'... to it")
        self._check_own(check)
        check.done(type(self).__name__)

    def _check_own(self, check: Checker) -> None:
        """Subclasses check their own fields here."""


def _check_id(check: Checker, name: str, value: object) -> None:
    check.text(name, value, max_length=255)


@attrs.frozen
class OrderPlaced(Message):
    """A storefront order came in: check its data, route it, and start the work."""

    order: Order

    def _check_own(self, check: Checker) -> None:
        check.instance("order", self.order, Order)


@attrs.frozen
class OrderDataUpdated(Message):
    """The order's data changed (an address fixed, a phone added): check it again, release the
    holds it no longer earns and place the ones it now does."""

    order: Order

    def _check_own(self, check: Checker) -> None:
        check.instance("order", self.order, Order)


@attrs.frozen
class StockReported(Message):
    """Supplier ``supplier_id`` says ``stock`` about one of its SKUs: units waiting for that
    restock arrive, or, when the restock is now too far off, are switched or cancelled."""

    supplier_id: str = attrs.field(converter=to_text)
    stock: StockStatus

    def _check_own(self, check: Checker) -> None:
        _check_id(check, "supplier_id", self.supplier_id)
        check.instance("stock", self.stock, StockStatus)


@attrs.frozen
class PurchaseArrived(Message):
    """Factory purchase ``purchase_id`` for the work reached the supplier's warehouse."""

    fulfillment_order_id: str = attrs.field(converter=to_text)
    purchase_id: str = attrs.field(converter=to_text)

    def _check_own(self, check: Checker) -> None:
        _check_id(check, "fulfillment_order_id", self.fulfillment_order_id)
        _check_id(check, "purchase_id", self.purchase_id)


@attrs.frozen
class LabelBought(Message):
    """A label was bought outside the service (by the supplier) for ``items`` of the work; none
    given: everything in progress. The parcel is packed and shipped under it."""

    fulfillment_order_id: str = attrs.field(converter=to_text)
    label: Label
    items: tuple[LineQuantity, ...] = attrs.field(
        default=(), converter=_to_line_quantities, kw_only=True
    )

    def _check_own(self, check: Checker) -> None:
        _check_id(check, "fulfillment_order_id", self.fulfillment_order_id)
        check.instance("label", self.label, Label)
        check_line_quantities(check, "items", self.items, non_empty=False)


@attrs.frozen
class TrackingReported(Message):
    """The carrier's ``events`` for parcel ``shipment_id`` of the work (an adapter maps the
    carrier's tracking number to the two ids)."""

    fulfillment_order_id: str = attrs.field(converter=to_text)
    shipment_id: str = attrs.field(converter=to_text)
    events: tuple[TrackingEvent, ...] = attrs.field(converter=to_tuple)

    def _check_own(self, check: Checker) -> None:
        _check_id(check, "fulfillment_order_id", self.fulfillment_order_id)
        _check_id(check, "shipment_id", self.shipment_id)
        check.sequence("events", self.events, TrackingEvent, non_empty=True)


@attrs.frozen
class OrderCancellationRequested(Message):
    """Cancel ``quantities`` of the order's lines (by order line id), or everything not yet
    shipped when ``None``. Before the supplier accepted the work it is cancelled at once; after,
    the supplier is asked."""

    order_id: str = attrs.field(converter=to_text)
    quantities: tuple[LineQuantity, ...] | None = attrs.field(
        default=None, converter=_optional_quantities, kw_only=True
    )
    reason: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def _check_own(self, check: Checker) -> None:
        _check_id(check, "order_id", self.order_id)
        if self.quantities is not None:
            check_line_quantities(check, "quantities", self.quantities, non_empty=True)
        check.text("reason", self.reason, required=False, max_length=1000)


@attrs.frozen
class SupplierRejected(Message):
    """The supplier will not fulfil the work (before accepting it), or can no longer (after):
    what is left is cancelled and the merchant told why."""

    fulfillment_order_id: str = attrs.field(converter=to_text)
    reason: str = attrs.field(converter=to_line)

    def _check_own(self, check: Checker) -> None:
        _check_id(check, "fulfillment_order_id", self.fulfillment_order_id)
        check.text("reason", self.reason, max_length=1000)


@attrs.frozen
class RetryFailedEffects(Message):
    """The merchant fixed what made the work's effects fail for good: schedule them again and
    release the holds their failures placed."""

    fulfillment_order_id: str = attrs.field(converter=to_text)

    def _check_own(self, check: Checker) -> None:
        _check_id(check, "fulfillment_order_id", self.fulfillment_order_id)


@attrs.frozen
class Tick(Message):
    """Time passed (a scheduler sends one every few minutes, each with its own key): retry the
    pending effects, tell the merchant about new SLA breaches (once each), and ask again about
    restocks whose date has passed."""


@attrs.frozen
class Outcome:
    """What handling one message did.

    ``events`` are the domain events the message applied, as ``(fulfillment_order_id, event)``
    in order (effects carried out afterwards add their own events to the work, not here);
    ``replayed`` is true when the key was seen before and nothing was done; ``notes`` says what
    was skipped and why (a cancellation of shipped work, an effect that failed).
    """

    key: str
    replayed: bool = False
    events: tuple[tuple[str, FulfillmentEvent], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def fulfillment_order_ids(self) -> tuple[str, ...]:
        """The work the message changed, each id once, in order."""
        return tuple(dict.fromkeys(fo_id for fo_id, _ in self.events))
