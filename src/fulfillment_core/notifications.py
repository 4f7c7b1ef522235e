"""Who should be told what: domain events and SLA breaches become :class:`Notification` values.

Over-communication is the rule: every notable change tells someone. Sending is an adapter's job;
this module only decides, purely, honouring the merchant's
:class:`~fulfillment_core.NotificationPreferences` (a channel per audience, per-kind overrides,
muted kinds).

=========================  ==========  ===============================================
event                      audience    kind (context)
=========================  ==========  ===============================================
hold for data placed       merchant    ``data_requested`` (reason, path, message, actor)
hold for a decision        merchant    ``action_required`` (payment, fraud review, stock)
last hold released         merchant    ``hold_released``
units backordered          merchant    ``backordered`` (lines, restock ETA)
restock date moved         merchant    ``backordered`` (lines, the new restock ETA)
units restocked            merchant    ``restocked`` (lines)
factory purchase waiting   nobody      (the usual way of sourcing: nothing to tell)
work cancelled/rejected    merchant    ``cancelled`` (units, reason, suggestion)
cancellation refused       merchant    ``cancellation_rejected`` (reason)
switched to a backup       merchant    ``supplier_switched`` (from, to, lines, reason;
                                       the fulfillment service decides and sends it)
data request overdue       merchant    ``data_request_overdue`` (SLA breach)
processing SLA breached    merchant    ``processing_delayed`` (cause, late by)
shipping SLA breached      merchant    ``shipping_delayed`` (cause, late by, parcel)
parcel returned / lost     merchant    ``returned`` / ``lost``
parcel dispatched          customer    ``shipped`` (carrier, tracking numbers, url)
parcel delayed             customer    ``delayed``
parcel held at customs     customer    ``held_at_customs``
delivery attempt failed    customer    ``delivery_failed``
parcel delivered           customer    ``delivered``
=========================  ==========  ===============================================

A cancellation *request* tells nobody: the merchant made it; its answer is what they hear.
Tracking notifications fire when a parcel's status *changes* to delayed, held or delivered, so
a carrier repeating itself does not repeat the message.
"""

from __future__ import annotations

from collections.abc import Iterable

import pendulum

from ._notice import Notification
from ._validation import Checker, to_datetime
from .exceptions import Problem, ValidationError
from .fulfillment import (
    BackorderUpdated,
    CancellationAccepted,
    CancellationRejected,
    CancellationRequested,
    FulfillmentEvent,
    FulfillmentOrder,
    GoodsBackordered,
    GoodsRestocked,
    HoldPlaced,
    HoldReleased,
    ShipmentDispatched,
    TrackingUpdated,
    WorkCancelled,
    WorkRejected,
)
from .lifecycle import WorkStatus
from .policy import NotificationKind, NotificationPreferences, ShipmentPolicy
from .shipment import LineQuantity, Shipment
from .sla import Breach, DelayKind
from .tracking import TrackingEvent, TrackingStatus, _reduce_checked, is_customs_hold

__all__ = ["Notification", "notifications_for", "notifications_for_breaches"]


def _make(
    kind: NotificationKind,
    fo: FulfillmentOrder,
    at: pendulum.DateTime,
    preferences: NotificationPreferences,
    **context: str,
) -> list[Notification]:
    channel = preferences.channel_for(kind)
    if channel is None:
        return []
    return [
        Notification(
            kind.audience,
            kind,
            channel,
            fo.order_id,
            fo.id,
            at,
            tuple(sorted(context.items())),
        )
    ]


def notifications_for(
    fo: FulfillmentOrder,
    event: FulfillmentEvent,
    preferences: NotificationPreferences | ShipmentPolicy,
) -> tuple[Notification, ...]:
    """What to tell whom about ``event``, one of ``fo``'s applied events (any time after).

    Call it once per event that ``apply`` newly appended (the version grew): an event returned
    for a replayed idempotency key was announced when it was first applied. An event object
    applied more than once (without a key) stands for its latest application.
    """
    preferences = _preferences("notifications_for", preferences, work=(fo, event))
    index = _locate(fo, event)
    if index == 0:
        return ()  # the opening of the work tells nobody
    moment = _Moment(fo, index)
    after = fo  # for the ids every notification carries
    at = event.at
    made: list[Notification] = []
    if isinstance(event, HoldPlaced):
        hold = event.hold
        kind = (
            NotificationKind.ACTION_REQUIRED
            if hold.reason.awaits_decision
            else NotificationKind.DATA_REQUESTED
        )
        made += _make(
            kind,
            after,
            at,
            preferences,
            reason=hold.reason.value,
            path=hold.path,
            message=hold.message,
            actor=hold.actor.value,
        )
    elif isinstance(event, HoldReleased) and moment.after().status is not WorkStatus.ON_HOLD:
        made += _make(NotificationKind.HOLD_RELEASED, after, at, preferences)
    elif (
        isinstance(event, (GoodsBackordered, GoodsRestocked, BackorderUpdated))
        and event.purchase_id
    ):
        pass  # bought at the factory: the usual way of sourcing, nothing to tell
    elif isinstance(event, (GoodsBackordered, BackorderUpdated)):
        eta = event.restock_eta.isoformat() if event.restock_eta else "unknown"
        made += _make(
            NotificationKind.BACKORDERED,
            after,
            at,
            preferences,
            lines=_quantities(event.quantities),
            restock_eta=eta,
        )
    elif isinstance(event, GoodsRestocked):
        made += _make(
            NotificationKind.RESTOCKED, after, at, preferences, lines=_quantities(event.quantities)
        )
    elif isinstance(event, (WorkCancelled, CancellationAccepted, WorkRejected)):
        made += _cancelled(moment, event, preferences)
    elif isinstance(event, CancellationRejected):
        made += _make(
            NotificationKind.CANCELLATION_REJECTED, after, at, preferences, reason=event.reason
        )
    elif isinstance(event, ShipmentDispatched):
        made += _shipped(after, event.shipment, at, preferences)
    elif isinstance(event, TrackingUpdated):
        made += _tracked(moment, event, preferences)
    return tuple(made)


def _quantities(quantities: Iterable[LineQuantity]) -> str:
    return ", ".join(f"{q.line_id} x{q.quantity}" for q in quantities)


def _preferences(
    subject: str,
    preferences: object,
    *,
    work: tuple[object, object] | None = None,
) -> NotificationPreferences:
    """The preferences to honour: given, or the policy's; bad arguments named. ``work`` is the
    ``(fo, event)`` a caller was given, when it takes them."""
    if isinstance(preferences, ShipmentPolicy):
        preferences = preferences.notifications
    if isinstance(preferences, NotificationPreferences) and (
        work is None
        or (isinstance(work[0], FulfillmentOrder) and isinstance(work[1], FulfillmentEvent))
    ):
        return preferences  # the usual case, at once
    check = Checker()
    if work is not None:
        check.instance("fo", work[0], FulfillmentOrder)
        check.instance("event", work[1], FulfillmentEvent)
    check.instance("preferences", preferences, NotificationPreferences)
    check.done(subject)
    assert isinstance(preferences, NotificationPreferences)
    return preferences


def _locate(fo: FulfillmentOrder, event: FulfillmentEvent) -> int:
    """Where ``event`` stands in ``fo``'s history: the very object (its latest application,
    if it was applied more than once), or else the one equal event (an aggregate reloaded
    from storage holds equal events, not the same objects)."""
    history = fo.history
    for index in range(len(history) - 1, -1, -1):  # usually the event just applied: the last
        if history[index] is event:
            return index
    equal = [index for index, earlier in enumerate(history) if earlier == event]
    if len(equal) == 1:
        return equal[0]
    if equal:
        raise ValidationError(
            "notifications_for",
            [
                Problem(
                    "event",
                    f"matches {len(equal)} identical events of {fo.subject}",
                    "pass the event object from fo.history",
                )
            ],
        )
    raise ValidationError(
        "notifications_for",
        [Problem("event", f"is not in {fo.subject}'s history", "pass an event it applied")],
    )


class _Moment:
    """The work just before and just after one event, replayed only when a rule asks."""

    __slots__ = ("fo", "index")

    def __init__(self, fo: FulfillmentOrder, index: int) -> None:
        self.fo = fo
        self.index = index

    def before(self) -> FulfillmentOrder:
        return FulfillmentOrder.replay(self.fo.history[: self.index])

    def after(self) -> FulfillmentOrder:
        if self.index == len(self.fo.history) - 1:
            return self.fo
        return FulfillmentOrder.replay(self.fo.history[: self.index + 1])


def _cancelled(
    moment: _Moment, event: FulfillmentEvent, preferences: NotificationPreferences
) -> list[Notification]:
    after = moment.after()
    if isinstance(event, WorkRejected):
        return _make(
            NotificationKind.CANCELLED,
            after,
            event.at,
            preferences,
            reason=f"the supplier rejected the work: {event.reason}",
            suggestion="route these items to another supplier",
            quantity=str(after.totals.remaining),
        )
    before = moment.before()
    cancelled = after.totals.cancelled - before.totals.cancelled
    reason = event.reason if isinstance(event, WorkCancelled) else _requested_reason(before)
    return _make(
        NotificationKind.CANCELLED,
        after,
        event.at,
        preferences,
        reason=reason or "cancelled as requested",
        suggestion="refund the customer for the cancelled items",
        quantity=str(cancelled),
        all=str(after.status is WorkStatus.CANCELLED).lower(),
    )


def _requested_reason(before: FulfillmentOrder) -> str | None:
    """The reason of the cancellation request an acceptance answers."""
    for event in reversed(before.history):
        if isinstance(event, CancellationRequested):
            return event.reason
    return None  # pragma: no cover (an acceptance always answers a request)


def _shipped(
    fo: FulfillmentOrder,
    shipment: Shipment,
    at: pendulum.DateTime,
    preferences: NotificationPreferences,
) -> list[Notification]:
    return _make(
        NotificationKind.SHIPPED,
        fo,
        at,
        preferences,
        carrier=shipment.carrier,
        service=shipment.service,
        tracking_numbers=", ".join(shipment.tracking_numbers),
        tracking_url=shipment.tracking_url or "",
        shipment_id=shipment.id,
    )


_TRACKING_KINDS = {
    TrackingStatus.DELAYED: NotificationKind.DELAYED,
    TrackingStatus.ON_HOLD: NotificationKind.HELD_AT_CUSTOMS,
    TrackingStatus.DELIVERY_FAILED: NotificationKind.DELIVERY_FAILED,
    TrackingStatus.DELIVERED: NotificationKind.DELIVERED,
    TrackingStatus.RETURNED_TO_SENDER: NotificationKind.RETURNED,
    TrackingStatus.LOST: NotificationKind.LOST,
}


def _tracked(
    moment: _Moment, event: TrackingUpdated, preferences: NotificationPreferences
) -> list[Notification]:
    # The parcel's tracking just before and after the event, reduced from its own events only.
    label: pendulum.DateTime | None = None
    shipment: Shipment | None = None
    seen: list[TrackingEvent] = []
    for earlier in moment.fo.history[: moment.index]:
        if isinstance(earlier, ShipmentDispatched) and earlier.shipment.id == event.shipment_id:
            shipment = earlier.shipment
            label = shipment.label_created_at
            seen.extend(shipment.events)
        elif isinstance(earlier, TrackingUpdated) and earlier.shipment_id == event.shipment_id:
            seen.extend(earlier.events)
    # The event was applied, so its parcel was dispatched before it.
    assert shipment is not None
    assert label is not None
    # Applied events hold checked TrackingEvents: reduce them without checking them again.
    old = _reduce_checked(label, seen)
    if moment.index == len(moment.fo.history) - 1:  # just applied: the parcel holds it reduced
        new = next(s for s in moment.fo.shipments if s.id == event.shipment_id).tracking
    else:
        new = _reduce_checked(label, [*seen, *event.events])
    if new.status is old.status:
        return []
    kind = _TRACKING_KINDS.get(new.status)
    if kind is None:
        return []
    if kind is NotificationKind.HELD_AT_CUSTOMS and not is_customs_hold(new):
        kind = NotificationKind.DELAYED  # held for another reason: a delay to the customer
    return _make(
        kind,
        moment.fo,
        event.at,
        preferences,
        shipment_id=shipment.id,
        tracking_numbers=", ".join(shipment.tracking_numbers),
        incident=new.incident or "",
    )


_BREACH_KINDS = {
    DelayKind.PROCESSING: NotificationKind.PROCESSING_DELAYED,
    DelayKind.SHIPPING: NotificationKind.SHIPPING_DELAYED,
    DelayKind.DATA_REQUEST: NotificationKind.DATA_REQUEST_OVERDUE,
}


def notifications_for_breaches(
    breaches: Iterable[Breach],
    preferences: NotificationPreferences | ShipmentPolicy,
    *,
    at: pendulum.DateTime,
) -> tuple[Notification, ...]:
    """Tell the merchant about every SLA breach, processing and shipping apart.

    A monitor run on every tick finds the same breaches again: send the result once per breach
    (for example per ``(fulfillment_order_id, kind, shipment_id)``) or only when
    ``late_by_days`` grew.
    """
    breaches = tuple(breaches)
    check = Checker()
    check.sequence("breaches", breaches, Breach)
    check.datetime("at", to_datetime(at))
    check.done("notifications_for_breaches")
    at = to_datetime(at)
    preferences = _preferences("notifications_for_breaches", preferences)
    made: list[Notification] = []
    for breach in breaches:
        kind = _BREACH_KINDS[breach.kind]
        channel = preferences.channel_for(kind)
        if channel is None:
            continue
        context = {
            "cause": breach.cause.value,
            "late_by_days": str(breach.late_by_days),
            "since": breach.since.isoformat(),
        }
        if breach.shipment_id:
            context["shipment_id"] = breach.shipment_id
        made.append(
            Notification(
                kind.audience,
                kind,
                channel,
                breach.order_id,
                breach.fulfillment_order_id,
                at,
                tuple(sorted(context.items())),
            )
        )
    return tuple(made)
