"""The SLA monitor: processing and shipping delays, apart, each with its cause."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulfillment_core import (
    BusinessCalendar,
    DelayCause,
    DelayKind,
    FulfillmentLine,
    FulfillmentOrder,
    Hold,
    Shipment,
    SlaThresholds,
    TrackingEvent,
    ValidationError,
    sla_breaches,
)
from fulfillment_core.sla import _breach_moments, _work_breaches

from factories import make_supplier

# Monday 2 March 2026, 09:00 in Shenzhen.
T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
SLA = SlaThresholds(processing_days=3, shipping_days=15)
CALENDARS = {"sup-sz-01": BusinessCalendar.of(make_supplier())}


def work(at: pendulum.DateTime = T0) -> FulfillmentOrder:
    fo = FulfillmentOrder.open(
        "fo-1",
        order_id="o-1",
        supplier_id="sup-sz-01",
        lines=[FulfillmentLine.new("line-1", 2)],
        at=at,
    )
    fo.submit(at=at)
    fo.accept(at=at)
    return fo


def breaches_at(fo: FulfillmentOrder, now: pendulum.DateTime) -> list[tuple[object, ...]]:
    return [
        (b.kind, b.cause, b.late_by_days)
        for b in sla_breaches([fo], now=now, sla=SLA, calendars=CALENDARS)
    ]


def test_work_within_its_processing_days_is_not_late() -> None:
    assert breaches_at(work(), T0.add(days=3)) == []  # Thursday: 3 business days


def test_slow_supplier_processing_is_a_processing_breach_in_business_days() -> None:
    # The next Monday is 5 business days after the start: 2 days late.
    assert breaches_at(work(), T0.add(days=7)) == [
        (DelayKind.PROCESSING, DelayCause.SUPPLIER_PROCESSING, 2)
    ]


def test_a_weekend_does_not_make_work_late() -> None:
    fo = work()
    assert breaches_at(fo, T0.add(days=5)) == [
        (DelayKind.PROCESSING, DelayCause.SUPPLIER_PROCESSING, 1)
    ]
    assert breaches_at(fo, T0.add(days=6)) == breaches_at(fo, T0.add(days=5))


def test_work_held_for_data_is_late_because_of_missing_data() -> None:
    fo = work()
    fo.place_hold(Hold("incorrect_address", "shipping_address.zip", "customer", "zip?"), at=T0)
    assert breaches_at(fo, T0.add(days=7))[0][1] is DelayCause.MISSING_DATA


def test_work_waiting_for_a_restock_is_late_because_of_stock() -> None:
    fo = work()
    fo.backorder({"line-1": 2}, restock_eta=T0.add(days=9), at=T0)
    assert breaches_at(fo, T0.add(days=7))[0][1] is DelayCause.STOCK


def shipped() -> FulfillmentOrder:
    fo = work()
    fo.source({"line-1": 2}, at=T0)
    fo.pack(at=T0)
    fo.ship(Shipment("sh-1", "YunExpress", "Global", ["YT1"], {"line-1": 2}, T0), at=T0)
    return fo


def test_shipped_work_is_never_late_on_processing() -> None:
    assert breaches_at(shipped(), T0.add(days=10)) == []


def test_a_parcel_in_transit_too_long_is_a_shipping_breach_in_calendar_days() -> None:
    assert breaches_at(shipped(), T0.add(days=18)) == [
        (DelayKind.SHIPPING, DelayCause.CARRIER_DELAY, 3)
    ]


def test_a_parcel_held_at_customs_is_late_because_of_customs() -> None:
    fo = shipped()
    held = TrackingEvent("on_hold", T0.add(days=9), incident="customs inspection")
    fo.record_tracking("sh-1", [held], at=T0.add(days=9))
    (breach,) = sla_breaches([fo], now=T0.add(days=20), sla=SLA, calendars=CALENDARS)
    assert (breach.cause, breach.shipment_id, breach.since) == (
        DelayCause.CUSTOMS_HOLD,
        "sh-1",
        T0,
    )


def test_delivered_parcels_are_not_late() -> None:
    fo = shipped()
    fo.record_tracking("sh-1", [TrackingEvent("delivered", T0.add(days=20))], at=T0)
    assert breaches_at(fo, T0.add(days=30)) == []


def test_a_missing_calendar_is_named() -> None:
    with pytest.raises(ValidationError, match="sup-sz-01"):
        sla_breaches([work()], now=T0, sla=SLA, calendars={})


# --------------------------------------------------------------------------- review findings


def test_how_late_a_parcel_is_does_not_depend_on_the_zone_of_now() -> None:
    fo = shipped()
    instant = pendulum.datetime(2026, 3, 18, 20, tz="UTC")
    assert breaches_at(fo, instant) == breaches_at(fo, instant.in_tz("Asia/Shanghai"))


def test_customs_is_recognised_whatever_its_case() -> None:
    fo = shipped()
    fo.record_tracking(
        "sh-1", [TrackingEvent("on_hold", T0.add(days=9), incident="Customs")], at=T0
    )
    assert breaches_at(fo, T0.add(days=20))[0][1] is DelayCause.CUSTOMS_HOLD


@pytest.mark.parametrize(
    ("reason", "cause"),
    [
        ("awaiting_payment", DelayCause.AWAITING_PAYMENT),
        ("high_risk_of_fraud", DelayCause.MERCHANT_REVIEW),
        ("out_of_stock", DelayCause.STOCK),
        ("invalid_sku", DelayCause.MISSING_DATA),
    ],
)
def test_each_kind_of_hold_gives_its_own_cause(reason: str, cause: DelayCause) -> None:
    fo = work()
    fo.place_hold(Hold(reason, "", "merchant", "held"), at=T0)
    processing = [b for b in breaches_at(fo, T0.add(days=7)) if b[0] is DelayKind.PROCESSING]
    assert processing[0][1] is cause


def test_work_never_sent_to_the_supplier_is_not_blamed_on_the_supplier() -> None:
    fo = FulfillmentOrder.open(
        "fo-2", order_id="o-2", supplier_id="sup-sz-01",
        lines=[FulfillmentLine.new("line-1", 1)], at=T0,
    )  # fmt: skip
    assert breaches_at(fo, T0.add(days=7)) == [
        (DelayKind.PROCESSING, DelayCause.AWAITING_SUBMISSION, 2)
    ]


def test_an_unanswered_data_request_is_reported_after_the_merchants_response_days() -> None:
    fo = work()
    fo.place_hold(Hold("incorrect_address", "shipping_address.zip", "customer", "zip?"), at=T0)
    assert breaches_at(fo, T0.add(days=2)) == []  # Wednesday: 2 business days, the limit
    assert breaches_at(fo, T0.add(days=3)) == [(DelayKind.DATA_REQUEST, DelayCause.MISSING_DATA, 1)]


def test_the_whole_policy_can_be_passed_for_its_thresholds() -> None:
    from fulfillment_core import ShipmentPolicy

    policy = ShipmentPolicy(sla=SLA)
    assert sla_breaches([work()], now=T0.add(days=7), sla=policy, calendars=CALENDARS) == (
        sla_breaches([work()], now=T0.add(days=7), sla=SLA, calendars=CALENDARS)
    )


def test_bad_arguments_are_named_not_crashed_on() -> None:
    with pytest.raises(ValidationError) as caught:
        sla_breaches(
            [work()],
            now=pendulum.naive(2026, 3, 9),
            sla="fast",  # type: ignore[arg-type]
            calendars=[CALENDARS["sup-sz-01"]],  # type: ignore[arg-type]
        )
    assert caught.value.paths == ("now", "sla", "calendars")


def test_a_data_request_asked_again_is_counted_from_its_latest_asking() -> None:
    fo = work()
    hold = Hold("incorrect_address", "shipping_address.zip", "customer", "zip?")
    fo.place_hold(hold, at=T0)
    fo.release_hold("incorrect_address", at=T0.add(days=1))
    fo.place_hold(hold, at=T0.add(days=8))
    requests = [b for b in breaches_at(fo, T0.add(days=9)) if b[0] is DelayKind.DATA_REQUEST]
    assert requests == []


# --------------------------------------------------------------------------- when breaches begin

_YEAR = pendulum.datetime(2026, 1, 1, tz="UTC")
_ZONED = {
    "Asia/Shanghai": CALENDARS["sup-sz-01"],
    "America/New_York": BusinessCalendar.of(
        make_supplier(timezone="America/New_York", country="US")
    ),
}


def _in_state(state: str, at: pendulum.DateTime, parcel_hours: int) -> FulfillmentOrder:
    fo = work(at)
    if state == "held":
        hold = Hold("incorrect_address", "shipping_address.zip", "customer", "zip?")
        fo.place_hold(hold, at=at.add(hours=parcel_hours))
    elif state == "shipped":
        labelled = at.add(hours=parcel_hours)
        fo.source({"line-1": 2}, at=labelled)
        fo.pack(at=labelled)
        parcel = Shipment("sh-1", "YunExpress", "Global", ["YT1"], {"line-1": 2}, labelled)
        fo.ship(parcel, at=labelled)
    return fo


@given(
    st.sampled_from(sorted(_ZONED)),
    st.sampled_from(["accepted", "held", "shipped"]),
    st.integers(0, 24 * 364),
    st.integers(0, 24 * 5),
    st.integers(0, 24 * 40),
)
def test_each_breach_is_reported_from_the_moment_it_is_said_to_begin(
    zone: str, state: str, opened: int, parcel_hours: int, later: int
) -> None:
    calendar = _ZONED[zone]
    fo = _in_state(state, _YEAR.add(hours=opened), parcel_hours)
    begins = {(kind, parcel): at for kind, parcel, at in _breach_moments(fo, SLA, calendar)}

    def reported(now: pendulum.DateTime) -> set[tuple[DelayKind, str | None]]:
        return {(b.kind, b.shipment_id) for b in _work_breaches(fo, now, SLA, calendar)}

    now = fo.history[0].at.add(hours=later)
    assert reported(now) == {breach for breach, at in begins.items() if at <= now}
    for breach, at in begins.items():
        assert breach not in reported(at - dt.timedelta(microseconds=1))
        assert breach in reported(at)
