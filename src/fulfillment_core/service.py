"""The fulfillment service: inbound messages in, the pure core applied, effects out through ports.

:class:`FulfillmentService` (and its twin :class:`AsyncFulfillmentService`) is what an app calls
from its webhook handlers and workers: ``service.handle(message)`` for each
:mod:`~fulfillment_core.messages` message, and ``service.handle(Tick(key=...))`` every few
minutes. For each message it

1. loads the work (:class:`~fulfillment_core.FulfillmentOrder`) from the repository,
2. applies the events the message calls for, keyed by the message's idempotency key, so a
   message seen before is a no-op that returns its first :class:`~fulfillment_core.messages.
   Outcome`,
3. records the effects the change calls for in the work's **outbox** (ask the supplier, buy a
   label, push tracking, notify someone: :mod:`fulfillment_core.outbox`),
4. saves it with the version it loaded (a stale save is reloaded and decided again), and only then
5. carries out the pending effects through the ports, each one's result applied and the effect
   marked done in the same save. Results lead to more effects (an accepted request to sourcing,
   arrived goods to a label), which run in turn.

A crash or an adapter failure anywhere after step 4 loses nothing: the effect stays pending and the
next tick retries it. Port calls are at-least-once, made idempotent by the ports' own keys (the
fulfillment order id, the shipment id, a purchase ``reference``, a notification ``key``). An
adapter error that is not retryable closes the effect as failed and **holds** the work with the
reason (or, for work past holding, tells the merchant): nothing is dropped silently, and
:class:`~fulfillment_core.messages.RetryFailedEffects` tries again once it is fixed.

Both services share one implementation: every message is a *flow*, a generator that yields the
port calls it needs (:class:`PortCall`) and receives their results. The sync service makes the
calls; the async one awaits them. :meth:`FulfillmentService.flow` hands the generator out, for a
driver of your own (a durable-workflow engine) or a test that interleaves two workers step by
step.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs
import pendulum

from ._notice import Notification
from ._validation import Checker, describe, to_datetime
from .calendar import BusinessCalendar
from .catalog import SupplierCatalog
from .check import check_order
from .exceptions import (
    AdapterError,
    ConcurrencyError,
    FulfillmentError,
    NotFoundError,
    Problem,
    ValidationError,
)
from .fulfillment import (
    CancellationAccepted,
    CancellationRejected,
    EffectCompleted,
    EffectFailed,
    EffectsScheduled,
    FulfillmentEvent,
    FulfillmentLine,
    FulfillmentOrder,
    GoodsBackordered,
    GoodsPacked,
    GoodsRestocked,
    GoodsSourced,
    HoldPlaced,
    HoldReleased,
    RequestSubmitted,
    ShipmentDispatched,
    TrackingUpdated,
    WorkAccepted,
    WorkCancelled,
    WorkRejected,
)
from .fulfillment import (
    CancellationRequested as CancellationAsked,
)
from .holds import Actor, Hold, HoldReason
from .lifecycle import HOLDABLE_STATUSES, RequestStatus, WorkStatus
from .messages import (
    LabelBought,
    Message,
    OrderCancellationRequested,
    OrderDataUpdated,
    OrderPlaced,
    Outcome,
    PurchaseArrived,
    RetryFailedEffects,
    StockReported,
    SupplierRejected,
    Tick,
    TrackingReported,
)
from .notifications import notifications_for, notifications_for_breaches
from .order import Order
from .outbox import Effect, EffectKind
from .packing import PackingLimits, PackItem, plan_parcels, ready_to_ship
from .policy import NotificationKind, ShipmentPolicy
from .ports import (
    AsyncCarrier,
    AsyncClock,
    AsyncFulfillmentRepository,
    AsyncNotifier,
    AsyncStorefront,
    AsyncSupplierGateway,
    Carrier,
    Clock,
    FulfillmentRepository,
    FulfillmentRequest,
    Label,
    Notifier,
    ParcelRequest,
    RequestLine,
    Storefront,
    StorefrontFulfillment,
    SupplierGateway,
)
from .routing import route_order
from .shipment import LineQuantity, Shipment
from .shipping import choose_service
from .sla import sla_breaches
from .sourcing import BackupOffer, SourcingAction, decide_sourcing
from .stock import InWarehouse, StockStatus
from .supplier import Supplier

__all__ = ["AsyncFulfillmentService", "FulfillmentService", "PortCall"]

T = TypeVar("T")


class PortCall:
    """One call a flow needs made: ``port.method(*args, **kwargs)``.

    ``port`` is ``"repository"``, ``"storefront"``, ``"supplier"`` (then ``supplier_id`` says
    whose gateway), ``"carrier"``, ``"notifier"`` or ``"clock"``.
    """

    __slots__ = ("args", "kwargs", "method", "port", "supplier_id")

    def __init__(
        self,
        port: str,
        method: str,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        supplier_id: str | None = None,
    ) -> None:
        self.port = port
        self.method = method
        self.args = args
        self.kwargs = kwargs or {}
        self.supplier_id = supplier_id

    def __repr__(self) -> str:
        whose = f"[{self.supplier_id}]" if self.supplier_id else ""
        return f"PortCall({self.port}{whose}.{self.method})"


Flow = Generator[PortCall, Any, T]


def _ask(
    port: str, method: str, *args: Any, supplier_id: str | None = None, **kwargs: Any
) -> Flow[Any]:
    return (yield PortCall(port, method, args, kwargs, supplier_id))


def _get(fulfillment_order_id: str) -> Flow[FulfillmentOrder]:
    fo = yield from _ask("repository", "get", fulfillment_order_id)
    if not isinstance(fo, FulfillmentOrder):
        raise TypeError(f"repository.get returned {describe(fo)}, not a FulfillmentOrder")
    return fo


# --------------------------------------------------------------------------- a change to one work


class _Keys:
    """The idempotency keys of the events one message (or one effect) applies to one work:
    ``key``, ``key#2``, ``key#3``..."""

    __slots__ = ("base", "count")

    def __init__(self, base: str) -> None:
        self.base = base
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return self.base if self.count == 1 else f"{self.base}#{self.count}"


_DATA_HOLD_EXCLUDED = frozenset({HoldReason.OUT_OF_STOCK})
_OUTBOX_PATH = "outbox."


def _is_data_hold(hold: Hold) -> bool:
    """Holds the data check places (and a data update may release)."""
    return hold.reason not in _DATA_HOLD_EXCLUDED and not hold.path.startswith(_OUTBOX_PATH)


class _Session:
    """One attempt at changing one work: the events applied, the effects to schedule, notes.

    Works on the aggregate it is given; the caller hands it a copy when the attempt may have to
    be thrown away.
    """

    def __init__(self, setup: _Setup, fo: FulfillmentOrder, key: str, now: pendulum.DateTime):
        self.setup = setup
        self.fo = fo
        self.keys = _Keys(key)
        self.now = now
        self.applied: list[FulfillmentEvent] = []
        self.effects: list[Effect] = []
        self.notes: list[str] = []
        self.new_work: list[FulfillmentOrder] = []
        #: Applied events that tell nobody by the usual rules (the service says it otherwise).
        self.silent: list[FulfillmentEvent] = []
        self._holds_before = fo.holds
        self._effect_count = -1  # counted from the history when the first effect is named

    # ------------------------------------------------------------------ applying

    def apply(self, cls: type[FulfillmentEvent], **fields: Any) -> FulfillmentEvent:
        event = cls(at=self.now, key=self.keys.next(), **fields)
        applied = self.fo.apply(event)
        if applied is event:
            self.applied.append(event)
        return applied

    def _next_effect_number(self) -> int:
        if self._effect_count < 0:
            self._effect_count = sum(
                len(event.effects)
                for event in self.fo.history
                if isinstance(event, EffectsScheduled)
            ) + len(self.effects)
        self._effect_count += 1
        return self._effect_count

    def schedule(self, kind: EffectKind, *, id: str | None = None, **payload: Any) -> Effect:
        effect_id = id or f"e{self._next_effect_number()}-{kind.value}"
        effect = Effect(effect_id, kind, **payload)
        self.effects.append(effect)
        return effect

    def notify(self, notification: Notification, *, id: str | None = None) -> None:
        effect_id = id or f"e{self._next_effect_number()}-notify"
        keyed = attrs.evolve(notification, key=f"{self.fo.id}/{effect_id}")
        self.effects.append(Effect(effect_id, EffectKind.NOTIFY, notification=keyed))

    def known_effect(self, effect_id: str) -> bool:
        return any(e.id == effect_id for e in self.fo.effects) or any(
            e.id == effect_id for e in self.effects
        )

    def pending(self, kind: EffectKind) -> list[Effect]:
        return [e for e in (*self.fo.outbox, *self.effects) if e.kind is kind]

    # ------------------------------------------------------------------ follow-ups

    def finish(self) -> None:
        """Schedule what the applied events call for, then the effects, in one event."""
        fo, setup = self.fo, self.setup
        for event in list(self.applied):
            if isinstance(event, _BOOKKEEPING) or any(event is quiet for quiet in self.silent):
                continue
            for notification in notifications_for(fo, event, setup.policy):
                self.notify(notification)
        if (
            fo.status is WorkStatus.PENDING
            and fo.request_status is RequestStatus.UNSUBMITTED
            and not fo.holds
        ):
            self.apply(RequestSubmitted)
            self.schedule(EffectKind.SUBMIT_REQUEST)
        if fo.work_started and fo.status in _SOURCING_STATUSES:
            self._source_open_units()
        if setup.buys_labels and fo.status in _PACKABLE_STATUSES and not fo.holds:
            totals = fo.totals
            if (
                totals.in_progress
                and ready_to_ship(
                    setup.policy,
                    ready=totals.in_progress,
                    waiting=totals.open + totals.backordered,
                )
                and not self.pending(EffectKind.SHIP)
            ):
                self.schedule(EffectKind.SHIP)
        if fo.holds != self._holds_before:
            self.schedule(EffectKind.REPORT_HOLDS, holds=fo.holds)
            self._holds_before = fo.holds
        if self.effects:
            self.apply(EffectsScheduled, effects=tuple(self.effects))
            self.effects = []

    def _source_open_units(self) -> None:
        covered: dict[str, int] = {}
        for effect in (*self.pending(EffectKind.SOURCE), *self.pending(EffectKind.PURCHASE)):
            for item in effect.quantities:
                covered[item.line_id] = covered.get(item.line_id, 0) + item.quantity
        wanted = {
            line.line_id: line.open - covered.get(line.line_id, 0)
            for line in self.fo.lines
            if line.open > covered.get(line.line_id, 0)
        }
        if wanted:
            self.schedule(EffectKind.SOURCE, quantities=wanted)

    # ------------------------------------------------------------------ decisions shared by flows

    def cancel_by_supplier(
        self, quantities: Mapping[str, int], reason: str, *, report: bool = True
    ) -> None:
        """The supplier side cancels started work (a request it accepts at once). Without
        ``report`` (the units move to other work) neither the storefront nor the merchant hear
        of it as a cancellation."""
        if not quantities:
            return
        self.apply(CancellationAsked, quantities=dict(quantities), reason=reason)
        accepted = self.apply(CancellationAccepted)
        if not report:
            self.silent.append(accepted)
        else:
            self.schedule(
                EffectKind.REPORT_CANCELLATION, quantities=dict(quantities), reason=reason
            )

    def fail(self, effect: Effect, error: AdapterError | FulfillmentError) -> None:
        """Record a failed attempt; a permanent failure holds the work or tells the merchant."""
        retryable = isinstance(error, AdapterError) and error.retryable
        said = " ".join(str(error).split())[:2000]  # errors may span lines; events hold one
        self.apply(EffectFailed, effect_id=effect.id, error=said, retryable=retryable)
        if retryable:
            self.notes.append(f"{self.fo.id}: {effect.id} will be retried: {said}")
            return
        self.notes.append(f"{self.fo.id}: {effect.id} failed for good: {said}")
        if effect.kind is EffectKind.NOTIFY:
            return  # telling someone that telling failed would fail the same way
        fo = self.fo
        message = (
            f"{effect.kind.value} failed and will not be retried by itself: {said};"
            " fix the cause, then send RetryFailedEffects"
        )[:2000]
        path = f"{_OUTBOX_PATH}{effect.id}"
        if fo.status in HOLDABLE_STATUSES or fo.status is WorkStatus.ON_HOLD:
            if not any(h.path == path for h in fo.holds):
                self.apply(HoldPlaced, hold=Hold(HoldReason.OTHER, path, Actor.MERCHANT, message))
        else:
            channel = self.setup.policy.notifications.channel_for(NotificationKind.ACTION_REQUIRED)
            if channel is not None:
                self.notify(
                    Notification(
                        "merchant",
                        NotificationKind.ACTION_REQUIRED,
                        channel,
                        fo.order_id,
                        fo.id,
                        self.now,
                        (("effect", effect.id), ("message", message)),
                    )
                )


#: Events about the outbox itself: they tell nobody anything.
_BOOKKEEPING = (EffectsScheduled, EffectCompleted, EffectFailed)

_SOURCING_STATUSES = frozenset(
    {WorkStatus.ACCEPTED, WorkStatus.SOURCING, WorkStatus.PARTIALLY_SHIPPED}
)
_PACKABLE_STATUSES = frozenset(
    {WorkStatus.READY_TO_PACK, WorkStatus.PACKED, WorkStatus.PARTIALLY_SHIPPED}
)


def _waiting_for_restock(fo: FulfillmentOrder) -> dict[str, int]:
    """Backordered units per line that wait for a supplier restock (not a factory purchase)."""
    bought: dict[str, int] = {}
    for event in fo.history:
        if isinstance(event, (GoodsBackordered, GoodsRestocked)) and event.purchase_id:
            sign = 1 if isinstance(event, GoodsBackordered) else -1
            for item in event.quantities:
                bought[item.line_id] = bought.get(item.line_id, 0) + sign * item.quantity
    waiting = {}
    for line in fo.lines:
        on_purchase = min(line.backordered, max(bought.get(line.line_id, 0), 0))
        if line.backordered - on_purchase:
            waiting[line.line_id] = line.backordered - on_purchase
    return waiting


# --------------------------------------------------------------------------- the setup


@attrs.frozen
class _Setup:
    policy: ShipmentPolicy
    catalog: SupplierCatalog
    suppliers: Mapping[str, Supplier]
    calendars: Mapping[str, BusinessCalendar]
    buys_labels: bool
    packing_limits: PackingLimits
    max_conflict_retries: int
    max_effect_steps: int


def _make_setup(
    *,
    policy: ShipmentPolicy,
    catalog: SupplierCatalog,
    suppliers: Iterable[Supplier],
    gateways: Mapping[str, object],
    buys_labels: bool,
    packing_limits: PackingLimits,
    max_conflict_retries: int,
) -> _Setup:
    check = Checker()
    check.instance("policy", policy, ShipmentPolicy)
    check.instance("catalog", catalog, SupplierCatalog)
    given = tuple(suppliers) if not isinstance(suppliers, Supplier) else (suppliers,)
    by_id: dict[str, Supplier] = {}
    if check.sequence("suppliers", given, Supplier, non_empty=True):
        for supplier in given:
            if supplier.id in by_id:
                check.fail("suppliers", f"supplier {supplier.id!r} is given twice")
            by_id[supplier.id] = supplier
        for supplier_id in by_id:
            if supplier_id not in gateways:
                check.fail(
                    "gateways",
                    f"has no gateway for supplier {supplier_id!r}",
                    "map every supplier id to its SupplierGateway",
                )
        for supplier_id in gateways:
            if supplier_id not in by_id:
                check.fail("gateways", f"names supplier {supplier_id!r}, not among the suppliers")
    check.boolean("buys_labels", buys_labels)
    check.instance("packing_limits", packing_limits, PackingLimits)
    check.integer("max_conflict_retries", max_conflict_retries, minimum=0, maximum=100)
    check.done("FulfillmentService")
    return _Setup(
        policy,
        catalog,
        by_id,
        {supplier_id: BusinessCalendar.of(s) for supplier_id, s in by_id.items()},
        buys_labels,
        packing_limits,
        max_conflict_retries,
        200,
    )


def _gateways(value: object, suppliers: Iterable[Supplier]) -> dict[str, object]:
    """One gateway for every supplier, or a mapping by supplier id."""
    if isinstance(value, Mapping):
        return dict(value)
    given = [suppliers] if isinstance(suppliers, Supplier) else list(suppliers)
    return {supplier.id: value for supplier in given if isinstance(supplier, Supplier)}


# --------------------------------------------------------------------------- the flows


class _Flows:
    """Every message's flow, shared by the sync and async services."""

    _setup: _Setup
    _ports: dict[str, object]
    _gateways: dict[str, object]

    def _target(self, call: PortCall) -> object:
        if call.supplier_id is not None:
            gateway = self._gateways.get(call.supplier_id)
            if gateway is None:
                raise ValidationError(
                    "FulfillmentService",
                    [Problem("gateways", f"has no gateway for supplier {call.supplier_id!r}")],
                )
            return gateway
        return self._ports[call.port]

    # ------------------------------------------------------------------ entry

    def flow(self, message: Message) -> Flow[Outcome]:
        """The generator that handles ``message``: it yields each :class:`PortCall` it needs and
        must be sent the call's result (or thrown its exception). ``handle`` drives it."""
        check = Checker()
        check.instance("message", message, Message)
        check.done("handle")
        handler = _HANDLERS.get(type(message))
        if handler is None:  # a subclass of a message: dispatch on the nearest known class
            handler = next(h for cls, h in _HANDLERS.items() if isinstance(message, cls))
        return handler(self, message)

    def _now(self) -> Flow[pendulum.DateTime]:
        now = yield from _ask("clock", "now")
        checked = to_datetime(now)
        if not isinstance(checked, pendulum.DateTime) or checked.tzinfo is None:
            raise TypeError(f"clock.now() returned {describe(now)}, not an aware pendulum DateTime")
        return checked

    # ------------------------------------------------------------------ changing one work

    def _change(
        self,
        fo_id: str,
        key: str,
        now: pendulum.DateTime,
        decide: Callable[[_Session], None],
        *,
        replays: bool = True,
    ) -> Flow[_Session | None]:
        """Load the work, let ``decide`` apply events, schedule the follow-ups and save;
        a stale save is reloaded and decided again. ``None``: ``key`` was applied before."""
        for attempt in itertools.count():
            fo = yield from _get(fo_id)
            if replays and fo.event_for(key) is not None:
                return None
            version = fo.version
            session = _Session(self._setup, fo, key, now)
            decide(session)
            session.finish()
            if fo.version == version and not session.new_work:
                return session
            yield from self._add_new_work(session)
            if fo.version == version:
                return session
            try:
                yield from _ask("repository", "save", fo, version)
            except ConcurrencyError:
                if attempt >= self._setup.max_conflict_retries:
                    raise
                continue
            return session
        raise AssertionError("unreachable")  # pragma: no cover

    def _add_new_work(self, session: _Session) -> Flow[None]:
        for work in session.new_work:
            try:
                yield from _ask("repository", "add", work)
            except ConcurrencyError:
                continue  # added by an earlier attempt (or another worker): the same work

    def _replayed(self, key: str, fo_ids: Iterable[str]) -> Flow[Outcome]:
        events: list[tuple[str, FulfillmentEvent]] = []
        for fo_id in fo_ids:
            fo = yield from _get(fo_id)
            prefix = f"{key}#"
            events.extend(
                (fo.id, event)
                for event in fo.history
                if event.key is not None
                and (event.key == key or event.key.startswith(prefix))
                and not isinstance(event, EffectsScheduled)
            )
        return Outcome(key, replayed=True, events=tuple(events))

    def _outcome(self, key: str, sessions: Sequence[_Session], notes: Sequence[str]) -> Outcome:
        events = tuple(
            (session.fo.id, event)
            for session in sessions
            for event in session.applied
            if not isinstance(event, EffectsScheduled)
        )
        return Outcome(
            key,
            events=events,
            notes=(*(n for s in sessions for n in s.notes), *notes),
        )

    # ------------------------------------------------------------------ carrying out effects

    def _drain(
        self, works: Iterable[FulfillmentOrder | str], now: pendulum.DateTime
    ) -> Flow[list[str]]:
        """Carry out the pending effects of each work (and of work they create), each once.

        Work is given as its id, or as the aggregate this flow just saved (not loaded again).
        """
        queue: list[FulfillmentOrder | str] = []
        seen: set[str] = set()
        for work in works:
            work_id = work if isinstance(work, str) else work.id
            if work_id not in seen:
                seen.add(work_id)
                queue.append(work)
        notes: list[str] = []
        index = 0
        while index < len(queue):
            given = queue[index]
            index += 1
            fo = (yield from _get(given)) if isinstance(given, str) else given
            if not fo.outbox:
                continue
            tried: set[str] = set()
            for _ in range(self._setup.max_effect_steps):
                effect = next((e for e in fo.outbox if e.id not in tried), None)
                if effect is None:
                    break
                tried.add(effect.id)
                fo, session = yield from self._carry_out(fo, effect, now)
                if session is not None:
                    notes.extend(session.notes)
                    for work in session.new_work:
                        if work.id not in seen:
                            seen.add(work.id)
                            queue.append(work.id)
        return notes

    def _carry_out(
        self, fo: FulfillmentOrder, effect: Effect, now: pendulum.DateTime
    ) -> Flow[tuple[FulfillmentOrder, _Session | None]]:
        failure: AdapterError | FulfillmentError | None = None
        result: Callable[[_Session], str | None] | None = None
        try:
            result = yield from self._perform(fo, effect, now)
        except FulfillmentError as error:  # an adapter's, or data the effect cannot go on with
            failure = error
        for attempt in itertools.count():
            if not any(e.id == effect.id for e in fo.outbox):
                return fo, None  # carried out meanwhile by another worker
            version = fo.version
            session = self._settle_effect(fo, effect, now, failure, result)
            yield from self._add_new_work(session)
            try:
                yield from _ask("repository", "save", session.fo, version)
            except ConcurrencyError:
                if attempt >= self._setup.max_conflict_retries:
                    raise
                fo = yield from _get(fo.id)
                continue
            return session.fo, session
        raise AssertionError("unreachable")  # pragma: no cover

    def _settle_effect(
        self,
        fo: FulfillmentOrder,
        effect: Effect,
        now: pendulum.DateTime,
        failure: AdapterError | FulfillmentError | None,
        result: Callable[[_Session], str | None] | None,
    ) -> _Session:
        key = f"fx:{effect.id}:{fo.attempts(effect.id) + 1}"  # attempt n of the effect
        if failure is None and result is not None:
            session = _Session(self._setup, fo.copy(), key, now)
            try:
                note = result(session)
            except FulfillmentError as error:  # the work moved on since: nothing to apply
                note = f"overtaken: {error}"
            else:
                session.apply(EffectCompleted, effect_id=effect.id, note=note)
                session.finish()
                return session
            session = _Session(self._setup, fo.copy(), key, now)
            session.notes.append(f"{fo.id}: {effect.id} {note}")
            session.apply(EffectCompleted, effect_id=effect.id, note=note[:2000])
            session.finish()
            return session
        assert failure is not None
        session = _Session(self._setup, fo.copy(), key, now)
        session.fail(effect, failure)
        session.finish()
        return session

    def _perform(
        self, fo: FulfillmentOrder, effect: Effect, now: pendulum.DateTime
    ) -> Flow[Callable[[_Session], str | None]]:
        """Make the effect's port calls; return how to apply what came back."""
        kind = effect.kind
        if kind is EffectKind.NOTIFY:
            yield from _ask("notifier", "send", effect.notification)
            return _noted(None)
        if kind is EffectKind.REPORT_HOLDS:
            yield from _ask("storefront", "report_holds", fo.order_id, fo.id, effect.holds)
            return _noted(None)
        if kind is EffectKind.REPORT_CANCELLATION:
            yield from _ask(
                "storefront",
                "report_cancellation",
                fo.order_id,
                fo.id,
                effect.quantities,
                effect.reason,
            )
            return _noted(None)
        if kind is EffectKind.PUSH_FULFILLMENT:
            return (yield from self._push(fo, effect))
        if kind is EffectKind.SUBMIT_REQUEST:
            return (yield from self._submit(fo))
        if kind in (EffectKind.SOURCE, EffectKind.CHECK_RESTOCK):
            return (yield from self._source(fo, effect, now))
        if kind is EffectKind.PURCHASE:
            return (yield from self._purchase(fo, effect))
        if kind is EffectKind.SHIP:
            return (yield from self._ship(fo, effect))
        assert kind is EffectKind.REQUEST_CANCELLATION
        return (yield from self._request_cancellation(fo, effect))

    def _push(self, fo: FulfillmentOrder, effect: Effect) -> Flow[Callable[[_Session], str | None]]:
        shipment = next((s for s in fo.shipments if s.id == effect.shipment_id), None)
        if shipment is None:
            raise ValidationError(
                "push_fulfillment",
                [Problem("shipment_id", f"{fo.subject} has no shipment {effect.shipment_id!r}")],
            )
        notify_customer = (
            self._setup.policy.notifications.channel_for(NotificationKind.SHIPPED) is None
        )
        fulfillment = StorefrontFulfillment(
            fo.order_id,
            fo.id,
            shipment.id,
            shipment.items,
            shipment.carrier,
            shipment.tracking_numbers,
            tracking_urls=(shipment.tracking_url,) if shipment.tracking_url else (),
            notify_customer=notify_customer,
        )
        storefront_id = yield from _ask("storefront", "push_fulfillment", fulfillment)
        return _noted(f"storefront fulfillment {storefront_id}")

    def _submit(self, fo: FulfillmentOrder) -> Flow[Callable[[_Session], str | None]]:
        if fo.request_status is not RequestStatus.SUBMITTED:
            return _noted(f"not sent: the request is {fo.request_status}")
        order = yield from self._order(fo.order_id)
        missing = [line.line_id for line in fo.lines if line.open and not line.supplier_sku]
        if missing:
            raise ValidationError(
                "fulfillment request",
                [
                    Problem(
                        "lines",
                        f"line(s) {', '.join(missing)} have no supplier SKU",
                        "map the SKU in the catalogue, then cancel and place the order again",
                    )
                ],
            )
        request = FulfillmentRequest(
            fo.id,
            fo.order_id,
            tuple(
                RequestLine(line.line_id, line.supplier_sku, line.open)
                for line in fo.lines
                if line.open
            ),
            order.shipping_address,
            contact=order.contact,
            inserts=self._setup.policy.inserts,
        )
        answer = yield from _ask("supplier", "submit_request", request, supplier_id=fo.supplier_id)

        def apply(session: _Session) -> str | None:
            if answer.accepted:
                session.apply(WorkAccepted)
                return "accepted"
            reason = answer.reason or "no reason given"
            remaining = {
                line.line_id: line.remaining for line in session.fo.lines if line.remaining
            }
            session.apply(WorkRejected, reason=reason)
            if remaining:
                session.schedule(
                    EffectKind.REPORT_CANCELLATION,
                    quantities=remaining,
                    reason=f"the supplier rejected the work: {reason}",
                )
            return f"rejected: {reason}"

        return apply

    def _order(self, order_id: str) -> Flow[Order]:
        order = yield from _ask("repository", "get_order", order_id)
        if not isinstance(order, Order):
            raise TypeError(f"repository.get_order returned {describe(order)}, not an Order")
        return order

    def _source(
        self, fo: FulfillmentOrder, effect: Effect, now: pendulum.DateTime
    ) -> Flow[Callable[[_Session], str | None]]:
        setup = self._setup
        if effect.kind is EffectKind.SOURCE and fo.status not in _SOURCING_STATUSES:
            return _noted(f"not sourced: the work is {fo.status}")
        skus = {
            item.line_id: fo.line(item.line_id).supplier_sku
            for item in effect.quantities
            if fo.line(item.line_id).supplier_sku
        }
        answers = yield from _ask(
            "supplier", "stock", list(dict.fromkeys(skus.values())), supplier_id=fo.supplier_id
        )
        stock: dict[str, StockStatus] = {}
        for line_id, sku in skus.items():
            answer = answers.get(sku) if isinstance(answers, Mapping) else None
            if not isinstance(answer, StockStatus):
                raise ValidationError(
                    "supplier.stock",
                    [Problem(sku or "", f"was answered {describe(answer)}, not a stock status")],
                )
            stock[line_id] = answer
        backups: dict[str, list[BackupOffer]] = {}
        if setup.policy.use_backup_suppliers:
            for item in effect.quantities:
                line = fo.line(item.line_id)
                if item.line_id not in stock:
                    continue
                first = decide_sourcing(
                    item.line_id,
                    item.quantity,
                    stock[item.line_id],
                    supplier_id=fo.supplier_id,
                    policy=setup.policy,
                    calendar=setup.calendars[fo.supplier_id],
                    now=now,
                )
                if not first.needs_merchant:
                    continue
                entry = setup.catalog.get(line.sku)
                for source in entry.sources if entry else ():
                    if source.supplier_id == fo.supplier_id or source.supplier_id not in (
                        setup.suppliers
                    ):
                        continue
                    offered = yield from _ask(
                        "supplier", "stock", [source.supplier_sku], supplier_id=source.supplier_id
                    )
                    status = offered.get(source.supplier_sku)
                    if isinstance(status, StockStatus):
                        backups.setdefault(item.line_id, []).append(BackupOffer(source, status))
        checking = effect.kind is EffectKind.CHECK_RESTOCK

        def apply(session: _Session) -> str | None:
            return _apply_sourcing(session, effect, stock, backups, checking=checking)

        return apply

    def _purchase(
        self, fo: FulfillmentOrder, effect: Effect
    ) -> Flow[Callable[[_Session], str | None]]:
        (item,) = effect.quantities
        line = fo.line(item.line_id)
        if line.open < item.quantity or fo.is_terminal:
            return _noted(f"not bought: line {item.line_id} has {line.open} open")
        confirmation = yield from _ask(
            "supplier",
            "purchase",
            fo.id,
            line.supplier_sku,
            item.quantity,
            reference=f"{fo.id}/{effect.id}",
            supplier_id=fo.supplier_id,
        )

        def apply(session: _Session) -> str | None:
            open_now = session.fo.line(item.line_id).open
            quantity = min(item.quantity, open_now)
            if not quantity:
                return f"purchase {confirmation.purchase_id} has no open units left to wait for"
            session.apply(
                GoodsBackordered,
                quantities={item.line_id: quantity},
                restock_eta=confirmation.ready_by,
                purchase_id=confirmation.purchase_id,
            )
            return f"purchase {confirmation.purchase_id} ready by {confirmation.ready_by}"

        return apply

    def _ship(self, fo: FulfillmentOrder, effect: Effect) -> Flow[Callable[[_Session], str | None]]:
        setup = self._setup
        order = yield from self._order(fo.order_id)
        supplier = setup.suppliers[fo.supplier_id]
        items = []
        for line in fo.lines:
            if not line.in_progress:
                continue
            entry = setup.catalog.get(line.sku)
            if entry is None:
                items.append(PackItem(line.line_id, line.in_progress, None))
            else:
                items.append(PackItem.from_catalog(line.line_id, line.in_progress, entry))
        if not items:
            return _noted("nothing in progress to ship")
        plan = plan_parcels(
            items,
            setup.packing_limits,
            inserts=setup.policy.inserts,
            supported=supplier.supported_inserts,
        )
        shipped: list[tuple[str, tuple[LineQuantity, ...], Label]] = []
        for number, parcel in enumerate(plan.parcels, start=len(fo.shipments) + 1):
            shipment_id = f"{fo.id}/p{number}"
            request = ParcelRequest(
                shipment_id,
                supplier.country,
                order.shipping_address,
                parcel.grams or 0,
                parcel.units,
            )
            quotes = yield from _ask("carrier", "quote", request)
            choice = choose_service(quotes, setup.policy)
            label = yield from _ask("carrier", "buy_label", request, choice.quote)
            if not isinstance(label, Label):
                raise TypeError(f"carrier.buy_label returned {describe(label)}, not a Label")
            shipped.append((shipment_id, parcel.items, label))

        def apply(session: _Session) -> str | None:
            if session.fo.status is not WorkStatus.PACKED:
                session.apply(GoodsPacked)
            for shipment_id, parcel_items, label in shipped:
                _dispatch(session, shipment_id, parcel_items, label)
            numbers = ", ".join(label.tracking_number for _, _, label in shipped)
            return f"{len(shipped)} parcel(s): {numbers}"

        return apply

    def _request_cancellation(
        self, fo: FulfillmentOrder, effect: Effect
    ) -> Flow[Callable[[_Session], str | None]]:
        if fo.request_status is not RequestStatus.CANCELLATION_REQUESTED:
            return _noted("not asked: no cancellation awaits an answer")
        answer = yield from _ask(
            "supplier",
            "request_cancellation",
            fo.id,
            effect.quantities,
            supplier_id=fo.supplier_id,
        )

        def apply(session: _Session) -> str | None:
            if session.fo.request_status is not RequestStatus.CANCELLATION_REQUESTED:
                return "the cancellation request was answered already"
            if answer.accepted:
                reason = _last_request_reason(session.fo)
                cancelled = _cancelling(session, CancellationAccepted)
                if cancelled:
                    session.schedule(
                        EffectKind.REPORT_CANCELLATION,
                        quantities=cancelled,
                        reason=reason or "cancelled as requested",
                    )
                return f"accepted: {sum(cancelled.values())} unit(s) cancelled"
            session.apply(CancellationRejected, reason=answer.reason or "no reason given")
            return f"refused: {answer.reason}"

        return apply

    # ------------------------------------------------------------------ messages

    def _order_placed(self, message: OrderPlaced) -> Flow[Outcome]:
        now = yield from self._now()
        order = message.order
        existing = yield from _ask("repository", "for_order", order.id)
        if existing:  # placed before (under this key, or another: the same order is one order)
            first = existing[0].history[0].key or message.key
            replay = yield from self._replayed(first, [fo.id for fo in existing])
            return attrs.evolve(replay, key=message.key)
        yield from _ask("repository", "put_order", order)
        setup = self._setup
        plan = route_order(order, setup.catalog, setup.suppliers)
        works = list(plan.work)
        routing_holds = plan.holds
        if not works:
            shippable = [item for item in order.line_items if item.requires_shipping]
            if not shippable:
                return Outcome(message.key, notes=("nothing in the order needs shipping",))
            first = next(iter(setup.suppliers))
            lines = tuple(FulfillmentLine.new(i.id, i.quantity, sku=i.sku) for i in shippable)
            opened = [
                FulfillmentOrder.open(
                    f"{order.id}:{first}",
                    order_id=order.id,
                    supplier_id=first,
                    lines=lines,
                    at=now,
                    key=message.key,
                )
            ]
        else:
            opened = [
                FulfillmentOrder.open(
                    f"{order.id}:{work.supplier_id}",
                    order_id=order.id,
                    supplier_id=work.supplier_id,
                    lines=work.lines,
                    at=now,
                    key=message.key,
                )
                for work in works
            ]
        sessions = []
        for index, fo in enumerate(opened):
            session = _Session(setup, fo, message.key, now)
            session.keys.next()  # the opening event holds the key itself
            session.applied.append(fo.history[0])
            check = check_order(
                order,
                setup.catalog,
                setup.suppliers[fo.supplier_id],
                line_ids=[line.line_id for line in fo.lines],
            )
            holds = list(check.holds)
            if index == 0:
                holds.extend(routing_holds)
            _place_holds(session, holds)
            session.finish()
            try:
                yield from _ask("repository", "add", fo)
            except ConcurrencyError:
                pass  # opened by another worker handling the same order: it owns the work
            else:
                sessions.append(session)
        notes = yield from self._drain([s.fo for s in sessions], now)
        return self._outcome(message.key, sessions, notes)

    def _order_data_updated(self, message: OrderDataUpdated) -> Flow[Outcome]:
        order = message.order
        existing = yield from _ask("repository", "for_order", order.id)
        if not existing:
            placed = OrderPlaced(key=message.key, order=order)
            return (yield from self._order_placed(placed))
        if any(fo.event_for(message.key) is not None for fo in existing):
            return (yield from self._replayed(message.key, [fo.id for fo in existing]))
        now = yield from self._now()
        yield from _ask("repository", "put_order", order)
        setup = self._setup
        plan = route_order(order, setup.catalog, setup.suppliers)
        sessions = []
        for index, fo in enumerate(existing):

            def decide(session: _Session, index: int = index) -> None:
                work = session.fo
                if work.is_terminal:
                    return
                check = check_order(
                    order,
                    setup.catalog,
                    setup.suppliers.get(work.supplier_id),
                    line_ids=[line.line_id for line in work.lines],
                )
                wanted = list(check.holds) + (list(plan.holds) if index == 0 else [])
                wanted_at = {(h.reason, h.path) for h in wanted}
                _place_holds(session, wanted)  # first: a hold swapped for another never resumes
                for hold in work.holds:
                    if _is_data_hold(hold) and (hold.reason, hold.path) not in wanted_at:
                        session.apply(HoldReleased, reason=hold.reason, path=hold.path)

            session = yield from self._change(fo.id, message.key, now, decide)
            if session is not None:
                sessions.append(session)
        notes = yield from self._drain([s.fo for s in sessions], now)
        return self._outcome(message.key, sessions, notes)

    def _stock_reported(self, message: StockReported) -> Flow[Outcome]:
        now = yield from self._now()
        setup = self._setup
        if message.supplier_id not in setup.suppliers:
            raise ValidationError(
                "StockReported",
                [
                    Problem(
                        "supplier_id", f"{message.supplier_id!r} is not a supplier of the service"
                    )
                ],
            )
        stock = message.stock
        available = stock.available_quantity if isinstance(stock, InWarehouse) else 0
        ids = yield from _ask("repository", "active_ids")
        sessions: list[_Session] = []
        replayed: list[str] = []
        for fo_id in ids:
            fo = yield from _get(fo_id)
            if fo.supplier_id != message.supplier_id:
                continue
            if fo.event_for(message.key) is not None:
                replayed.append(fo.id)
                continue
            waiting = _waiting_for_restock(fo)
            lines = [
                line.line_id
                for line in fo.lines
                if line.supplier_sku == stock.sku and waiting.get(line.line_id)
            ]
            if not lines:
                continue
            give = available

            def decide(session: _Session, lines: list[str] = lines, give: int = give) -> None:
                waiting_now = _waiting_for_restock(session.fo)
                restocked: dict[str, int] = {}
                for line_id in lines:
                    quantity = min(give, waiting_now.get(line_id, 0))
                    if quantity:
                        restocked[line_id] = quantity
                        give -= quantity
                if restocked:
                    session.apply(GoodsRestocked, quantities=restocked)
                left = {
                    line_id: waiting_now[line_id] - restocked.get(line_id, 0)
                    for line_id in lines
                    if waiting_now.get(line_id, 0) > restocked.get(line_id, 0)
                }
                if left and not _restock_in_time(session, stock):
                    session.schedule(EffectKind.CHECK_RESTOCK, quantities=left)

            session = yield from self._change(fo_id, message.key, now, decide)
            if session is not None:
                used = sum(
                    item.quantity
                    for event in session.applied
                    if isinstance(event, GoodsRestocked)
                    for item in event.quantities
                )
                available -= used
                sessions.append(session)
        if not sessions and replayed:
            return (yield from self._replayed(message.key, replayed))
        notes = yield from self._drain([s.fo for s in sessions], now)
        return self._outcome(message.key, sessions, notes)

    def _work_message(
        self,
        message: Message,
        fo_id: str,
        decide: Callable[[_Session], None],
    ) -> Flow[Outcome]:
        """A message about one work: replay check, change, then its effects."""
        fo = yield from _get(fo_id)
        if fo.event_for(message.key) is not None:
            return (yield from self._replayed(message.key, [fo_id]))
        now = yield from self._now()
        session = yield from self._change(fo_id, message.key, now, decide)
        if session is None:
            return (yield from self._replayed(message.key, [fo_id]))
        notes = yield from self._drain([session.fo], now)
        return self._outcome(message.key, [session], notes)

    def _purchase_arrived(self, message: PurchaseArrived) -> Flow[Outcome]:
        def decide(session: _Session) -> None:
            fo = session.fo
            bought = [
                e
                for e in fo.history
                if isinstance(e, GoodsBackordered) and e.purchase_id == message.purchase_id
            ]
            if not bought:
                raise ValidationError(
                    "PurchaseArrived",
                    [
                        Problem(
                            "purchase_id",
                            f"{message.purchase_id!r} is not a purchase of {fo.subject}",
                        )
                    ],
                )
            if any(
                isinstance(e, GoodsRestocked) and e.purchase_id == message.purchase_id
                for e in fo.history
            ):
                session.notes.append(f"purchase {message.purchase_id} arrived before")
                return
            quantities = {}
            for event in bought:
                for item in event.quantities:
                    quantity = min(item.quantity, fo.line(item.line_id).backordered)
                    if quantity:
                        quantities[item.line_id] = quantity
            if not quantities:
                session.notes.append(f"purchase {message.purchase_id}: its units were cancelled")
                return
            session.apply(GoodsRestocked, quantities=quantities, purchase_id=message.purchase_id)

        return (yield from self._work_message(message, message.fulfillment_order_id, decide))

    def _label_bought(self, message: LabelBought) -> Flow[Outcome]:
        def decide(session: _Session) -> None:
            fo = session.fo
            items = message.items or tuple(
                LineQuantity(line.line_id, line.in_progress)
                for line in fo.lines
                if line.in_progress
            )
            if not items:
                raise ValidationError(
                    "LabelBought",
                    [Problem("items", f"{fo.subject} has nothing in progress to ship")],
                )
            if fo.status is not WorkStatus.PACKED:
                session.apply(GoodsPacked)
            _dispatch(
                session, f"{fo.id}/{message.label.tracking_number}", tuple(items), message.label
            )

        return (yield from self._work_message(message, message.fulfillment_order_id, decide))

    def _tracking_reported(self, message: TrackingReported) -> Flow[Outcome]:
        def decide(session: _Session) -> None:
            session.apply(TrackingUpdated, shipment_id=message.shipment_id, events=message.events)

        return (yield from self._work_message(message, message.fulfillment_order_id, decide))

    def _supplier_rejected(self, message: SupplierRejected) -> Flow[Outcome]:
        def decide(session: _Session) -> None:
            fo = session.fo
            remaining = {line.line_id: line.remaining for line in fo.lines if line.remaining}
            why = f"the supplier rejected the work: {message.reason}"
            if fo.is_terminal or not remaining:
                session.notes.append(f"{fo.subject} is {fo.status}: nothing left to reject")
                return
            if fo.work_started:
                session.cancel_by_supplier(remaining, why)
                return
            session.apply(WorkRejected, reason=message.reason)
            session.schedule(EffectKind.REPORT_CANCELLATION, quantities=remaining, reason=why)

        return (yield from self._work_message(message, message.fulfillment_order_id, decide))

    def _retry_failed(self, message: RetryFailedEffects) -> Flow[Outcome]:
        def decide(session: _Session) -> None:
            fo = session.fo
            for effect, _failure in fo.failed_effects:
                base = effect.id.split("~")[0]
                family = [e.id for e in fo.effects if e.id.split("~")[0] == base]
                if family[-1] != effect.id:
                    continue  # retried before
                session.effects.append(attrs.evolve(effect, id=f"{base}~{len(family)}"))
                path = f"{_OUTBOX_PATH}{effect.id}"
                if any(h.path == path for h in fo.holds):
                    session.apply(HoldReleased, reason=HoldReason.OTHER, path=path)
            if not session.effects:
                session.notes.append(f"{fo.subject} has no failed effects to retry")

        return (yield from self._work_message(message, message.fulfillment_order_id, decide))

    def _cancellation_requested(self, message: OrderCancellationRequested) -> Flow[Outcome]:
        existing = yield from _ask("repository", "for_order", message.order_id)
        if not existing:
            raise NotFoundError("work of order", message.order_id)
        if any(fo.event_for(message.key) is not None for fo in existing):
            return (yield from self._replayed(message.key, [fo.id for fo in existing]))
        now = yield from self._now()
        wanted = (
            None
            if message.quantities is None
            else {q.line_id: q.quantity for q in message.quantities}
        )
        if wanted is not None:
            known = {line.line_id: 0 for fo in existing for line in fo.lines}
            for fo in existing:
                for line in fo.lines:
                    known[line.line_id] += line.remaining
            problems = [
                Problem(
                    f"quantities.{line_id}",
                    f"order {message.order_id} has no line {line_id!r} with work"
                    if line_id not in known
                    else f"only {known[line_id]} unit(s) of line {line_id!r} are not yet shipped",
                )
                for line_id, quantity in wanted.items()
                if known.get(line_id, 0) < quantity
            ]
            if problems:
                raise ValidationError("OrderCancellationRequested", problems)
        sessions = []
        left = dict(wanted) if wanted is not None else None
        for fo in existing:
            share: dict[str, int] | None = None
            if left is not None:
                share = {}
                for line in fo.lines:
                    take = min(left.get(line.line_id, 0), line.remaining)
                    if take:
                        share[line.line_id] = take
                        left[line.line_id] -= take
                if not share:
                    continue

            def decide(session: _Session, share: dict[str, int] | None = share) -> None:
                _cancel_work(session, share, message.reason)

            session = yield from self._change(fo.id, message.key, now, decide)
            if session is not None:
                sessions.append(session)
        notes = yield from self._drain([s.fo for s in sessions], now)
        return self._outcome(message.key, sessions, notes)

    def _tick(self, message: Tick) -> Flow[Outcome]:
        now = yield from self._now()
        setup = self._setup
        ids = yield from _ask("repository", "active_ids")
        sessions = []
        to_drain: list[FulfillmentOrder] = []
        for fo_id in ids:

            def decide(session: _Session) -> None:
                fo = session.fo
                if fo.supplier_id in setup.calendars:
                    breaches = sla_breaches(
                        [fo], now=now, sla=setup.policy, calendars=setup.calendars
                    )
                    for breach in breaches:
                        effect_id = f"breach:{breach.kind.value}:{breach.shipment_id or '-'}"
                        if session.known_effect(effect_id):
                            continue
                        for notification in notifications_for_breaches(
                            [breach], setup.policy, at=now
                        ):
                            session.notify(notification, id=effect_id)
                if fo.work_started and not fo.holds:
                    waiting = _waiting_for_restock(fo)
                    for line in fo.lines:
                        quantity = waiting.get(line.line_id, 0)
                        eta = line.restock_eta
                        if not quantity or eta is None or eta > now:
                            continue
                        effect_id = f"restock:{line.line_id}:{eta.isoformat()}"
                        if not session.known_effect(effect_id):
                            session.schedule(
                                EffectKind.CHECK_RESTOCK,
                                id=effect_id,
                                quantities={line.line_id: quantity},
                            )

            session = yield from self._change(fo_id, message.key, now, decide)
            if session is None:
                continue
            if session.applied:
                sessions.append(session)
            if session.fo.outbox:
                to_drain.append(session.fo)
        notes = yield from self._drain(to_drain, now)
        return self._outcome(message.key, sessions, notes)


def _noted(note: str | None) -> Callable[[_Session], str | None]:
    return lambda session: note


def _last_request_reason(fo: FulfillmentOrder) -> str | None:
    for event in reversed(fo.history):
        if isinstance(event, CancellationAsked):
            return event.reason
    return None


def _cancelling(session: _Session, cls: type[FulfillmentEvent], **fields: Any) -> dict[str, int]:
    """Apply a cancelling event; return the units it cancelled, by line."""
    before = {line.line_id: line.cancelled for line in session.fo.lines}
    session.apply(cls, **fields)
    return {
        line.line_id: line.cancelled - before[line.line_id]
        for line in session.fo.lines
        if line.cancelled > before[line.line_id]
    }


def _place_holds(session: _Session, holds: Iterable[Hold]) -> None:
    present = {(h.reason, h.path) for h in session.fo.holds}
    for hold in holds:
        if (hold.reason, hold.path) in present:
            continue
        present.add((hold.reason, hold.path))
        if session.fo.status in HOLDABLE_STATUSES or session.fo.status is WorkStatus.ON_HOLD:
            session.apply(HoldPlaced, hold=hold)
        else:
            session.notes.append(
                f"{session.fo.subject} is {session.fo.status}: not held for {hold}"
            )


def _dispatch(
    session: _Session, shipment_id: str, items: tuple[LineQuantity, ...], label: Label
) -> None:
    shipment = Shipment(
        shipment_id,
        label.carrier,
        label.service,
        (label.tracking_number,),
        items,
        label.created_at,
        tracking_url=label.tracking_url,
    )
    session.apply(ShipmentDispatched, shipment=shipment)
    session.schedule(EffectKind.PUSH_FULFILLMENT, shipment_id=shipment_id)


def _restock_in_time(session: _Session, stock: StockStatus) -> bool:
    """Whether units still waiting can keep waiting for the restock ``stock`` announces."""
    eta = getattr(stock, "restock_eta", None)
    if eta is None:
        return False
    calendar = session.setup.calendars[session.fo.supplier_id]
    wait = calendar.business_days_between(session.now, eta)
    return wait <= session.setup.policy.max_restock_wait_days


def _cancel_work(session: _Session, share: Mapping[str, int] | None, reason: str | None) -> None:
    fo = session.fo
    if fo.is_terminal or not fo.totals.remaining:
        session.notes.append(f"{fo.subject} is {fo.status}: nothing left to cancel")
        return
    if not fo.work_started:
        cancelled = _cancelling(session, WorkCancelled, quantities=share, reason=reason)
        session.schedule(
            EffectKind.REPORT_CANCELLATION,
            quantities=cancelled,
            reason=reason or "cancelled as requested",
        )
        return
    if fo.request_status is RequestStatus.CANCELLATION_REQUESTED:
        session.notes.append(f"{fo.subject} already awaits the supplier's answer to a cancellation")
        return
    session.apply(CancellationAsked, quantities=share, reason=reason)
    requested = session.fo.cancellation_requested or ()
    session.schedule(
        EffectKind.REQUEST_CANCELLATION,
        quantities={item.line_id: item.quantity for item in requested},
    )


def _apply_sourcing(
    session: _Session,
    effect: Effect,
    stock: Mapping[str, StockStatus],
    backups: Mapping[str, list[BackupOffer]],
    *,
    checking: bool,
) -> str | None:
    """Apply the sourcing decision for the effect's units (open ones, or, ``checking``,
    backordered ones whose restock date passed)."""
    setup, fo = session.setup, session.fo
    waiting = _waiting_for_restock(fo) if checking else {}
    sourced: dict[str, int] = {}
    restocked: dict[str, int] = {}
    backorders: dict[pendulum.DateTime | None, dict[str, int]] = {}
    cancels: dict[str, dict[str, int]] = {}
    switches: list[tuple[str, int, str, str]] = []
    words: list[str] = []
    for item in effect.quantities:
        line = fo.line(item.line_id)
        quantity = min(item.quantity, waiting.get(line.line_id, 0) if checking else line.open)
        if not quantity:
            continue
        status = stock.get(item.line_id)
        if status is None:
            cancels.setdefault(
                f"line {line.line_id} has no supplier SKU: map it, then place the order again",
                {},
            )[line.line_id] = quantity
            continue
        decision = decide_sourcing(
            line.line_id,
            quantity,
            status,
            supplier_id=fo.supplier_id,
            policy=setup.policy,
            calendar=setup.calendars[fo.supplier_id],
            now=session.now,
            backups=backups.get(line.line_id, ()),
        )
        for allocation in decision.allocations:
            words.append(f"{line.line_id}: {allocation.action.value} x{allocation.quantity}")
            action = allocation.action
            if action is SourcingAction.USE_WAREHOUSE:
                target = restocked if checking else sourced
                target[line.line_id] = target.get(line.line_id, 0) + allocation.quantity
            elif action is SourcingAction.BUY_FROM_FACTORY:
                if checking:
                    continue  # already waiting: the factory's units come like a restock
                session.schedule(
                    EffectKind.PURCHASE, quantities={line.line_id: allocation.quantity}
                )
            elif action is SourcingAction.WAIT_FOR_RESTOCK:
                if not checking:
                    backorders.setdefault(allocation.ready_by, {})[line.line_id] = (
                        allocation.quantity
                    )
            elif action is SourcingAction.SWITCH_SUPPLIER:
                switches.append(
                    (line.line_id, allocation.quantity, allocation.supplier_id, allocation.reason)
                )
            else:
                cancels.setdefault(allocation.reason, {})[line.line_id] = allocation.quantity
    if sourced:
        session.apply(GoodsSourced, quantities=sourced)
    if restocked:
        session.apply(GoodsRestocked, quantities=restocked)
    for eta, quantities in backorders.items():
        session.apply(GoodsBackordered, quantities=quantities, restock_eta=eta)
    for reason, quantities in cancels.items():
        session.cancel_by_supplier(quantities, reason)
    for line_id, quantity, backup_id, reason in switches:
        _switch(session, effect, (line_id, quantity), backup_id, reason)
    return "; ".join(words) or "nothing left to source"


def _switch(
    session: _Session, effect: Effect, units: tuple[str, int], backup_id: str, reason: str
) -> None:
    """Move ``units`` (a line id and a quantity) to new work for the backup supplier."""
    line_id, quantity = units
    setup, fo = session.setup, session.fo
    line = fo.line(line_id)
    entry = setup.catalog.get(line.sku)
    sources = entry.sources if entry else ()
    source = next((s for s in sources if s.supplier_id == backup_id), None)
    why = f"switched to backup supplier {backup_id}: {reason}"
    session.cancel_by_supplier({line_id: quantity}, why, report=False)
    work = FulfillmentOrder.open(
        f"{fo.id}>{backup_id}-{effect.id}",
        order_id=fo.order_id,
        supplier_id=backup_id,
        lines=[
            FulfillmentLine.new(
                line_id,
                quantity,
                sku=line.sku,
                supplier_sku=source.supplier_sku if source else None,
            )
        ],
        at=session.now,
        key=f"from:{fo.id}/{effect.id}",
    )
    opened = _Session(setup, work, f"from:{fo.id}/{effect.id}", session.now)
    opened.keys.next()
    opened.finish()
    session.new_work.append(work)
    channel = setup.policy.notifications.channel_for(NotificationKind.SUPPLIER_SWITCHED)
    if channel is not None:
        session.notify(
            Notification(
                "merchant",
                NotificationKind.SUPPLIER_SWITCHED,
                channel,
                fo.order_id,
                fo.id,
                session.now,
                (
                    ("from_supplier", fo.supplier_id),
                    ("lines", f"{line_id} x{quantity}"),
                    ("reason", reason),
                    ("to_fulfillment_order", work.id),
                    ("to_supplier", backup_id),
                ),
            )
        )


_HANDLERS: dict[type[Message], Callable[[_Flows, Any], Flow[Outcome]]] = {
    OrderPlaced: _Flows._order_placed,
    OrderDataUpdated: _Flows._order_data_updated,
    StockReported: _Flows._stock_reported,
    PurchaseArrived: _Flows._purchase_arrived,
    LabelBought: _Flows._label_bought,
    TrackingReported: _Flows._tracking_reported,
    OrderCancellationRequested: _Flows._cancellation_requested,
    SupplierRejected: _Flows._supplier_rejected,
    RetryFailedEffects: _Flows._retry_failed,
    Tick: _Flows._tick,
}


# --------------------------------------------------------------------------- the services


_NO_LIMITS = PackingLimits()


def _check_port(check: Checker, name: str, value: object, port: type) -> None:
    if not isinstance(value, port):
        check.fail(name, f"must implement {port.__name__}, got {describe(value)}")


class FulfillmentService(_Flows):
    """The synchronous service. Build it once with the ports and the shop's setup; call
    :meth:`handle` for every inbound message (a :class:`~fulfillment_core.messages.Tick` on a
    schedule).

    ``gateways`` is one :class:`~fulfillment_core.ports.SupplierGateway` for every supplier, or a
    mapping from supplier id to its gateway. ``buys_labels=False`` leaves labels to the supplier
    (the service then waits for :class:`~fulfillment_core.messages.LabelBought`).
    ``max_conflict_retries`` bounds how often a stale save is reloaded and decided again before
    :class:`~fulfillment_core.exceptions.ConcurrencyError` reaches the caller (who redelivers the
    message: its key keeps that safe).
    """

    def __init__(
        self,
        *,
        repository: FulfillmentRepository,
        storefront: Storefront,
        gateways: SupplierGateway | Mapping[str, SupplierGateway],
        carrier: Carrier,
        notifier: Notifier,
        clock: Clock,
        policy: ShipmentPolicy,
        catalog: SupplierCatalog,
        suppliers: Iterable[Supplier],
        buys_labels: bool = True,
        packing_limits: PackingLimits = _NO_LIMITS,
        max_conflict_retries: int = 3,
    ) -> None:
        suppliers = tuple(suppliers) if not isinstance(suppliers, Supplier) else (suppliers,)
        by_supplier = _gateways(gateways, suppliers)
        check = Checker()
        _check_port(check, "repository", repository, FulfillmentRepository)
        _check_port(check, "storefront", storefront, Storefront)
        for supplier_id, gateway in by_supplier.items():
            _check_port(check, f"gateways[{supplier_id!r}]", gateway, SupplierGateway)
        _check_port(check, "carrier", carrier, Carrier)
        _check_port(check, "notifier", notifier, Notifier)
        _check_port(check, "clock", clock, Clock)
        check.done("FulfillmentService")
        self._setup = _make_setup(
            policy=policy,
            catalog=catalog,
            suppliers=suppliers,
            gateways=by_supplier,
            buys_labels=buys_labels,
            packing_limits=packing_limits,
            max_conflict_retries=max_conflict_retries,
        )
        self._ports = {
            "repository": repository,
            "storefront": storefront,
            "carrier": carrier,
            "notifier": notifier,
            "clock": clock,
        }
        self._gateways = by_supplier

    @property
    def policy(self) -> ShipmentPolicy:
        return self._setup.policy

    def handle(self, message: Message) -> Outcome:
        """Apply ``message`` and carry out what it calls for; see the module's steps."""
        return self.run(self.flow(message))

    def run(self, flow: Flow[T]) -> T:
        """Drive a flow to its end, making each port call it yields."""
        try:
            call = flow.send(None)
            while True:
                try:
                    result = self.perform(call)
                except Exception as error:  # the flow decides what it handles
                    call = flow.throw(error)
                else:
                    call = flow.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def perform(self, call: PortCall) -> Any:
        """Make one port call of a flow on this service's ports, and return its result."""
        return getattr(self._target(call), call.method)(*call.args, **call.kwargs)


class AsyncFulfillmentService(_Flows):
    """The asynchronous twin of :class:`FulfillmentService`: the same flows, every port call
    awaited. It takes the ``Async...`` ports; ``await service.handle(message)``."""

    def __init__(
        self,
        *,
        repository: AsyncFulfillmentRepository,
        storefront: AsyncStorefront,
        gateways: AsyncSupplierGateway | Mapping[str, AsyncSupplierGateway],
        carrier: AsyncCarrier,
        notifier: AsyncNotifier,
        clock: AsyncClock,
        policy: ShipmentPolicy,
        catalog: SupplierCatalog,
        suppliers: Iterable[Supplier],
        buys_labels: bool = True,
        packing_limits: PackingLimits = _NO_LIMITS,
        max_conflict_retries: int = 3,
    ) -> None:
        suppliers = tuple(suppliers) if not isinstance(suppliers, Supplier) else (suppliers,)
        by_supplier = _gateways(gateways, suppliers)
        check = Checker()
        _check_port(check, "repository", repository, AsyncFulfillmentRepository)
        _check_port(check, "storefront", storefront, AsyncStorefront)
        for supplier_id, gateway in by_supplier.items():
            _check_port(check, f"gateways[{supplier_id!r}]", gateway, AsyncSupplierGateway)
        _check_port(check, "carrier", carrier, AsyncCarrier)
        _check_port(check, "notifier", notifier, AsyncNotifier)
        _check_port(check, "clock", clock, AsyncClock)
        check.done("AsyncFulfillmentService")
        self._setup = _make_setup(
            policy=policy,
            catalog=catalog,
            suppliers=suppliers,
            gateways=by_supplier,
            buys_labels=buys_labels,
            packing_limits=packing_limits,
            max_conflict_retries=max_conflict_retries,
        )
        self._ports = {
            "repository": repository,
            "storefront": storefront,
            "carrier": carrier,
            "notifier": notifier,
            "clock": clock,
        }
        self._gateways = by_supplier

    @property
    def policy(self) -> ShipmentPolicy:
        return self._setup.policy

    async def handle(self, message: Message) -> Outcome:
        """Apply ``message`` and carry out what it calls for, awaiting every port call."""
        return await self.run(self.flow(message))

    async def run(self, flow: Flow[T]) -> T:
        """Drive a flow to its end, awaiting each port call it yields."""
        try:
            call = flow.send(None)
            while True:
                try:
                    result = await self.perform(call)
                except Exception as error:  # the flow decides what it handles
                    call = flow.throw(error)
                else:
                    call = flow.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def perform(self, call: PortCall) -> Any:
        """Make one port call of a flow on this service's ports, await it, return its result."""
        return await getattr(self._target(call), call.method)(*call.args, **call.kwargs)
