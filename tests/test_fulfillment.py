"""The fulfillment order aggregate: its ledger, its two lifecycles, its history."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import attrs
import pendulum
import pytest

from fulfillment_core import (
    Effect,
    EffectFailed,
    EffectKind,
    FulfillmentError,
    FulfillmentLine,
    FulfillmentOrder,
    GoodsSourced,
    Hold,
    HoldReason,
    IdempotencyConflictError,
    IllegalTransitionError,
    RequestStatus,
    Shipment,
    TrackingEvent,
    TransitionRefusedError,
    ValidationError,
    WorkCancelled,
    WorkStatus,
    from_dict,
    to_dict,
)
from fulfillment_core.lifecycle import REQUEST_LIFECYCLE, WORK_LIFECYCLE

T0 = pendulum.datetime(2026, 3, 2, 1, 0, tz="UTC")
ADDRESS_HOLD = Hold("incorrect_address", "shipping_address.postal_code", "customer", "missing")
SKU_HOLD = Hold("invalid_sku", "line_items[1].sku", "merchant", "not mapped")


def new_fo(**overrides: Any) -> FulfillmentOrder:
    return FulfillmentOrder.open(
        "fo-1",
        order_id="5912338890017",
        supplier_id="sup-sz-01",
        lines=overrides.pop(
            "lines",
            [FulfillmentLine.new("line-1", 2, sku="CASE"), FulfillmentLine.new("line-2", 1)],
        ),
        at=T0,
        **overrides,
    )


def shipment(shipment_id: str = "sh-1", **items: int) -> Shipment:
    return Shipment(
        shipment_id,
        "YunExpress",
        "Global Direct",
        [f"YT{shipment_id}"],
        {k.replace("_", "-"): v for k, v in (items or {"line_1": 1}).items()},
        T0,
    )


def accepted() -> FulfillmentOrder:
    fo = new_fo()
    fo.submit(at=T0)
    fo.accept(at=T0)
    return fo


def ready() -> FulfillmentOrder:
    fo = accepted()
    fo.source({"line-1": 2, "line-2": 1}, at=T0)
    return fo


def packed() -> FulfillmentOrder:
    fo = ready()
    fo.pack(at=T0)
    return fo


def partially_shipped() -> FulfillmentOrder:
    fo = packed()
    fo.ship(shipment("sh-1", line_1=2), at=T0)
    return fo


def shipped() -> FulfillmentOrder:
    fo = partially_shipped()
    fo.ship(shipment("sh-2", line_2=1), at=T0)
    return fo


def delivered() -> FulfillmentOrder:
    fo = shipped()
    for shipment_id in ("sh-1", "sh-2"):
        fo.record_tracking(shipment_id, [TrackingEvent("delivered", T0.add(days=9))], at=T0)
    return fo


def sourcing() -> FulfillmentOrder:
    fo = accepted()
    fo.source({"line-1": 1}, at=T0)
    return fo


def backordered() -> FulfillmentOrder:
    fo = accepted()
    fo.backorder({"line-1": 2, "line-2": 1}, restock_eta=T0.add(days=5), at=T0)
    return fo


def held_before_work() -> FulfillmentOrder:
    fo = new_fo()
    fo.place_hold(ADDRESS_HOLD, at=T0)
    return fo


def held_after_work() -> FulfillmentOrder:
    fo = sourcing()
    fo.place_hold(SKU_HOLD, at=T0)
    return fo


def cancelled() -> FulfillmentOrder:
    fo = new_fo()
    fo.cancel(at=T0)
    return fo


def rejected() -> FulfillmentOrder:
    fo = new_fo()
    fo.submit(at=T0)
    fo.reject("SKU discontinued at the factory", at=T0)
    return fo


def cancellation_requested() -> FulfillmentOrder:
    fo = sourcing()
    fo.cancel({"line-2": 1}, at=T0)
    return fo


BUILDERS: dict[str, Callable[[], FulfillmentOrder]] = {
    "pending": new_fo,
    "on_hold_before_work": held_before_work,
    "on_hold_after_work": held_after_work,
    "accepted": accepted,
    "sourcing": sourcing,
    "backordered": backordered,
    "ready_to_pack": ready,
    "packed": packed,
    "partially_shipped": partially_shipped,
    "shipped": shipped,
    "delivered": delivered,
    "cancelled": cancelled,
    "rejected": rejected,
    "cancellation_requested": cancellation_requested,
}

#: One canonical call per trigger, with arguments that make sense in the usual state.
COMMANDS: dict[str, Callable[[FulfillmentOrder], object]] = {
    "submit": lambda fo: fo.submit(at=T0),
    "accept": lambda fo: fo.accept(at=T0),
    "reject": lambda fo: fo.reject("cannot source", at=T0),
    "hold": lambda fo: fo.place_hold(
        Hold("other", "", "merchant", "merchant asked to wait"), at=T0
    ),
    "release": lambda fo: fo.release_hold(
        fo.holds[0].reason if fo.holds else HoldReason.OTHER, at=T0
    ),
    "source": lambda fo: fo.source({"line-1": 1}, at=T0),
    "backorder": lambda fo: fo.backorder({"line-1": 1}, restock_eta=None, at=T0),
    "restock": lambda fo: fo.restock({"line-1": 1}, at=T0),
    "pack": lambda fo: fo.pack(at=T0),
    "ship": lambda fo: fo.ship(shipment("sh-9", line_1=1), at=T0),
    "track": lambda fo: fo.record_tracking(
        "sh-1", [TrackingEvent("in_transit", T0.add(days=1))], at=T0
    ),
    "cancel": lambda fo: fo.cancel(at=T0),
    "accept_cancellation": lambda fo: fo.accept_cancellation(at=T0),
    "reject_cancellation": lambda fo: fo.reject_cancellation("already shipped", at=T0),
}


def test_a_new_fulfillment_order_is_pending_unsubmitted_and_all_open() -> None:
    fo = new_fo()
    assert (fo.status, fo.request_status) == (WorkStatus.PENDING, RequestStatus.UNSUBMITTED)
    assert fo.totals.open == fo.totals.ordered == 3
    assert fo.version == len(fo.history) == 1
    assert fo.supported_actions() == ("submit", "place_hold", "cancel")


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_builder_reaches_the_state_it_is_named_after(name: str) -> None:
    fo = BUILDERS[name]()
    expected = {
        "on_hold_before_work": WorkStatus.ON_HOLD,
        "on_hold_after_work": WorkStatus.ON_HOLD,
        "cancellation_requested": WorkStatus.SOURCING,
    }.get(name, WorkStatus(name) if name in WorkStatus._value2member_map_ else None)
    assert fo.status is expected


@pytest.mark.parametrize("name", list(BUILDERS))
@pytest.mark.parametrize("trigger", list(COMMANDS))
def test_every_state_and_trigger_is_a_declared_edge_or_a_typed_error_that_changes_nothing(
    name: str, trigger: str
) -> None:
    fo = BUILDERS[name]()
    before = to_dict(fo)
    status = fo.status
    error: FulfillmentError | None = None
    try:
        COMMANDS[trigger](fo)
    except FulfillmentError as caught:
        error = caught
    if error is not None:
        assert isinstance(error, (IllegalTransitionError, TransitionRefusedError))
        assert to_dict(fo) == before, "a refused trigger changes nothing"
        if isinstance(error, IllegalTransitionError):
            assert error.trigger in (trigger, "request_cancellation")
        return
    assert fo.version == before["version"] + 1
    if trigger == "track":
        assert fo.shipments, "tracking needs a parcel"
        return
    started = before_started(before)
    effective = "request_cancellation" if trigger == "cancel" and started else trigger
    dests = {e.dest for e in WORK_LIFECYCLE.edges if e.source is status and e.trigger == effective}
    assert fo.status in dests, f"{status} --{effective}--> {fo.status} is not in the table"


def before_started(data: dict[str, Any]) -> bool:
    return data["request_status"] not in ("unsubmitted", "submitted", "rejected", "closed")


@pytest.mark.parametrize("status", list(WorkStatus))
@pytest.mark.parametrize("trigger", WORK_LIFECYCLE.triggers)
def test_the_work_table_answers_every_state_and_trigger(status: WorkStatus, trigger: str) -> None:
    edges = [e for e in WORK_LIFECYCLE.edges if e.source is status and e.trigger == trigger]
    assert WORK_LIFECYCLE.has_edge(status, trigger) is bool(edges)
    assert (trigger in WORK_LIFECYCLE.allowed(status)) is bool(edges)
    if not edges:
        context = WORK_LIFECYCLE  # any context: the lookup fails before guards run
        with pytest.raises(IllegalTransitionError) as caught:
            WORK_LIFECYCLE.destination(status, trigger, context, "fo")  # type: ignore[arg-type]
        assert (caught.value.status, caught.value.trigger) == (status.value, trigger)


@pytest.mark.parametrize("status", list(RequestStatus))
@pytest.mark.parametrize("trigger", REQUEST_LIFECYCLE.triggers)
def test_the_request_table_answers_every_state_and_trigger(
    status: RequestStatus, trigger: str
) -> None:
    from fulfillment_core.lifecycle import RequestContext

    edges = [e for e in REQUEST_LIFECYCLE.edges if e.source is status and e.trigger == trigger]
    for remaining in (0, 1):
        if not edges:
            with pytest.raises(IllegalTransitionError):
                REQUEST_LIFECYCLE.destination(status, trigger, RequestContext(remaining), "fo")
            continue
        dest = REQUEST_LIFECYCLE.destination(status, trigger, RequestContext(remaining), "fo")
        assert dest in {e.dest for e in edges}


def test_an_edge_without_a_guard_leads_to_the_same_place_whatever_the_context() -> None:
    from fulfillment_core.lifecycle import LedgerTotals, RequestContext, WorkContext

    ledgers = [LedgerTotals(*values) for values in ((2, 2, 0, 0, 0, 0), (2, 0, 1, 0, 1, 0))]
    contexts = [WorkContext(totals, holds_left=held) for totals in ledgers for held in (0, 1)]
    checked = 0
    for lifecycle, tried in (
        (WORK_LIFECYCLE, contexts),
        (REQUEST_LIFECYCLE, [RequestContext(0), RequestContext(1)]),
    ):
        for state in lifecycle.states:
            for trigger in lifecycle.allowed(state):
                direct = lifecycle.direct(state, trigger)  # type: ignore[arg-type]
                unguarded = (
                    next(
                        e for e in lifecycle.edges if e.source is state and e.trigger == trigger
                    ).guard
                    is None
                )
                assert (direct is not None) == unguarded
                for context in tried if direct is not None else ():
                    assert lifecycle.destination(state, trigger, context, "fo") is direct  # type: ignore[arg-type]
                    checked += 1
    assert checked > 20
    assert WORK_LIFECYCLE.direct(WorkStatus.ACCEPTED, "source") is None  # guarded: settles


def test_the_shortcut_by_where_the_ledger_settles_agrees_with_the_work_table() -> None:
    from fulfillment_core.fulfillment import _BY_SETTLED
    from fulfillment_core.lifecycle import LedgerTotals, WorkContext, settle

    ledgers = [  # ordered, open, in progress, backordered, shipped, cancelled
        LedgerTotals(3, 2, 1, 0, 0, 0),  # sourcing
        LedgerTotals(3, 0, 0, 3, 0, 0),  # backordered
        LedgerTotals(3, 0, 2, 1, 0, 0),  # ready to pack
        LedgerTotals(3, 0, 1, 0, 2, 0),  # partially shipped
        LedgerTotals(3, 0, 0, 0, 2, 1),  # shipped
        LedgerTotals(3, 0, 0, 0, 0, 3),  # cancelled
    ]
    assert {settle(totals) for totals in ledgers} == {
        WorkStatus(name)
        for name in (
            "sourcing",
            "backordered",
            "ready_to_pack",
            "partially_shipped",
            "shipped",
            "cancelled",
        )
    }
    assert {trigger for _, trigger in _BY_SETTLED} >= {"source", "backorder", "ship", "restock"}
    for (status, trigger), by_settled in _BY_SETTLED.items():
        for totals in ledgers:
            try:
                expected = WORK_LIFECYCLE.destination(status, trigger, WorkContext(totals), "fo")
            except TransitionRefusedError:
                expected = None
            assert by_settled.get(settle(totals)) is expected, (status, trigger, totals)


def test_the_quick_guards_agree_with_the_work_table_for_every_status_they_serve() -> None:
    from fulfillment_core.fulfillment import _QUICK

    assert {trigger for _, trigger in _QUICK} >= {"pack", "track"}
    work = shipped()  # a real aggregate to vary: its lines, parcels and status
    parcel = work.shipments[0]
    idle = tuple(attrs.evolve(line, in_progress=0, shipped=line.ordered) for line in work.lines)
    busy = (attrs.evolve(work.lines[0], in_progress=1, shipped=work.lines[0].ordered - 1),)
    checked = 0
    for (status, trigger), quick in _QUICK.items():
        for lines in (idle, busy):
            for shipments in ((), (parcel,)):
                for extra in ({}, {"all_delivered": True}, {"all_delivered": False}):
                    fo = work.copy()
                    object.__setattr__(fo, "status", status)
                    object.__setattr__(fo, "shipments", shipments)
                    context = fo._context(lines, **extra)
                    try:
                        expected = WORK_LIFECYCLE.destination(status, trigger, context, "fo")
                    except TransitionRefusedError:
                        expected = None
                    answer = next((dest for dest, guard in quick if guard(fo, lines, extra)), None)
                    assert answer is expected, (status, trigger, lines, shipments, extra)
                    checked += 1
    assert checked >= 8 * 12


def test_terminal_work_statuses_have_no_way_out() -> None:
    for status in (WorkStatus.CANCELLED, WorkStatus.REJECTED, WorkStatus.DELIVERED):
        assert {e.dest for e in WORK_LIFECYCLE.edges if e.source is status} <= {status}
    # Delivered work still records late carrier scans and answers a cancellation that
    # delivery overtook; neither moves it.
    assert WORK_LIFECYCLE.allowed(WorkStatus.DELIVERED) == ("track", "reject_cancellation")


# --------------------------------------------------------------------------- holds


def test_several_holds_stack_and_the_last_release_resumes_the_held_status() -> None:
    fo = sourcing()
    fo.place_hold(ADDRESS_HOLD, at=T0)
    fo.place_hold(SKU_HOLD, at=T0)
    assert fo.status is WorkStatus.ON_HOLD
    fo.release_hold("incorrect_address", at=T0)
    assert fo.status is WorkStatus.ON_HOLD
    assert fo.holds == (SKU_HOLD,)
    fo.release_hold(HoldReason.INVALID_SKU, "line_items[1].sku", at=T0)
    assert fo.status is WorkStatus.SOURCING
    assert fo.held_from is None


def test_the_same_hold_twice_is_refused_with_its_reason() -> None:
    fo = held_before_work()
    with pytest.raises(TransitionRefusedError, match="already held"):
        fo.place_hold(ADDRESS_HOLD, at=T0)


def test_releasing_a_hold_that_is_not_there_is_refused_and_changes_nothing() -> None:
    fo = held_before_work()
    before = to_dict(fo)
    with pytest.raises(TransitionRefusedError, match="holds nothing for invalid_sku"):
        fo.release_hold("invalid_sku", at=T0)
    assert to_dict(fo) == before


def test_no_goods_move_while_held() -> None:
    fo = held_after_work()
    with pytest.raises(IllegalTransitionError) as caught:
        fo.source({"line-1": 1}, at=T0)
    assert caught.value.status == "on_hold"
    assert "release_hold" in caught.value.allowed
    assert "'source' is not allowed" in str(caught.value)


def test_a_held_order_cannot_be_submitted() -> None:
    with pytest.raises(IllegalTransitionError, match="'submit' is not allowed"):
        held_before_work().submit(at=T0)


# --------------------------------------------------------------------------- the ledger


def test_moving_more_than_a_bucket_holds_is_refused_with_the_numbers() -> None:
    fo = sourcing()
    before = to_dict(fo)
    with pytest.raises(TransitionRefusedError, match="line 'line-1' has 1 open, not 2"):
        fo.source({"line-1": 2}, at=T0)
    assert to_dict(fo) == before


def test_unknown_lines_are_refused() -> None:
    with pytest.raises(TransitionRefusedError, match="no line 'line-9'"):
        accepted().source({"line-9": 1}, at=T0)


def test_malformed_quantities_are_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        accepted().source({"line-1": 0}, at=T0)
    assert caught.value.paths == ("quantities[0].quantity",)


def test_backorders_carry_their_restock_eta_until_restocked() -> None:
    fo = accepted()
    fo.source({"line-1": 2}, at=T0)
    fo.backorder({"line-2": 1}, restock_eta=T0.add(days=5), at=T0)
    assert fo.status is WorkStatus.READY_TO_PACK
    (line,) = fo.backorders
    assert (line.line_id, line.backordered, line.restock_eta) == ("line-2", 1, T0.add(days=5))
    fo.restock({"line-2": 1}, at=T0.add(days=5))
    assert fo.backorders == ()
    assert fo.line("line-2").restock_eta is None


def test_only_backorders_waiting_settles_as_backordered() -> None:
    assert backordered().status is WorkStatus.BACKORDERED


def test_shipping_more_than_is_in_progress_is_refused() -> None:
    with pytest.raises(TransitionRefusedError, match="1 in progress, not 2"):
        partially_shipped().ship(shipment("sh-3", line_2=2), at=T0)


def test_a_shipment_id_is_shipped_once() -> None:
    fo = packed()
    fo.ship(shipment("sh-1", line_1=1), at=T0)
    with pytest.raises(TransitionRefusedError, match="already dispatched"):
        fo.ship(shipment("sh-1", line_1=1), at=T0)


def test_packing_needs_something_in_progress() -> None:
    fo = partially_shipped()
    fo.ship(shipment("sh-2", line_2=1), at=T0)
    with pytest.raises(IllegalTransitionError):
        fo.pack(at=T0)


# --------------------------------------------------------------------------- cancellation


def test_cancel_before_work_starts_is_immediate() -> None:
    fo = new_fo()
    fo.cancel({"line-2": 1}, at=T0)
    assert fo.status is WorkStatus.PENDING
    assert fo.line("line-2").cancelled == 1
    fo.cancel(at=T0)
    assert fo.status is WorkStatus.CANCELLED
    assert fo.request_status is RequestStatus.CLOSED
    assert fo.totals.cancelled == 3


def test_cancel_of_held_work_before_it_starts_is_immediate_and_clears_the_holds() -> None:
    fo = held_before_work()
    fo.cancel(at=T0)
    assert (fo.status, fo.holds) == (WorkStatus.CANCELLED, ())


def test_cancel_after_work_starts_is_a_request_that_changes_no_goods() -> None:
    fo = cancellation_requested()
    assert fo.status is WorkStatus.SOURCING
    assert fo.request_status is RequestStatus.CANCELLATION_REQUESTED
    assert fo.totals.cancelled == 0


def test_an_accepted_partial_cancellation_cancels_the_units_and_work_goes_on() -> None:
    fo = cancellation_requested()
    fo.accept_cancellation(at=T0)
    assert fo.line("line-2").cancelled == 1
    assert fo.request_status is RequestStatus.ACCEPTED
    assert fo.status is WorkStatus.SOURCING


def test_an_accepted_full_cancellation_of_unshipped_work_cancels_it() -> None:
    fo = backordered()
    fo.cancel(at=T0)
    fo.accept_cancellation(at=T0)
    assert (fo.status, fo.request_status) == (
        WorkStatus.CANCELLED,
        RequestStatus.CANCELLATION_ACCEPTED,
    )


def test_a_cancellation_racing_a_shipment_cancels_only_what_did_not_ship() -> None:
    fo = packed()
    fo.cancel(at=T0)  # the merchant asks for everything back...
    fo.ship(shipment("sh-1", line_1=2), at=T0)  # ...while the parcel leaves
    fo.accept_cancellation(at=T0)
    assert fo.line("line-1").shipped == 2
    assert fo.line("line-2").cancelled == 1
    assert fo.status is WorkStatus.SHIPPED


def test_a_rejected_cancellation_leaves_the_work_as_it_was() -> None:
    fo = packed()
    fo.cancel(at=T0)
    fo.ship(shipment("sh-1", line_1=2, line_2=1), at=T0)
    fo.reject_cancellation("the parcel already left", at=T0)
    assert fo.status is WorkStatus.SHIPPED
    assert fo.request_status is RequestStatus.CANCELLATION_REJECTED
    assert fo.totals.shipped == 3


def test_shipped_work_has_nothing_left_to_cancel() -> None:
    with pytest.raises(IllegalTransitionError):
        shipped().cancel({"line-1": 1}, at=T0)


def test_cancelling_more_than_is_left_is_refused() -> None:
    with pytest.raises(TransitionRefusedError, match="0 not yet shipped"):
        partially_shipped().cancel({"line-1": 1}, at=T0)


# --------------------------------------------------------------------------- supplier answers


def test_the_supplier_must_receive_the_request_before_accepting_it() -> None:
    with pytest.raises(IllegalTransitionError, match="supplier request"):
        new_fo().accept(at=T0)


def test_a_rejection_keeps_the_reason_and_the_units_for_another_supplier() -> None:
    fo = rejected()
    assert fo.status is WorkStatus.REJECTED
    assert fo.rejection_reason == "SKU discontinued at the factory"
    assert fo.totals.open == 3


# --------------------------------------------------------------------------- history


def test_each_change_appends_one_event_and_bumps_the_version() -> None:
    fo = delivered()
    assert fo.version == len(fo.history)
    assert [type(e).__name__ for e in fo.history][:4] == [
        "FulfillmentOrderOpened",
        "RequestSubmitted",
        "WorkAccepted",
        "GoodsSourced",
    ]


def test_replaying_the_history_rebuilds_the_same_aggregate() -> None:
    for build in BUILDERS.values():
        fo = build()
        assert FulfillmentOrder.replay(fo.history) == fo


def test_a_history_must_start_with_the_opening() -> None:
    with pytest.raises(ValidationError):
        FulfillmentOrder.replay(delivered().history[1:])


def test_an_idempotency_key_applies_once_and_returns_the_original_event() -> None:
    fo = accepted()
    first = fo.source({"line-1": 1}, at=T0, key="stock-report-77")
    for _ in range(1000):
        assert fo.source({"line-1": 1}, at=T0, key="stock-report-77") is first
    assert fo.line("line-1").in_progress == 1
    assert fo.version == 4


def test_an_opened_event_cannot_be_applied_twice() -> None:
    fo = new_fo()
    with pytest.raises(TransitionRefusedError, match="already open"):
        fo.apply(fo.history[0].__class__(**_opened_fields(fo)))


def test_an_event_type_of_the_callers_own_is_refused_by_name_and_changes_nothing() -> None:
    @attrs.frozen
    class Sourced(GoodsSourced):
        pass

    fo = accepted()
    with pytest.raises(TypeError, match="Sourced is not an event fulfillment order fo-1 can"):
        fo.apply(Sourced(at=T0, quantities={"line-1": 1}))
    assert (fo.version, fo.line("line-1").open) == (3, 2)


def _opened_fields(fo: FulfillmentOrder) -> dict[str, Any]:
    event = fo.history[0]
    return {
        "at": event.at,
        "fulfillment_order_id": "fo-2",
        "order_id": "o",
        "supplier_id": "s",
        "lines": fo.lines,
    }


def test_the_aggregate_changes_only_through_its_methods() -> None:
    fo = new_fo()
    with pytest.raises(AttributeError):
        fo.status = WorkStatus.DELIVERED  # type: ignore[misc]


# --------------------------------------------------------------------------- storage


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_state_round_trips_through_json(name: str) -> None:
    fo = BUILDERS[name]()
    data = json.loads(json.dumps(to_dict(fo)))
    assert data["schema_version"] == FulfillmentOrder.SCHEMA_VERSION
    assert from_dict(FulfillmentOrder, data) == fo


def test_stored_data_of_another_schema_version_is_refused() -> None:
    data = to_dict(new_fo())
    data["schema_version"] = 99
    with pytest.raises(ValidationError, match="reads 1"):
        from_dict(FulfillmentOrder, data)


def test_stored_data_whose_version_disagrees_with_its_history_is_refused() -> None:
    data = to_dict(accepted())
    data["version"] = 7
    with pytest.raises(ValidationError) as caught:
        from_dict(FulfillmentOrder, data)
    assert caught.value.paths == ("version",)


def test_a_ledger_that_does_not_add_up_cannot_be_built() -> None:
    with pytest.raises(ValidationError, match="ordered = open"):
        FulfillmentLine("line-1", "A", None, 3, 1, 1)


def test_a_parcel_recorded_after_its_delivery_delivers_the_work_at_once() -> None:
    fo = packed()
    parcel = shipment("sh-1", line_1=2, line_2=1).with_events(
        [TrackingEvent("delivered", T0.add(days=9))]
    )
    fo.ship(parcel, at=T0)
    assert fo.status is WorkStatus.DELIVERED


# --------------------------------------------------------------------------- found in review


def test_releasing_a_hold_resumes_to_what_the_ledger_calls_for_after_a_cancel_under_it() -> None:
    fo = sourcing()  # line-1: 1 in progress, 1 open; line-2: 1 open
    fo.place_hold(SKU_HOLD, at=T0)
    fo.cancel({"line-1": 1, "line-2": 1}, at=T0)
    fo.accept_cancellation(at=T0)  # the open units go; one unit stays in progress
    fo.release_hold("invalid_sku", at=T0)
    assert fo.status is WorkStatus.READY_TO_PACK
    fo.pack(at=T0)
    fo.ship(shipment("sh-1", line_1=1), at=T0)
    assert fo.status is WorkStatus.SHIPPED


def test_a_restock_after_a_partial_shipment_and_a_new_pack_settles_again() -> None:
    fo = accepted()
    fo.source({"line-1": 2}, at=T0)
    fo.backorder({"line-2": 1}, restock_eta=None, at=T0)
    fo.pack(at=T0)
    fo.ship(shipment("sh-1", line_1=1), at=T0)
    fo.pack(at=T0)
    fo.restock({"line-2": 1}, at=T0)
    assert fo.status is WorkStatus.PARTIALLY_SHIPPED


def test_cancelling_the_rest_when_every_parcel_is_delivered_delivers_the_work() -> None:
    fo = packed()
    fo.ship(shipment("sh-1", line_1=2), at=T0)
    fo.record_tracking("sh-1", [TrackingEvent("delivered", T0.add(days=9))], at=T0)
    fo.cancel({"line-2": 1}, at=T0)
    fo.accept_cancellation(at=T0)
    assert fo.status is WorkStatus.DELIVERED


def test_an_idempotency_key_reused_for_another_message_is_refused() -> None:
    fo = new_fo()
    fo.submit(at=T0, key="k1")
    before = to_dict(fo)
    with pytest.raises(IdempotencyConflictError, match="RequestSubmitted, not WorkAccepted"):
        fo.accept(at=T0, key="k1")
    assert to_dict(fo) == before


def test_a_redelivered_message_with_a_later_timestamp_is_still_the_same_message() -> None:
    fo = new_fo()
    first = fo.submit(at=T0, key="k1")
    assert fo.submit(at=T0.add(minutes=5), key="k1") is first


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "delivered"),
        ("holds", [to_dict(ADDRESS_HOLD)]),
        ("request_status", "unsubmitted"),
        ("held_from", "delivered"),
    ],
)
def test_stored_data_that_contradicts_its_history_is_refused(field: str, value: object) -> None:
    data = to_dict(packed())
    data[field] = value
    with pytest.raises(ValidationError) as caught:
        from_dict(FulfillmentOrder, data)
    assert field in caught.value.paths


def test_stored_data_with_a_shuffled_history_is_refused() -> None:
    data = to_dict(packed())
    data["history"][2], data["history"][3] = data["history"][3], data["history"][2]
    with pytest.raises(ValidationError, match="does not replay"):
        from_dict(FulfillmentOrder, data)


def test_a_ledger_edited_by_hand_is_refused() -> None:
    data = to_dict(packed())
    line = data["lines"][0]
    line["in_progress"], line["shipped"] = 0, 2
    with pytest.raises(ValidationError) as caught:
        from_dict(FulfillmentOrder, data)
    assert caught.value.paths == ("lines",)


def test_a_cancellation_overtaken_by_delivery_can_still_be_answered() -> None:
    fo = packed()
    fo.cancel(at=T0)
    fo.ship(shipment("sh-1", line_1=2, line_2=1), at=T0)
    fo.record_tracking("sh-1", [TrackingEvent("delivered", T0.add(days=9))], at=T0)
    assert fo.status is WorkStatus.DELIVERED
    fo.reject_cancellation("everything was delivered", at=T0)
    assert fo.request_status is RequestStatus.CANCELLATION_REJECTED
    assert fo.status is WorkStatus.DELIVERED


def test_the_reason_of_an_immediate_cancel_is_kept() -> None:
    fo = new_fo()
    event = fo.cancel(at=T0, reason="customer changed their mind")
    assert isinstance(event, WorkCancelled)
    assert event.reason == "customer changed their mind"


def test_an_acceptance_that_arrives_while_held_is_recorded_and_work_resumes_accepted() -> None:
    fo = new_fo()
    fo.submit(at=T0)
    fo.place_hold(ADDRESS_HOLD, at=T0)
    fo.accept(at=T0)
    assert (fo.status, fo.request_status) == (WorkStatus.ON_HOLD, RequestStatus.ACCEPTED)
    fo.release_hold("incorrect_address", at=T0)
    assert fo.status is WorkStatus.ACCEPTED


def test_supported_actions_lists_commands_only() -> None:
    fo = shipped()
    assert "deliver" not in fo.supported_actions()
    assert "record_tracking" in fo.supported_actions()
    assert "record_tracking" not in new_fo().supported_actions()


def test_errors_name_the_method_that_was_called() -> None:
    with pytest.raises(IllegalTransitionError) as caught:
        shipped().cancel({"line-1": 1}, at=T0)
    assert caught.value.action == "cancel"
    assert "'cancel' is not allowed" in str(caught.value)


def test_packing_waits_until_every_unit_has_a_sourcing_decision() -> None:
    fo = sourcing()  # line-1: 1 in progress, 1 open
    with pytest.raises(IllegalTransitionError, match="'pack' is not allowed"):
        fo.pack(at=T0)
    fo.backorder({"line-1": 1, "line-2": 1}, restock_eta=None, at=T0)
    fo.pack(at=T0)  # what is ready goes; the backorders wait
    fo.ship(shipment("sh-1", line_1=1), at=T0)
    assert fo.status is WorkStatus.PARTIALLY_SHIPPED


def test_refusals_name_the_method_too() -> None:
    with pytest.raises(TransitionRefusedError, match="'release_hold' refused"):
        held_before_work().release_hold("invalid_sku", at=T0)


def test_a_copy_is_equal_and_independent() -> None:
    fo = accepted()
    fo.source({"line-1": 1}, at=T0, key="k-1")
    twin = fo.copy()
    assert twin == fo
    twin.source({"line-1": 1}, at=T0, key="k-2")
    assert (fo.version, twin.version) == (4, 5)
    assert fo.source({"line-1": 1}, at=T0, key="k-2").key == "k-2"  # not seen by the original


def test_a_failed_attempt_records_what_it_bought_and_a_permanent_failure_closes_the_effect() -> (
    None
):
    fo = new_fo()
    fo.schedule_effects([Effect("e1-ship", EffectKind.SHIP)], at=T0)
    fo.fail_effect(
        "e1-ship", "timed out", retryable=True, at=T0, labels=["JD1"], unanswered=["fo-1/p2"]
    )
    (failed,) = [event for event in fo.history if isinstance(event, EffectFailed)]
    assert (failed.labels, failed.unanswered) == (("JD1",), ("fo-1/p2",))
    assert [effect.id for effect in fo.outbox] == ["e1-ship"]  # retryable: still pending
    assert fo.attempts("e1-ship") == 1
    fo.fail_effect("e1-ship", "refused", retryable=False, at=T0)
    assert fo.outbox == ()
    assert [effect.id for effect, _ in fo.failed_effects] == ["e1-ship"]
    assert from_dict(FulfillmentOrder, json.loads(json.dumps(to_dict(fo)))) == fo


def test_the_labels_a_failure_records_must_be_text() -> None:
    fo = new_fo()
    fo.schedule_effects([Effect("e1-ship", EffectKind.SHIP)], at=T0)
    with pytest.raises(ValidationError) as caught:
        fo.fail_effect("e1-ship", "x", retryable=True, at=T0, labels=[""], unanswered=[7])  # type: ignore[list-item]
    assert caught.value.paths == ("labels[0]", "unanswered[0]")
    assert fo.attempts("e1-ship") == 0
