"""The ports: what the library needs from the outside world, as narrow ``typing.Protocol`` s.

An adapter implements a port by having the methods; nothing to inherit. Each port takes and
returns the library's own values, so adapters translate at the edge (a Shopify adapter maps
:class:`StorefrontFulfillment` to ``fulfillmentCreate``; a carrier adapter maps its rates to
:class:`~fulfillment_core.CarrierQuote`). Every port has a synchronous and an asynchronous
flavour that mirror each other name for name, and an in-memory fake in
:mod:`fulfillment_core.testing` that passes the same contract tests
(:mod:`fulfillment_core.testing.contracts`) a real adapter runs.

Failures come back as :class:`~fulfillment_core.exceptions.AdapterError` s that say whether
trying again can help (``retryable``); a repository refuses a stale save with
:class:`~fulfillment_core.exceptions.ConcurrencyError` and a missing id with
:class:`~fulfillment_core.exceptions.NotFoundError`.

=================  ===============================================================
port               what it does
=================  ===============================================================
Storefront         pushes a fulfillment (tracking company, numbers, urls, the line
                   quantities, whether to notify the customer); reports the holds
                   and cancellations of a fulfillment order
SupplierGateway    takes a fulfillment request (accepts or rejects it), says what
                   is in stock per SKU, buys from the factory, answers a
                   cancellation request
Carrier            quotes services for a parcel, buys a label, voids it
Notifier           sends a :class:`~fulfillment_core.Notification`
Clock              tells the time (the core never reads it)
FulfillmentRepo-   keeps fulfillment orders (get, add, save with the expected
sitory             version) and the orders they belong to; optionally
                   (``ActiveVersions``) the version of each unsettled one
=================  ===============================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

import attrs
import pendulum

from ._validation import Checker, to_datetime, to_line, to_text, to_tuple
from .address import Address, Contact
from .fulfillment import FulfillmentOrder
from .holds import Hold
from .notifications import Notification
from .order import Order
from .policy import Insert, to_inserts
from .shipment import LineQuantity, _to_line_quantities, check_line_quantities
from .shipping import CarrierQuote
from .stock import StockStatus

__all__ = [
    "ActiveVersions",
    "AsyncActiveVersions",
    "AsyncCarrier",
    "AsyncClock",
    "AsyncFulfillmentRepository",
    "AsyncNotifier",
    "AsyncStorefront",
    "AsyncSupplierGateway",
    "CancellationAnswer",
    "Carrier",
    "Clock",
    "FulfillmentRepository",
    "FulfillmentRequest",
    "Label",
    "Notifier",
    "ParcelRequest",
    "PurchaseConfirmation",
    "RequestLine",
    "Storefront",
    "StorefrontFulfillment",
    "SupplierAnswer",
    "SupplierGateway",
]

# --------------------------------------------------------------------------- what crosses


@attrs.frozen
class StorefrontFulfillment:
    """A parcel's fulfillment, as the storefront records it and tells the customer.

    Several tracking numbers (and urls) are allowed for a multi-piece parcel.
    """

    order_id: str = attrs.field(converter=to_text)
    fulfillment_order_id: str = attrs.field(converter=to_text)
    shipment_id: str = attrs.field(converter=to_text)
    items: tuple[LineQuantity, ...] = attrs.field(converter=_to_line_quantities)
    tracking_company: str = attrs.field(converter=to_line)
    tracking_numbers: tuple[str, ...] = attrs.field(converter=to_tuple)
    tracking_urls: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, kw_only=True)
    notify_customer: bool = attrs.field(default=True, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        for name in ("order_id", "fulfillment_order_id", "shipment_id", "tracking_company"):
            check.text(name, getattr(self, name), max_length=255)
        check_line_quantities(check, "items", self.items, non_empty=True)
        if check.sequence("tracking_numbers", self.tracking_numbers, str, non_empty=True):
            for index, number in enumerate(self.tracking_numbers):
                check.text(f"tracking_numbers[{index}]", number, max_length=255)
        check.sequence("tracking_urls", self.tracking_urls, str)
        check.boolean("notify_customer", self.notify_customer)
        check.done("StorefrontFulfillment")


@attrs.frozen
class RequestLine:
    """One line of a fulfillment request: the supplier's SKU and how many."""

    line_id: str = attrs.field(converter=to_text)
    supplier_sku: str = attrs.field(converter=to_line)
    quantity: int

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("line_id", self.line_id, max_length=255)
        check.text("supplier_sku", self.supplier_sku, max_length=255)
        check.integer("quantity", self.quantity, minimum=1, maximum=1_000_000)
        check.done("RequestLine")


@attrs.frozen
class FulfillmentRequest:
    """What a supplier is asked to fulfil: lines, where to, how to reach the customer, and the
    inserts the merchant wants in the parcel."""

    fulfillment_order_id: str = attrs.field(converter=to_text)
    order_id: str = attrs.field(converter=to_text)
    lines: tuple[RequestLine, ...] = attrs.field(converter=to_tuple)
    shipping_address: Address
    contact: Contact = attrs.field(factory=Contact, kw_only=True)
    inserts: frozenset[Insert] = attrs.field(
        default=frozenset(), converter=to_inserts, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("fulfillment_order_id", self.fulfillment_order_id, max_length=255)
        check.text("order_id", self.order_id, max_length=255)
        check.sequence("lines", self.lines, RequestLine, non_empty=True)
        check.instance("shipping_address", self.shipping_address, Address)
        check.instance("contact", self.contact, Contact)
        check.set_of("inserts", self.inserts, lambda v: isinstance(v, Insert), "inserts")
        check.done("FulfillmentRequest")


@attrs.frozen
class SupplierAnswer:
    """The supplier's answer to a request (or to a cancellation request): yes, or no and why."""

    accepted: bool
    reason: str | None = attrs.field(default=None, converter=to_line)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.boolean("accepted", self.accepted)
        check.text("reason", self.reason, required=not self.accepted, max_length=1000)
        check.done(type(self).__name__)


@attrs.frozen
class CancellationAnswer(SupplierAnswer):
    """The supplier's answer to a cancellation request (no, typically: it already shipped)."""


@attrs.frozen
class PurchaseConfirmation:
    """A factory purchase: the supplier's reference and when the units reach the warehouse."""

    purchase_id: str = attrs.field(converter=to_text)
    ready_by: pendulum.DateTime = attrs.field(converter=to_datetime)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("purchase_id", self.purchase_id, max_length=255)
        check.datetime("ready_by", self.ready_by)
        check.done("PurchaseConfirmation")


@attrs.frozen
class ParcelRequest:
    """A parcel to quote and label: where from and to, how heavy, how many units."""

    shipment_id: str = attrs.field(converter=to_text)
    origin_country: str = attrs.field(converter=to_line)
    destination: Address
    grams: int
    units: int

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("shipment_id", self.shipment_id, max_length=255)
        check.text("origin_country", self.origin_country, max_length=8)
        check.instance("destination", self.destination, Address)
        check.integer("grams", self.grams, minimum=0, maximum=1_000_000)
        check.integer("units", self.units, minimum=1, maximum=100_000)
        check.done("ParcelRequest")


@attrs.frozen
class Label:
    """A bought label: the tracking number the parcel travels under."""

    carrier: str = attrs.field(converter=to_line)
    service: str = attrs.field(converter=to_line)
    tracking_number: str = attrs.field(converter=to_line)
    created_at: pendulum.DateTime = attrs.field(converter=to_datetime)
    tracking_url: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        for name in ("carrier", "service", "tracking_number"):
            check.text(name, getattr(self, name), max_length=255)
        check.datetime("created_at", self.created_at)
        check.text("tracking_url", self.tracking_url, required=False, max_length=2000)
        check.done("Label")


# --------------------------------------------------------------------------- sync ports


@runtime_checkable
class Storefront(Protocol):
    """The merchant's shop (Shopify, WooCommerce, ...)."""

    def push_fulfillment(self, fulfillment: StorefrontFulfillment) -> str:
        """Record a parcel's fulfillment; return the storefront's id for it. Pushing the same
        ``shipment_id`` again must not create a second fulfillment (return the first id)."""
        ...

    def report_holds(self, order_id: str, fulfillment_order_id: str, holds: Sequence[Hold]) -> None:
        """Make the storefront show exactly these holds on the work (none: released)."""
        ...

    def report_cancellation(
        self,
        order_id: str,
        fulfillment_order_id: str,
        quantities: Sequence[LineQuantity],
        reason: str,
        *,
        key: str,
    ) -> None:
        """Tell the storefront these units will not be fulfilled, and why. A report whose
        ``key`` was reported before must not cancel anything again (a retry after a crash)."""
        ...


@runtime_checkable
class SupplierGateway(Protocol):
    """The supplier's system (an ERP, a dropshipping platform's API, a spreadsheet bot)."""

    def submit_request(self, request: FulfillmentRequest) -> SupplierAnswer:
        """Ask the supplier to fulfil ``request``; it accepts or rejects (with a reason)."""
        ...

    def stock(self, supplier_skus: Sequence[str]) -> Mapping[str, StockStatus]:
        """What the supplier says about each SKU now: every SKU asked gets an answer, one it does
        not carry an unavailable one (``OutOfStock`` or ``Discontinued``); none asked, none."""
        ...

    def purchase(
        self, fulfillment_order_id: str, supplier_sku: str, quantity: int, *, reference: str
    ) -> PurchaseConfirmation:
        """Buy units at the factory for this work. ``reference`` is the buyer's idempotency key:
        buying again with the same ``reference`` must not buy twice (return the first
        confirmation), so a retry after a timeout is safe."""
        ...

    def request_cancellation(
        self, fulfillment_order_id: str, quantities: Sequence[LineQuantity], *, key: str
    ) -> CancellationAnswer:
        """Ask the supplier to stop work on these units. Asking again with the same ``key``
        must return the first answer and cancel nothing more. About a fulfillment order it
        never received, raise :class:`~fulfillment_core.exceptions.NotFoundError`, and keep
        no answer under the ``key`` (the service withdraws units of a request whose reply was
        lost: told the request is not there, it sends the request and asks again, with the
        same key)."""
        ...


@runtime_checkable
class Carrier(Protocol):
    """A carrier or a shipping aggregator."""

    def quote(self, parcel: ParcelRequest) -> Sequence[CarrierQuote]:
        """The services available for ``parcel`` right now, with prices and transit times."""
        ...

    def buy_label(self, parcel: ParcelRequest, quote: CarrierQuote) -> Label:
        """Buy a label for ``parcel`` with the quoted service. Buying for the same
        ``shipment_id`` again must return the same label, not a second one; a quote this
        carrier did not give raises ``PermanentAdapterError``."""
        ...

    def void_label(self, tracking_number: str) -> None:
        """Cancel an unused label (and get its cost back, where the carrier allows); an unknown
        tracking number raises ``PermanentAdapterError``."""
        ...


@runtime_checkable
class Notifier(Protocol):
    """Email, in-app messages, SMS: whatever reaches people."""

    def send(self, notification: Notification) -> None:
        """Deliver ``notification``. One whose ``key`` was sent before must not be delivered
        again (a retry after a crash); one without a key is always delivered."""
        ...


@runtime_checkable
class Clock(Protocol):
    """The time. The core never reads it; the service asks this port."""

    def now(self) -> pendulum.DateTime: ...


@runtime_checkable
class FulfillmentRepository(Protocol):
    """Where fulfillment orders (and their orders) are kept, with optimistic concurrency."""

    def get(self, fulfillment_order_id: str) -> FulfillmentOrder:
        """The stored work; ``NotFoundError`` when there is none."""
        ...

    def add(self, fulfillment_order: FulfillmentOrder) -> None:
        """Store new work; ``ConcurrencyError`` when its id is taken."""
        ...

    def save(self, fulfillment_order: FulfillmentOrder, expected_version: int) -> None:
        """Store changed work, if the stored version is still ``expected_version``;
        ``ConcurrencyError`` when someone saved since (reload and apply again)."""
        ...

    def for_order(self, order_id: str) -> Sequence[FulfillmentOrder]:
        """The work of one order, in the order it was added."""
        ...

    def ids(self) -> Sequence[str]:
        """Every stored fulfillment order id, in the order they were added."""
        ...

    def active_ids(self) -> Sequence[str]:
        """The ids of stored work that is not settled (not terminal, or with effects still in
        its outbox: :attr:`FulfillmentOrder.is_settled`), in the order added. The service's
        tick and stock reports visit only these, so keep it cheap (an index, a status column)."""
        ...

    def put_order(self, order: Order) -> None:
        """Keep the order, replacing an earlier version of it; but never replace a version
        whose ``updated_at`` is later than this one's (do the comparison and the write as one
        step, e.g. a conditional update), so an edit that arrives late cannot undo a newer one."""
        ...

    def get_order(self, order_id: str) -> Order:
        """The kept order; ``NotFoundError`` when there is none."""
        ...


@runtime_checkable
class ActiveVersions(Protocol):
    """What a :class:`FulfillmentRepository` may offer besides: the stored version of every
    unsettled work in one read. With it, the service's tick loads only the work that changed
    since that service last looked at it, or whose next SLA breach or restock date has come;
    without it, the tick loads every unsettled work each time. Optional: a repository without
    the method works as before."""

    def active_versions(self) -> Mapping[str, int]:
        """``{fulfillment order id: stored version}`` for exactly the ids
        :meth:`FulfillmentRepository.active_ids` gives, in the same order. Keep it as cheap
        as ``active_ids`` (the version is a column of the same index)."""
        ...


# --------------------------------------------------------------------------- async ports


@runtime_checkable
class AsyncStorefront(Protocol):
    """The async twin of :class:`Storefront`: the same methods and promises, awaited."""

    async def push_fulfillment(self, fulfillment: StorefrontFulfillment) -> str: ...

    async def report_holds(
        self, order_id: str, fulfillment_order_id: str, holds: Sequence[Hold]
    ) -> None: ...

    async def report_cancellation(
        self,
        order_id: str,
        fulfillment_order_id: str,
        quantities: Sequence[LineQuantity],
        reason: str,
        *,
        key: str,
    ) -> None: ...


@runtime_checkable
class AsyncSupplierGateway(Protocol):
    """The async twin of :class:`SupplierGateway`: the same methods and promises, awaited."""

    async def submit_request(self, request: FulfillmentRequest) -> SupplierAnswer: ...

    async def stock(self, supplier_skus: Sequence[str]) -> Mapping[str, StockStatus]: ...

    async def purchase(
        self, fulfillment_order_id: str, supplier_sku: str, quantity: int, *, reference: str
    ) -> PurchaseConfirmation: ...

    async def request_cancellation(
        self, fulfillment_order_id: str, quantities: Sequence[LineQuantity], *, key: str
    ) -> CancellationAnswer: ...


@runtime_checkable
class AsyncCarrier(Protocol):
    """The async twin of :class:`Carrier`: the same methods and promises, awaited."""

    async def quote(self, parcel: ParcelRequest) -> Sequence[CarrierQuote]: ...

    async def buy_label(self, parcel: ParcelRequest, quote: CarrierQuote) -> Label: ...

    async def void_label(self, tracking_number: str) -> None: ...


@runtime_checkable
class AsyncNotifier(Protocol):
    """The async twin of :class:`Notifier`: the same methods and promises, awaited."""

    async def send(self, notification: Notification) -> None: ...


@runtime_checkable
class AsyncClock(Protocol):
    """The async twin of :class:`Clock`: the same methods and promises, awaited."""

    async def now(self) -> pendulum.DateTime: ...


@runtime_checkable
class AsyncFulfillmentRepository(Protocol):
    """The async twin of :class:`FulfillmentRepository`: the same methods and promises, awaited."""

    async def get(self, fulfillment_order_id: str) -> FulfillmentOrder: ...

    async def add(self, fulfillment_order: FulfillmentOrder) -> None: ...

    async def save(self, fulfillment_order: FulfillmentOrder, expected_version: int) -> None: ...

    async def for_order(self, order_id: str) -> Sequence[FulfillmentOrder]: ...

    async def ids(self) -> Sequence[str]: ...

    async def active_ids(self) -> Sequence[str]: ...

    async def put_order(self, order: Order) -> None: ...

    async def get_order(self, order_id: str) -> Order: ...


@runtime_checkable
class AsyncActiveVersions(Protocol):
    """The async twin of :class:`ActiveVersions`, for an :class:`AsyncFulfillmentRepository`."""

    async def active_versions(self) -> Mapping[str, int]: ...
