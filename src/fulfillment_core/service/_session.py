"""One change to one work: the events applied, the effects it calls for, what to note.

A :class:`Session` wraps the aggregate for one attempt. Flows apply events through it (each
keyed from the message's or the effect's key), schedule effects, and end it with
:meth:`Session.finish`, which works out what the change calls for next (notifications, the
request, sourcing, a label, the holds shown on the storefront) and records it all in the outbox.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import pendulum

from fulfillment_core._notice import Notification
from fulfillment_core._notice import keyed as with_key
from fulfillment_core.calendar import BusinessCalendar
from fulfillment_core.catalog import SupplierCatalog
from fulfillment_core.exceptions import AdapterError, FulfillmentError
from fulfillment_core.fulfillment import (
    BackorderUpdated,
    CancellationAccepted,
    CancellationRequested,
    EffectCompleted,
    EffectFailed,
    EffectsScheduled,
    FulfillmentEvent,
    FulfillmentOrder,
    GoodsBackordered,
    GoodsRestocked,
    HoldPlaced,
    MessageNoted,
    RequestSubmitted,
    ShipmentDispatched,
    WorkCancelled,
)
from fulfillment_core.holds import Actor, Hold, HoldReason
from fulfillment_core.lifecycle import RequestStatus, WorkStatus
from fulfillment_core.notifications import notifications_for
from fulfillment_core.outbox import SUPPLIER_OR_CARRIER_KINDS, Effect, EffectKind
from fulfillment_core.packing import PackingLimits, ready_to_ship
from fulfillment_core.policy import NotificationKind, ShipmentPolicy
from fulfillment_core.ports import Label
from fulfillment_core.shipment import LineQuantity, Shipment
from fulfillment_core.supplier import Supplier

__all__ = ["OUTBOX_PATH", "Session", "Setup", "note_text", "waiting_for_restock"]

#: Where a hold for a failed effect points: ``outbox.<effect id>``.
OUTBOX_PATH = "outbox."

#: Events about the outbox and the messages themselves: they tell nobody anything.
_BOOKKEEPING = (EffectsScheduled, EffectCompleted, EffectFailed, MessageNoted)

_NOTE_LIMIT = 2000


def fit_id(text: str, limit: int = 255) -> str:
    """``text`` as an id or key the values take (at most ``limit`` characters): itself when it
    fits, else its start and a digest of the whole (stable across processes, and distinct)."""
    if len(text) <= limit:
        return text
    digest = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
    return f"{text[: limit - len(digest) - 1]}+{digest}"  # not "~": that marks a retry


def _effect_id(text: str) -> str:
    """An effect id named after something (a parcel, a message key) that fits the keys built
    from it (``fx:<effect id>:<attempt>#2``)."""
    return fit_id(text, 180)


#: How the id of an effect that continues another (and takes no number) starts.
_CONTINUED = "then:"


def continued(effect_id: str, what: str) -> str:
    """The id of the effect that does ``what`` in place of a part of effect ``effect_id``
    (``then:source:e1-submit_request``): such an effect takes no number, so whether it was
    needed does not change the ids of the effects numbered after it."""
    return _effect_id(f"{_CONTINUED}{what}:{effect_id}")


def named(*parts: str) -> str:
    """An effect id made of names from outside (a tick's key, a parcel's id), joined by ``:``.
    ``~`` marks a retry in effect ids (``base_id``), so it is kept out of them."""
    return ":".join(part.replace("~", "-") for part in parts)


def base_id(effect_id: str) -> str:
    """The id of the effect ``effect_id`` retries (``e3-purchase~1`` retries ``e3-purchase``):
    the port calls of a retry keep its idempotency keys, so a call that went through before is
    not made twice."""
    return effect_id.partition("~")[0]


def note_text(text: str) -> str:
    """``text`` as an event may hold it: one line, at most 2,000 characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _NOTE_LIMIT else flat[: _NOTE_LIMIT - 1] + "…"


@attrs.frozen
class Setup:
    """The shop the service works for, checked once."""

    policy: ShipmentPolicy
    catalog: SupplierCatalog
    suppliers: Mapping[str, Supplier]
    calendars: Mapping[str, BusinessCalendar]
    buys_labels: bool
    packing_limits: PackingLimits
    max_conflict_retries: int
    max_attempts: int
    #: Whether the repository tells each unsettled work's version (``ActiveVersions``).
    knows_versions: bool = False


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


def is_data_hold(hold: Hold) -> bool:
    """Holds the data check places (and a data update may release)."""
    return hold.reason is not HoldReason.OUT_OF_STOCK and not hold.path.startswith(OUTBOX_PATH)


def waiting_for_restock(fo: FulfillmentOrder) -> dict[str, int]:
    """Backordered units per line that wait for a supplier restock (not a factory purchase)."""
    if not fo.totals.backordered:
        return {}
    bought: dict[str, int] = {}
    for event in fo.history:
        if isinstance(event, (GoodsBackordered, BackorderUpdated)) and event.purchase_id:
            for item in event.quantities:
                bought[item.line_id] = bought.get(item.line_id, 0) + item.quantity
        elif isinstance(event, GoodsRestocked) and event.purchase_id:
            for item in event.quantities:
                bought[item.line_id] = bought.get(item.line_id, 0) - item.quantity
    waiting = {}
    for line in fo.lines:
        on_purchase = min(line.backordered, max(bought.get(line.line_id, 0), 0))
        if line.backordered - on_purchase:
            waiting[line.line_id] = line.backordered - on_purchase
    return waiting


def purchase_units(fo: FulfillmentOrder, purchase_id: str) -> dict[str, int] | None:
    """The units waiting for factory purchase ``purchase_id`` (``None``: not its purchase)."""
    found = False
    units: dict[str, int] = {}
    for event in fo.history:
        if isinstance(event, (GoodsBackordered, BackorderUpdated)) and (
            event.purchase_id == purchase_id
        ):
            found = True
            for item in event.quantities:
                units[item.line_id] = units.get(item.line_id, 0) + item.quantity
        elif isinstance(event, GoodsRestocked) and event.purchase_id == purchase_id:
            for item in event.quantities:
                units[item.line_id] = units.get(item.line_id, 0) - item.quantity
    if not found:
        return None
    return {
        line_id: min(quantity, fo.line(line_id).backordered)
        for line_id, quantity in units.items()
        if min(quantity, fo.line(line_id).backordered) > 0
    }


class Session:
    """One attempt at changing one work. It works on the aggregate it is given: hand it a copy
    when the attempt may have to be thrown away."""

    def __init__(self, setup: Setup, fo: FulfillmentOrder, key: str, now: pendulum.DateTime):
        self.setup = setup
        self.fo = fo
        self.keys = _Keys(key)
        self.now = now
        self.applied: list[FulfillmentEvent] = []
        self.effects: list[Effect] = []
        self.notes: list[str] = []
        #: Ids of work this session's effects opened (the flow carries out their effects too).
        self.opened: list[str] = []
        #: Applied events that tell nobody by the usual rules (the service says it otherwise).
        self.silent: list[FulfillmentEvent] = []
        #: Shipment ids whose labels this session's result knows (bought, used or voided).
        self.answered: set[str] = set()
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
            scheduled = [
                effect
                for event in self.fo.history
                if isinstance(event, EffectsScheduled)
                for effect in event.effects
            ]
            self._effect_count = sum(
                1 for effect in (*scheduled, *self.effects) if not effect.id.startswith(_CONTINUED)
            )
        self._effect_count += 1
        return self._effect_count

    def schedule(self, kind: EffectKind, *, id: str | None = None, **payload: Any) -> Effect:
        effect_id = _effect_id(id) if id else f"e{self._next_effect_number()}-{kind.value}"
        effect = Effect(effect_id, kind, **payload)
        self.effects.append(effect)
        return effect

    def notify(self, notification: Notification, *, id: str | None = None) -> None:
        effect_id = _effect_id(id) if id else f"e{self._next_effect_number()}-notify"
        keyed = with_key(notification, fit_id(f"{self.fo.id}/{effect_id}"))
        self.effects.append(Effect(effect_id, EffectKind.NOTIFY, notification=keyed))

    def tell_merchant(self, kind: NotificationKind, **context: str) -> None:
        """Notify the merchant of something the usual rules do not cover."""
        channel = self.setup.policy.notifications.channel_for(kind)
        if channel is None:
            return
        self.notify(
            Notification(
                "merchant",
                kind,
                channel,
                self.fo.order_id,
                self.fo.id,
                self.now,
                tuple(sorted((name, note_text(text)) for name, text in context.items())),
            )
        )

    def known_effect(self, effect_id: str) -> bool:
        effect_id = _effect_id(effect_id)
        return any(e.id == effect_id for e in (*self.fo.effects, *self.effects))

    def pending(self, kind: EffectKind) -> list[Effect]:
        return [e for e in (*self.fo.outbox, *self.effects) if e.kind is kind]

    def note(self, text: str) -> None:
        self.notes.append(f"{self.fo.id}: {text}")

    # ------------------------------------------------------------------ follow-ups

    def finish(self) -> None:
        """Schedule what the applied events call for, then record the effects in one event."""
        fo, setup = self.fo, self.setup
        for event in list(self.applied):
            if isinstance(event, _BOOKKEEPING) or any(event is quiet for quiet in self.silent):
                continue
            for notification in notifications_for(fo, event, setup.policy):
                self.notify(notification)
        waiting_on_supplier = fo.request_status is RequestStatus.CANCELLATION_REQUESTED
        if (
            fo.status is WorkStatus.PENDING
            and fo.request_status is RequestStatus.UNSUBMITTED
            and not fo.holds
        ):
            self.apply(RequestSubmitted)
            lines = {line.line_id: line.open for line in fo.lines if line.open}
            self.schedule(EffectKind.SUBMIT_REQUEST, quantities=lines)
        if fo.work_started and fo.can("source") and not waiting_on_supplier:
            self._source_open_units()
        if (
            setup.buys_labels
            and (fo.can("pack") or fo.can("ship"))
            and not fo.holds
            and not waiting_on_supplier
            and not self.pending(EffectKind.SHIP)
        ):
            totals = fo.totals
            waiting = totals.open + totals.backordered
            if totals.in_progress and ready_to_ship(
                setup.policy, ready=totals.in_progress, waiting=waiting
            ):
                self.schedule(EffectKind.SHIP)
        self._close_labels()
        if fo.holds != self._holds_before:
            self.schedule(EffectKind.REPORT_HOLDS, holds=fo.holds)
            self._holds_before = fo.holds
        if self.effects:
            self.apply(EffectsScheduled, effects=tuple(self.effects))
            self.effects = []

    def _close_labels(self) -> None:
        """When an effect closes, what its failed attempts bought or asked for and no parcel
        uses is settled (``leftover_labels``)."""
        closed = {
            event.effect_id
            for event in self.applied
            if isinstance(event, EffectCompleted)
            or (isinstance(event, EffectFailed) and not event.retryable)
        }
        if not closed:
            return
        recorded: dict[str, tuple[list[str], list[str]]] = {}  # effect: labels, unanswered
        for event in self.fo.history:
            if isinstance(event, EffectFailed) and event.effect_id in closed:
                labels, unanswered = recorded.setdefault(event.effect_id, ([], []))
                labels.extend(event.labels)
                unanswered.extend(event.unanswered)
        for effect_id, (labels, unanswered) in recorded.items():
            self.leftover_labels(effect_id, labels, unanswered)

    def leftover_labels(
        self, effect_id: str, labels: Iterable[str], unanswered: Iterable[str]
    ) -> None:
        """Labels effect ``effect_id`` bought (tracking numbers) that no parcel uses are
        voided, once; the merchant is told of label purchases that got no answer (shipment
        ids) for parcels that did not go: the carrier may have issued labels the service
        cannot void, and only its account can say."""
        fo = self.fo
        used = {number for shipment in fo.shipments for number in shipment.tracking_numbers}
        voiding = {
            effect.tracking_number
            for effect in (*fo.effects, *self.effects)
            if effect.kind is EffectKind.VOID_LABEL
        }
        for number in dict.fromkeys(labels):
            if number not in used and number not in voiding:
                self.schedule(EffectKind.VOID_LABEL, tracking_number=number)
        shipped = {shipment.id for shipment in fo.shipments}
        unknown = [
            shipment_id
            for shipment_id in dict.fromkeys(unanswered)
            if shipment_id not in shipped and shipment_id not in self.answered
        ]
        if unknown:
            self.tell_merchant(
                NotificationKind.ACTION_REQUIRED,
                effect=effect_id,
                message=(
                    f"the carrier did not answer a label purchase for {', '.join(unknown)}"
                    " and the parcel will not go: if the carrier's account shows a label for"
                    " it, void it there"
                ),
            )

    def _source_open_units(self) -> None:
        covered: dict[str, int] = {}
        for effect in (*self.pending(EffectKind.SOURCE), *self.pending(EffectKind.PURCHASE)):
            if effect.kind is EffectKind.PURCHASE and effect.reason != "open":
                continue
            for item in effect.quantities:
                covered[item.line_id] = covered.get(item.line_id, 0) + item.quantity
        wanted = {
            line.line_id: line.open - covered.get(line.line_id, 0)
            for line in self.fo.lines
            if line.open > covered.get(line.line_id, 0)
        }
        if wanted:
            self.schedule(EffectKind.SOURCE, quantities=wanted)

    def finish_silently(self, note: str) -> None:
        """End a session that changed nothing, recording its key so a replay is recognised."""
        if not self.applied:
            self.apply(MessageNoted, note=note_text(note))

    # ------------------------------------------------------------------ decisions shared by flows

    def drop_units(
        self,
        quantities: Mapping[str, int],
        reason: str,
        *,
        tell_supplier: bool = True,
        moved: bool = False,
    ) -> dict[str, int]:
        """The service takes units of started work away from the supplier (the stock will not
        come in time, the supplier gave up): cancelled here, and the supplier told
        (``withdraw``) unless it is the one who gave up. Units ``moved`` to a backup supplier
        are not reported to the storefront nor announced as cancelled. Returns what was
        cancelled."""
        if not quantities:
            return {}
        reason = note_text(reason)[:1000]
        self.apply(CancellationRequested, quantities=dict(quantities), reason=reason)
        cancelled = cancelling(self, CancellationAccepted)
        if moved:
            self.silent.append(self.applied[-1])
        elif cancelled:
            self.schedule(EffectKind.REPORT_CANCELLATION, quantities=cancelled, reason=reason)
        if tell_supplier and cancelled:
            self.schedule(EffectKind.WITHDRAW, quantities=cancelled, reason=reason)
        return cancelled

    def fail(self, effect: Effect, error: BaseException) -> None:
        """Record a failed attempt. A failure that retrying cannot mend (or the last allowed
        attempt) closes the effect and holds the work, or tells the merchant."""
        said = note_text(str(error))
        attempts = self.fo.attempts(effect.id) + 1
        retryable = isinstance(error, AdapterError) and error.retryable
        if retryable and attempts >= self.setup.max_attempts:
            retryable = False
            said = note_text(f"gave up after {attempts} attempts: {said}")
        self.apply(
            EffectFailed,
            effect_id=effect.id,
            error=said,
            retryable=retryable,
            labels=tuple(label.tracking_number for label in getattr(error, "labels", ())),
            unanswered=tuple(getattr(error, "unanswered", ())),
        )
        if retryable:
            self.note(f"{effect.id} will be retried: {said}")
            return
        self.note(f"{effect.id} failed for good: {said}")
        if effect.kind is EffectKind.NOTIFY:
            return  # telling someone that telling failed would fail the same way
        message = note_text(
            f"{effect.kind.value} failed and will not be retried by itself: {said};"
            " fix the cause, then send RetryFailedEffects"
        )
        path = f"{OUTBOX_PATH}{effect.id}"
        fo = self.fo
        # Only a step of the work itself (the supplier, the carrier) holds it: holding work
        # because the storefront cannot show a hold would only ask it to show another.
        blocks = effect.kind in SUPPLIER_OR_CARRIER_KINDS
        if blocks and fo.can("hold") and not any(h.path == path for h in fo.holds):
            held = self.apply(
                HoldPlaced, hold=Hold(HoldReason.OTHER, path, Actor.MERCHANT, message)
            )
            self.silent.append(held)  # announced below as the action it asks for
        self.tell_merchant(NotificationKind.ACTION_REQUIRED, effect=effect.id, message=message)


def cancelling(session: Session, cls: type[FulfillmentEvent], **fields: Any) -> dict[str, int]:
    """Apply a cancelling event; return the units it cancelled, by line."""
    before = {line.line_id: line.cancelled for line in session.fo.lines}
    session.apply(cls, **fields)
    return {
        line.line_id: line.cancelled - before[line.line_id]
        for line in session.fo.lines
        if line.cancelled > before[line.line_id]
    }


def awaits_answer(fo: FulfillmentOrder) -> bool:
    """Whether a cancellation must wait: the supplier owes the answer to an earlier one."""
    return fo.request_status is RequestStatus.CANCELLATION_REQUESTED


def cancel_units(session: Session, share: Mapping[str, int] | None, reason: str | None) -> None:
    """Cancel ``share`` of the work (``None``: all of it), or what is left of it now.

    Before the supplier accepted the work, at once; if the request may have reached it (it was
    sent, or is being sent: its reply may be lost, the process may have died after sending), the
    units are also taken off it (``withdraw``, keyed): a request sent again asks for its first
    lines, and the withdrawal waits for it when the supplier does not have it yet. After it
    accepted, by asking it (``request_cancellation``); while it owes the answer to an earlier
    cancellation, by a ``cancel`` effect that waits for that answer.
    """
    fo = session.fo
    if share is not None:  # what is left of it now (the work may have moved since)
        share = {
            line_id: min(units, fo.line(line_id).remaining)
            for line_id, units in share.items()
            if min(units, fo.line(line_id).remaining)
        }
    if fo.is_terminal or not fo.totals.remaining or share == {}:
        session.note(f"it is {fo.status}: nothing of it left to cancel")
        return
    said = reason or "cancelled as requested"
    if awaits_answer(fo):
        units = share or {line.line_id: line.remaining for line in fo.lines if line.remaining}
        session.schedule(EffectKind.CANCEL, quantities=units, reason=said)
        session.note("the supplier owes an answer to a cancellation: this one follows it")
        return
    if not fo.work_started:
        sent = fo.request_status is RequestStatus.SUBMITTED
        cancelled = cancelling(session, WorkCancelled, quantities=share, reason=reason)
        session.schedule(EffectKind.REPORT_CANCELLATION, quantities=cancelled, reason=said)
        if sent and cancelled:
            session.schedule(EffectKind.WITHDRAW, quantities=cancelled, reason=said)
        return
    session.apply(CancellationRequested, quantities=share, reason=reason)
    requested = session.fo.cancellation_requested or ()
    session.schedule(
        EffectKind.REQUEST_CANCELLATION,
        quantities={item.line_id: item.quantity for item in requested},
    )


def place_holds(session: Session, holds: Iterable[Hold]) -> None:
    """Hold the work for each of ``holds`` it is not held for yet (at the same path)."""
    present = {(h.reason, h.path) for h in session.fo.holds}
    for hold in holds:
        if (hold.reason, hold.path) in present:
            continue
        present.add((hold.reason, hold.path))
        if session.fo.can("hold"):
            session.apply(HoldPlaced, hold=hold)
        else:
            session.note(f"it is {session.fo.status}: not held for {hold}")


def dispatch(
    session: Session, shipment_id: str, items: tuple[LineQuantity, ...], label: Label
) -> None:
    """Ship ``items`` under ``label`` as parcel ``shipment_id``, and push it to the storefront."""
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


def last_request_reason(fo: FulfillmentOrder) -> str | None:
    for event in reversed(fo.history):
        if isinstance(event, CancellationRequested):
            return event.reason
    return None


def refusal(error: FulfillmentError) -> str:
    """An error from the core as a note."""
    return note_text(str(error))
