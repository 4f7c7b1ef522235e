"""Service levels: which work is late, by how much, and why.

:func:`sla_breaches` is pure: given fulfillment orders, "now", the merchant's
:class:`~fulfillment_core.SlaThresholds` and each supplier's business calendar, it reports every
breach, keeping **processing** delays (order to parcel leaving, counted in the supplier's
business days) apart from **shipping** delays (parcel leaving to delivery, counted in calendar
days), each with its cause:

* processing, work on hold for missing or wrong data → ``missing_data`` (someone must answer a
  data request);
* processing, work on hold for payment → ``awaiting_payment``; for the merchant's fraud review
  → ``merchant_review``;
* processing, work on hold for stock, or units backordered → ``stock``;
* processing, work never sent to the supplier → ``awaiting_submission``;
* processing otherwise → ``supplier_processing``;
* shipping, parcel held at customs → ``customs_hold``;
* shipping otherwise → ``carrier_delay``.

A third kind, ``data_request``, reports a data request (a hold the merchant or customer must
answer) left unanswered longer than ``merchant_response_days`` business days, before the
processing SLA itself is missed.

Processing time starts when the work was opened (its first event); shipping time when the
parcel's label was created, counted in whole days in UTC. Delivered, returned and lost parcels
are not late any more (lost ones are a different problem, reported by their tracking status).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import pendulum

from ._validation import Checker, describe, to_datetime, to_enum, to_line, to_text
from .calendar import BusinessCalendar
from .exceptions import Problem, ValidationError
from .fulfillment import FulfillmentOrder, HoldPlaced
from .holds import HoldReason
from .lifecycle import PROCESSING_DONE_STATUSES, RequestStatus, WorkStatus
from .policy import ShipmentPolicy, SlaThresholds
from .tracking import is_customs_hold

__all__ = ["Breach", "DelayCause", "DelayKind", "sla_breaches"]


class DelayKind(enum.StrEnum):
    PROCESSING = "processing"
    SHIPPING = "shipping"
    DATA_REQUEST = "data_request"


class DelayCause(enum.StrEnum):
    MISSING_DATA = "missing_data"
    AWAITING_PAYMENT = "awaiting_payment"
    MERCHANT_REVIEW = "merchant_review"
    STOCK = "stock"
    AWAITING_SUBMISSION = "awaiting_submission"
    SUPPLIER_PROCESSING = "supplier_processing"
    CARRIER_DELAY = "carrier_delay"
    CUSTOMS_HOLD = "customs_hold"


def _to_kind(value: object) -> Any:
    return to_enum(DelayKind, value)


def _to_cause(value: object) -> Any:
    return to_enum(DelayCause, value)


@attrs.frozen
class Breach:
    """A service level missed: which work (and parcel), which kind, why, and how late.

    ``late_by_days`` is in the supplier's business days for processing, calendar days for
    shipping; ``since`` is when the clock started.
    """

    fulfillment_order_id: str = attrs.field(converter=to_text)
    order_id: str = attrs.field(converter=to_text)
    kind: DelayKind = attrs.field(converter=_to_kind)
    cause: DelayCause = attrs.field(converter=_to_cause)
    late_by_days: int
    since: pendulum.DateTime = attrs.field(converter=to_datetime)
    shipment_id: str | None = attrs.field(default=None, converter=to_line)

    def __attrs_post_init__(self) -> None:
        check = Checker()
        check.text("fulfillment_order_id", self.fulfillment_order_id, max_length=255)
        check.text("order_id", self.order_id, max_length=255)
        check.member("kind", self.kind, DelayKind)
        check.member("cause", self.cause, DelayCause)
        check.integer("late_by_days", self.late_by_days, minimum=1)
        check.datetime("since", self.since)
        check.text("shipment_id", self.shipment_id, required=False, max_length=255)
        check.done("Breach")


#: The cause a hold that awaits a decision puts on late work; any other hold is missing data.
_HOLD_CAUSES = {
    HoldReason.OUT_OF_STOCK: DelayCause.STOCK,
    HoldReason.AWAITING_PAYMENT: DelayCause.AWAITING_PAYMENT,
    HoldReason.HIGH_RISK_OF_FRAUD: DelayCause.MERCHANT_REVIEW,
}


def sla_breaches(
    fulfillment_orders: Iterable[FulfillmentOrder],
    *,
    now: pendulum.DateTime,
    sla: SlaThresholds | ShipmentPolicy,
    calendars: Mapping[str, BusinessCalendar],
) -> tuple[Breach, ...]:
    """Every breach among ``fulfillment_orders`` at ``now``, in input order; for each piece of
    work: an unanswered data request, then processing, then its parcels.

    ``sla`` may be the thresholds or the whole :class:`~fulfillment_core.ShipmentPolicy`.
    """
    check = Checker()
    check.datetime("now", to_datetime(now))
    if isinstance(sla, ShipmentPolicy):
        sla = sla.sla
    check.instance("sla", sla, SlaThresholds)
    given: object = calendars  # callers do pass lists: say so rather than fail deep inside
    if not isinstance(given, Mapping):
        check.fail(
            "calendars",
            f"must map supplier ids to calendars, got {describe(calendars)}",
            "e.g. {supplier.id: BusinessCalendar.of(supplier)}",
        )
    works = tuple(fulfillment_orders)
    check.sequence("fulfillment_orders", works, FulfillmentOrder)
    check.done("sla_breaches")
    assert isinstance(sla, SlaThresholds)
    now = to_datetime(now)
    breaches: list[Breach] = []
    for fo in works:
        calendar = calendars.get(fo.supplier_id)
        if calendar is None:
            raise ValidationError(
                "sla_breaches",
                [
                    Problem(
                        "calendars",
                        f"has no calendar for supplier {fo.supplier_id!r}",
                        "pass BusinessCalendar.of(supplier) for every supplier",
                    )
                ],
            )
        breaches.extend(_work_breaches(fo, now, sla, calendar))
    return tuple(breaches)


def _work_breaches(
    fo: FulfillmentOrder, now: pendulum.DateTime, sla: SlaThresholds, calendar: BusinessCalendar
) -> list[Breach]:
    """:func:`sla_breaches` of one piece of work, with arguments already checked (``now`` in
    UTC, ``calendar`` its supplier's): what the service's tick asks of every work in flight."""
    breaches: list[Breach] = []
    request = _data_request_breach(fo, now, sla, calendar)
    if request is not None:
        breaches.append(request)
    processing = _processing_breach(fo, now, sla, calendar)
    if processing is not None:
        breaches.append(processing)
    breaches.extend(_shipping_breaches(fo, now, sla))
    return breaches


def _breach_moments(
    fo: FulfillmentOrder, sla: SlaThresholds, calendar: BusinessCalendar
) -> list[tuple[DelayKind, str | None, pendulum.DateTime]]:
    """When each breach :func:`_work_breaches` can report for the work *as it is* begins to be
    reported (its kind, its shipment id for a parcel's, the first instant), whether it has
    begun or not: it reports a breach from that instant on until the work changes. A tick that
    found nothing to do for a work knows from these until when it will find nothing."""
    moments: list[tuple[DelayKind, str | None, pendulum.DateTime]] = []
    asked = _data_requested_at(fo)
    if asked is not None:
        since = calendar._first_instant_past(asked, sla.merchant_response_days)
        moments.append((DelayKind.DATA_REQUEST, None, since))
    if fo.status not in PROCESSING_DONE_STATUSES:
        since = calendar._first_instant_past(fo.history[0].at, sla.processing_days)
        moments.append((DelayKind.PROCESSING, None, since))
    for shipment in fo.shipments:
        if not shipment.tracking.is_terminal:
            # Reported once the UTC date is more than ``shipping_days`` after the label's.
            first = shipment.label_created_at.toordinal() + sla.shipping_days + 1
            day = dt.date.fromordinal(first)
            since = pendulum.DateTime(day.year, day.month, day.day, tzinfo=pendulum.UTC)
            moments.append((DelayKind.SHIPPING, shipment.id, since))
    return moments


def _processing_breach(
    fo: FulfillmentOrder, now: pendulum.DateTime, sla: SlaThresholds, calendar: BusinessCalendar
) -> Breach | None:
    if fo.status in PROCESSING_DONE_STATUSES:
        return None
    started = fo.history[0].at
    elapsed = calendar.business_days_between(started, now)
    if elapsed <= sla.processing_days:
        return None
    if fo.status is WorkStatus.ON_HOLD:
        # The first hold's cause: the one that has held the work the longest.
        cause = _HOLD_CAUSES.get(fo.holds[0].reason, DelayCause.MISSING_DATA)
    elif fo.totals.backordered:
        cause = DelayCause.STOCK
    elif not fo.work_started and fo.request_status is RequestStatus.UNSUBMITTED:
        cause = DelayCause.AWAITING_SUBMISSION
    else:
        cause = DelayCause.SUPPLIER_PROCESSING
    return Breach(
        fo.id, fo.order_id, DelayKind.PROCESSING, cause, elapsed - sla.processing_days, started
    )


def _data_requested_at(fo: FulfillmentOrder) -> pendulum.DateTime | None:
    """When the longest-waiting open data request (a hold someone must answer) was made."""
    if fo.status is not WorkStatus.ON_HOLD:
        return None
    waiting = {hold for hold in fo.holds if hold.reason not in _HOLD_CAUSES}
    asked: pendulum.DateTime | None = None
    for event in reversed(fo.history):
        if isinstance(event, HoldPlaced) and event.hold in waiting:
            waiting.discard(event.hold)  # its latest placement: the request still open
            asked = event.at
        if not waiting:
            break
    return asked


def _data_request_breach(
    fo: FulfillmentOrder, now: pendulum.DateTime, sla: SlaThresholds, calendar: BusinessCalendar
) -> Breach | None:
    """A data hold (someone must answer) unanswered for longer than the merchant may take."""
    asked = _data_requested_at(fo)
    if asked is None:
        return None
    waited = calendar.business_days_between(asked, now)
    if waited <= sla.merchant_response_days:
        return None
    return Breach(
        fo.id,
        fo.order_id,
        DelayKind.DATA_REQUEST,
        DelayCause.MISSING_DATA,
        waited - sla.merchant_response_days,
        asked,
    )


def _shipping_breaches(
    fo: FulfillmentOrder, now: pendulum.DateTime, sla: SlaThresholds
) -> list[Breach]:
    breaches: list[Breach] = []
    if not fo.shipments:
        return breaches
    # ``now`` and label times are UTC (converted when checked). Ordinals: no pendulum
    # interval per parcel.
    today = now.date().toordinal()
    for shipment in fo.shipments:
        if shipment.tracking.is_terminal:
            continue
        elapsed = today - shipment.label_created_at.date().toordinal()
        if elapsed <= sla.shipping_days:
            continue
        customs = is_customs_hold(shipment.tracking)
        cause = DelayCause.CUSTOMS_HOLD if customs else DelayCause.CARRIER_DELAY
        breaches.append(
            Breach(
                fo.id,
                fo.order_id,
                DelayKind.SHIPPING,
                cause,
                elapsed - sla.shipping_days,
                shipment.label_created_at,
                shipment.id,
            )
        )
    return breaches
