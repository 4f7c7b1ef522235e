"""Service levels: which work is late, by how much, and why.

:func:`sla_breaches` is pure: given fulfillment orders, "now", the merchant's
:class:`~fulfillment_core.SlaThresholds` and each supplier's business calendar, it reports every
breach, keeping **processing** delays (order to parcel leaving, counted in the supplier's
business days) apart from **shipping** delays (parcel leaving to delivery, counted in calendar
days), each with its cause:

* processing, work on hold for data → ``missing_data`` (someone must answer a data request);
* processing, work on hold for stock, or units backordered → ``stock``;
* processing otherwise → ``supplier_processing``;
* shipping, parcel held at customs → ``customs_hold``;
* shipping otherwise → ``carrier_delay``.

Processing time starts when the work was opened (its first event); shipping time when the
parcel's label was created. Delivered, returned and lost parcels are not late any more (lost
ones are a different problem, reported by their tracking status).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

import attrs
import pendulum

from .calendar import BusinessCalendar
from .exceptions import Problem, ValidationError
from .fulfillment import FulfillmentOrder
from .holds import HoldReason
from .lifecycle import WorkStatus
from .policy import SlaThresholds
from .tracking import TrackingStatus

__all__ = ["Breach", "DelayCause", "DelayKind", "sla_breaches"]


class DelayKind(enum.StrEnum):
    PROCESSING = "processing"
    SHIPPING = "shipping"


class DelayCause(enum.StrEnum):
    MISSING_DATA = "missing_data"
    STOCK = "stock"
    SUPPLIER_PROCESSING = "supplier_processing"
    CARRIER_DELAY = "carrier_delay"
    CUSTOMS_HOLD = "customs_hold"


@attrs.frozen
class Breach:
    """A service level missed: which work (and parcel), which kind, why, and how late.

    ``late_by_days`` is in the supplier's business days for processing, calendar days for
    shipping; ``since`` is when the clock started.
    """

    fulfillment_order_id: str
    order_id: str
    kind: DelayKind
    cause: DelayCause
    late_by_days: int
    since: pendulum.DateTime
    shipment_id: str | None = None


_STOCK_REASONS = frozenset({HoldReason.OUT_OF_STOCK})
_DONE_PROCESSING = frozenset(
    {WorkStatus.SHIPPED, WorkStatus.DELIVERED, WorkStatus.CANCELLED, WorkStatus.REJECTED}
)
_PARCEL_DONE = frozenset(
    {TrackingStatus.DELIVERED, TrackingStatus.RETURNED_TO_SENDER, TrackingStatus.LOST}
)


def sla_breaches(
    fulfillment_orders: Iterable[FulfillmentOrder],
    *,
    now: pendulum.DateTime,
    sla: SlaThresholds,
    calendars: Mapping[str, BusinessCalendar],
) -> tuple[Breach, ...]:
    """Every breach among ``fulfillment_orders`` at ``now``, processing first, in input order."""
    breaches: list[Breach] = []
    for fo in fulfillment_orders:
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
        processing = _processing_breach(fo, now, sla, calendar)
        if processing is not None:
            breaches.append(processing)
        breaches.extend(_shipping_breaches(fo, now, sla))
    return tuple(breaches)


def _processing_breach(
    fo: FulfillmentOrder, now: pendulum.DateTime, sla: SlaThresholds, calendar: BusinessCalendar
) -> Breach | None:
    if fo.status in _DONE_PROCESSING:
        return None
    started = fo.history[0].at
    elapsed = calendar.business_days_between(started, now)
    if elapsed <= sla.processing_days:
        return None
    if fo.status is WorkStatus.ON_HOLD:
        stock = all(hold.reason in _STOCK_REASONS for hold in fo.holds)
        cause = DelayCause.STOCK if stock else DelayCause.MISSING_DATA
    elif fo.totals.backordered:
        cause = DelayCause.STOCK
    else:
        cause = DelayCause.SUPPLIER_PROCESSING
    return Breach(
        fo.id, fo.order_id, DelayKind.PROCESSING, cause, elapsed - sla.processing_days, started
    )


def _shipping_breaches(
    fo: FulfillmentOrder, now: pendulum.DateTime, sla: SlaThresholds
) -> list[Breach]:
    breaches = []
    for shipment in fo.shipments:
        if shipment.status in _PARCEL_DONE:
            continue
        elapsed = (now.date() - shipment.label_created_at.date()).days
        if elapsed <= sla.shipping_days:
            continue
        incident = (shipment.tracking.incident or "").lower()
        customs = shipment.status is TrackingStatus.ON_HOLD and "customs" in incident
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
