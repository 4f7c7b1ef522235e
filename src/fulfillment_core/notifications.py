"""Who should be told what: domain events and SLA breaches become :class:`Notification` values.

Over-communication is the rule: every notable change tells someone. Sending is an adapter's job;
this module only decides, purely, honouring the merchant's
:class:`~fulfillment_core.NotificationPreferences` (a channel per audience, per-kind overrides,
muted kinds).

========================  ==========  ==================================================
event                     audience    kind (context)
========================  ==========  ==================================================
hold placed               merchant    ``data_requested`` (reason, path, message, actor)
last hold released        merchant    ``hold_released``
units backordered         merchant    ``backordered`` (quantities, restock ETA)
work cancelled/rejected   merchant    ``cancelled`` (reason, suggestion)
processing SLA breached   merchant    ``processing_delayed`` (cause, late by)
shipping SLA breached     merchant    ``shipping_delayed`` (cause, late by, parcel)
parcel dispatched         customer    ``shipped`` (carrier, tracking numbers, url)
parcel delayed            customer    ``delayed``
parcel held at customs    customer    ``held_at_customs``
parcel delivered          customer    ``delivered``
========================  ==========  ==================================================

Tracking notifications fire when a parcel's status *changes* to delayed, held or delivered, so
a carrier repeating itself does not repeat the message.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import pendulum

from .exceptions import Problem, ValidationError
from .fulfillment import (
    CancellationAccepted,
    FulfillmentEvent,
    FulfillmentOrder,
    GoodsBackordered,
    HoldPlaced,
    HoldReleased,
    ShipmentDispatched,
    TrackingUpdated,
    WorkCancelled,
    WorkRejected,
)
from .lifecycle import WorkStatus
from .policy import Audience, Channel, NotificationKind, NotificationPreferences
from .shipment import Shipment
from .sla import Breach, DelayKind
from .tracking import TrackingEvent, TrackingState, TrackingStatus, reduce_tracking

__all__ = ["Notification", "notifications_for", "notifications_for_breaches"]


@attrs.frozen
class Notification:
    """Tell ``audience`` about ``kind`` on ``channel``; ``context`` holds the details as sorted
    ``(name, text)`` pairs that a template can use."""

    audience: Audience
    kind: NotificationKind
    channel: Channel
    order_id: str
    fulfillment_order_id: str
    at: pendulum.DateTime
    context: tuple[tuple[str, str], ...] = ()

    def detail(self, name: str) -> str | None:
        for key, value in self.context:
            if key == name:
                return value
        return None


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
    preferences: NotificationPreferences,
) -> tuple[Notification, ...]:
    """What to tell whom about ``event``, one of ``fo``'s applied events (any time after)."""
    fo = _as_of(fo, event)
    at = event.at
    made: list[Notification] = []
    if isinstance(event, HoldPlaced):
        hold = event.hold
        made += _make(
            NotificationKind.DATA_REQUESTED,
            fo,
            at,
            preferences,
            reason=hold.reason.value,
            path=hold.path,
            message=hold.message,
            actor=hold.actor.value,
        )
    elif isinstance(event, HoldReleased) and fo.status is not WorkStatus.ON_HOLD:
        made += _make(NotificationKind.HOLD_RELEASED, fo, at, preferences)
    elif isinstance(event, GoodsBackordered):
        eta = event.restock_eta.isoformat() if event.restock_eta else "unknown"
        quantities = ", ".join(f"{q.line_id} x{q.quantity}" for q in event.quantities)
        made += _make(
            NotificationKind.BACKORDERED, fo, at, preferences, lines=quantities, restock_eta=eta
        )
    elif isinstance(event, (WorkCancelled, CancellationAccepted, WorkRejected)):
        made += _cancelled(fo, event, preferences)
    elif isinstance(event, ShipmentDispatched):
        made += _shipped(fo, event.shipment, at, preferences)
    elif isinstance(event, TrackingUpdated):
        made += _tracked(fo, event, preferences)
    return tuple(made)


def _as_of(fo: FulfillmentOrder, event: FulfillmentEvent) -> FulfillmentOrder:
    """``fo`` as it was right after ``event`` (replayed when later events followed)."""
    if fo.history and fo.history[-1] is event:
        return fo
    for index, earlier in enumerate(fo.history):
        if earlier is event:
            return FulfillmentOrder.replay(fo.history[: index + 1])
    raise ValidationError(
        "notifications_for",
        [Problem("event", f"is not in {fo.subject}'s history", "pass an event it applied")],
    )


def _cancelled(
    fo: FulfillmentOrder, event: FulfillmentEvent, preferences: NotificationPreferences
) -> list[Notification]:
    if isinstance(event, WorkRejected):
        return _make(
            NotificationKind.CANCELLED,
            fo,
            event.at,
            preferences,
            reason=f"the supplier rejected the work: {event.reason}",
            suggestion="route these items to another supplier",
            quantity=str(fo.totals.remaining),
        )
    cancelled = fo.totals.cancelled
    return _make(
        NotificationKind.CANCELLED,
        fo,
        event.at,
        preferences,
        reason="cancelled as requested",
        suggestion="refund the customer for the cancelled items",
        quantity=str(cancelled),
        all=str(fo.status is WorkStatus.CANCELLED).lower(),
    )


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
    TrackingStatus.DELIVERED: NotificationKind.DELIVERED,
}


def _tracked(
    fo: FulfillmentOrder, event: TrackingUpdated, preferences: NotificationPreferences
) -> list[Notification]:
    # The event was applied, so its parcel exists.
    shipment = next(s for s in fo.shipments if s.id == event.shipment_id)
    before = _tracking_until(fo, event, shipment, inclusive=False).status
    after = _tracking_until(fo, event, shipment, inclusive=True)
    if after.status is before:
        return []
    kind = _TRACKING_KINDS.get(after.status)
    if kind is None:
        return []
    if kind is NotificationKind.HELD_AT_CUSTOMS and "customs" not in (after.incident or ""):
        kind = NotificationKind.DELAYED  # held for another reason: a delay to the customer
    return _make(
        kind,
        fo,
        event.at,
        preferences,
        shipment_id=shipment.id,
        tracking_numbers=", ".join(shipment.tracking_numbers),
        incident=after.incident or "",
    )


def _tracking_until(
    fo: FulfillmentOrder, event: TrackingUpdated, shipment: Shipment, *, inclusive: bool
) -> TrackingState:
    """The parcel's tracking just before (or just after) ``event``, read from the history, so
    the answer does not depend on what happened since."""
    seen: list[TrackingEvent] = []
    for earlier in fo.history:
        if earlier is event and not inclusive:
            break
        if isinstance(earlier, ShipmentDispatched) and earlier.shipment.id == shipment.id:
            seen.extend(earlier.shipment.events)
        elif isinstance(earlier, TrackingUpdated) and earlier.shipment_id == shipment.id:
            seen.extend(earlier.events)
        if earlier is event:
            break
    return reduce_tracking(shipment.label_created_at, seen)


def notifications_for_breaches(
    breaches: Iterable[Breach], preferences: NotificationPreferences, *, at: pendulum.DateTime
) -> tuple[Notification, ...]:
    """Tell the merchant about every SLA breach, processing and shipping apart."""
    made: list[Notification] = []
    for breach in breaches:
        kind = (
            NotificationKind.PROCESSING_DELAYED
            if breach.kind is DelayKind.PROCESSING
            else NotificationKind.SHIPPING_DELAYED
        )
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
