"""Every message's flow, and the machinery they share: change one work, carry out its effects."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

import attrs
import pendulum

from fulfillment_core._validation import Checker, describe, to_datetime
from fulfillment_core.calendar import BusinessCalendar
from fulfillment_core.check import check_order
from fulfillment_core.exceptions import (
    AdapterError,
    ConcurrencyError,
    FulfillmentError,
    NotFoundError,
    Problem,
    ValidationError,
)
from fulfillment_core.fulfillment import (
    CancellationAccepted,
    CancellationRejected,
    EffectCompleted,
    EffectsScheduled,
    FulfillmentEvent,
    FulfillmentLine,
    FulfillmentOrder,
    GoodsPacked,
    GoodsRestocked,
    HoldReleased,
    TrackingUpdated,
    WorkCancelled,
    WorkRejected,
)
from fulfillment_core.holds import Hold, HoldReason
from fulfillment_core.lifecycle import RequestStatus
from fulfillment_core.messages import (
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
from fulfillment_core.notifications import notifications_for_breaches
from fulfillment_core.order import Order
from fulfillment_core.outbox import SUPPLIER_OR_CARRIER_KINDS, Effect, EffectKind
from fulfillment_core.routing import RoutingPlan, route_order
from fulfillment_core.shipment import LineQuantity
from fulfillment_core.sla import (
    Breach,
    DelayKind,
    _breach_moments,
    _work_breaches,
    sla_breaches,
)
from fulfillment_core.stock import InWarehouse

from ._calls import Flow, PortCall, ask, get_order, get_work
from ._effects import (
    Apply,
    UnusedLabelsError,
    WaitError,
    bought_labels,
    landed,
    opened_work_id,
    perform,
    withdraw_again,
)
from ._session import (
    OUTBOX_PATH,
    Session,
    Setup,
    awaits_answer,
    base_id,
    cancel_units,
    cancelling,
    dispatch,
    fit_id,
    is_data_hold,
    last_request_reason,
    named,
    note_text,
    place_holds,
    purchase_units,
    waiting_for_restock,
)

__all__ = ["Flows"]

#: How the opening key of work an ``open_work`` effect opened starts.
_OPENED_BY_EFFECT = "from:"

#: How many effects one work may carry out in one flow (a guard against a loop).
MAX_EFFECT_STEPS = 200

#: How often a flow tries to record the voiding of labels only it knows were bought.
_VOID_ATTEMPTS = 20


class Flows:
    """The flows of every message, over the ports a subclass wires (``_ports``, ``_gateways``)."""

    def __init__(self, setup: Setup, ports: dict[str, object], gateways: dict[str, object]):
        self._setup = setup
        self._ports = ports
        self._gateways = gateways
        #: Work a tick found nothing to do for: its version then, and until when nothing is
        #: due at that version (``None``: until it changes). Only with ``knows_versions``.
        self._quiet: dict[str, tuple[int, pendulum.DateTime | None]] = {}

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
        handler = next(
            (h for cls, h in _HANDLERS.items() if isinstance(message, cls)),
            None,
        )
        if handler is None:
            check = Checker()
            check.fail(
                "message",
                f"must be a message of fulfillment_core.messages, got {describe(message)}",
                f"send one of {', '.join(cls.__name__ for cls in _HANDLERS)}",
            )
            check.done("handle")
        assert handler is not None
        return handler(self, message)

    def _now(self) -> Flow[pendulum.DateTime]:
        now = yield from ask("clock", "now")
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
        decide: Callable[[Session], None],
        *,
        record: bool = True,
        guard: Callable[[], Flow[str | None]] | None = None,
    ) -> Flow[Session | None]:
        """Load the work, let ``decide`` apply events, schedule the follow-ups and save; a stale
        save is reloaded and decided again. ``None``: ``key`` was handled before. With
        ``record``, a message that changes nothing is recorded (``MessageNoted``) so that it is
        not handled again. ``guard``, asked before each attempt, may say why the message no
        longer applies (its note is then recorded instead of the decision)."""
        for attempt in itertools.count():
            fo = yield from get_work(fo_id)
            if fo.event_for(key) is not None:
                return None
            version = fo.version
            session = Session(self._setup, fo, key, now)
            stale = None if guard is None else (yield from guard())
            if stale is None:
                decide(session)
            else:
                session.note(stale)
            session.finish()
            if record:
                session.finish_silently("; ".join(session.notes) or "nothing to change")
            if fo.version == version:
                return session
            try:
                yield from ask("repository", "save", fo, version)
            except ConcurrencyError:
                if attempt >= self._setup.max_conflict_retries:
                    raise
                continue
            return session
        raise AssertionError("unreachable")  # pragma: no cover

    def _replayed(self, key: str, works: Iterable[FulfillmentOrder]) -> Outcome:
        prefix = f"{key}#"
        events: list[tuple[str, FulfillmentEvent]] = []
        notes: list[str] = []
        for fo in works:
            for event in fo.history:
                if event.key is None or not (event.key == key or event.key.startswith(prefix)):
                    continue
                if isinstance(event, EffectsScheduled):
                    continue
                if type(event).__name__ == "MessageNoted":
                    notes.append(event.note)  # type: ignore[attr-defined]
                    continue
                events.append((fo.id, event))
        return Outcome(key, replayed=True, events=tuple(events), notes=tuple(notes))

    def _outcome(self, key: str, sessions: Sequence[Session], notes: Sequence[str]) -> Outcome:
        events = tuple(
            (session.fo.id, event)
            for session in sessions
            for event in session.applied
            if not isinstance(event, EffectsScheduled) and type(event).__name__ != "MessageNoted"
        )
        return Outcome(key, events=events, notes=(*(n for s in sessions for n in s.notes), *notes))

    # ------------------------------------------------------------------ carrying out effects

    def _drain(
        self, works: Iterable[FulfillmentOrder | str], now: pendulum.DateTime
    ) -> Flow[list[str]]:
        """Carry out the pending effects of each work (and of work they create), each at most
        once per flow. Work is given as its id, or as the aggregate this flow just saved.

        One work's trouble does not stop the others': a refusal from the core is noted and the
        next work drained; the repository failing (or a bug, a crash) is raised at the end, so
        the caller sees it and redelivers.
        """
        queue: list[FulfillmentOrder | str] = []
        seen: set[str] = set()
        for work in works:
            work_id = work if isinstance(work, str) else work.id
            if work_id not in seen:
                seen.add(work_id)
                queue.append(work)
        notes: list[str] = []
        crash: BaseException | None = None
        index = 0
        while index < len(queue):
            given = queue[index]
            index += 1
            try:
                created = yield from self._drain_one(given, now, notes)
            except Exception as error:  # raised below, once the rest is done
                crash = _kept(error, crash, notes, given)
                continue
            for work_id in created:
                if work_id not in seen:
                    seen.add(work_id)
                    queue.append(work_id)
        if crash is not None:
            raise crash
        return notes

    def _drain_one(
        self, given: FulfillmentOrder | str, now: pendulum.DateTime, notes: list[str]
    ) -> Flow[list[str]]:
        fo = (yield from get_work(given)) if isinstance(given, str) else given
        created: list[str] = []
        tried: set[str] = set()
        for _ in range(MAX_EFFECT_STEPS):
            effect = next((e for e in fo.outbox if e.id not in tried and _may_run(fo, e)), None)
            if effect is None:
                break
            tried.add(effect.id)
            fo, session = yield from self._carry_out(fo, effect, now)
            if session is not None:
                notes.extend(session.notes)
                created.extend(session.opened)
        return created

    def _carry_out(
        self, fo: FulfillmentOrder, effect: Effect, now: pendulum.DateTime
    ) -> Flow[tuple[FulfillmentOrder, Session | None]]:
        failure: FulfillmentError | None = None
        result: Apply | None = None
        try:
            result = yield from perform(self._setup, fo, effect, now)
        except FulfillmentError as error:  # an adapter's, or data the effect cannot go on with
            failure = error
        retries = self._setup.max_conflict_retries
        for attempt in itertools.count():
            if not any(e.id == effect.id for e in fo.outbox):
                # Carried out meanwhile by another worker; labels this attempt bought that
                # its parcels do not use must not be paid for, and a request that reached
                # the supplier after the work closed is withdrawn.
                return (yield from self._settle_late(fo, effect, result, failure, now)), None
            version = fo.version
            session = self._settle_effect(fo, effect, now, failure, result)
            if session.fo.version == version:  # the result waits for the work (held)
                return fo, session
            try:
                yield from ask("repository", "save", session.fo, version)
            except ConcurrencyError:
                fo = yield from get_work(fo.id)
                still_pending = any(e.id == effect.id for e in fo.outbox)
                # Labels were paid for and only this flow knows: keep at it until recorded.
                limit = _VOID_ATTEMPTS if bought_labels(result) else retries
                if attempt >= limit and still_pending:
                    raise
                continue
            return session.fo, session
        raise AssertionError("unreachable")  # pragma: no cover

    def _settle_late(
        self,
        fo: FulfillmentOrder,
        effect: Effect,
        result: Apply | None,
        failure: FulfillmentError | None,
        now: pendulum.DateTime,
    ) -> Flow[FulfillmentOrder]:
        """What this attempt did that the work, settled by another worker meanwhile, does not
        know: labels it bought (or its failure recorded) that no parcel uses are voided, and
        purchases left unanswered are told; a request it got accepted after the work closed
        is withdrawn. Only this flow knows, so it keeps trying through other workers' saves."""
        labels = [*bought_labels(result), *getattr(failure, "labels", ())]
        numbers = [label.tracking_number for label in labels]
        unanswered: list[str] = list(getattr(failure, "unanswered", ()))
        for _ in range(_VOID_ATTEMPTS):
            version = fo.version
            session = Session(self._setup, fo, f"void:{effect.id}:{version}", now)
            session.leftover_labels(effect.id, numbers, unanswered)
            if landed(result) and withdraw_again(session):
                session.note(f"{effect.id} reached the supplier after the work closed")
            if not session.effects:
                return fo
            session.finish()
            try:
                yield from ask("repository", "save", fo, version)
            except ConcurrencyError:
                fo = yield from get_work(fo.id)
                continue
            return fo
        raise ConcurrencyError(fo.id, fo.version, None)

    def _settle_effect(
        self,
        fo: FulfillmentOrder,
        effect: Effect,
        now: pendulum.DateTime,
        failure: FulfillmentError | None,
        result: Apply | None,
    ) -> Session:
        key = fit_id(f"fx:{effect.id}:{fo.attempts(effect.id) + 1}", 200)  # attempt n
        session = Session(self._setup, fo.copy(), key, now)
        if failure is not None:
            session.fail(effect, failure)  # records labels bought: voided if the effect closes
            session.finish()
            return session
        assert result is not None
        unused: list[str] = []
        answered: list[str] = []
        try:
            note = result(session)
        except WaitError as error:  # nothing applied: the effect waits, its call repeatable
            waiting = Session(self._setup, fo.copy(), key, now)
            waiting.note(f"{effect.id} {error}")
            return waiting
        except UnusedLabelsError as error:
            note = f"overtaken: {error}"
            unused = [label.tracking_number for label in error.labels]
            answered = error.shipment_ids
        except FulfillmentError as error:  # the work moved on since: nothing to apply
            without_sourcing = getattr(result, "without_sourcing", None)
            if without_sourcing is not None and without_sourcing():
                # An acceptance whose sourcing the work refused: settle the acceptance alone
                # (the sourcing goes as its own effect) rather than lose it.
                return self._settle_effect(fo, effect, now, failure, result)
            note = f"overtaken: {error}"
        else:
            session.apply(EffectCompleted, effect_id=effect.id, note=_short(note))
            session.finish()
            return session
        session = Session(self._setup, fo.copy(), key, now)
        session.answered.update(answered)
        session.note(f"{effect.id} {note}")
        session.apply(EffectCompleted, effect_id=effect.id, note=_short(note))
        for number in unused:
            session.schedule(EffectKind.VOID_LABEL, tracking_number=number)
        session.finish()
        return session

    # ------------------------------------------------------------------ messages: orders

    def _order_placed(self, message: OrderPlaced) -> Flow[Outcome]:
        now = yield from self._now()
        order = message.order
        existing = list((yield from ask("repository", "for_order", order.id)))
        works = self._open_work(order, now, message.key)
        missing = works
        if existing:
            # Placed before. Only a delivery of this very message that died between two works
            # may add work, and only for lines no work holds yet (the routing may have changed
            # since: lines are never routed twice).
            first = existing[0].history[0].key or message.key
            covered = {line.line_id for fo in existing for line in fo.lines}
            ids = {fo.id for fo in existing}
            missing = [
                work
                for work in works
                if first == message.key
                and work.fo.id not in ids
                and not covered & {line.line_id for line in work.fo.lines}
            ]
            if not missing:
                return attrs.evolve(self._replayed(first, existing), key=message.key)
        elif not works:
            return Outcome(message.key, notes=("nothing in the order needs shipping",))
        else:
            yield from ask("repository", "put_order", order)
        added = []
        for planned in missing:
            # An edit handled meanwhile may have opened some of these lines elsewhere (routed
            # them another way): open this work for the lines no work holds yet, if any.
            held = yield from self._held_lines(order.id, but_for=planned.fo.id)
            session = self._leaving_out(order, now, message.key, planned, held)
            if session is None:
                continue
            try:
                yield from ask("repository", "add", session.fo)
            except ConcurrencyError:
                # Another placement of the order took the id: this message delivered twice at
                # once (it routes the same), another message handled as the placement, or an
                # edit's open_work, which may route the order another way. The lines the work
                # lacks that no work holds get work through it, as an edit opens them.
                stored = yield from get_work(session.fo.id)
                if stored.history[0].key == message.key:
                    continue
                held = yield from self._held_lines(order.id)
                lacking = {
                    line.line_id: line.ordered
                    for line in session.fo.lines
                    if line.line_id not in held
                }
                if lacking:
                    hosted = yield from self._change(
                        stored.id, message.key, now, _opening(lacking, stored.supplier_id)
                    )
                    if hosted is not None:
                        added.append(hosted)
                continue
            added.append(session)
        # Work an earlier delivery added before it died has its effects still pending.
        notes = yield from self._drain([*(s.fo for s in added), *existing], now)
        return self._outcome(message.key, added, notes)

    def _held_lines(self, order_id: str, *, but_for: str | None = None) -> Flow[set[str]]:
        """The lines of the order some work holds, or that an edit has decided to open (its
        ``open_work`` saved, not yet carried out) in work other than ``but_for``."""
        current = yield from ask("repository", "for_order", order_id)
        held = {line.line_id for fo in current for line in fo.lines}
        held.update(
            item.line_id
            for fo in current
            for effect in fo.outbox
            if effect.kind is EffectKind.OPEN_WORK and opened_work_id(fo.id, effect) != but_for
            for item in effect.quantities
        )
        return held

    def _leaving_out(
        self,
        order: Order,
        now: pendulum.DateTime,
        key: str,
        planned: Session,
        held: Collection[str],
    ) -> Session | None:
        """``planned`` without the ``held`` lines, opened again; ``None`` when none is left."""
        if not set(held) & {line.line_id for line in planned.fo.lines}:
            return planned
        sessions = self._open_work(order, now, key, leave_out=held)
        return next((s for s in sessions if s.fo.id == planned.fo.id), None)

    def _open_work(
        self,
        order: Order,
        now: pendulum.DateTime,
        key: str,
        *,
        leave_out: Collection[str] = (),
    ) -> list[Session]:
        """The work ``order`` calls for, opened and checked, its follow-ups scheduled. Lines that
        cannot be routed hold the first work (or, when none can, work opened for the first
        supplier with every line, to be routed again when the data changes). Lines in
        ``leave_out`` (held by work already) are left out, and work left with none is not
        opened."""
        setup = self._setup
        plan = route_order(order, setup.catalog, setup.suppliers)
        if plan.work:
            openings = [
                (fit_id(f"{order.id}:{w.supplier_id}"), w.supplier_id, w.lines) for w in plan.work
            ]
        else:
            shippable = [item for item in order.line_items if item.requires_shipping]
            if not shippable:
                return []
            first = next(iter(setup.suppliers))
            lines = tuple(FulfillmentLine.new(i.id, i.quantity, sku=i.sku) for i in shippable)
            openings = [(fit_id(f"{order.id}:{first}"), first, lines)]
        sessions = []
        for index, (fo_id, supplier_id, planned) in enumerate(openings):
            lines = tuple(line for line in planned if line.line_id not in leave_out)
            if not lines:
                continue
            work = FulfillmentOrder.open(
                fo_id, order_id=order.id, supplier_id=supplier_id, lines=lines, at=now, key=key
            )
            session = Session(setup, work, key, now)
            session.keys.next()  # the opening event holds the key itself
            session.applied.append(work.history[0])
            holds = self._data_holds(order, work, plan if index == 0 else None)
            place_holds(session, holds)
            session.finish()
            sessions.append(session)
        return sessions

    def _data_holds(
        self, order: Order, work: FulfillmentOrder, plan: RoutingPlan | None
    ) -> list[Hold]:
        """What the data check holds this work for (and, on the first work, unrouted lines)."""
        setup = self._setup
        check = check_order(
            order,
            setup.catalog,
            setup.suppliers.get(work.supplier_id),
            line_ids=[line.line_id for line in work.lines],
        )
        return [*check.holds, *(plan.holds if plan is not None else ())]

    def _order_data_updated(self, message: OrderDataUpdated) -> Flow[Outcome]:
        order = message.order
        existing = list((yield from ask("repository", "for_order", order.id)))
        # An edit of an order not placed yet is its placement; delivered again, it finishes the
        # placement as a redelivered OrderPlaced does (it may have died between two works).
        if not existing or existing[0].history[0].key == message.key:
            placed = yield from self._order_placed(OrderPlaced(key=message.key, order=order))
            existing = list((yield from ask("repository", "for_order", order.id)))
            if all(fo.event_for(message.key) is not None for fo in existing):
                return placed
            # Another worker placed it meanwhile, from the data it had: this edit applies to
            # that work as the update it is.
        elif all(fo.event_for(message.key) is not None for fo in existing):
            return self._replayed(message.key, existing)
        now = yield from self._now()
        before = yield from get_order(order.id)

        def guard() -> Flow[str | None]:
            # An edit that arrived after a newer one changes nothing: asked again before each
            # work's save, since a newer edit may be stored while this one is being applied.
            stored = yield from get_order(order.id)
            if not _older(order, stored):
                return None
            return (
                f"order {order.id} as of {order.updated_at}, older than the version stored"
                f" (as of {stored.updated_at}): ignored"
            )

        if _older(order, before):
            sessions = []
            for fo in existing:
                session = yield from self._change(fo.id, message.key, now, _nothing, guard=guard)
                if session is not None:
                    sessions.append(session)
            return self._outcome(message.key, sessions, [])
        yield from ask("repository", "put_order", order)  # never replaces a newer version
        setup = self._setup
        plan = route_order(order, setup.catalog, setup.suppliers)
        moved_address = before.shipping_address != order.shipping_address
        routed = {line.line_id: w.supplier_id for w in plan.work for line in w.lines}
        # Lines no work holds (unroutable when the order came) get work now, through the first
        # work still going; an order whose work is all over gets no more.
        held_lines = {line.line_id for fo in existing for line in fo.lines}
        host = next((fo.id for fo in existing if not fo.is_terminal), None)
        known = {fo.id for fo in existing}

        def placement_id(supplier_id: str) -> str | None:
            """The id the placement gives that supplier's work, if no work has it yet."""
            work_id = fit_id(f"{order.id}:{supplier_id}")
            return None if work_id in known else work_id

        def decide_for(index: int) -> Callable[[Session], None]:
            def decide(session: Session) -> None:
                work = session.fo
                if work.is_terminal:
                    return
                moving: dict[str, dict[str, int]] = {}  # supplier: line: units
                if work.id == host:
                    for line_id, supplier_id in routed.items():
                        if line_id not in held_lines:
                            moving.setdefault(supplier_id, {})[line_id] = next(
                                i.quantity for i in order.line_items if i.id == line_id
                            )
                # Unmapped lines of work not yet sent to the supplier go where they now route.
                if work.request_status is RequestStatus.UNSUBMITTED:
                    away = {
                        line.line_id: line.open
                        for line in work.lines
                        if not line.supplier_sku and line.open and line.line_id in routed
                    }
                    if away:
                        cancelled = cancelling(
                            session, WorkCancelled, quantities=away, reason="routed again"
                        )
                        session.silent.append(session.applied[-1])
                        for line_id, units in cancelled.items():
                            moving.setdefault(routed[line_id], {})[line_id] = units
                for supplier_id, lines in sorted(moving.items()):
                    session.schedule(
                        EffectKind.OPEN_WORK,
                        quantities=lines,
                        supplier_id=supplier_id,
                        work_id=placement_id(supplier_id),
                    )
                if session.fo.is_terminal:
                    return
                wanted = self._data_holds(order, session.fo, plan if index == 0 else None)
                wanted_at = {(h.reason, h.path) for h in wanted}
                place_holds(session, wanted)  # first: a hold swapped for another never resumes
                for hold in session.fo.holds:
                    if is_data_hold(hold) and (hold.reason, hold.path) not in wanted_at:
                        session.apply(HoldReleased, reason=hold.reason, path=hold.path)
                if moved_address:  # a label bought for the old address must not be used
                    for effect in session.pending(EffectKind.SHIP):
                        session.apply(
                            EffectCompleted, effect_id=effect.id, note="superseded: new address"
                        )

            return decide

        sessions = []
        resumed: list[str] = []
        for index, fo in enumerate(existing):
            session = yield from self._change(
                fo.id, message.key, now, decide_for(index), guard=guard
            )
            if session is not None:
                sessions.append(session)
            else:  # handled by a delivery that died before its effects: carry them out now
                resumed.append(fo.id)
        notes = yield from self._drain([*(s.fo for s in sessions), *resumed], now)
        # Work the placement added meanwhile (it was still opening the order's work) was
        # opened from the data it had: this edit applies to it too.
        later = [
            fo
            for fo in (yield from ask("repository", "for_order", order.id))
            if fo.id not in known
            and fo.event_for(message.key) is None
            and not (fo.history[0].key or "").startswith(_OPENED_BY_EFFECT)
        ]
        added = []
        for fo in later:
            session = yield from self._change(
                fo.id, message.key, now, decide_for(len(existing)), guard=guard
            )
            if session is not None:
                added.append(session)
        notes += yield from self._drain([s.fo for s in added], now)
        return self._outcome(message.key, [*sessions, *added], notes)

    def _cancellation_requested(self, message: OrderCancellationRequested) -> Flow[Outcome]:
        existing = list((yield from ask("repository", "for_order", message.order_id)))
        if not existing:
            raise NotFoundError("work of order", message.order_id)
        if all(fo.event_for(message.key) is not None for fo in existing):
            return self._replayed(message.key, existing)
        now = yield from self._now()
        wanted = (
            None
            if message.quantities is None
            else {q.line_id: q.quantity for q in message.quantities}
        )
        notes: list[str] = []
        if wanted is not None:
            notes = _check_cancellable(message.order_id, wanted, existing)
        sessions = []
        resumed: list[str] = []
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

            def decide(session: Session, share: dict[str, int] | None = share) -> None:
                cancel_units(session, share, message.reason)

            session = yield from self._change(fo.id, message.key, now, decide)
            if session is not None:
                sessions.append(session)
            else:  # handled by a delivery that died before its effects: carry them out now
                resumed.append(fo.id)
        notes += yield from self._drain([*(s.fo for s in sessions), *resumed], now)
        return self._outcome(message.key, sessions, notes)

    # ------------------------------------------------------------------ messages: one work

    def _work_message(
        self, message: Message, fo_id: str, decide: Callable[[Session], None]
    ) -> Flow[Outcome]:
        """A message about one work: replay check, change, then its effects."""
        fo = yield from get_work(fo_id)
        if fo.event_for(message.key) is not None:
            return self._replayed(message.key, [fo])
        now = yield from self._now()
        session = yield from self._change(fo_id, message.key, now, decide)
        if session is None:
            return self._replayed(message.key, [(yield from get_work(fo_id))])
        notes = yield from self._drain([session.fo], now)
        return self._outcome(message.key, [session], notes)

    def _purchase_arrived(self, message: PurchaseArrived) -> Flow[Outcome]:
        def decide(session: Session) -> None:
            fo = session.fo
            units = purchase_units(fo, message.purchase_id)
            if units is None:
                raise ValidationError(
                    "PurchaseArrived",
                    [
                        Problem(
                            "purchase_id",
                            f"{message.purchase_id!r} is not a purchase of {fo.subject}",
                        )
                    ],
                )
            if not units:
                session.note(f"purchase {message.purchase_id}: nothing waits for it any more")
            elif fo.can("restock"):
                session.apply(GoodsRestocked, quantities=units, purchase_id=message.purchase_id)
            else:  # held: the goods are recorded once the hold is released
                session.schedule(EffectKind.RECEIVE, purchase_id=message.purchase_id)
                session.note(f"purchase {message.purchase_id} arrived while {fo.status}")

        return (yield from self._work_message(message, message.fulfillment_order_id, decide))

    def _label_bought(self, message: LabelBought) -> Flow[Outcome]:
        def decide(session: Session) -> None:
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
            if fo.can("pack"):
                session.apply(GoodsPacked)
            shipment_id = fit_id(f"{fo.id}/{message.label.tracking_number}")
            dispatch(session, shipment_id, tuple(items), message.label)

        return (yield from self._work_message(message, message.fulfillment_order_id, decide))

    def _tracking_reported(self, message: TrackingReported) -> Flow[Outcome]:
        def decide(session: Session) -> None:
            session.apply(TrackingUpdated, shipment_id=message.shipment_id, events=message.events)

        return (yield from self._work_message(message, message.fulfillment_order_id, decide))

    def _supplier_rejected(self, message: SupplierRejected) -> Flow[Outcome]:
        def decide(session: Session) -> None:
            fo = session.fo
            remaining = {line.line_id: line.remaining for line in fo.lines if line.remaining}
            why = f"the supplier rejected the work: {message.reason}"
            if fo.is_terminal or not remaining:
                session.note(f"it is {fo.status}: nothing left to reject")
            elif fo.work_started:
                if fo.request_status is RequestStatus.CANCELLATION_REQUESTED:
                    # Giving up answers our cancellation request too: it cannot be refused.
                    asked = last_request_reason(fo) or "cancelled as requested"
                    if fo.can("accept_cancellation"):
                        cancelled = cancelling(session, CancellationAccepted)
                        if cancelled:
                            session.schedule(
                                EffectKind.REPORT_CANCELLATION, quantities=cancelled, reason=asked
                            )
                    else:  # the requested units left before: nothing of them to cancel
                        session.apply(CancellationRejected, reason=why[:1000])
                # Cancellations still waiting to be asked go now, each with its own reason.
                for waiting in session.pending(EffectKind.CANCEL):
                    left = {line.line_id: line.remaining for line in session.fo.lines}
                    units = {
                        item.line_id: min(item.quantity, left[item.line_id])
                        for item in waiting.quantities
                    }
                    session.drop_units(
                        {line_id: n for line_id, n in units.items() if n},
                        waiting.reason or "cancelled as requested",
                        tell_supplier=False,
                    )
                    session.apply(
                        EffectCompleted, effect_id=waiting.id, note="answered by the rejection"
                    )
                remaining = {
                    line.line_id: line.remaining for line in session.fo.lines if line.remaining
                }
                if remaining and not session.fo.is_terminal:
                    session.drop_units(remaining, why, tell_supplier=False)
            elif fo.request_status is RequestStatus.UNSUBMITTED:
                raise ValidationError(
                    "SupplierRejected",
                    [
                        Problem(
                            "fulfillment_order_id",
                            f"{fo.subject} was never sent to the supplier: it has nothing to"
                            " reject",
                        )
                    ],
                )
            else:
                session.apply(WorkRejected, reason=message.reason)
                session.schedule(EffectKind.REPORT_CANCELLATION, quantities=remaining, reason=why)

        return (yield from self._work_message(message, message.fulfillment_order_id, decide))

    def _retry_failed(self, message: RetryFailedEffects) -> Flow[Outcome]:
        def decide(session: Session) -> None:
            fo = session.fo
            for effect, _failure in fo.failed_effects:
                base = base_id(effect.id)
                family = [e.id for e in fo.effects if base_id(e.id) == base]
                if family[-1] != effect.id:
                    continue  # retried before
                session.effects.append(attrs.evolve(effect, id=f"{base}~{len(family)}"))
                path = f"{OUTBOX_PATH}{effect.id}"
                if any(h.path == path for h in fo.holds):
                    session.apply(HoldReleased, reason=HoldReason.OTHER, path=path)
            if not session.effects:
                session.note("no failed effects to retry")

        return (yield from self._work_message(message, message.fulfillment_order_id, decide))

    # ------------------------------------------------------------------ messages: many works

    def _stock_reported(self, message: StockReported) -> Flow[Outcome]:
        now = yield from self._now()
        setup = self._setup
        if message.supplier_id not in setup.suppliers:
            raise ValidationError(
                "StockReported",
                [Problem("supplier_id", f"{message.supplier_id!r} is not a supplier here")],
            )
        stock = message.stock
        available = stock.available_quantity if isinstance(stock, InWarehouse) else 0
        ids = yield from ask("repository", "active_ids")
        sessions: list[Session] = []
        replayed: list[FulfillmentOrder] = []
        notes: list[str] = []
        crash: BaseException | None = None
        for fo_id in ids:
            fo = yield from get_work(fo_id)
            if fo.supplier_id != message.supplier_id:
                continue
            if fo.event_for(message.key) is not None:  # handled before (a redelivery)
                replayed.append(fo)
                available -= _restocked_under(fo, message.key)
                continue
            waiting = waiting_for_restock(fo)
            lines = [
                line.line_id
                for line in fo.lines
                if line.supplier_sku == stock.sku and waiting.get(line.line_id)
            ]
            if not lines:
                continue
            if not fo.can("restock"):
                # Held: its units are asked about again once the hold is released (the check
                # waits, like every question to the supplier, while the work is held).
                def wait(session: Session, lines: list[str] = lines) -> None:
                    waiting_now = waiting_for_restock(session.fo)
                    units = {i: waiting_now[i] for i in lines if waiting_now.get(i)}
                    if units and not session.pending(EffectKind.CHECK_RESTOCK):
                        session.schedule(EffectKind.CHECK_RESTOCK, quantities=units)

                try:
                    yield from self._change(fo_id, message.key, now, wait, record=False)
                except Exception as error:  # one work's trouble is not the others'
                    crash = _kept(error, crash, notes, fo_id)
                notes.append(f"{fo.id}: {fo.status}, not restocked")
                continue
            give = max(available, 0)

            def decide(session: Session, lines: list[str] = lines, give: int = give) -> None:
                waiting_now = waiting_for_restock(session.fo)
                restocked: dict[str, int] = {}
                for line_id in lines:
                    units = min(give, waiting_now.get(line_id, 0))
                    if units:
                        restocked[line_id] = units
                        give -= units
                if restocked:
                    session.apply(GoodsRestocked, quantities=restocked)
                left = {
                    line_id: waiting_now[line_id] - restocked.get(line_id, 0)
                    for line_id in lines
                    if waiting_now.get(line_id, 0) > restocked.get(line_id, 0)
                }
                if left and not _restock_in_time(session, stock):
                    session.schedule(EffectKind.CHECK_RESTOCK, quantities=left)

            try:
                session = yield from self._change(fo_id, message.key, now, decide, record=False)
            except Exception as error:  # one work's trouble is not the others'
                crash = _kept(error, crash, notes, fo_id)
                continue
            if session is not None:
                available -= _restocked_under(session.fo, message.key)
                if session.applied:
                    sessions.append(session)
        if not sessions and replayed and crash is None:
            return self._replayed(message.key, replayed)
        notes += yield from self._drain([s.fo for s in sessions], now)
        if crash is not None:
            raise crash
        return self._outcome(message.key, sessions, notes)

    def _tick(self, message: Tick) -> Flow[Outcome]:
        now = yield from self._now()
        setup = self._setup
        versions: Mapping[str, int] | None = None
        ids: Sequence[str]
        if setup.knows_versions:
            versions = _checked_versions((yield from ask("repository", "active_versions")))
            quiet = self._quiet
            for fo_id in quiet.keys() - versions.keys():  # settled since: forget it
                quiet.pop(fo_id, None)  # (another tick on this service may have, too)
            ids = [
                fo_id
                for fo_id, version in versions.items()
                if not _still_quiet(quiet.get(fo_id), version, now)
            ]
        else:
            ids = yield from ask("repository", "active_ids")
        sessions = []
        to_drain: list[FulfillmentOrder | str] = []
        notes: list[str] = []

        # What this does for a work that does not change may depend on the time only through
        # what _quiet_until knows (breaches, restock dates): teach it anything new, or ticks
        # that pass over quiet work will miss it (tests/test_service_ticks.py compares them).
        def decide(session: Session) -> None:
            fo = session.fo
            calendar = setup.calendars.get(fo.supplier_id)
            breaches: Sequence[Breach] = (
                _work_breaches(fo, now, setup.policy.sla, calendar)
                if calendar is not None
                # the checked way: it names the supplier that has no calendar
                else sla_breaches([fo], now=now, sla=setup.policy, calendars={})
            )
            for breach in breaches:
                effect_id = _breach_effect_id(breach.kind, breach.shipment_id)
                if not session.known_effect(effect_id):
                    for notification in notifications_for_breaches([breach], setup.policy, at=now):
                        session.notify(notification, id=effect_id)
            if not fo.work_started or fo.holds:
                return
            waiting = waiting_for_restock(fo)
            if not waiting:
                return
            checking = {  # asked, or being bought at the factory: no second question
                item.line_id
                for effect in (
                    *session.pending(EffectKind.CHECK_RESTOCK),
                    *session.pending(EffectKind.PURCHASE),
                )
                for item in effect.quantities
            }
            for line_id, units in waiting.items():
                eta = fo.line(line_id).restock_eta
                if line_id in checking or eta is None or eta > now:
                    continue
                # Asked again on every tick while the date is past and no answer is pending.
                session.schedule(
                    EffectKind.CHECK_RESTOCK,
                    id=named("restock", line_id, message.key),
                    quantities={line_id: units},
                )

        crash: BaseException | None = None
        for fo_id in ids:
            try:
                session = yield from self._change(fo_id, message.key, now, decide, record=False)
            except Exception as error:  # one work's trouble is not the others'
                crash = _kept(error, crash, notes, fo_id)
                continue
            if session is None:  # a tick seen before: what it left pending is tried again
                to_drain.append(fo_id)
                continue
            if session.applied:
                sessions.append(session)
            if session.fo.outbox:
                to_drain.append(session.fo)
            elif versions is not None and not session.applied:
                calendar = setup.calendars[session.fo.supplier_id]  # decide found it
                self._quiet[fo_id] = (session.fo.version, _quiet_until(session, calendar))
        try:
            notes += yield from self._drain(to_drain, now)
        except Exception as error:  # the first trouble is the one raised
            crash = crash or error
        if crash is not None:
            raise crash
        return self._outcome(message.key, sessions, notes)


def _checked_versions(answer: object) -> Mapping[str, int]:
    """``repository.active_versions()``'s answer, checked: a mapping of ids to versions."""
    if isinstance(answer, Mapping) and all(
        isinstance(fo_id, str) and isinstance(version, int) and not isinstance(version, bool)
        for fo_id, version in answer.items()
    ):
        return answer
    raise ValidationError(
        "repository.active_versions",
        [
            Problem(
                "",
                f"must return a mapping of work ids to versions, got {describe(answer)}",
                "return {id: version} for the ids active_ids() gives",
            )
        ],
    )


def _still_quiet(
    entry: tuple[int, pendulum.DateTime | None] | None, version: int, now: pendulum.DateTime
) -> bool:
    """Whether a tick may pass over work (at ``version``) it found nothing to do for before."""
    if entry is None or entry[0] != version:
        return False
    until = entry[1]
    return until is None or now < until


def _quiet_until(session: Session, calendar: BusinessCalendar) -> pendulum.DateTime | None:
    """Until when a tick finds nothing to do for the work it just visited and left as it was,
    with nothing pending (``None``: until the work changes). What a tick does for a work that
    does not change depends on the time only through the SLA breaches it tells (each once) and
    the restock dates it follows up: the earliest of those still to come. (One that came
    already and was told nothing made nothing: its kind of notification is muted.)"""
    fo, now = session.fo, session.now
    moments = [
        moment
        for kind, shipment_id, moment in _breach_moments(fo, session.setup.policy.sla, calendar)
        # (a breach told once is not told again, even if it would begin again later)
        if moment > now and not session.known_effect(_breach_effect_id(kind, shipment_id))
    ]
    if fo.work_started and not fo.holds:
        for line_id in waiting_for_restock(fo):
            eta = fo.line(line_id).restock_eta
            if eta is not None and eta > now:
                moments.append(eta)
    return min(moments, default=None)


def _breach_effect_id(kind: DelayKind, shipment_id: str | None) -> str:
    """The id of the notification a tick sends for a breach (once per work and parcel)."""
    return named("breach", kind.value, shipment_id or "-")


def _kept(
    error: Exception,
    first: BaseException | None,
    notes: list[str],
    work: FulfillmentOrder | str,
) -> BaseException | None:
    """Sort one work's trouble: the core refusing something about that work is a note; the
    repository failing, a bug or a crash is kept (the first one) to raise once the others are
    done."""
    work_id = work if isinstance(work, str) else work.id
    if isinstance(error, FulfillmentError) and not isinstance(
        error, (AdapterError, ConcurrencyError)
    ):
        notes.append(f"{work_id}: {note_text(str(error))}")
        return first
    return first or error


def _may_run(fo: FulfillmentOrder, effect: Effect) -> bool:
    """Effects that ask the supplier or the carrier to act wait while the work is held, or
    while a cancellation awaits the supplier's answer; so does a later cancellation (``cancel``).
    The rest (telling people, the storefront, asking for that very answer) go at once."""
    if effect.kind is EffectKind.CANCEL:
        return not awaits_answer(fo)
    if effect.kind not in SUPPLIER_OR_CARRIER_KINDS:
        return True
    return not fo.holds and fo.request_status is not RequestStatus.CANCELLATION_REQUESTED


def _opening(lines: Mapping[str, int], supplier_id: str) -> Callable[[Session], None]:
    """A decision that opens ``lines`` for ``supplier_id`` (an ``open_work`` effect)."""

    def decide(session: Session) -> None:
        session.schedule(EffectKind.OPEN_WORK, quantities=dict(lines), supplier_id=supplier_id)

    return decide


def _nothing(session: Session) -> None:
    """A decision that changes nothing (what a guard stopped is noted instead)."""


def _older(order: Order, stored: Order) -> bool:
    """Whether ``order`` is an older version than ``stored`` (both say when they were edited)."""
    return (
        order.updated_at is not None
        and stored.updated_at is not None
        and order.updated_at < stored.updated_at
    )


def _short(note: str | None) -> str | None:
    return None if note is None else note_text(note)


def _restocked_under(fo: FulfillmentOrder, key: str) -> int:
    """Units a stock report (``key``) restocked on this work."""
    prefix = f"{key}#"
    return sum(
        item.quantity
        for event in fo.history
        if isinstance(event, GoodsRestocked)
        and event.key is not None
        and (event.key == key or event.key.startswith(prefix))
        for item in event.quantities
    )


def _restock_in_time(session: Session, stock: object) -> bool:
    """Whether units still waiting can keep waiting for the restock ``stock`` announces."""
    eta = getattr(stock, "restock_eta", None)
    if eta is None:
        return False
    calendar = session.setup.calendars[session.fo.supplier_id]
    return calendar.business_days_between(session.now, eta) <= (
        session.setup.policy.max_restock_wait_days
    )


def _check_cancellable(
    order_id: str, wanted: dict[str, int], existing: Sequence[FulfillmentOrder]
) -> list[str]:
    """Refuse lines the order's work does not have; note (and leave out) units already shipped
    or cancelled: a cancellation that comes late cancels what is left."""
    known: dict[str, int] = {}
    for fo in existing:
        for line in fo.lines:
            known[line.line_id] = known.get(line.line_id, 0) + line.remaining
    problems = [
        Problem(f"quantities.{line_id}", f"order {order_id} has no line {line_id!r} with work")
        for line_id in wanted
        if line_id not in known
    ]
    if problems:
        raise ValidationError("OrderCancellationRequested", problems)
    notes = []
    for line_id, quantity in list(wanted.items()):
        if known[line_id] < quantity:
            notes.append(
                f"line {line_id}: {quantity} asked, {known[line_id]} not yet shipped or cancelled"
            )
            wanted[line_id] = known[line_id]
    return notes


_HANDLERS: dict[type[Message], Callable[[Flows, object], Flow[Outcome]]] = {
    OrderPlaced: Flows._order_placed,  # type: ignore[dict-item]
    OrderDataUpdated: Flows._order_data_updated,  # type: ignore[dict-item]
    StockReported: Flows._stock_reported,  # type: ignore[dict-item]
    PurchaseArrived: Flows._purchase_arrived,  # type: ignore[dict-item]
    LabelBought: Flows._label_bought,  # type: ignore[dict-item]
    TrackingReported: Flows._tracking_reported,  # type: ignore[dict-item]
    OrderCancellationRequested: Flows._cancellation_requested,  # type: ignore[dict-item]
    SupplierRejected: Flows._supplier_rejected,  # type: ignore[dict-item]
    RetryFailedEffects: Flows._retry_failed,  # type: ignore[dict-item]
    Tick: Flows._tick,  # type: ignore[dict-item]
}
