"""In-memory fakes for every port, and a clock that only moves when a test moves it.

A fake is what a test talks to instead of Shopify, a supplier's API, a carrier or a database. Each
one keeps **plain data** that a test asserts on (``storefront.fulfillments``,
``supplier.purchases``, ``notifier.sent``) rather than a mock's call log, can be **scripted**
(stock tables, rejected SKUs, shipped work, carrier services, failures) and passes the same
contract tests (:mod:`fulfillment_core.testing.contracts`) a real adapter runs, so a service
tested against the fakes behaves the same against the real thing.

=======================  ===================================  ===============================
fake                     keeps                                scripts
=======================  ===================================  ===============================
FakeClock                the time                             ``advance``, ``set``,
                                                              ``advance_business_days``
FakeStorefront           fulfillments by shipment, holds by   failures
                         fulfillment order, cancellations
FakeSupplier             requests, answers, purchases,        ``set_stock``, ``reject_sku``,
                         cancellation requests                ``mark_shipped``, failures
FakeCarrier              labels by shipment, voided labels    its services, ``journey``,
                                                              failures
FakeNotifier             every notification sent              failures
InMemoryRepository       fulfillment orders, orders, saves    failures
=======================  ===================================  ===============================

Every fake but the clock records the port methods called, in order, in ``calls`` (a failed call
too: it was made), and ``fail_next(operation, error, times=1)`` makes the next ``times`` calls of
that method raise ``error`` *before doing anything*, so a test can check that a retry does the
work once. Each port also has an async twin (``AsyncFakeStorefront``...) that wraps the sync fake
and shares its data.

Nothing here reads the wall clock or draws a random number: ids and tracking numbers come from
counters, times from the :class:`FakeClock`.

>>> import pendulum
>>> from fulfillment_core.exceptions import RetryableAdapterError
>>> clock = FakeClock(pendulum.datetime(2026, 3, 2, 1, 0, tz="UTC"))
>>> supplier = FakeSupplier(clock)
>>> supplier.fail_next("purchase", RetryableAdapterError("supplier", "purchase", "timeout"))
>>> try:
...     supplier.purchase("fo-1", "SZ-PC-1501-B", 2, reference="fo-1/buy-1")
... except RetryableAdapterError:
...     pass
>>> supplier.purchase("fo-1", "SZ-PC-1501-B", 2, reference="fo-1/buy-1").purchase_id
'PO-000001'
>>> supplier.calls
['purchase', 'purchase']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import attrs
import pendulum

from fulfillment_core._validation import (
    Checker,
    a_name,
    describe,
    to_country_set,
    to_datetime,
    to_line,
)
from fulfillment_core.calendar import BusinessCalendar
from fulfillment_core.exceptions import (
    AdapterError,
    ConcurrencyError,
    NotFoundError,
    PermanentAdapterError,
    Problem,
    ValidationError,
)
from fulfillment_core.fulfillment import FulfillmentOrder
from fulfillment_core.holds import Hold
from fulfillment_core.money import Money
from fulfillment_core.notifications import Notification
from fulfillment_core.order import Order
from fulfillment_core.policy import Audience, NotificationKind
from fulfillment_core.ports import (
    CancellationAnswer,
    Clock,
    FulfillmentRequest,
    Label,
    ParcelRequest,
    PurchaseConfirmation,
    StorefrontFulfillment,
    SupplierAnswer,
)
from fulfillment_core.shipment import LineQuantity
from fulfillment_core.shipping import CarrierQuote
from fulfillment_core.stock import Discontinued, StockStatus
from fulfillment_core.supplier import DayRange, check_day_range, to_day_range
from fulfillment_core.testing.factories import PLACED_AT
from fulfillment_core.tracking import TrackingEvent, TrackingStatus

__all__ = [
    "DEFAULT_SERVICE_OFFERS",
    "AsyncFakeCarrier",
    "AsyncFakeClock",
    "AsyncFakeNotifier",
    "AsyncFakeStorefront",
    "AsyncFakeSupplier",
    "AsyncInMemoryRepository",
    "FakeCarrier",
    "FakeClock",
    "FakeNotifier",
    "FakeStorefront",
    "FakeSupplier",
    "InMemoryRepository",
    "ServiceOffer",
]


def _refuse(subject: str, path: str, message: str, hint: str = "") -> ValidationError:
    return ValidationError(subject, [Problem(path, message, hint)])


def _expect(subject: str, path: str, value: object, cls: type) -> None:
    """Refuse a wrongly typed argument the way the values do (the type checker would have)."""
    if not isinstance(value, cls):
        raise _refuse(subject, path, f"must be {a_name(cls)}, got {describe(value)}")


def _quantities(subject: str, value: Sequence[LineQuantity]) -> tuple[LineQuantity, ...]:
    given: object = value  # as passed, before the type checker's narrowing
    if isinstance(given, (str, bytes)) or not isinstance(given, Sequence):
        raise _refuse(
            subject, "quantities", f"must be a list of LineQuantity, got {describe(given)}"
        )
    quantities = tuple(value)
    check = Checker()
    check.sequence("quantities", quantities, LineQuantity)
    check.done(subject)
    return quantities


# --------------------------------------------------------------------------- the clock


class FakeClock:
    """The time, moved by hand: it never reads the wall clock, so a test is the same every run.

    It implements the :class:`~fulfillment_core.ports.Clock` port. Time only goes forward (a
    service that saw 10:00 must never see 09:00 afterwards), and only aware instants are
    accepted; both are refused with a :class:`~fulfillment_core.ValidationError`. ``now()`` is
    always a pendulum ``DateTime`` in UTC.

    >>> import pendulum
    >>> clock = FakeClock(pendulum.datetime(2026, 3, 6, 17, tz="Asia/Shanghai"))
    >>> clock.advance(hours=2).isoformat()
    '2026-03-06T11:00:00+00:00'
    """

    def __init__(self, start: dt.datetime) -> None:
        self._now: pendulum.DateTime = self._instant("FakeClock", "start", start)

    def __repr__(self) -> str:
        return f"FakeClock({self._now.isoformat()!r})"

    @staticmethod
    def _instant(subject: str, path: str, value: object) -> pendulum.DateTime:
        converted = to_datetime(value)
        check = Checker()
        check.datetime(path, converted)
        check.done(subject)
        assert isinstance(converted, pendulum.DateTime)
        return converted

    def _move_to(self, subject: str, instant: pendulum.DateTime) -> pendulum.DateTime:
        if instant < self._now:
            raise _refuse(
                subject,
                "",
                f"would move the clock back from {self._now.isoformat()} to {instant.isoformat()}",
                "time only goes forward; start a new FakeClock for an earlier time",
            )
        self._now = instant
        return instant

    def now(self) -> pendulum.DateTime:
        """The current instant, in UTC."""
        return self._now

    def advance(
        self,
        *,
        years: int = 0,
        months: int = 0,
        weeks: int = 0,
        days: int = 0,
        hours: int = 0,
        minutes: int = 0,
        seconds: int = 0,
        milliseconds: int = 0,
        microseconds: int = 0,
    ) -> pendulum.DateTime:
        """Move forward by a duration (pendulum's keywords) and return the new time.

        The clock runs in UTC, so ``days=1`` is always 24 hours; months and years are calendar
        months and years. A net negative duration is refused.
        """
        amounts = {
            "years": years,
            "months": months,
            "weeks": weeks,
            "days": days,
            "hours": hours,
            "minutes": minutes,
            "seconds": seconds,
            "milliseconds": milliseconds,
            "microseconds": microseconds,
        }
        check = Checker()
        for name, amount in amounts.items():
            check.integer(name, amount)
        check.done("FakeClock.advance")
        target = self._now.add(
            years=years,
            months=months,
            weeks=weeks,
            days=days,
            hours=hours,
            minutes=minutes,
            seconds=seconds,
            microseconds=microseconds + 1000 * milliseconds,
        )
        return self._move_to("FakeClock.advance", target)

    def advance_business_days(self, days: int, calendar: BusinessCalendar) -> pendulum.DateTime:
        """Move to ``calendar.add_business_days(now, days)``: the same local time ``days``
        business days on, in the supplier's calendar (see its rules for cut-offs and
        closures). Returns the new time."""
        _expect("FakeClock.advance_business_days", "calendar", calendar, BusinessCalendar)
        target = calendar.add_business_days(self._now, days)
        return self._move_to("FakeClock.advance_business_days", target)

    def set(self, instant: dt.datetime) -> pendulum.DateTime:
        """Move to ``instant`` (aware; not before now) and return it in UTC."""
        return self._move_to("FakeClock.set", self._instant("FakeClock.set", "instant", instant))


class AsyncFakeClock:
    """The :class:`~fulfillment_core.ports.AsyncClock` twin of :class:`FakeClock`.

    ``clock`` is the sync clock it reads (move that one); without it, a new clock starts at
    :data:`~fulfillment_core.testing.factories.PLACED_AT`.
    """

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.clock = clock if clock is not None else FakeClock(PLACED_AT)

    async def now(self) -> pendulum.DateTime:
        return self.clock.now()


# --------------------------------------------------------------------------- scripted failures


class _ScriptedFake:
    """What every fake port shares: a log of the calls made, and failures scripted for the next
    calls of a method. A scripted failure is raised before the method does anything, as a
    real adapter's timeout leaves the remote side untouched."""

    #: The adapter name in the errors the fake raises (``carrier.buy_label failed ...``).
    port: ClassVar[str] = ""
    #: The port methods, the only operations ``fail_next`` accepts.
    operations: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        #: Every port method called, in order, failed calls included.
        self.calls: list[str] = []
        self._failures: dict[str, list[AdapterError]] = {}

    def fail_next(self, operation: str, error: AdapterError, times: int = 1) -> None:
        """Make the next ``times`` calls of ``operation`` raise ``error`` before doing anything.

        Scripted failures queue up in the order they were scripted.
        """
        subject = f"{type(self).__name__}.fail_next"
        check = Checker()
        if operation not in self.operations:
            check.fail(
                "operation",
                f"{describe(operation)} is not a method of the port",
                f"use one of {', '.join(self.operations)}",
            )
        check.instance("error", error, AdapterError)
        check.integer("times", times, minimum=1)
        check.done(subject)
        self._failures.setdefault(operation, []).extend([error] * times)

    def _call(self, operation: str) -> None:
        """Log the call; raise the next failure scripted for it, if any."""
        self.calls.append(operation)
        queued = self._failures.get(operation)
        if queued:
            raise queued.pop(0).with_traceback(None)  # the same error object may be queued again


# --------------------------------------------------------------------------- storefront


class FakeStorefront(_ScriptedFake):
    """A storefront that records what it is told, like Shopify's admin would show it.

    * ``fulfillments``: the fulfillment of each parcel, by ``shipment_id``, as first pushed;
    * ``fulfillment_ids``: the storefront's id for each, by ``shipment_id``
      (``gid://shopify/Fulfillment/1000001``, ``...1000002``, ...);
    * ``pushes``: every fulfillment pushed, repeats included (to count pushes);
    * ``holds``: the holds shown on each fulfillment order, by its id; each report replaces
      the last (an empty tuple: released);
    * ``cancellations``: ``(order_id, fulfillment_order_id, quantities, reason)`` per report
      (a report under a ``key`` reported before is not recorded again).

    Pushing a ``shipment_id`` again returns the first id and changes no fulfillment, as the
    port requires.

    >>> from fulfillment_core.testing.factories import make_storefront_fulfillment
    >>> storefront = FakeStorefront()
    >>> storefront.push_fulfillment(make_storefront_fulfillment())
    'gid://shopify/Fulfillment/1000001'
    >>> storefront.push_fulfillment(make_storefront_fulfillment())
    'gid://shopify/Fulfillment/1000001'
    >>> len(storefront.fulfillments), len(storefront.pushes)
    (1, 2)
    """

    port = "storefront"
    operations = ("push_fulfillment", "report_holds", "report_cancellation")

    #: The number in the first fulfillment id (Shopify's ids are long numbers).
    FIRST_ID: ClassVar[int] = 1_000_001

    def __init__(self) -> None:
        super().__init__()
        self.fulfillments: dict[str, StorefrontFulfillment] = {}
        self.fulfillment_ids: dict[str, str] = {}
        self.pushes: list[StorefrontFulfillment] = []
        self.holds: dict[str, tuple[Hold, ...]] = {}
        self.cancellations: list[tuple[str, str, tuple[LineQuantity, ...], str]] = []
        self._reported: set[str] = set()

    def push_fulfillment(self, fulfillment: StorefrontFulfillment) -> str:
        self._call("push_fulfillment")
        _expect(
            "FakeStorefront.push_fulfillment", "fulfillment", fulfillment, StorefrontFulfillment
        )
        self.pushes.append(fulfillment)
        known = self.fulfillment_ids.get(fulfillment.shipment_id)
        if known is not None:
            return known
        fulfillment_id = f"gid://shopify/Fulfillment/{self.FIRST_ID + len(self.fulfillment_ids)}"
        self.fulfillments[fulfillment.shipment_id] = fulfillment
        self.fulfillment_ids[fulfillment.shipment_id] = fulfillment_id
        return fulfillment_id

    def report_holds(self, order_id: str, fulfillment_order_id: str, holds: Sequence[Hold]) -> None:
        self._call("report_holds")
        shown = tuple(holds)
        check = Checker()
        check.text("order_id", order_id)
        check.text("fulfillment_order_id", fulfillment_order_id)
        check.sequence("holds", shown, Hold)
        check.done("FakeStorefront.report_holds")
        self.holds[fulfillment_order_id] = shown

    def report_cancellation(
        self,
        order_id: str,
        fulfillment_order_id: str,
        quantities: Sequence[LineQuantity],
        reason: str,
        *,
        key: str,
    ) -> None:
        self._call("report_cancellation")
        subject = "FakeStorefront.report_cancellation"
        units = _quantities(subject, quantities)
        check = Checker()
        check.text("order_id", order_id)
        check.text("fulfillment_order_id", fulfillment_order_id)
        check.text("reason", reason)
        check.text("key", key, max_length=512)
        check.done(subject)
        if key in self._reported:
            return
        self._reported.add(key)
        self.cancellations.append((order_id, fulfillment_order_id, units, reason))


class AsyncFakeStorefront:
    """The :class:`~fulfillment_core.ports.AsyncStorefront` twin; its data is ``fake``'s."""

    def __init__(self, fake: FakeStorefront | None = None) -> None:
        self.fake = fake if fake is not None else FakeStorefront()

    async def push_fulfillment(self, fulfillment: StorefrontFulfillment) -> str:
        return self.fake.push_fulfillment(fulfillment)

    async def report_holds(
        self, order_id: str, fulfillment_order_id: str, holds: Sequence[Hold]
    ) -> None:
        self.fake.report_holds(order_id, fulfillment_order_id, holds)

    async def report_cancellation(
        self,
        order_id: str,
        fulfillment_order_id: str,
        quantities: Sequence[LineQuantity],
        reason: str,
        *,
        key: str,
    ) -> None:
        self.fake.report_cancellation(order_id, fulfillment_order_id, quantities, reason, key=key)


# --------------------------------------------------------------------------- supplier


class FakeSupplier(_ScriptedFake):
    """A supplier with a stock table a test writes, and a memory of everything asked of it.

    Scripting:

    * ``set_stock(supplier_sku, status)`` writes the stock table (``stock_table``);
      ``stock()`` answers each SKU with what was set, unchanged. A SKU never set answers
      :class:`~fulfillment_core.Discontinued` as of now: a supplier that has never heard of a
      SKU cannot make it, and a test that wants stock says so.
    * ``reject_sku(supplier_sku, reason)``: requests with a line of that SKU are rejected
      with ``reason`` (every other request is accepted).
    * ``mark_shipped(fulfillment_order_id)``: later cancellation requests for that work are
      rejected with ``"already shipped"``; others are accepted.

    Records: ``requests`` (each fulfillment order's first request; submitting the same
    ``fulfillment_order_id`` again returns the first answer and records nothing),
    ``answers`` by fulfillment order id, ``purchases`` as ``(fulfillment_order_id,
    supplier_sku, quantity, confirmation)`` with purchase ids ``PO-000001``... ready
    ``factory_lead_hours`` after now, and ``cancellation_requests`` as
    ``(fulfillment_order_id, quantities)`` (asking again under the same ``key`` returns the
    first answer and records nothing). A purchase with a ``reference`` already bought
    returns the first confirmation and buys nothing more.

    >>> import pendulum
    >>> from fulfillment_core import InWarehouse
    >>> clock = FakeClock(pendulum.datetime(2026, 3, 2, 1, tz="UTC"))
    >>> supplier = FakeSupplier(clock)
    >>> supplier.set_stock("SZ-PC-1501-B", InWarehouse("SZ-PC-1501-B", as_of=clock.now(),
    ...                                                quantity=40))
    >>> {sku: s.kind.value for sku, s in supplier.stock(["SZ-PC-1501-B", "SZ-GONE"]).items()}
    {'SZ-PC-1501-B': 'in_warehouse', 'SZ-GONE': 'discontinued'}
    """

    port = "supplier"
    operations = ("submit_request", "stock", "purchase", "request_cancellation")

    def __init__(self, clock: Clock, *, factory_lead_hours: int = 24) -> None:
        super().__init__()
        check = Checker()
        given: object = clock  # as passed, before the type checker's narrowing
        if not isinstance(given, Clock):
            check.fail("clock", f"must have a now() method, got {describe(clock)}", "FakeClock")
        check.integer("factory_lead_hours", factory_lead_hours, minimum=0, maximum=24 * 365)
        check.done("FakeSupplier")
        self.clock = clock
        self.factory_lead_hours = factory_lead_hours
        self.stock_table: dict[str, StockStatus] = {}
        self.rejected_skus: dict[str, str] = {}
        self.shipped: set[str] = set()
        self.requests: list[FulfillmentRequest] = []
        self.answers: dict[str, SupplierAnswer] = {}
        self.purchases: list[tuple[str, str, int, PurchaseConfirmation]] = []
        self.purchase_references: dict[str, PurchaseConfirmation] = {}
        self.cancellation_requests: list[tuple[str, tuple[LineQuantity, ...]]] = []
        self.cancellation_answers: dict[str, CancellationAnswer] = {}

    # ------------------------------------------------------------------ scripting

    def set_stock(self, supplier_sku: str, status: StockStatus) -> None:
        """What ``stock()`` answers for ``supplier_sku`` from now on (``status.sku`` must match)."""
        sku = to_line(supplier_sku)
        check = Checker()
        check.text("supplier_sku", sku, max_length=255)
        if check.instance("status", status, StockStatus) and status.sku != sku:
            check.fail(
                "status.sku",
                f"is {status.sku!r}, not {sku!r}",
                "a stock answer names the SKU it is about",
            )
        check.done("FakeSupplier.set_stock")
        self.stock_table[sku] = status

    def reject_sku(self, supplier_sku: str, reason: str) -> None:
        """Reject every later request with a line of ``supplier_sku``, saying ``reason``."""
        sku, why = to_line(supplier_sku), to_line(reason)
        check = Checker()
        check.text("supplier_sku", sku, max_length=255)
        check.text("reason", why, max_length=1000)
        check.done("FakeSupplier.reject_sku")
        self.rejected_skus[sku] = why

    def mark_shipped(self, fulfillment_order_id: str) -> None:
        """The parcel left: later cancellation requests for this work are rejected."""
        check = Checker()
        check.text("fulfillment_order_id", fulfillment_order_id)
        check.done("FakeSupplier.mark_shipped")
        self.shipped.add(fulfillment_order_id)

    # ------------------------------------------------------------------ the port

    def submit_request(self, request: FulfillmentRequest) -> SupplierAnswer:
        self._call("submit_request")
        _expect("FakeSupplier.submit_request", "request", request, FulfillmentRequest)
        known = self.answers.get(request.fulfillment_order_id)
        if known is not None:
            return known
        reasons: list[str] = []
        for line in request.lines:
            reason = self.rejected_skus.get(line.supplier_sku)
            if reason is not None and reason not in reasons:
                reasons.append(reason)
        answer = SupplierAnswer(False, "; ".join(reasons)) if reasons else SupplierAnswer(True)
        self.requests.append(request)
        self.answers[request.fulfillment_order_id] = answer
        return answer

    def stock(self, supplier_skus: Sequence[str]) -> Mapping[str, StockStatus]:
        self._call("stock")
        if isinstance(supplier_skus, str) or not isinstance(supplier_skus, Sequence):
            raise _refuse(
                "FakeSupplier.stock",
                "supplier_skus",
                f"must be a list of SKUs, got {describe(supplier_skus)}",
                "wrap a single SKU in a list",
            )
        now = self.clock.now()
        answers: dict[str, StockStatus] = {}
        for sku in supplier_skus:
            key = to_line(sku)
            known = self.stock_table.get(key)
            answers[key] = known if known is not None else Discontinued(key, as_of=now)
        return answers

    def purchase(
        self, fulfillment_order_id: str, supplier_sku: str, quantity: int, *, reference: str
    ) -> PurchaseConfirmation:
        self._call("purchase")
        check = Checker()
        check.text("fulfillment_order_id", fulfillment_order_id)
        check.text("supplier_sku", supplier_sku)
        check.integer("quantity", quantity, minimum=1, maximum=1_000_000)
        check.text("reference", reference, max_length=512)
        check.done("FakeSupplier.purchase")
        known = self.purchase_references.get(reference)
        if known is not None:
            return known
        confirmation = PurchaseConfirmation(
            f"PO-{len(self.purchases) + 1:06d}",
            self.clock.now().add(hours=self.factory_lead_hours),
        )
        self.purchases.append((fulfillment_order_id, supplier_sku, quantity, confirmation))
        self.purchase_references[reference] = confirmation
        return confirmation

    def request_cancellation(
        self, fulfillment_order_id: str, quantities: Sequence[LineQuantity], *, key: str
    ) -> CancellationAnswer:
        self._call("request_cancellation")
        subject = "FakeSupplier.request_cancellation"
        units = _quantities(subject, quantities)
        check = Checker()
        check.text("fulfillment_order_id", fulfillment_order_id)
        check.text("key", key, max_length=512)
        check.done(subject)
        known = self.cancellation_answers.get(key)
        if known is not None:
            return known
        if fulfillment_order_id not in self.answers:  # it never got that request
            raise NotFoundError("fulfillment request", fulfillment_order_id)
        self.cancellation_requests.append((fulfillment_order_id, units))
        if fulfillment_order_id in self.shipped:
            answer = CancellationAnswer(False, "already shipped")
        else:
            answer = CancellationAnswer(True)
        self.cancellation_answers[key] = answer
        return answer


class AsyncFakeSupplier:
    """The :class:`~fulfillment_core.ports.AsyncSupplierGateway` twin; its data is ``fake``'s."""

    def __init__(self, fake: FakeSupplier) -> None:
        _expect("AsyncFakeSupplier", "fake", fake, FakeSupplier)
        self.fake = fake

    async def submit_request(self, request: FulfillmentRequest) -> SupplierAnswer:
        return self.fake.submit_request(request)

    async def stock(self, supplier_skus: Sequence[str]) -> Mapping[str, StockStatus]:
        return self.fake.stock(supplier_skus)

    async def purchase(
        self, fulfillment_order_id: str, supplier_sku: str, quantity: int, *, reference: str
    ) -> PurchaseConfirmation:
        return self.fake.purchase(fulfillment_order_id, supplier_sku, quantity, reference=reference)

    async def request_cancellation(
        self, fulfillment_order_id: str, quantities: Sequence[LineQuantity], *, key: str
    ) -> CancellationAnswer:
        return self.fake.request_cancellation(fulfillment_order_id, quantities, key=key)


# --------------------------------------------------------------------------- carrier


def _to_prefix(value: Any) -> Any:
    return value.strip().upper() or None if isinstance(value, str) else value


@attrs.frozen
class ServiceOffer:
    """One service a :class:`FakeCarrier` sells: a fixed price and transit range per parcel.

    ``tracking_prefix`` starts its tracking numbers (``"YT"`` gives ``YT000000001``); without
    one, the first two letters or digits of the carrier's name do. ``destinations`` limits the
    countries it serves (``None``: everywhere).
    """

    carrier: str = attrs.field(converter=to_line)
    service: str = attrs.field(converter=to_line)
    price: Money
    transit: DayRange = attrs.field(converter=to_day_range)
    tracked: bool = True
    tracking_prefix: str | None = attrs.field(default=None, converter=_to_prefix, kw_only=True)
    destinations: frozenset[str] | None = attrs.field(
        default=None, converter=to_country_set, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("carrier", self.carrier, max_length=255)
        check.text("service", self.service, max_length=255)
        if check.instance("price", self.price, Money) and self.price.is_negative:
            check.fail("price", f"must not be negative, got {self.price}")
        check_day_range(check, "transit", self.transit)
        check.boolean("tracked", self.tracked)
        if check.text("tracking_prefix", self.tracking_prefix, required=False, max_length=8) and (
            self.tracking_prefix is not None and not self.tracking_prefix.isalnum()
        ):
            check.fail("tracking_prefix", "must be letters and digits only", "e.g. 'YT'")
        check.countries("destinations", self.destinations, required=False)
        check.done("ServiceOffer")

    @property
    def prefix(self) -> str:
        """What this service's tracking numbers start with."""
        if self.tracking_prefix:
            return self.tracking_prefix
        letters = "".join(ch for ch in self.carrier.upper() if ch.isascii() and ch.isalnum())
        return letters[:2] or "TN"

    def serves(self, country_code: str | None) -> bool:
        """Whether it ships to ``country_code`` (``None``, unknown: yes)."""
        return (
            self.destinations is None or country_code is None or country_code in self.destinations
        )

    def quote_at(self, now: pendulum.DateTime) -> CarrierQuote:
        """Its quote at ``now``: delivery estimated at the slow end of the transit range."""
        return CarrierQuote(
            self.carrier,
            self.service,
            self.price,
            self.transit,
            self.tracked,
            now.add(days=self.transit.max_days),
        )

    def offered(self, quote: CarrierQuote) -> bool:
        """Whether ``quote`` is this service as quoted (any estimated delivery)."""
        return (quote.carrier, quote.service, quote.price, quote.transit, quote.tracked) == (
            self.carrier,
            self.service,
            self.price,
            self.transit,
            self.tracked,
        )


#: Three typical services from Shenzhen: tracked economy, express, and untracked post.
DEFAULT_SERVICE_OFFERS: tuple[ServiceOffer, ...] = (
    ServiceOffer(
        "YunExpress", "Global Direct", Money("6.40", "USD"), DayRange(8, 12), tracking_prefix="YT"
    ),
    ServiceOffer(
        "DHL", "Express Worldwide", Money("24.00", "USD"), DayRange(2, 4), tracking_prefix="JD"
    ),
    ServiceOffer(
        "China Post",
        "Small Packet",
        Money("2.10", "USD"),
        DayRange(15, 30),
        tracked=False,
        tracking_prefix="LX",
    ),
)


class FakeCarrier(_ScriptedFake):
    """A carrier selling fixed-price services (``services``, which a test may replace).

    ``quote`` answers one :class:`~fulfillment_core.CarrierQuote` per service that serves the
    destination, with delivery estimated ``transit.max_days`` after now. ``buy_label`` refuses
    (:class:`~fulfillment_core.exceptions.PermanentAdapterError`) a quote that is not one of
    its services, as a carrier refuses a rate it never gave, and returns the same label for the
    same ``shipment_id`` until that label is voided. Tracking numbers are a prefix and a
    counter per prefix: ``YT000000001``, ``YT000000002``...

    Records ``quote_requests`` (every parcel quoted), ``labels`` by ``shipment_id`` (the live
    one) and ``voided`` tracking numbers. :meth:`journey` writes a realistic carrier history
    for a label, for tests and the simulator.

    >>> import pendulum
    >>> from fulfillment_core.testing.factories import make_parcel_request
    >>> carrier = FakeCarrier(FakeClock(pendulum.datetime(2026, 3, 2, 1, tz="UTC")))
    >>> parcel = make_parcel_request()
    >>> cheapest = min(carrier.quote(parcel), key=lambda q: q.price.amount)
    >>> carrier.buy_label(parcel, cheapest).tracking_number
    'LX000000001'
    """

    port = "carrier"
    operations = ("quote", "buy_label", "void_label")

    def __init__(
        self, clock: Clock, services: Sequence[ServiceOffer] = DEFAULT_SERVICE_OFFERS
    ) -> None:
        super().__init__()
        check = Checker()
        given: object = clock  # as passed, before the type checker's narrowing
        if not isinstance(given, Clock):
            check.fail("clock", f"must have a now() method, got {describe(clock)}", "FakeClock")
        offers = tuple(services)
        if check.sequence("services", offers, ServiceOffer):
            names = [(offer.carrier, offer.service) for offer in offers]
            for index, name in enumerate(names):
                if name in names[:index]:
                    check.fail(f"services[{index}]", f"{name[0]} / {name[1]} is offered twice")
        check.done("FakeCarrier")
        self.clock = clock
        self.services: tuple[ServiceOffer, ...] = offers
        self.quote_requests: list[ParcelRequest] = []
        self.labels: dict[str, Label] = {}
        self.voided: list[str] = []
        self._issued: dict[str, tuple[Label, ParcelRequest]] = {}
        self._counters: dict[str, int] = {}
        self._last_quotes: tuple[object, pendulum.DateTime, str | None, tuple[Any, ...]] | None
        self._last_quotes = None

    def quote(self, parcel: ParcelRequest) -> Sequence[CarrierQuote]:
        self._call("quote")
        _expect("FakeCarrier.quote", "parcel", parcel, ParcelRequest)
        self.quote_requests.append(parcel)
        now = self.clock.now()
        country = parcel.destination.country_code
        services = self.services
        last = self._last_quotes
        if last is not None and last[0] is services and last[1] == now and last[2] == country:
            return last[3]  # the same services, moment and country: the same (frozen) quotes
        quotes = tuple(offer.quote_at(now) for offer in services if offer.serves(country))
        # Kept only for a tuple: a test may set a list of services and change it in place.
        self._last_quotes = (services, now, country, quotes) if type(services) is tuple else None
        return quotes

    def buy_label(self, parcel: ParcelRequest, quote: CarrierQuote) -> Label:
        self._call("buy_label")
        _expect("FakeCarrier.buy_label", "parcel", parcel, ParcelRequest)
        _expect("FakeCarrier.buy_label", "quote", quote, CarrierQuote)
        live = self.labels.get(parcel.shipment_id)
        if live is not None and live.tracking_number not in self.voided:
            return live
        country = parcel.destination.country_code
        offer = next((o for o in self.services if o.offered(quote)), None)
        if offer is None:
            raise PermanentAdapterError(
                self.port,
                "buy_label",
                f"{quote.label} at {quote.price}, {quote.transit} is not a service on offer;"
                " quote again",
            )
        if not offer.serves(country):
            raise PermanentAdapterError(
                self.port, "buy_label", f"{quote.label} does not ship to {country}"
            )
        count = self._counters.get(offer.prefix, 0) + 1
        self._counters[offer.prefix] = count
        number = f"{offer.prefix}{count:09d}"
        label = Label(
            offer.carrier,
            offer.service,
            number,
            self.clock.now(),
            tracking_url=f"https://t.17track.net/en#nums={number}",
        )
        self.labels[parcel.shipment_id] = label
        self._issued[number] = (label, parcel)
        return label

    def void_label(self, tracking_number: str) -> None:
        self._call("void_label")
        if tracking_number not in self._issued:
            raise PermanentAdapterError(
                self.port, "void_label", f"no label {tracking_number!r} was bought here"
            )
        if tracking_number not in self.voided:  # voiding twice (a retry) changes nothing
            self.voided.append(tracking_number)

    # ------------------------------------------------------------------ scripted histories

    def journey(
        self,
        label: Label,
        *,
        customs_hold: bool = False,
        delay_days: int = 0,
        lost: bool = False,
    ) -> tuple[TrackingEvent, ...]:
        """A realistic carrier history for ``label``, in carrier order, dated from its
        ``created_at`` (not from the clock: feed the events as the test's clock passes them).

        ``picked_up`` 5 hours after the label, ``in_transit`` out of the origin a day after,
        ``in_transit`` into the destination country two days before delivery; then, if asked,
        an ``on_hold`` with incident ``"customs"`` and its release two days later, and a
        ``delayed`` (incident ``"weather"``) that costs ``delay_days``; finally
        ``out_for_delivery`` and ``delivered`` six hours later, or, when ``lost``, a ``lost``
        declaration ten days after delivery was due. Delivery is due halfway through the
        service's transit range (7 days for a service this carrier does not know).
        """
        check = Checker()
        check.instance("label", label, Label)
        check.boolean("customs_hold", customs_hold)
        check.integer("delay_days", delay_days, minimum=0, maximum=365)
        check.boolean("lost", lost)
        check.done("FakeCarrier.journey")
        offer = next(
            (o for o in self.services if (o.carrier, o.service) == (label.carrier, label.service)),
            None,
        )
        due = max(3, (offer.transit.min_days + offer.transit.max_days) // 2) if offer else 7
        issued = self._issued.get(label.tracking_number)
        origin, destination = "Origin facility", "Destination facility"
        if issued is not None:
            parcel = issued[1]
            origin = {"CN": "Shenzhen, CN"}.get(parcel.origin_country, parcel.origin_country)
            where = parcel.destination
            destination = ", ".join(part for part in (where.city, where.country_code) if part)
        start = label.created_at
        events = [
            TrackingEvent(
                TrackingStatus.PICKED_UP,
                start.add(hours=5),
                location=origin,
                raw_code="PU",
                description="Picked up by the carrier",
            ),
            TrackingEvent(
                TrackingStatus.IN_TRANSIT,
                start.add(days=1),
                location=origin,
                raw_code="DEP",
                description="Departed the origin facility",
            ),
            TrackingEvent(
                TrackingStatus.IN_TRANSIT,
                start.add(days=due - 2, hours=12),  # never the same instant as the departure
                location=destination,
                raw_code="ARR",
                description="Arrived in the destination country",
            ),
        ]
        late = 0
        if customs_hold:
            held = start.add(days=due - 2, hours=15)  # after the arrival scan
            events += [
                TrackingEvent(
                    TrackingStatus.ON_HOLD,
                    held,
                    incident="customs",
                    location=destination,
                    raw_code="CUS",
                    description="Held by customs for inspection",
                ),
                TrackingEvent(
                    TrackingStatus.IN_TRANSIT,
                    held.add(days=2),
                    location=destination,
                    raw_code="CLR",
                    description="Released by customs",
                ),
            ]
            late += 2
        if delay_days:
            stuck = start.add(days=due - 1 + late, hours=2)
            events += [
                TrackingEvent(
                    TrackingStatus.DELAYED,
                    stuck,
                    incident="weather",
                    location=destination,
                    raw_code="DLY",
                    description="Delayed by severe weather",
                ),
                TrackingEvent(
                    TrackingStatus.IN_TRANSIT,
                    stuck.add(days=delay_days),
                    location=destination,
                    raw_code="RES",
                    description="Back in transit",
                ),
            ]
            late += delay_days
        arrival = start.add(days=due + late)
        if lost:
            events.append(
                TrackingEvent(
                    TrackingStatus.LOST,
                    arrival.add(days=10),
                    raw_code="LOST",
                    description="Declared lost after an investigation",
                )
            )
        else:
            events += [
                TrackingEvent(
                    TrackingStatus.OUT_FOR_DELIVERY,
                    arrival,
                    location=destination,
                    raw_code="OFD",
                    description="Out for delivery",
                ),
                TrackingEvent(
                    TrackingStatus.DELIVERED,
                    arrival.add(hours=6),
                    location=destination,
                    raw_code="DLV",
                    description="Delivered",
                ),
            ]
        return tuple(events)


class AsyncFakeCarrier:
    """The :class:`~fulfillment_core.ports.AsyncCarrier` twin; its data is ``fake``'s."""

    def __init__(self, fake: FakeCarrier) -> None:
        _expect("AsyncFakeCarrier", "fake", fake, FakeCarrier)
        self.fake = fake

    async def quote(self, parcel: ParcelRequest) -> Sequence[CarrierQuote]:
        return self.fake.quote(parcel)

    async def buy_label(self, parcel: ParcelRequest, quote: CarrierQuote) -> Label:
        return self.fake.buy_label(parcel, quote)

    async def void_label(self, tracking_number: str) -> None:
        self.fake.void_label(tracking_number)


# --------------------------------------------------------------------------- notifier


class FakeNotifier(_ScriptedFake):
    """Keeps every notification delivered, in order, in ``sent``. A notification whose ``key``
    was delivered before is not delivered again (the call is still logged in ``calls``).

    >>> notifier = FakeNotifier()
    >>> notifier.kinds()
    []
    """

    port = "notifier"
    operations = ("send",)

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Notification] = []
        self._keys: set[str] = set()

    def send(self, notification: Notification) -> None:
        self._call("send")
        _expect("FakeNotifier.send", "notification", notification, Notification)
        if notification.key is not None:
            if notification.key in self._keys:
                return
            self._keys.add(notification.key)
        self.sent.append(notification)

    def kinds(self, audience: Audience | None = None) -> list[NotificationKind]:
        """The kinds sent, in order; only those for ``audience`` when given."""
        return [n.kind for n in self.sent if audience is None or n.audience is audience]


class AsyncFakeNotifier:
    """The :class:`~fulfillment_core.ports.AsyncNotifier` twin; its data is ``fake``'s."""

    def __init__(self, fake: FakeNotifier | None = None) -> None:
        self.fake = fake if fake is not None else FakeNotifier()

    async def send(self, notification: Notification) -> None:
        self.fake.send(notification)


# --------------------------------------------------------------------------- repository


class InMemoryRepository(_ScriptedFake):
    """A :class:`~fulfillment_core.ports.FulfillmentRepository` in two dicts, with the same
    optimistic concurrency a database adapter has.

    ``get`` hands each caller its own copy (:meth:`FulfillmentOrder.copy`), and ``add`` and
    ``save`` keep a copy, so two workers that loaded the same work cannot see each other's
    unsaved changes, and the second to save is refused with
    :class:`~fulfillment_core.exceptions.ConcurrencyError`. ``fulfillment_orders`` and
    ``orders`` are the stored data, in the order added (read them; change them through the
    port); ``saves`` counts the saves that were stored. It offers
    :class:`~fulfillment_core.ports.ActiveVersions` too, so a service's tick on it skips work
    with nothing due.

    >>> from fulfillment_core.testing.factories import make_fulfillment_order
    >>> repo = InMemoryRepository()
    >>> repo.add(make_fulfillment_order(id="fo-1"))
    >>> mine, theirs = repo.get("fo-1"), repo.get("fo-1")
    >>> _ = mine.submit(at=mine.history[0].at)
    >>> repo.save(mine, expected_version=1)
    >>> _ = theirs.submit(at=theirs.history[0].at)
    >>> repo.save(theirs, expected_version=1)
    Traceback (most recent call last):
    ...
    fulfillment_core.exceptions.ConcurrencyError: fo-1: expected version 1 but found version 2 ...
    """

    port = "repository"
    operations = (
        "get",
        "add",
        "save",
        "for_order",
        "ids",
        "active_ids",
        "active_versions",
        "put_order",
        "get_order",
    )

    def __init__(self) -> None:
        super().__init__()
        self.fulfillment_orders: dict[str, FulfillmentOrder] = {}
        self.orders: dict[str, Order] = {}
        self.saves = 0
        self._active: dict[str, None] = {}  # an index of the unsettled work, in the order added
        self._by_order: dict[str, list[str]] = {}  # work ids per order, in the order added

    def _store(self, fulfillment_order: FulfillmentOrder) -> None:
        if fulfillment_order.id not in self.fulfillment_orders:
            self._by_order.setdefault(fulfillment_order.order_id, []).append(fulfillment_order.id)
        self.fulfillment_orders[fulfillment_order.id] = fulfillment_order.copy()
        if fulfillment_order.is_settled:
            self._active.pop(fulfillment_order.id, None)
        else:
            self._active[fulfillment_order.id] = None

    def get(self, fulfillment_order_id: str) -> FulfillmentOrder:
        self._call("get")
        stored = self.fulfillment_orders.get(fulfillment_order_id)
        if stored is None:
            raise NotFoundError("fulfillment order", fulfillment_order_id)
        return stored.copy()

    def add(self, fulfillment_order: FulfillmentOrder) -> None:
        self._call("add")
        _expect("InMemoryRepository.add", "fulfillment_order", fulfillment_order, FulfillmentOrder)
        stored = self.fulfillment_orders.get(fulfillment_order.id)
        if stored is not None:
            raise ConcurrencyError(fulfillment_order.id, 0, stored.version)
        self._store(fulfillment_order)

    def save(self, fulfillment_order: FulfillmentOrder, expected_version: int) -> None:
        self._call("save")
        _expect("InMemoryRepository.save", "fulfillment_order", fulfillment_order, FulfillmentOrder)
        check = Checker()
        check.integer("expected_version", expected_version, minimum=0)
        check.done("InMemoryRepository.save")
        stored = self.fulfillment_orders.get(fulfillment_order.id)
        actual = None if stored is None else stored.version
        if actual != expected_version:
            raise ConcurrencyError(fulfillment_order.id, expected_version, actual)
        assert stored is not None
        grown = fulfillment_order.history[: len(stored.history)] == stored.history
        if not grown or fulfillment_order.version < stored.version:
            # The version matches but the history does not continue the stored one: another
            # aggregate under the same id, or an old copy replayed. Lose nothing.
            raise ConcurrencyError(fulfillment_order.id, expected_version, actual)
        self._store(fulfillment_order)
        self.saves += 1

    def for_order(self, order_id: str) -> Sequence[FulfillmentOrder]:
        self._call("for_order")
        stored = self.fulfillment_orders
        return tuple(
            stored[fo_id].copy() for fo_id in self._by_order.get(order_id, ()) if fo_id in stored
        )

    def ids(self) -> Sequence[str]:
        self._call("ids")
        return tuple(self.fulfillment_orders)

    def active_ids(self) -> Sequence[str]:
        self._call("active_ids")
        return tuple(self._active)

    def active_versions(self) -> Mapping[str, int]:
        self._call("active_versions")
        stored = self.fulfillment_orders
        return {fo_id: stored[fo_id].version for fo_id in self._active}

    def put_order(self, order: Order) -> None:
        self._call("put_order")
        _expect("InMemoryRepository.put_order", "order", order, Order)
        stored = self.orders.get(order.id)
        if (
            stored is not None
            and stored.updated_at is not None
            and order.updated_at is not None
            and order.updated_at < stored.updated_at
        ):
            return  # a newer version is kept: an older edit never replaces it
        self.orders[order.id] = order  # frozen: no copy needed

    def get_order(self, order_id: str) -> Order:
        self._call("get_order")
        order = self.orders.get(order_id)
        if order is None:
            raise NotFoundError("order", order_id)
        return order


class AsyncInMemoryRepository:
    """The :class:`~fulfillment_core.ports.AsyncFulfillmentRepository` twin; its data is
    ``repo``'s."""

    def __init__(self, repo: InMemoryRepository | None = None) -> None:
        self.repo = repo if repo is not None else InMemoryRepository()
        if not callable(getattr(self.repo, "active_versions", None)):
            # Offer the optional method only as the wrapped repository does.
            self.active_versions = None  # type: ignore[method-assign,assignment]

    async def get(self, fulfillment_order_id: str) -> FulfillmentOrder:
        return self.repo.get(fulfillment_order_id)

    async def add(self, fulfillment_order: FulfillmentOrder) -> None:
        self.repo.add(fulfillment_order)

    async def save(self, fulfillment_order: FulfillmentOrder, expected_version: int) -> None:
        self.repo.save(fulfillment_order, expected_version)

    async def for_order(self, order_id: str) -> Sequence[FulfillmentOrder]:
        return self.repo.for_order(order_id)

    async def ids(self) -> Sequence[str]:
        return self.repo.ids()

    async def active_ids(self) -> Sequence[str]:
        return self.repo.active_ids()

    async def active_versions(self) -> Mapping[str, int]:
        return self.repo.active_versions()

    async def put_order(self, order: Order) -> None:
        self.repo.put_order(order)

    async def get_order(self, order_id: str) -> Order:
        return self.repo.get_order(order_id)
