"""A parcel's journey: normalized carrier events and the reducer that turns them into a status.

Rules of the shipment tracking lifecycle (everything that decides a parcel's status is here):

1. Statuses are normalized across carriers (as karrio does): ``pending`` (label created),
   ``picked_up``, ``in_transit``, ``on_hold`` (with an incident reason such as customs),
   ``delayed``, ``out_for_delivery``, ``ready_for_pickup``, ``delivery_failed``,
   ``returned_to_sender``, ``delivered``, ``lost``, and ``unknown`` for carrier codes nobody
   mapped.
2. ``delivered``, ``returned_to_sender`` and ``lost`` are terminal and **sticky**: no later event
   moves a parcel back to a moving status. When carriers report conflicting terminal statuses,
   the strongest evidence wins whatever order they arrive in: ``delivered`` over
   ``returned_to_sender`` over ``lost`` (a parcel declared lost, then delivered, was delivered).
   So once delivered, always delivered; the weaker reports are kept as anomalies.
3. Carrier events arrive late, twice and out of order. The status is a function of the *set* of
   events, never of their arrival order: events are applied in carrier-timestamp order
   (same-instant events in lifecycle order), and an exact duplicate is dropped.
4. An event that cannot move the status (one after a terminal status, an ``unknown`` code) is
   kept in the history, with an anomaly, and changes nothing.
5. An event dated before the label was created belongs to an earlier parcel that used the same
   (recycled) tracking number: it is kept with an anomaly and never applied. So an old
   "delivered" cannot deliver a new parcel.
6. ``delivered`` without an earlier ``out_for_delivery`` or ``ready_for_pickup`` is recorded as
   an anomaly (carriers skip scans; it is worth knowing, not worth refusing).

The table below says which status each event may lead to from each status; the reducer
(:func:`reduce_tracking`) is the only code that applies it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

import attrs
import pendulum

from ._machine import Edge, Lifecycle
from ._validation import Checker, to_datetime, to_enum, to_line, to_tuple

__all__ = [
    "TERMINAL_TRACKING_STATUSES",
    "TRACKING_LIFECYCLE",
    "TrackingAnomaly",
    "TrackingEvent",
    "TrackingState",
    "TrackingStatus",
    "is_customs_hold",
    "reduce_tracking",
]


class TrackingStatus(enum.StrEnum):
    PENDING = "pending"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    ON_HOLD = "on_hold"
    DELAYED = "delayed"
    OUT_FOR_DELIVERY = "out_for_delivery"
    READY_FOR_PICKUP = "ready_for_pickup"
    DELIVERY_FAILED = "delivery_failed"
    RETURNED_TO_SENDER = "returned_to_sender"
    DELIVERED = "delivered"
    LOST = "lost"
    UNKNOWN = "unknown"


TERMINAL_TRACKING_STATUSES = frozenset(
    {TrackingStatus.DELIVERED, TrackingStatus.RETURNED_TO_SENDER, TrackingStatus.LOST}
)

#: Same-instant events apply in this order (a scan and its delivery often share a minute).
_RANK = {status: rank for rank, status in enumerate(TrackingStatus)}

# --------------------------------------------------------------------------- the table
# An event's trigger is the status it reports. From every non-terminal status, an event may move
# the parcel to the status it reports (carriers skip scans, parcels bounce between hubs); an
# "unknown" event leads nowhere; terminal statuses have no way out.
_MOVABLE = [s for s in TrackingStatus if s not in TERMINAL_TRACKING_STATUSES]
TRACKING_LIFECYCLE: Lifecycle[TrackingStatus, None] = Lifecycle(
    "shipment tracking",
    TrackingStatus,
    [
        Edge(target.value, source, target)
        for source in _MOVABLE
        if source is not TrackingStatus.UNKNOWN
        for target in TrackingStatus
        if target is not TrackingStatus.UNKNOWN
    ],
    guards={},
)


def _to_status(value: object) -> object:
    return to_enum(TrackingStatus, value)


class TrackingAnomaly(enum.StrEnum):
    """Why an event was kept but not applied, or applied but worth a look."""

    BEFORE_LABEL = "before_label"
    AFTER_TERMINAL = "after_terminal"
    TERMINAL_SUPERSEDED = "terminal_superseded"
    UNMAPPED_CODE = "unmapped_code"
    DELIVERED_WITHOUT_OUT_FOR_DELIVERY = "delivered_without_out_for_delivery"


@attrs.frozen
class TrackingEvent:
    """One normalized carrier event. ``incident`` says why a parcel is held or delayed
    (``"customs"``, ``"weather"``, ``"address_issue"``...), ``raw_code`` what the carrier sent."""

    status: TrackingStatus = attrs.field(converter=_to_status)
    occurred_at: pendulum.DateTime = attrs.field(converter=to_datetime)
    incident: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    location: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    raw_code: str | None = attrs.field(default=None, converter=to_line, kw_only=True)
    description: str | None = attrs.field(default=None, converter=to_line, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.member("status", self.status, TrackingStatus)
        check.datetime("occurred_at", self.occurred_at)
        for name in ("incident", "location", "raw_code", "description"):
            check.text(name, getattr(self, name), required=False, max_length=1000)
        check.done("TrackingEvent")

    def sort_key(self) -> tuple[pendulum.DateTime, int, str, str, str, str]:
        return (
            self.occurred_at,
            _RANK[self.status],
            self.raw_code or "",
            self.location or "",
            self.incident or "",
            self.description or "",
        )


@attrs.frozen
class NotedEvent:
    """An event in a parcel's history, with the anomaly it raised (if any)."""

    event: TrackingEvent
    applied: bool
    anomaly: TrackingAnomaly | None = None


@attrs.frozen
class TrackingState:
    """Where a parcel stands: its status, the incident behind it, and its whole history."""

    status: TrackingStatus = attrs.field(converter=_to_status)
    incident: str | None = attrs.field(default=None, converter=to_line)
    history: tuple[NotedEvent, ...] = attrs.field(default=(), converter=to_tuple)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_TRACKING_STATUSES

    @property
    def anomalies(self) -> tuple[NotedEvent, ...]:
        return tuple(noted for noted in self.history if noted.anomaly is not None)

    @property
    def last_update(self) -> pendulum.DateTime | None:
        applied = [noted.event.occurred_at for noted in self.history if noted.applied]
        return applied[-1] if applied else None

    def delivered_at(self) -> pendulum.DateTime | None:
        for noted in self.history:
            if noted.applied and noted.event.status is TrackingStatus.DELIVERED:
                return noted.event.occurred_at
        return None


#: The state of every parcel the carrier has said nothing about yet (shared: it is frozen).
_LABEL_CREATED = TrackingState(TrackingStatus.PENDING)

#: How strong the evidence of each terminal status is (rule 2).
_STRENGTH = {
    TrackingStatus.LOST: 1,
    TrackingStatus.RETURNED_TO_SENDER: 2,
    TrackingStatus.DELIVERED: 3,
}


def _final_terminal(
    label_created_at: pendulum.DateTime, ordered: Sequence[TrackingEvent]
) -> TrackingEvent | None:
    """The terminal event that decides the parcel's fate: the strongest, the earliest of those."""
    final: TrackingEvent | None = None
    for event in ordered:
        eligible = (
            event.status in TERMINAL_TRACKING_STATUSES and event.occurred_at >= label_created_at
        )
        if eligible and (final is None or _STRENGTH[event.status] > _STRENGTH[final.status]):
            final = event
    return final


def is_customs_hold(state: TrackingState) -> bool:
    """Whether a parcel is held by customs (an ``on_hold`` whose incident mentions customs)."""
    return state.status is TrackingStatus.ON_HOLD and "customs" in (state.incident or "").lower()


_ARRIVAL_SCANS = frozenset({TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.READY_FOR_PICKUP})


def reduce_tracking(
    label_created_at: pendulum.DateTime, events: Iterable[TrackingEvent]
) -> TrackingState:
    """The parcel's state given every event seen so far, in any order, duplicates included.

    Pure: the result depends only on the label time and the *set* of events.
    """
    given = tuple(events)
    check = Checker()
    check.datetime("label_created_at", to_datetime(label_created_at))
    check.sequence("events", given, TrackingEvent)
    check.done("reduce_tracking")
    label_created_at = to_datetime(label_created_at)
    return _reduce_checked(label_created_at, given)


def _reduce_checked(
    label_created_at: pendulum.DateTime, events: Iterable[TrackingEvent]
) -> TrackingState:
    """:func:`reduce_tracking` of events already checked (applied events hold only those)."""
    return _reduce_canonical(label_created_at, sorted(set(events), key=TrackingEvent.sort_key))


def _reduce_canonical(
    label_created_at: pendulum.DateTime, unique: Sequence[TrackingEvent]
) -> TrackingState:
    """:func:`reduce_tracking` of events already checked, without duplicates and in carrier
    order (``TrackingEvent.sort_key``), as a :class:`~fulfillment_core.Shipment` keeps them."""
    if not unique:
        return _LABEL_CREATED
    final = _final_terminal(label_created_at, unique)
    status = TrackingStatus.PENDING
    incident: str | None = None
    history: list[NotedEvent] = []
    seen_arrival_scan = False
    for event in unique:
        anomaly: TrackingAnomaly | None = None
        if event.occurred_at < label_created_at:
            history.append(NotedEvent(event, False, TrackingAnomaly.BEFORE_LABEL))
            continue
        if event.status is TrackingStatus.UNKNOWN:
            history.append(NotedEvent(event, False, TrackingAnomaly.UNMAPPED_CODE))
            continue
        if event.status in TERMINAL_TRACKING_STATUSES and event is not final:
            weaker = final is not None and _STRENGTH[event.status] < _STRENGTH[final.status]
            anomaly = (
                TrackingAnomaly.TERMINAL_SUPERSEDED if weaker else TrackingAnomaly.AFTER_TERMINAL
            )
            history.append(NotedEvent(event, False, anomaly))
            continue
        if not TRACKING_LIFECYCLE.has_edge(status, event.status.value):
            history.append(NotedEvent(event, False, TrackingAnomaly.AFTER_TERMINAL))
            continue
        if event.status is TrackingStatus.DELIVERED and not seen_arrival_scan:
            anomaly = TrackingAnomaly.DELIVERED_WITHOUT_OUT_FOR_DELIVERY
        seen_arrival_scan = seen_arrival_scan or event.status in _ARRIVAL_SCANS
        status = event.status
        incident = event.incident
        history.append(NotedEvent(event, True, anomaly))
    return TrackingState(status, incident, tuple(history))
