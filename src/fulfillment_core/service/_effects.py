"""Carrying out one effect: its port calls, then how to apply what came back.

:func:`perform` makes an effect's port calls and returns an *apply* function: given a
:class:`~._session.Session` on the work (as it is when the result is saved, perhaps reloaded
after someone else saved), it applies the result and returns a note. Applying is pure and may
run twice, so a stale save can be decided again without calling the ports again.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence

import attrs
import pendulum

from fulfillment_core.address import Address
from fulfillment_core.check import check_order
from fulfillment_core.exceptions import (
    AdapterError,
    ConcurrencyError,
    FulfillmentError,
    NotFoundError,
    Problem,
    RetryableAdapterError,
    ValidationError,
)
from fulfillment_core.fulfillment import (
    BackorderUpdated,
    CancellationAccepted,
    CancellationRejected,
    EffectCompleted,
    EffectsScheduled,
    FulfillmentLine,
    FulfillmentOrder,
    GoodsBackordered,
    GoodsPacked,
    GoodsRestocked,
    GoodsSourced,
    WorkAccepted,
    WorkRejected,
)
from fulfillment_core.lifecycle import RequestStatus, WorkStatus
from fulfillment_core.order import Order
from fulfillment_core.outbox import Effect, EffectKind
from fulfillment_core.packing import PackItem, Parcel, plan_parcels
from fulfillment_core.policy import NotificationKind
from fulfillment_core.ports import (
    CancellationAnswer,
    FulfillmentRequest,
    Label,
    ParcelRequest,
    RequestLine,
    StorefrontFulfillment,
)
from fulfillment_core.serialization import to_dict
from fulfillment_core.shipment import LineQuantity
from fulfillment_core.shipping import choose_service
from fulfillment_core.sourcing import (
    BackupOffer,
    SourcingAction,
    SourcingDecision,
    decide_sourcing,
)
from fulfillment_core.stock import StockStatus

from ._calls import Flow, ask, get_order, get_work
from ._session import (
    Session,
    Setup,
    awaits_answer,
    base_id,
    cancel_units,
    cancelling,
    continued,
    dispatch,
    fit_id,
    last_request_reason,
    place_holds,
    purchase_units,
    waiting_for_restock,
)

__all__ = ["Apply", "UnusedLabelsError", "WaitError", "bought_labels", "perform"]

#: Applies an effect's result to a session on the work; returns a note (or ``None``).
Apply = Callable[[Session], "str | None"]


def _noted(note: str | None) -> Apply:
    return lambda session: note


def perform(
    setup: Setup, fo: FulfillmentOrder, effect: Effect, now: pendulum.DateTime
) -> Flow[Apply]:
    """Make ``effect``'s port calls for work ``fo``; return how to apply what came back."""
    kind = effect.kind
    key = fit_id(f"{fo.id}/{base_id(effect.id)}")  # a retry keeps the first attempt's keys
    if kind is EffectKind.NOTIFY:
        yield from ask("notifier", "send", effect.notification)
        return _noted(None)
    if kind is EffectKind.REPORT_HOLDS:
        # The holds as they are now: a stale report retried late must not bring back old ones.
        yield from ask("storefront", "report_holds", fo.order_id, fo.id, fo.holds)
        return _noted(f"{len(fo.holds)} hold(s) shown")
    if kind is EffectKind.REPORT_CANCELLATION:
        yield from ask(
            "storefront",
            "report_cancellation",
            fo.order_id,
            fo.id,
            effect.quantities,
            effect.reason,
            key=key,
        )
        return _noted(None)
    if kind is EffectKind.VOID_LABEL:
        yield from ask("carrier", "void_label", effect.tracking_number)
        return _noted(f"label {effect.tracking_number} voided")
    if kind is EffectKind.PUSH_FULFILLMENT:
        return (yield from _push(setup, fo, effect))
    if kind is EffectKind.SUBMIT_REQUEST:
        return (yield from _submit(setup, fo, effect, now))
    if kind in (EffectKind.SOURCE, EffectKind.CHECK_RESTOCK):
        return (yield from _source(setup, fo, effect, now))
    if kind is EffectKind.PURCHASE:
        return (yield from _purchase(fo, effect, key))
    if kind is EffectKind.RECEIVE:
        return _receive(effect)
    if kind is EffectKind.SHIP:
        return (yield from _ship(setup, fo, effect))
    if kind is EffectKind.WITHDRAW:
        return (yield from _withdraw(fo, effect, key))
    if kind is EffectKind.OPEN_WORK:
        return (yield from _open_work(setup, fo, effect))
    if kind is EffectKind.CANCEL:
        return _cancel(effect)
    assert kind is EffectKind.REQUEST_CANCELLATION
    return (yield from _request_cancellation(fo, effect, key))


def _push(setup: Setup, fo: FulfillmentOrder, effect: Effect) -> Flow[Apply]:
    shipment = next((s for s in fo.shipments if s.id == effect.shipment_id), None)
    if shipment is None:
        raise ValidationError(
            "push_fulfillment",
            [Problem("shipment_id", f"{fo.subject} has no shipment {effect.shipment_id!r}")],
        )
    fulfillment = StorefrontFulfillment(
        fo.order_id,
        fo.id,
        shipment.id,
        shipment.items,
        shipment.carrier,
        shipment.tracking_numbers,
        tracking_urls=(shipment.tracking_url,) if shipment.tracking_url else (),
        # The customer hears of the parcel from the notifier, unless the merchant muted that.
        notify_customer=setup.policy.notifications.channel_for(NotificationKind.SHIPPED) is None,
    )
    storefront_id = yield from ask("storefront", "push_fulfillment", fulfillment)
    return _noted(f"storefront fulfillment {storefront_id}")


def _submit(
    setup: Setup, fo: FulfillmentOrder, effect: Effect, now: pendulum.DateTime
) -> Flow[Apply]:
    if fo.request_status is not RequestStatus.SUBMITTED:
        return _noted(f"not sent: the request is {fo.request_status}")
    # The lines as first scheduled: the supplier may have the request already (a lost reply),
    # and keeps the first; units cancelled since are withdrawn after it (``withdraw``).
    units = {item.line_id: item.quantity for item in effect.quantities} or {
        line.line_id: line.open for line in fo.lines if line.open
    }
    lines = [fo.line(line_id) for line_id in units]
    missing = [line.line_id for line in lines if not line.supplier_sku]
    if missing:
        raise ValidationError(
            "fulfillment request",
            [
                Problem(
                    "lines",
                    f"line(s) {', '.join(missing)} have no supplier SKU",
                    "map the SKU in the catalogue, then send OrderDataUpdated",
                )
            ],
        )
    order = yield from get_order(fo.order_id)
    request = FulfillmentRequest(
        fo.id,
        fo.order_id,
        tuple(
            RequestLine(line.line_id, line.supplier_sku or "", units[line.line_id])
            for line in lines
        ),
        order.shipping_address,
        contact=order.contact,
        inserts=setup.policy.inserts,
    )
    answer = yield from ask("supplier", "submit_request", request, supplier_id=fo.supplier_id)
    ahead = (yield from _stock_ahead(setup, fo, order, now)) if answer.accepted else None

    def apply(session: Session) -> str | None:
        if answer.accepted:
            # The supplier has the request now: withdrawals it was not there for go again.
            again = withdraw_again(session)
            if session.fo.request_status is RequestStatus.CLOSED:  # cancelled on its way
                return "accepted after the work was cancelled" + (f"; {again}" if again else "")
            session.apply(WorkAccepted)
            if not _sourcing_due(session):
                return "accepted"
            if ahead is not None:
                return f"accepted; {_apply_sourcing(session, *ahead, checking=False)}"
            # The stock could not be read with the acceptance (or what was read could not be
            # applied): a source effect reads it next, named after this one so that it takes
            # no number (the effects after it keep the ids they have when all goes well).
            units = {line.line_id: line.open for line in session.fo.lines if line.open}
            source_id = continued(base_id(effect.id), "source")  # a retry's too: its own tries
            session.schedule(EffectKind.SOURCE, id=source_id, quantities=units)
            return "accepted; the stock is read next"
        reason = answer.reason or "no reason given"
        remaining = {line.line_id: line.remaining for line in session.fo.lines if line.remaining}
        session.apply(WorkRejected, reason=reason)
        if remaining:
            session.schedule(
                EffectKind.REPORT_CANCELLATION,
                quantities=remaining,
                reason=f"the supplier rejected the work: {reason}",
            )
        return f"rejected: {reason}"

    def without_sourcing() -> bool:
        """Settle the acceptance alone from now on; whether it was to source too."""
        nonlocal ahead
        sourcing, ahead = ahead is not None, None
        return sourcing

    # Attributes, not names the closure reads: a function that reads itself is a reference
    # cycle, left to the garbage collector with everything it holds.
    apply.landed = answer.accepted  # type: ignore[attr-defined]
    apply.without_sourcing = without_sourcing  # type: ignore[attr-defined]
    return apply


def _stock_ahead(
    setup: Setup, fo: FulfillmentOrder, order: Order, now: pendulum.DateTime
) -> Flow[tuple[tuple[LineQuantity, ...], _StockRead] | None]:
    """The stock of the work's open units, read as soon as the supplier accepts the request, so
    that the acceptance and the sourcing it calls for are settled in one save. A read is not an
    effect: it changes nothing, so there is nothing to record before it.

    ``None`` when there is nothing to read (no open units) or the read failed (an adapter
    error, retryable or not, from the supplier or a backup; an answer that is not a stock
    status): the acceptance is settled alone, and the sourcing goes as its own ``source``
    effect, which reads again and fails, or is retried, under its own name. (A request is not
    sent for held work, and work held meanwhile is not sourced with the acceptance:
    ``_sourcing_due``.)"""
    wanted = tuple(LineQuantity(line.line_id, line.open) for line in fo.lines if line.open)
    if not wanted:
        return None
    try:
        return wanted, (yield from _read_stock(setup, fo, order, wanted, now))
    except (AdapterError, ValidationError):
        return None


def _sourcing_due(session: Session) -> bool:
    """Whether ``finish`` would schedule a ``source`` effect for the open units now."""
    fo = session.fo
    return (
        fo.can("source")
        and not fo.holds
        and fo.request_status is not RequestStatus.CANCELLATION_REQUESTED
        and not session.pending(EffectKind.SOURCE)
        and not session.pending(EffectKind.PURCHASE)
    )


def landed(result: Apply | None) -> bool:
    """Whether ``result`` is a ``submit_request`` the supplier accepted."""
    return bool(getattr(result, "landed", False))


def withdraw_again(session: Session, *, but: str = "") -> str | None:
    """The supplier is known to have the request (it accepted it, or answered a withdraw).
    A withdrawal whose last try ended because the supplier did not have it yet (cancelled
    while the request was on its way, and the worker sending it was slow or died), or may
    still end so (its answer in flight in another worker), is asked again (all but the
    withdrawal of ``but``, the one answering). The repeat asks under the first's key, so a
    first that did go through is not done twice; it waits for the tries before it to end and
    asks only if the last one found nothing. Says so."""
    fo = session.fo
    families: dict[str, list[Effect]] = {}  # each withdrawal's tries, in the order scheduled
    for effect in (*fo.effects, *session.effects):
        if effect.kind is EffectKind.WITHDRAW:
            families.setdefault(_family(effect.id), []).append(effect)
    asked = []
    for family, tries in families.items():
        latest = tries[-1]
        if family == _family(but) or latest in session.effects:
            continue
        ending = _ending(fo, latest.id)
        repeat = latest.id.startswith("again:")
        if ending == _NEVER_HAD or (ending is None and not repeat):
            repeats = sum(1 for effect in tries if effect.id.startswith("again:"))
            session.schedule(
                EffectKind.WITHDRAW,
                id=f"again:{family}" + (f"~{repeats}" if repeats else ""),
                quantities={item.line_id: item.quantity for item in latest.quantities},
                reason=latest.reason or "cancelled",
            )
            asked.append(family)
    return f"{len(asked)} withdrawal(s) asked again" if asked else None


def _family(effect_id: str) -> str:
    """The withdrawal an effect id tries: itself, or what it retries (``~n``) or repeats
    (``again:``); its tries share its idempotency key."""
    return base_id(effect_id).removeprefix("again:")


def _ending(fo: FulfillmentOrder, effect_id: str) -> str | None:
    """How effect ``effect_id`` ended: its completion's note (``""`` without one, or when it
    failed for good); ``None`` while it is pending."""
    if any(effect.id == effect_id for effect in fo.outbox):
        return None
    for event in reversed(fo.history):
        if isinstance(event, EffectCompleted) and event.effect_id == effect_id:
            return event.note or ""
    return ""


#: How a withdraw ends when the supplier does not have the request (``withdraw_again``).
_NEVER_HAD = "the supplier never had the request"


def _source(
    setup: Setup, fo: FulfillmentOrder, effect: Effect, now: pendulum.DateTime
) -> Flow[Apply]:
    checking = effect.kind is EffectKind.CHECK_RESTOCK
    if not checking and not fo.can("source"):
        return _noted(f"not sourced: the work is {fo.status}")
    order = yield from get_order(fo.order_id)
    read = yield from _read_stock(setup, fo, order, effect.quantities, now)

    def apply(session: Session) -> str | None:
        return _apply_sourcing(session, effect.quantities, read, checking=checking)

    return apply


@attrs.frozen
class _StockRead:
    """What the supplier (and the backups) said of the stock of some units, to decide on;
    ``decided``: the decisions already made without a backup, by line (with their units)."""

    stock: Mapping[str, StockStatus]
    backups: Mapping[str, list[BackupOffer]]
    notes: list[str]
    decided: Mapping[str, tuple[int, SourcingDecision]]


def _read_stock(
    setup: Setup,
    fo: FulfillmentOrder,
    order: Order,
    quantities: Sequence[LineQuantity],
    now: pendulum.DateTime,
) -> Flow[_StockRead]:
    """Ask the supplier for the stock of ``quantities`` and, where the policy lets a backup
    supplier take units the primary cannot supply in time, ask the backups too. Reads only:
    nothing is bought or changed."""
    skus = {item.line_id: sku for item in quantities if (sku := fo.line(item.line_id).supplier_sku)}
    answers = yield from ask(
        "supplier", "stock", list(dict.fromkeys(skus.values())), supplier_id=fo.supplier_id
    )
    stock = _stock_answers("supplier.stock", skus, answers)
    notes: list[str] = []
    backups: dict[str, list[BackupOffer]] = {}
    decided: dict[str, tuple[int, SourcingDecision]] = {}
    if setup.policy.use_backup_suppliers:
        destination = order.shipping_address.country_code
        for item in quantities:
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
            decided[item.line_id] = (item.quantity, first)
            if not first.needs_merchant:
                continue
            entry = setup.catalog.get(fo.line(item.line_id).sku)
            for source in entry.sources if entry else ():
                backup = setup.suppliers.get(source.supplier_id)
                if (
                    backup is None
                    or source.supplier_id == fo.supplier_id
                    or not source.serves(destination)
                    or (destination is not None and not backup.ships_to(destination))
                ):
                    continue  # no gateway, the primary itself, or it does not ship there
                try:
                    offered = yield from ask(
                        "supplier", "stock", [source.supplier_sku], supplier_id=source.supplier_id
                    )
                except AdapterError as error:
                    if error.retryable:
                        raise  # ask again later, rather than decide without the backup
                    notes.append(f"backup {source.supplier_id} did not answer: {error}")
                    continue  # a backup that cannot answer for good offers nothing
                status = offered.get(source.supplier_sku) if isinstance(offered, Mapping) else None
                if isinstance(status, StockStatus):
                    backups.setdefault(item.line_id, []).append(BackupOffer(source, status))
    return _StockRead(stock, backups, notes, decided)


def _stock_answers(
    subject: str, skus: Mapping[str, str], answers: object
) -> dict[str, StockStatus]:
    stock: dict[str, StockStatus] = {}
    for line_id, sku in skus.items():
        answer = answers.get(sku) if isinstance(answers, Mapping) else None
        if not isinstance(answer, StockStatus):
            raise ValidationError(
                subject, [Problem(sku, f"was answered {answer!r}, not a stock status")]
            )
        stock[line_id] = answer
    return stock


def _apply_sourcing(
    session: Session,
    quantities: Sequence[LineQuantity],
    read: _StockRead,
    *,
    checking: bool,
) -> str:
    """Apply the sourcing decision for ``quantities``: open units, or (``checking``)
    backordered ones whose restock date passed."""
    setup, fo = session.setup, session.fo
    stock, backups = read.stock, read.backups
    waiting = waiting_for_restock(fo) if checking else {}
    sourced: dict[str, int] = {}
    backorders: dict[pendulum.DateTime | None, dict[str, int]] = {}
    dropped: dict[str, dict[str, int]] = {}
    switches: dict[str, dict[str, tuple[int, str]]] = {}  # backup: line: (units, reason)
    words: list[str] = []
    for item in quantities:
        line = fo.line(item.line_id)
        quantity = min(item.quantity, waiting.get(line.line_id, 0) if checking else line.open)
        if not quantity:
            continue
        status = stock.get(item.line_id)
        if status is None:
            why = f"line {line.line_id} has no supplier SKU: map it in the catalogue"
            dropped.setdefault(why, {})[line.line_id] = quantity
            continue
        offers = backups.get(line.line_id, ())
        early = read.decided.get(line.line_id)
        # The same question asked while reading (same units, stock and moment, no backup):
        # the same answer, as decide_sourcing is pure.
        decision = (
            early[1]
            if early is not None and early[0] == quantity and not offers
            else decide_sourcing(
                line.line_id,
                quantity,
                status,
                supplier_id=fo.supplier_id,
                policy=setup.policy,
                calendar=setup.calendars[fo.supplier_id],
                now=session.now,
                backups=offers,
            )
        )
        for allocation in decision.allocations:
            action, units = allocation.action, allocation.quantity
            words.append(f"{line.line_id}: {action.value} x{units}")
            if action is SourcingAction.USE_WAREHOUSE:
                sourced[line.line_id] = sourced.get(line.line_id, 0) + units
            elif action is SourcingAction.BUY_FROM_FACTORY:
                buying = checking and any(  # a purchase under way answers for waiting units
                    item.line_id == line.line_id
                    for pending in session.pending(EffectKind.PURCHASE)
                    if pending.reason == "backordered"
                    for item in pending.quantities
                )
                if not buying:
                    session.schedule(
                        EffectKind.PURCHASE,
                        quantities={line.line_id: units},
                        reason="backordered" if checking else "open",
                    )
            elif action is SourcingAction.WAIT_FOR_RESTOCK:
                if not checking:
                    backorders.setdefault(allocation.ready_by, {})[line.line_id] = units
                elif allocation.ready_by != line.restock_eta:
                    session.apply(
                        BackorderUpdated,
                        quantities={line.line_id: units},
                        restock_eta=allocation.ready_by,
                    )
            elif action is SourcingAction.SWITCH_SUPPLIER:
                lines = switches.setdefault(allocation.supplier_id, {})
                lines[line.line_id] = (units, allocation.reason)
            else:
                dropped.setdefault(allocation.reason, {})[line.line_id] = units
    if sourced:
        session.apply(GoodsRestocked if checking else GoodsSourced, quantities=sourced)
    for eta, units_by_line in backorders.items():
        session.apply(GoodsBackordered, quantities=units_by_line, restock_eta=eta)
    for reason, units_by_line in dropped.items():
        session.drop_units(units_by_line, reason)
    for backup_id, lines in switches.items():
        _switch(session, backup_id, lines)
    return "; ".join([*read.notes, "; ".join(words) or "nothing left to source"])


def _switch(
    session: Session,
    backup_id: str,
    lines: Mapping[str, tuple[int, str]],
) -> None:
    """Move ``lines`` (line id: units and why) to new work for backup supplier ``backup_id``:
    cancelled here and, in the same save, an ``open_work`` effect that opens the backup's work
    (so a lost race or a crash never leaves one without the other)."""
    fo = session.fo
    moved: dict[str, int] = {}
    for line_id, (units, reason) in lines.items():
        why = f"switched to backup supplier {backup_id}: {reason}"
        moved.update(session.drop_units({line_id: units}, why, moved=True))
    if not moved:
        return
    opening = session.schedule(EffectKind.OPEN_WORK, quantities=moved, supplier_id=backup_id)
    session.tell_merchant(
        NotificationKind.SUPPLIER_SWITCHED,
        from_supplier=fo.supplier_id,
        to_supplier=backup_id,
        to_fulfillment_order=opened_work_id(fo.id, opening),
        lines=", ".join(f"{line_id} x{units}" for line_id, units in moved.items()),
        reason="; ".join(dict.fromkeys(reason for _, reason in lines.values())),
    )


def opened_work_id(fo_id: str, effect: Effect) -> str:
    """The id of the work an ``open_work`` effect of work ``fo_id`` opens."""
    return effect.work_id or fit_id(f"{fo_id}>{effect.supplier_id}-{base_id(effect.id)}")


def _open_work(setup: Setup, fo: FulfillmentOrder, effect: Effect) -> Flow[Apply]:
    """Open the work an ``open_work`` effect asks for (the same work however often it runs:
    its id, lines and time come from the effect), checked for its supplier."""
    supplier_id = effect.supplier_id or ""
    order = yield from get_order(fo.order_id)
    items = {item.id: item for item in order.line_items}
    target = opened_work_id(fo.id, effect)
    # Lines this work does not hold went to it because no work held them when the edit came:
    # another work opened for them since (the placement, routing them another way) owns them.
    own = {line.line_id for line in fo.lines}
    taken: set[str] = set()
    if any(quantity.line_id not in own for quantity in effect.quantities):
        for other in (yield from ask("repository", "for_order", fo.order_id)):
            if other.id not in (fo.id, target):
                taken.update(line.line_id for line in other.lines)
    lines = []
    for quantity in effect.quantities:
        if quantity.line_id not in own and quantity.line_id in taken:
            continue
        sku = items[quantity.line_id].sku if quantity.line_id in items else None
        entry = setup.catalog.get(sku)
        source = (
            next((s for s in entry.sources if s.supplier_id == supplier_id), None)
            if entry
            else None
        )
        lines.append(
            FulfillmentLine.new(
                quantity.line_id,
                quantity.quantity,
                sku=sku,
                supplier_sku=source.supplier_sku if source else None,
            )
        )
    if not lines:
        return _noted(f"its lines have work already ({', '.join(sorted(taken))})")
    at = next(
        event.at
        for event in fo.history
        if isinstance(event, EffectsScheduled) and any(e.id == effect.id for e in event.effects)
    )
    key = fit_id(f"from:{fo.id}/{base_id(effect.id)}", 200)  # room for "#2"... after it

    def opening(work_id: str, lines: list[FulfillmentLine]) -> FulfillmentOrder:
        work = FulfillmentOrder.open(
            work_id, order_id=fo.order_id, supplier_id=supplier_id, lines=lines, at=at, key=key
        )
        opened = Session(setup, work, key, at)
        opened.keys.next()  # the opening holds the key itself
        check = check_order(
            order,
            setup.catalog,
            setup.suppliers.get(supplier_id),
            line_ids=[line.line_id for line in lines],
        )
        place_holds(opened, check.holds)  # the new supplier's own data check
        opened.finish()
        return work

    work = opening(target, lines)
    said = f"opened {work.id}"
    try:
        yield from ask("repository", "add", work)
    except ConcurrencyError:
        stored = yield from get_work(work.id)
        if stored.history[0] != work.history[0]:
            placed = (stored.order_id, stored.supplier_id) == (fo.order_id, supplier_id)
            if not (effect.work_id and placed):
                raise  # another work under this id: never drop the units silently
            # The order's placement opened it, routing the order its own way: the lines it
            # holds are its; the rest (no other work holds them) get work of their own.
            held: set[str] = set()
            for other in (yield from ask("repository", "for_order", fo.order_id)):
                if other.id != fo.id:
                    held.update(line.line_id for line in other.lines)
            rest = [line for line in lines if line.line_id not in held]
            said = f"{work.id} was opened by the order's placement"
            work = stored
            if rest:
                alias = opening(fit_id(f"{fo.id}>{supplier_id}-{base_id(effect.id)}"), rest)
                try:
                    yield from ask("repository", "add", alias)
                except ConcurrencyError:
                    again = yield from get_work(alias.id)
                    if again.history[0] != alias.history[0]:
                        raise
                work = alias
                said += f"; the lines it lacks went to {alias.id}"

    def apply(session: Session) -> str | None:
        session.opened.append(work.id)
        return said

    return apply


def _purchase(fo: FulfillmentOrder, effect: Effect, key: str) -> Flow[Apply]:
    (item,) = effect.quantities
    line = fo.line(item.line_id)
    backordered = effect.reason == "backordered"
    have = waiting_for_restock(fo).get(item.line_id, 0) if backordered else line.open
    if have < item.quantity or fo.is_terminal:
        return _noted(f"not bought: line {item.line_id} has {have} to buy for")
    confirmation = yield from ask(
        "supplier",
        "purchase",
        fo.id,
        line.supplier_sku,
        item.quantity,
        reference=key,
        supplier_id=fo.supplier_id,
    )

    def apply(session: Session) -> str | None:
        said = f"purchase {confirmation.purchase_id} ready by {confirmation.ready_by}"
        if backordered:
            units = min(item.quantity, waiting_for_restock(session.fo).get(item.line_id, 0))
            cls: type = BackorderUpdated
        else:
            units = min(item.quantity, session.fo.line(item.line_id).open)
            cls = GoodsBackordered
        if not units:
            return f"{said}: no units are left to wait for it"
        if not session.fo.can("backorder" if not backordered else "restock") or session.fo.holds:
            raise WaitError(f"{said}: the work is {session.fo.status}; recorded once it may be")
        session.apply(
            cls,
            quantities={item.line_id: units},
            restock_eta=confirmation.ready_by,
            purchase_id=confirmation.purchase_id,
        )
        return said

    return apply


def _receive(effect: Effect) -> Apply:
    """Goods that arrived while the work was held: recorded once it may take them."""

    def apply(session: Session) -> str | None:
        units = purchase_units(session.fo, effect.purchase_id or "")
        if not units:
            return f"purchase {effect.purchase_id}: nothing left waiting for it"
        session.apply(GoodsRestocked, quantities=units, purchase_id=effect.purchase_id)
        return f"purchase {effect.purchase_id} received"

    return apply


def _ship(setup: Setup, fo: FulfillmentOrder, effect: Effect) -> Flow[Apply]:
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
    if not items or fo.holds:
        return _noted("nothing to ship now")
    order = yield from get_order(fo.order_id)
    plan = plan_parcels(
        items,
        setup.packing_limits,
        inserts=setup.policy.inserts,
        supported=supplier.supported_inserts,
    )
    bought: list[tuple[str, tuple[LineQuantity, ...], Label]] = []
    asked: list[str] = []
    try:
        yield from _buy_labels(setup, fo, effect, order, plan.parcels, bought=bought, asked=asked)
    except FulfillmentError as error:
        # What the attempt paid for, and what it asked for and got no answer about: recorded
        # with the failure, so that whatever the effect ends up not using is voided or told.
        error.labels = [label for _, _, label in bought]  # type: ignore[attr-defined]
        answered = {shipment_id for shipment_id, _, _ in bought}
        unsure = isinstance(error, AdapterError) and error.retryable  # a refusal issued none
        error.unanswered = [  # type: ignore[attr-defined]
            shipment_id for shipment_id in asked if unsure and shipment_id not in answered
        ]
        raise

    def apply(session: Session) -> str | None:
        numbers = ", ".join(label.tracking_number for _, _, label in bought)
        if session.fo.request_status is RequestStatus.CANCELLATION_REQUESTED:
            # A cancellation was asked while the labels were bought: nothing leaves before the
            # supplier answers (the parcel is planned again after, with a new label).
            raise UnusedLabelsError(bought)
        try:
            if session.fo.status is not WorkStatus.PACKED:
                session.apply(GoodsPacked)
            for shipment_id, parcel_items, label in bought:
                dispatch(session, shipment_id, parcel_items, label)
        except FulfillmentError:
            # The work moved on (cancelled, held) after the labels were bought: void them.
            raise UnusedLabelsError(bought) from None
        return f"{len(bought)} parcel(s): {numbers}"

    apply.labels = [label for _, _, label in bought]  # type: ignore[attr-defined]
    return apply


def bought_labels(result: Apply | None) -> list[Label]:
    """The labels an effect's port calls bought (only a ``ship`` buys any)."""
    return list(getattr(result, "labels", ()))


def _buy_labels(
    setup: Setup,
    fo: FulfillmentOrder,
    effect: Effect,
    order: Order,
    parcels: Sequence[Parcel],
    *,
    bought: list[tuple[str, tuple[LineQuantity, ...], Label]],
    asked: list[str],
) -> Flow[None]:
    """Quote and buy a label for each parcel, adding each to ``bought`` as it is paid for
    (and its shipment id to ``asked`` just before asking)."""
    supplier = setup.suppliers[fo.supplier_id]
    # The effect and the address in the id: a later parcel (other goods), or this one after
    # the address changed (even when the change's flow crashed and cannot tell), never reuses
    # a label bought for this one.
    to = _fingerprint(order.shipping_address)
    for number, parcel in enumerate(parcels, start=1):
        shipment_id = fit_id(f"{fo.id}/{effect.id}/p{number}-{to}")
        request = ParcelRequest(
            shipment_id, supplier.country, order.shipping_address, parcel.grams or 0, parcel.units
        )
        quotes = yield from ask("carrier", "quote", request)
        choice = choose_service(quotes, setup.policy)
        asked.append(shipment_id)
        label = yield from ask("carrier", "buy_label", request, choice.quote)
        if not isinstance(label, Label):
            raise TypeError(f"carrier.buy_label returned {label!r}, not a Label")
        bought.append((shipment_id, parcel.items, label))


@functools.lru_cache(maxsize=4096)  # a pure function of a frozen value; worked out per parcel
def _fingerprint(address: Address | None) -> str:
    """Eight hex digits that change when any field of ``address`` does (stable across
    processes)."""
    return _digest(json.dumps(None if address is None else to_dict(address), sort_keys=True), 4)


def _digest(text: str, size: int) -> str:
    return hashlib.blake2b(text.encode(), digest_size=size).hexdigest()


class WaitError(FulfillmentError):
    """The result cannot be applied yet (the work is held): the effect stays pending, and its
    idempotent call is made again, with the same answer, once the work may take it."""


class UnusedLabelsError(FulfillmentError):
    """Labels bought for parcels that cannot go: the caller voids them."""

    def __init__(self, bought: list[tuple[str, tuple[LineQuantity, ...], Label]]) -> None:
        self.labels = [label for _, _, label in bought]
        self.shipment_ids = [shipment_id for shipment_id, _, _ in bought]
        super().__init__(f"{len(self.labels)} label(s) bought for parcels that cannot go")


def _cancel(effect: Effect) -> Apply:
    quantities = {item.line_id: item.quantity for item in effect.quantities}

    def apply(session: Session) -> str | None:
        if awaits_answer(session.fo):
            raise WaitError("waits for the supplier's answer")
        before = session.fo.totals.cancelled
        cancel_units(session, quantities, effect.reason)
        if session.fo.request_status is RequestStatus.CANCELLATION_REQUESTED:
            return "asked the supplier"
        return f"{session.fo.totals.cancelled - before} unit(s) cancelled"

    return apply


def _ask_to_cancel(fo: FulfillmentOrder, effect: Effect, key: str) -> Flow[CancellationAnswer]:
    answer = yield from ask(
        "supplier",
        "request_cancellation",
        fo.id,
        effect.quantities,
        key=key,
        supplier_id=fo.supplier_id,
    )
    if not isinstance(answer, CancellationAnswer):
        raise TypeError(f"supplier.request_cancellation returned {answer!r}, not an answer")
    return answer


def _withdraw(fo: FulfillmentOrder, effect: Effect, key: str) -> Flow[Apply]:
    if effect.id.startswith("again:"):  # a repeat: only if the try before found no request
        family = _family(effect.id)
        tries = [
            e.id for e in fo.effects if e.kind is EffectKind.WITHDRAW and _family(e.id) == family
        ]
        before = tries[: tries.index(effect.id)]
        if any(_ending(fo, effect_id) is None for effect_id in before):

            def later(session: Session) -> str | None:
                raise WaitError(f"waits for the tries of {family} before it")

            return later
        ended = _ending(fo, before[-1]) if before else _NEVER_HAD
        if ended != _NEVER_HAD:
            return _noted(f"not needed: {before[-1]} ended ({ended or 'failed'})")
        key = fit_id(f"{fo.id}/{family}")  # the first's key: what went through is not redone
    try:
        answer = yield from _ask_to_cancel(fo, effect, key)
    except NotFoundError:
        return _not_found(fo, effect)

    def apply(session: Session) -> str | None:
        again = withdraw_again(session, but=effect.id)  # it has the request: misses go again
        if answer.accepted:
            return "the supplier dropped the units" + (f"; {again}" if again else "")
        session.tell_merchant(
            NotificationKind.ACTION_REQUIRED,
            effect=effect.id,
            message=(
                f"the supplier refused to drop units the service cancelled"
                f" ({effect.reason}): {answer.reason}; it may still ship them"
            ),
        )
        return f"the supplier refused: {answer.reason}"

    return apply


def _not_found(fo: FulfillmentOrder, effect: Effect) -> Apply:
    """The supplier does not know the request units are withdrawn from."""
    if fo.request_status is RequestStatus.SUBMITTED:
        # Not there yet: the request is sent (again, with its first lines) before this is
        # asked again, so the units come off the request the supplier keeps.
        def later(session: Session) -> str | None:
            raise WaitError("waits for the request to reach the supplier")

        return later
    if not fo.attempts(effect.id):
        # A request another worker was sending may land in a moment: ask once more, later.
        raise RetryableAdapterError(
            "supplier", "request_cancellation", "the supplier does not know the request yet"
        )
    if not fo.work_started:
        return _noted(_NEVER_HAD)

    def odd(session: Session) -> str | None:
        session.tell_merchant(
            NotificationKind.ACTION_REQUIRED,
            effect=effect.id,
            message=(
                f"the supplier does not know the request it accepted, so units the service"
                f" cancelled ({effect.reason}) could not be withdrawn: check with it"
            ),
        )
        return "the supplier does not know the request"

    return odd


def _request_cancellation(fo: FulfillmentOrder, effect: Effect, key: str) -> Flow[Apply]:
    if fo.request_status is not RequestStatus.CANCELLATION_REQUESTED:
        return _noted("not asked: no cancellation awaits an answer")
    answer = yield from _ask_to_cancel(fo, effect, key)

    def apply(session: Session) -> str | None:
        if session.fo.request_status is not RequestStatus.CANCELLATION_REQUESTED:
            return "the cancellation request was answered already"
        if not answer.accepted:
            session.apply(CancellationRejected, reason=answer.reason or "no reason given")
            return f"refused: {answer.reason}"
        reason = last_request_reason(session.fo)
        if not session.fo.can("accept_cancellation"):
            # The parcel left before the answer came: nothing can be cancelled any more.
            session.apply(CancellationRejected, reason="the parcel left before the answer")
            return "overtaken: the parcel left first"
        cancelled = cancelling(session, CancellationAccepted)
        if cancelled:
            session.schedule(
                EffectKind.REPORT_CANCELLATION,
                quantities=cancelled,
                reason=reason or "cancelled as requested",
            )
        return f"accepted: {sum(cancelled.values())} unit(s) cancelled"

    return apply
