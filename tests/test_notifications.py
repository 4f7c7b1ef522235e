"""The notification policy: who is told what, on which channel, and never twice for one change."""

from __future__ import annotations

import itertools

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fulfillment_core import (
    Audience,
    BusinessCalendar,
    Channel,
    FulfillmentLine,
    FulfillmentOrder,
    Hold,
    NotificationKind,
    NotificationPreferences,
    Shipment,
    SlaThresholds,
    TrackingEvent,
    ValidationError,
    notifications_for,
    notifications_for_breaches,
    sla_breaches,
)
from fulfillment_core.testing.strategies import tracking_histories

from factories import make_supplier

T0 = pendulum.datetime(2026, 3, 2, 1, tz="UTC")
PREFS = NotificationPreferences()
K = NotificationKind


def work() -> FulfillmentOrder:
    return FulfillmentOrder.open(
        "fo-1",
        order_id="o-1",
        supplier_id="sup-sz-01",
        lines=[FulfillmentLine.new("line-1", 2), FulfillmentLine.new("line-2", 1)],
        at=T0,
    )


def told(fo: FulfillmentOrder, event: object, prefs: NotificationPreferences = PREFS) -> list:
    return [
        (n.audience, n.kind, n.channel)
        for n in notifications_for(fo, event, prefs)  # type: ignore[arg-type]
    ]


def test_a_hold_asks_the_merchant_for_the_data_with_the_details() -> None:
    fo = work()
    hold = Hold("incorrect_address", "shipping_address.postal_code", "customer", "zip missing")
    event = fo.place_hold(hold, at=T0)
    (note,) = notifications_for(fo, event, PREFS)
    assert (note.audience, note.kind, note.channel) == (
        Audience.MERCHANT,
        K.DATA_REQUESTED,
        Channel.IN_APP,
    )
    assert note.detail("path") == "shipping_address.postal_code"
    assert note.detail("actor") == "customer"
    assert (note.order_id, note.fulfillment_order_id, note.at) == ("o-1", "fo-1", T0)


def test_only_the_last_release_tells_the_merchant_the_hold_is_released() -> None:
    fo = work()
    fo.place_hold(Hold("incorrect_address", "a", "customer", "m"), at=T0)
    fo.place_hold(Hold("invalid_sku", "b", "merchant", "m"), at=T0)
    assert told(fo, fo.release_hold("incorrect_address", at=T0)) == []
    assert told(fo, fo.release_hold("invalid_sku", at=T0)) == [
        (Audience.MERCHANT, K.HOLD_RELEASED, Channel.IN_APP)
    ]


def accepted() -> FulfillmentOrder:
    fo = work()
    fo.submit(at=T0)
    fo.accept(at=T0)
    return fo


def test_a_backorder_tells_the_merchant_the_restock_date() -> None:
    fo = accepted()
    event = fo.backorder({"line-2": 1}, restock_eta=T0.add(days=6), at=T0)
    (note,) = notifications_for(fo, event, PREFS)
    assert note.kind is K.BACKORDERED
    assert note.detail("restock_eta") == T0.add(days=6).isoformat()
    assert note.detail("lines") == "line-2 x1"


def test_a_rejection_tells_the_merchant_why_and_what_to_do() -> None:
    fo = work()
    fo.submit(at=T0)
    (note,) = notifications_for(fo, fo.reject("restock in 40 days", at=T0), PREFS)
    assert note.kind is K.CANCELLED
    assert "restock in 40 days" in (note.detail("reason") or "")
    assert note.detail("suggestion") == "route these items to another supplier"


def test_an_accepted_cancellation_tells_the_merchant() -> None:
    fo = accepted()
    fo.cancel(at=T0)
    assert told(fo, fo.accept_cancellation(at=T0)) == [
        (Audience.MERCHANT, K.CANCELLED, Channel.IN_APP)
    ]


def shipped() -> tuple[FulfillmentOrder, object]:
    fo = accepted()
    fo.source({"line-1": 2, "line-2": 1}, at=T0)
    fo.pack(at=T0)
    parcel = Shipment(
        "sh-1",
        "YunExpress",
        "Global Direct",
        ["YT2410261234567"],
        {"line-1": 2, "line-2": 1},
        T0,
        tracking_url="https://t.17track.net/en#nums=YT2410261234567",
    )
    return fo, fo.ship(parcel, at=T0)


def test_the_customer_is_told_the_parcel_shipped_with_its_tracking() -> None:
    fo, event = shipped()
    (note,) = notifications_for(fo, event, PREFS)  # type: ignore[arg-type]
    assert (note.audience, note.kind, note.channel) == (
        Audience.CUSTOMER,
        K.SHIPPED,
        Channel.EMAIL,
    )
    assert note.detail("tracking_numbers") == "YT2410261234567"
    assert note.detail("carrier") == "YunExpress"


def test_a_customs_hold_then_delivery_each_tell_the_customer_once() -> None:
    fo, _ = shipped()
    customs = TrackingEvent("on_hold", T0.add(days=8), incident="customs")
    held = fo.record_tracking("sh-1", [customs], at=T0.add(days=8))
    again = fo.record_tracking("sh-1", [customs], at=T0.add(days=8, hours=1))
    delivered = fo.record_tracking(
        "sh-1", [TrackingEvent("delivered", T0.add(days=12))], at=T0.add(days=12)
    )
    assert [n.kind for n in notifications_for(fo, held, PREFS)] == [K.HELD_AT_CUSTOMS]
    assert notifications_for(fo, again, PREFS) == ()
    assert [n.kind for n in notifications_for(fo, delivered, PREFS)] == [K.DELIVERED]


def test_a_delay_tells_the_customer_and_a_hold_for_another_reason_is_a_delay() -> None:
    fo, _ = shipped()
    weather = fo.record_tracking(
        "sh-1", [TrackingEvent("on_hold", T0.add(days=5), incident="weather")], at=T0
    )
    assert [n.kind for n in notifications_for(fo, weather, PREFS)] == [K.DELAYED]


def test_muted_kinds_are_not_sent_and_channels_can_be_overridden_per_kind() -> None:
    prefs = NotificationPreferences(muted=["shipped"], channels={"data_requested": "email"})
    fo, event = shipped()
    assert notifications_for(fo, event, prefs) == ()  # type: ignore[arg-type]
    other = work()
    hold = other.place_hold(Hold("other", "", "merchant", "wait"), at=T0)
    assert told(other, hold, prefs) == [(Audience.MERCHANT, K.DATA_REQUESTED, Channel.EMAIL)]


def test_sla_breaches_tell_the_merchant_processing_and_shipping_apart() -> None:
    fo = accepted()
    calendars = {"sup-sz-01": BusinessCalendar.of(make_supplier())}
    now = T0.add(days=9)
    breaches = sla_breaches([fo], now=now, sla=SlaThresholds(), calendars=calendars)
    (note,) = notifications_for_breaches(breaches, PREFS, at=now)
    assert (note.kind, note.detail("cause")) == (K.PROCESSING_DELAYED, "supplier_processing")


def test_every_kind_has_one_audience() -> None:
    customer = {K.SHIPPED, K.DELAYED, K.HELD_AT_CUSTOMS, K.DELIVERY_FAILED, K.DELIVERED}
    for kind in NotificationKind:
        expected = Audience.CUSTOMER if kind in customer else Audience.MERCHANT
        assert kind.audience is expected


def test_preferences_refuse_unknown_kinds_and_channels() -> None:
    with pytest.raises(ValidationError) as caught:
        NotificationPreferences(merchant_channel="pigeon", muted=["gossip"])
    assert caught.value.paths == ("merchant_channel", "muted")


def test_notifications_for_an_old_event_describe_the_moment_it_happened() -> None:
    fo = work()
    fo.place_hold(Hold("other", "", "merchant", "wait"), at=T0)
    released = fo.release_hold("other", at=T0)
    fo.place_hold(Hold("other", "", "merchant", "wait again"), at=T0)  # held again since
    assert [n.kind for n in notifications_for(fo, released, PREFS)] == [K.HOLD_RELEASED]


def test_an_event_of_another_fulfillment_order_is_refused() -> None:
    fo = work()
    stranger = work().place_hold(Hold("other", "", "merchant", "wait"), at=T0)
    with pytest.raises(ValidationError, match="not in fulfillment order fo-1's history"):
        notifications_for(fo, stranger, PREFS)


def test_a_parcel_moving_on_in_transit_tells_nobody() -> None:
    fo, _ = shipped()
    moving = fo.record_tracking("sh-1", [TrackingEvent("in_transit", T0.add(days=2))], at=T0)
    assert notifications_for(fo, moving, PREFS) == ()


def test_a_late_parcel_tells_the_merchant_which_parcel_and_muted_breaches_tell_nobody() -> None:
    fo, _ = shipped()
    calendars = {"sup-sz-01": BusinessCalendar.of(make_supplier())}
    now = T0.add(days=20)
    breaches = sla_breaches([fo], now=now, sla=SlaThresholds(), calendars=calendars)
    (note,) = notifications_for_breaches(breaches, PREFS, at=now)
    assert (note.kind, note.detail("shipment_id"), note.detail("cause")) == (
        K.SHIPPING_DELAYED,
        "sh-1",
        "carrier_delay",
    )
    assert note.detail("no such detail") is None
    muted = NotificationPreferences(muted=["shipping_delayed"])
    assert notifications_for_breaches(breaches, muted, at=now) == ()


# --------------------------------------------------------------------------- review findings


def test_an_event_reloaded_from_storage_is_recognised() -> None:
    from fulfillment_core import from_dict, to_dict

    fo = work()
    event = fo.place_hold(Hold("other", "", "merchant", "wait"), at=T0)
    loaded = from_dict(FulfillmentOrder, to_dict(fo))
    assert [n.kind for n in notifications_for(loaded, event, PREFS)] == [K.DATA_REQUESTED]


def test_a_second_partial_cancel_reports_its_own_units_and_reason() -> None:
    fo = work()
    fo.cancel({"line-1": 1}, at=T0, reason="customer changed mind")
    second = fo.cancel({"line-2": 1}, at=T0, reason="out of budget")
    (note,) = notifications_for(fo, second, PREFS)
    assert (note.detail("quantity"), note.detail("reason")) == ("1", "out of budget")


def test_an_accepted_cancellation_carries_the_requests_reason() -> None:
    fo = accepted()
    fo.cancel(at=T0, reason="customer changed mind")
    (note,) = notifications_for(fo, fo.accept_cancellation(at=T0), PREFS)
    assert (note.detail("quantity"), note.detail("reason")) == ("3", "customer changed mind")


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("out_of_stock", K.ACTION_REQUIRED),
        ("awaiting_payment", K.ACTION_REQUIRED),
        ("high_risk_of_fraud", K.ACTION_REQUIRED),
        ("incorrect_address", K.DATA_REQUESTED),
    ],
)
def test_holds_that_wait_for_a_decision_are_not_data_requests(
    reason: str, kind: NotificationKind
) -> None:
    fo = work()
    event = fo.place_hold(Hold(reason, "", "merchant", "held"), at=T0)
    assert [n.kind for n in notifications_for(fo, event, PREFS)] == [kind]


@pytest.mark.parametrize(
    ("status", "kind", "audience"),
    [
        ("delivery_failed", K.DELIVERY_FAILED, Audience.CUSTOMER),
        ("returned_to_sender", K.RETURNED, Audience.MERCHANT),
        ("lost", K.LOST, Audience.MERCHANT),
    ],
)
def test_failed_returned_and_lost_parcels_are_told(
    status: str, kind: NotificationKind, audience: Audience
) -> None:
    fo, _ = shipped()
    event = fo.record_tracking("sh-1", [TrackingEvent(status, T0.add(days=9))], at=T0)
    (note,) = notifications_for(fo, event, PREFS)
    assert (note.kind, note.audience) == (kind, audience)


def test_restocks_and_rejected_cancellations_tell_the_merchant() -> None:
    fo = accepted()
    fo.backorder({"line-2": 1}, restock_eta=None, at=T0)
    restocked = fo.restock({"line-2": 1}, at=T0)
    assert [n.kind for n in notifications_for(fo, restocked, PREFS)] == [K.RESTOCKED]
    fo.cancel(at=T0)
    refused = fo.reject_cancellation("already packed", at=T0)
    (note,) = notifications_for(fo, refused, PREFS)
    assert (note.kind, note.detail("reason")) == (K.CANCELLATION_REJECTED, "already packed")


def test_a_misspelt_kind_or_a_kind_given_twice_is_named() -> None:
    with pytest.raises(ValidationError, match="'shiped' is not a notification kind"):
        NotificationPreferences(channels={"shiped": "email"})
    with pytest.raises(ValidationError, match="shipped is given two channels"):
        NotificationPreferences(channels=[("shipped", "email"), ("shipped", "in_app")])


def test_the_opening_of_the_work_tells_nobody() -> None:
    fo = work()
    assert notifications_for(fo, fo.history[0], PREFS) == ()


def test_identical_events_are_told_apart_by_the_object_given() -> None:
    fo, _ = shipped()
    delayed = [TrackingEvent("delayed", T0.add(days=4))]
    first = fo.record_tracking("sh-1", delayed, at=T0)
    second = fo.record_tracking("sh-1", delayed, at=T0)
    assert [n.kind for n in notifications_for(fo, first, PREFS)] == [K.DELAYED]
    assert notifications_for(fo, second, PREFS) == ()
    with pytest.raises(ValidationError, match="identical events"):
        notifications_for(fo, attrs.evolve(second), PREFS)


def test_the_whole_policy_may_be_passed_and_bad_arguments_are_named() -> None:
    from fulfillment_core import ShipmentPolicy

    fo = work()
    event = fo.place_hold(Hold("other", "", "merchant", "wait"), at=T0)
    policy = ShipmentPolicy(notifications=NotificationPreferences(merchant_channel="email"))
    assert [n.channel for n in notifications_for(fo, event, policy)] == [Channel.EMAIL]
    with pytest.raises(ValidationError) as caught:
        notifications_for("fo", event, "loud")  # type: ignore[arg-type]
    assert caught.value.paths == ("fo", "preferences")
    for fo_given, event_given, named in ((None, event, "fo"), (fo, None, "event")):
        with pytest.raises(ValidationError) as caught:
            notifications_for(fo_given, event_given, PREFS)  # type: ignore[arg-type]
        assert caught.value.paths == (named,)
    with pytest.raises(ValidationError) as caught:
        notifications_for_breaches([], PREFS, at="garbage")  # type: ignore[arg-type]
    assert caught.value.paths == ("at",)


# --------------------------------------------------------------------------- the newest event


@settings(max_examples=60, deadline=None)
@given(
    history=tracking_histories(T0),
    cuts=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=4),
)
def test_tracking_is_told_the_same_just_after_it_is_applied_and_later(
    history: list[TrackingEvent], cuts: list[int]
) -> None:
    """Right after an update is applied the parcel's own tracking stands for the state after
    it; told later, the state is worked out from the history. Both say the same."""
    fo, _ = shipped()
    bounds = sorted({0, *(min(cut, len(history)) for cut in cuts), len(history)})
    batches = [history[start:end] for start, end in itertools.pairwise(bounds)]
    updates, at_once = [], []
    for batch in batches:
        event = fo.record_tracking("sh-1", batch, at=T0)
        if event not in updates:  # a batch of what the carrier said before is a replay
            updates.append(event)
            at_once.append(notifications_for(fo, event, PREFS))
    fo.note_message("later", at=T0)  # so no update is the newest event any more
    assert [notifications_for(fo, event, PREFS) for event in updates] == at_once


def test_a_keyed_notification_is_the_notification_with_its_key_and_a_bad_key_is_named() -> None:
    from fulfillment_core._notice import Notification, keyed

    fo, event = shipped()
    (shipped_note,) = notifications_for(fo, event, PREFS)  # type: ignore[arg-type]
    assert keyed(shipped_note, "  fo-1/e5-notify ") == attrs.evolve(
        shipped_note, key="fo-1/e5-notify"
    )
    with pytest.raises(ValidationError, match="key") as caught:
        keyed(shipped_note, "x" * 600)
    assert caught.value.problems[0].path == "key"
    assert shipped_note.key is None  # the original is untouched
    for blank in ("", "  ", None):  # as evolve: no key
        assert keyed(shipped_note, blank) == attrs.evolve(shipped_note, key=blank)

    @attrs.frozen
    class Urgent(Notification):
        priority: int = 1

    urgent = Urgent(*attrs.astuple(shipped_note, recurse=False)[:7], priority=3)
    assert keyed(urgent, "k") == Urgent(
        *attrs.astuple(shipped_note, recurse=False)[:7], key="k", priority=3
    )


def test_an_event_object_applied_twice_is_told_for_each_application_right_after_it() -> None:
    fo, _ = shipped()
    weather = [TrackingEvent("on_hold", T0.add(days=5), incident="weather")]
    delayed = fo.record_tracking("sh-1", weather, at=T0)
    assert [n.kind for n in notifications_for(fo, delayed, PREFS)] == [K.DELAYED]
    fo.apply(delayed)  # the same object again (no key): the parcel was delayed already
    assert notifications_for(fo, delayed, PREFS) == ()  # the customer is not told twice
