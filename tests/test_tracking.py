"""Parcel tracking: the lifecycle table, and the reducer from carrier events to a status."""

from __future__ import annotations

import datetime as dt
import itertools

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulfillment_core import (
    IllegalTransitionError,
    Shipment,
    TrackingAnomaly,
    TrackingEvent,
    TrackingState,
    TrackingStatus,
    ValidationError,
    reduce_tracking,
)
from fulfillment_core.tracking import TERMINAL_TRACKING_STATUSES, TRACKING_LIFECYCLE

LABEL = pendulum.datetime(2026, 3, 2, tz="UTC")
S = TrackingStatus
TERMINALS = sorted(TERMINAL_TRACKING_STATUSES)


def event(status: str, days: float = 0, **fields: str) -> TrackingEvent:
    return TrackingEvent(status, LABEL.add(minutes=round(days * 24 * 60)), **fields)


def shipment(*events: TrackingEvent) -> Shipment:
    return Shipment(
        "sh-1", "YunExpress", "Global Direct", ["YT2410261234567"], {"line-1": 1}, LABEL,
        events=list(events),
    )  # fmt: skip


def anomalies(state: TrackingState) -> list[TrackingAnomaly | None]:
    return [noted.anomaly for noted in state.anomalies]


JOURNEY = (
    event("picked_up", 1, location="Shenzhen"),
    event("in_transit", 2, location="Hong Kong"),
    event("on_hold", 5, incident="customs", location="Leipzig"),
    event("in_transit", 7, location="Leipzig"),
    event("out_for_delivery", 11.5, location="Berlin"),
    event("delivered", 12, location="Berlin"),
)


# --------------------------------------------------------------------------- arrival order


def test_every_arrival_order_of_a_journey_reduces_to_the_same_delivered_state() -> None:
    expected = reduce_tracking(LABEL, JOURNEY)
    states = {reduce_tracking(LABEL, order) for order in itertools.permutations(JOURNEY)}
    assert len(list(itertools.permutations(JOURNEY))) == 720
    assert states == {expected}
    assert expected.status is S.DELIVERED
    assert [noted.event for noted in expected.history] == list(JOURNEY)
    assert expected.anomalies == ()


def test_the_history_is_in_carrier_time_order_whatever_the_arrival_order() -> None:
    state = reduce_tracking(LABEL, reversed(JOURNEY))
    assert [noted.event.occurred_at for noted in state.history] == sorted(
        e.occurred_at for e in JOURNEY
    )


def test_same_instant_events_apply_in_lifecycle_order() -> None:
    scan, delivery = event("out_for_delivery", 12), event("delivered", 12)
    state = reduce_tracking(LABEL, [delivery, scan])
    assert state.status is S.DELIVERED
    assert state.anomalies == ()


# Timestamps within a few days of the label (some before it), on a coarse grid so that
# same-instant events and exact duplicates happen often.
tracking_events = st.builds(
    TrackingEvent,
    st.sampled_from(S),
    st.integers(min_value=-3 * 24, max_value=20 * 24).map(lambda hours: LABEL.add(hours=hours)),
    incident=st.none() | st.sampled_from(["customs", "weather", "address_issue"]),
    location=st.none() | st.sampled_from(["Shenzhen", "Leipzig"]),
)


@given(st.lists(tracking_events, max_size=12), st.data())
def test_the_state_is_independent_of_arrival_order_and_duplication(
    events: list[TrackingEvent], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(events))
    repeated = data.draw(st.lists(st.sampled_from(events), max_size=12)) if events else []
    assert reduce_tracking(LABEL, [*shuffled, *repeated]) == reduce_tracking(LABEL, events)


@given(st.lists(tracking_events, max_size=12))
def test_nothing_is_applied_after_a_terminal_status(events: list[TrackingEvent]) -> None:
    applied = [
        noted.event.status for noted in reduce_tracking(LABEL, events).history if noted.applied
    ]
    terminal_at = [i for i, status in enumerate(applied) if status in TERMINAL_TRACKING_STATUSES]
    assert terminal_at in ([], [len(applied) - 1])


@given(st.lists(tracking_events, max_size=12))
def test_the_status_is_that_of_the_last_applied_event(events: list[TrackingEvent]) -> None:
    state = reduce_tracking(LABEL, events)
    applied = [noted.event for noted in state.history if noted.applied]
    assert state.status is (applied[-1].status if applied else S.PENDING)
    assert state.incident == (applied[-1].incident if applied else None)


@given(st.lists(tracking_events, max_size=12))
def test_every_event_is_kept_in_the_history_once(events: list[TrackingEvent]) -> None:
    history = reduce_tracking(LABEL, events).history
    assert sorted((n.event for n in history), key=TrackingEvent.sort_key) == sorted(
        set(events), key=TrackingEvent.sort_key
    )


@given(st.lists(tracking_events, max_size=8), st.lists(tracking_events, max_size=8))
def test_adding_events_to_a_shipment_equals_building_it_with_them(
    before: list[TrackingEvent], added: list[TrackingEvent]
) -> None:
    grown = shipment(*before).with_events(added)
    built = shipment(*before, *added)
    assert grown == built
    assert grown.events == built.events
    assert grown.tracking == built.tracking == reduce_tracking(LABEL, [*before, *added])


def test_adding_something_other_than_an_event_is_refused_naming_the_item() -> None:
    with pytest.raises(ValidationError, match=r"events\[1\]: must be a TrackingEvent"):
        shipment(JOURNEY[0]).with_events(["delivered"])  # type: ignore[list-item]


def test_an_instant_given_in_another_zone_is_the_same_event() -> None:
    in_utc = TrackingEvent("in_transit", LABEL.add(hours=30))
    in_shanghai = TrackingEvent("in_transit", LABEL.add(hours=30).in_timezone("Asia/Shanghai"))
    assert in_utc == in_shanghai
    assert len(reduce_tracking(LABEL, [in_utc, in_shanghai]).history) == 1


# --------------------------------------------------------------------------- duplicates


def test_an_event_delivered_a_thousand_times_in_one_batch_counts_once() -> None:
    once = reduce_tracking(LABEL, [JOURNEY[1]])
    assert reduce_tracking(LABEL, [JOURNEY[1]] * 1000) == once
    assert len(once.history) == 1


def test_an_event_added_to_a_shipment_a_thousand_times_changes_nothing_after_the_first() -> None:
    parcel = shipment(*JOURNEY[:4]).with_events([JOURNEY[4]])
    first = parcel
    for _ in range(1000):
        parcel = parcel.with_events([JOURNEY[4]])
    assert parcel == first
    assert parcel.events == first.events
    assert parcel.tracking == first.tracking
    assert parcel.status is S.OUT_FOR_DELIVERY


def test_a_redelivered_batch_of_the_whole_journey_changes_nothing() -> None:
    parcel = shipment(*JOURNEY)
    assert parcel.with_events(JOURNEY).with_events(reversed(JOURNEY)).tracking == parcel.tracking


# --------------------------------------------------------------------------- recycled numbers


def test_an_old_delivery_before_the_label_does_not_deliver_the_new_parcel() -> None:
    old_delivery = event("delivered", -40)
    state = reduce_tracking(LABEL, [old_delivery, event("in_transit", 2)])
    assert state.status is S.IN_TRANSIT
    assert state.delivered_at() is None
    (noted,) = state.anomalies
    assert noted.event == old_delivery
    assert noted.anomaly is TrackingAnomaly.BEFORE_LABEL
    assert not noted.applied


def test_an_old_delivery_alone_leaves_the_new_parcel_pending() -> None:
    parcel = shipment(event("delivered", -40))
    assert parcel.status is S.PENDING
    assert not parcel.is_delivered
    assert anomalies(parcel.tracking) == [TrackingAnomaly.BEFORE_LABEL]


def test_an_event_at_the_label_instant_belongs_to_the_new_parcel() -> None:
    state = reduce_tracking(LABEL, [event("picked_up", 0)])
    assert state.status is S.PICKED_UP
    assert state.anomalies == ()


# --------------------------------------------------------------------------- terminal statuses


@pytest.mark.parametrize("terminal", TERMINALS)
@pytest.mark.parametrize("later", [s for s in S if s not in TERMINALS])
def test_terminal_statuses_are_sticky(terminal: TrackingStatus, later: TrackingStatus) -> None:
    late = event(later, 20)
    state = reduce_tracking(LABEL, [event("out_for_delivery", 11), event(terminal, 12), late])
    assert state.status is terminal
    noted = state.history[-1]
    assert noted.event == late
    assert not noted.applied
    unmapped = later is S.UNKNOWN
    assert noted.anomaly is (
        TrackingAnomaly.UNMAPPED_CODE if unmapped else TrackingAnomaly.AFTER_TERMINAL
    )


STRENGTH = [S.LOST, S.RETURNED_TO_SENDER, S.DELIVERED]


@pytest.mark.parametrize(
    ("first", "second"),
    [(a, b) for a in STRENGTH for b in STRENGTH if a is not b],
)
def test_conflicting_terminal_reports_resolve_to_the_strongest_whatever_their_order(
    first: TrackingStatus, second: TrackingStatus
) -> None:
    strongest = max(first, second, key=STRENGTH.index)
    weakest = min(first, second, key=STRENGTH.index)
    state = reduce_tracking(
        LABEL, [event("out_for_delivery", 11), event(first, 12), event(second, 20)]
    )
    assert state.status is strongest
    (noted,) = [n for n in state.history if n.event.status is weakest]
    assert (noted.applied, noted.anomaly) == (False, TrackingAnomaly.TERMINAL_SUPERSEDED)


def test_once_delivered_always_delivered_whatever_arrives_next() -> None:
    delivered = reduce_tracking(LABEL, [event("delivered", 12)])
    for late in (event("lost", 5), event("returned_to_sender", 8), event("in_transit", 30)):
        assert reduce_tracking(LABEL, [*delivered_events(delivered), late]).status is S.DELIVERED


def delivered_events(state: TrackingState) -> list[TrackingEvent]:
    return [noted.event for noted in state.history]


def test_a_late_out_for_delivery_scan_never_overwrites_delivered() -> None:
    late_scan = event("out_for_delivery", 13)
    state = reduce_tracking(LABEL, [*JOURNEY, late_scan])
    assert state.status is S.DELIVERED
    assert state.delivered_at() == JOURNEY[-1].occurred_at
    assert state.last_update == JOURNEY[-1].occurred_at
    assert [(n.event, n.anomaly) for n in state.anomalies] == [
        (late_scan, TrackingAnomaly.AFTER_TERMINAL)
    ]


def test_a_second_delivery_scan_is_kept_but_not_applied() -> None:
    again = event("delivered", 12.5)
    state = reduce_tracking(LABEL, [*JOURNEY, again])
    assert state.delivered_at() == JOURNEY[-1].occurred_at
    assert anomalies(state) == [TrackingAnomaly.AFTER_TERMINAL]


def test_a_parcel_reported_lost_and_then_delivered_was_delivered() -> None:
    state = reduce_tracking(
        LABEL, [event("in_transit", 2), event("lost", 30), event("delivered", 31)]
    )
    assert state.status is S.DELIVERED
    assert state.delivered_at() == event("delivered", 31).occurred_at
    assert [n.anomaly for n in state.anomalies] == [
        TrackingAnomaly.TERMINAL_SUPERSEDED,
        TrackingAnomaly.DELIVERED_WITHOUT_OUT_FOR_DELIVERY,
    ]


# --------------------------------------------------------------------------- delivery scans


def test_a_delivery_without_an_arrival_scan_is_applied_and_flagged() -> None:
    delivery = event("delivered", 12)
    state = reduce_tracking(LABEL, [event("in_transit", 2), delivery])
    assert state.status is S.DELIVERED
    (noted,) = state.anomalies
    assert (noted.event, noted.applied) == (delivery, True)
    assert noted.anomaly is TrackingAnomaly.DELIVERED_WITHOUT_OUT_FOR_DELIVERY


@pytest.mark.parametrize("arrival", [S.OUT_FOR_DELIVERY, S.READY_FOR_PICKUP])
def test_a_delivery_after_an_arrival_scan_is_not_an_anomaly(arrival: TrackingStatus) -> None:
    state = reduce_tracking(LABEL, [event(arrival, 11), event("delivered", 12)])
    assert state.status is S.DELIVERED
    assert state.anomalies == ()


def test_an_arrival_scan_from_an_earlier_parcel_does_not_count() -> None:
    state = reduce_tracking(LABEL, [event("out_for_delivery", -40), event("delivered", 12)])
    assert anomalies(state) == [
        TrackingAnomaly.BEFORE_LABEL,
        TrackingAnomaly.DELIVERED_WITHOUT_OUT_FOR_DELIVERY,
    ]


# --------------------------------------------------------------------------- unmapped codes


def test_an_unmapped_carrier_code_is_kept_and_changes_nothing() -> None:
    odd = event("unknown", 3, raw_code="XZ-917", description="Scan at facility")
    state = reduce_tracking(LABEL, [event("in_transit", 2, incident="weather"), odd])
    assert state.status is S.IN_TRANSIT
    assert state.incident == "weather"
    assert state.last_update == LABEL.add(days=2)
    (noted,) = state.anomalies
    assert (noted.event, noted.applied) == (odd, False)
    assert noted.anomaly is TrackingAnomaly.UNMAPPED_CODE


def test_an_unmapped_code_alone_leaves_the_parcel_pending() -> None:
    assert reduce_tracking(LABEL, [event("unknown", 1)]).status is S.PENDING


# --------------------------------------------------------------------------- incidents


def test_a_hold_keeps_its_incident() -> None:
    state = reduce_tracking(LABEL, JOURNEY[:3])
    assert state.status is S.ON_HOLD
    assert state.incident == "customs"


def test_the_incident_clears_when_the_next_event_has_none() -> None:
    state = reduce_tracking(LABEL, JOURNEY[:4])
    assert state.status is S.IN_TRANSIT
    assert state.incident is None


def test_a_new_incident_replaces_the_old_one() -> None:
    held = event("on_hold", 5, incident="customs")
    delayed = event("delayed", 6, incident="weather")
    assert reduce_tracking(LABEL, [held, delayed]).incident == "weather"


# --------------------------------------------------------------------------- the table


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("trigger", TRACKING_LIFECYCLE.triggers)
def test_every_status_and_trigger_is_an_edge_to_the_reported_status_or_a_typed_error(
    status: TrackingStatus, trigger: str
) -> None:
    if TRACKING_LIFECYCLE.has_edge(status, trigger):
        assert TRACKING_LIFECYCLE.destination(status, trigger, None, "parcel sh-1") is S(trigger)
    else:
        with pytest.raises(IllegalTransitionError) as raised:
            TRACKING_LIFECYCLE.destination(status, trigger, None, "parcel sh-1")
        assert (raised.value.status, raised.value.trigger) == (status.value, trigger)
        assert raised.value.allowed == TRACKING_LIFECYCLE.allowed(status)


def test_the_triggers_are_every_status_but_unknown() -> None:
    assert set(TRACKING_LIFECYCLE.triggers) == {s.value for s in S if s is not S.UNKNOWN}
    assert set(TRACKING_LIFECYCLE.states) == set(S)


@pytest.mark.parametrize("status", [*TERMINALS, S.UNKNOWN])
def test_terminal_and_unknown_statuses_have_no_edges(status: TrackingStatus) -> None:
    assert TRACKING_LIFECYCLE.allowed(status) == ()
    assert not any(TRACKING_LIFECYCLE.has_edge(status, t) for t in TRACKING_LIFECYCLE.triggers)


@pytest.mark.parametrize("status", [s for s in S if s not in TERMINALS and s is not S.UNKNOWN])
def test_a_moving_status_may_go_to_every_reported_status(status: TrackingStatus) -> None:
    assert TRACKING_LIFECYCLE.allowed(status) == TRACKING_LIFECYCLE.triggers


def test_an_unknown_code_is_not_a_trigger_anywhere() -> None:
    with pytest.raises(IllegalTransitionError):
        TRACKING_LIFECYCLE.destination(S.IN_TRANSIT, "unknown", None, "parcel sh-1")


# --------------------------------------------------------------------------- invalid input


def test_a_naive_timestamp_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as raised:
        TrackingEvent("in_transit", dt.datetime(2026, 3, 4, 9, 30))
    assert raised.value.paths == ("occurred_at",)


def test_an_iso_timestamp_without_offset_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as raised:
        TrackingEvent("in_transit", "2026-03-04T09:30:00")
    assert raised.value.paths == ("occurred_at",)


@pytest.mark.parametrize("status", ["teleported", "", None, 42])
def test_a_status_outside_the_normalized_set_is_refused_naming_the_field(status: object) -> None:
    with pytest.raises(ValidationError) as raised:
        TrackingEvent(status, LABEL)
    assert raised.value.paths == ("status",)


def test_every_problem_of_an_event_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as raised:
        TrackingEvent("teleported", "yesterday", incident=7)
    assert raised.value.paths == ("status", "occurred_at", "incident")


def test_statuses_and_timestamps_are_normalized_on_construction() -> None:
    parsed = TrackingEvent(" Delivered ", "2026-03-14T17:00:00+08:00", incident="  ")
    assert parsed == TrackingEvent(S.DELIVERED, pendulum.datetime(2026, 3, 14, 9, tz="UTC"))


def test_reduce_tracking_names_bad_arguments() -> None:
    import pendulum

    from fulfillment_core import ValidationError

    with pytest.raises(ValidationError) as caught:
        reduce_tracking(pendulum.naive(2026, 3, 2), ["delivered"])  # type: ignore[list-item]
    assert caught.value.paths == ("label_created_at", "events[0]")
