"""The order's status, derived from the fulfillment orders of its suppliers and their parcels."""

from __future__ import annotations

from collections.abc import Callable

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulfillment_core import (
    FulfillmentLine,
    FulfillmentOrder,
    Hold,
    IllegalTransitionError,
    LineRollup,
    OrderRollup,
    OrderStatus,
    Shipment,
    TrackingEvent,
    TransitionRefusedError,
    ValidationError,
    rollup,
)

from factories import make_line, make_order

T0 = pendulum.datetime(2026, 3, 2, 1, 0, tz="UTC")
ORDER = make_order(
    line_items=[
        make_line(0, quantity=2),
        make_line(1, sku="LAMP-SUNSET-01", title="Sunset lamp", quantity=1),
        make_line(2, sku="CABLE-USBC-2M", title="USB-C cable 2 m", quantity=3),
    ]
)
ORDERED = {item.id: item.quantity for item in ORDER.line_items}
ADDRESS_HOLD = Hold("incorrect_address", "shipping_address.postal_code", "customer", "missing")


def new_fo(
    fo_id: str = "fo-sz", lines: dict[str, int] | None = None, **overrides: str
) -> FulfillmentOrder:
    return FulfillmentOrder.open(
        fo_id,
        order_id=overrides.get("order_id", ORDER.id),
        supplier_id=overrides.get("supplier_id", "sup-sz-01"),
        lines=[FulfillmentLine.new(k, v) for k, v in (lines or ORDERED).items()],
        at=T0,
    )


SHIPPED_AT = T0.add(days=1)


def parcel(
    shipment_id: str, items: dict[str, int], *, at: pendulum.DateTime = SHIPPED_AT
) -> Shipment:
    return Shipment(shipment_id, "YunExpress", "Global Direct", [f"YT{shipment_id}"], items, at)


def deliver(fo: FulfillmentOrder, shipment_id: str, *, days: int = 12) -> None:
    fo.record_tracking(
        shipment_id,
        [
            TrackingEvent("out_for_delivery", T0.add(days=days, hours=-5)),
            TrackingEvent("delivered", T0.add(days=days)),
        ],
        at=T0.add(days=days),
    )


# --------------------------------------------------------------------------- builders


def submitted(fo: FulfillmentOrder | None = None) -> FulfillmentOrder:
    fo = fo or new_fo()
    fo.submit(at=T0)
    return fo


def accepted(fo: FulfillmentOrder | None = None) -> FulfillmentOrder:
    fo = submitted(fo)
    fo.accept(at=T0.add(hours=1))
    return fo


def sourcing(fo: FulfillmentOrder | None = None) -> FulfillmentOrder:
    fo = accepted(fo)
    fo.source({"line-1": 2}, at=T0.add(hours=2))
    return fo


def backordered(fo: FulfillmentOrder | None = None) -> FulfillmentOrder:
    fo = accepted(fo)
    fo.backorder(
        {item.line_id: item.open for item in fo.lines},
        restock_eta=T0.add(days=5),
        at=T0.add(hours=2),
    )
    return fo


def packed(fo: FulfillmentOrder | None = None) -> FulfillmentOrder:
    fo = accepted(fo)
    fo.source({item.line_id: item.open for item in fo.lines}, at=T0.add(hours=2))
    fo.pack(at=T0.add(hours=3))
    return fo


def partially_shipped() -> FulfillmentOrder:
    fo = packed()
    fo.ship(parcel("sh-1", {"line-1": 2, "line-2": 1}), at=T0.add(days=1))
    return fo


def shipped() -> FulfillmentOrder:
    fo = partially_shipped()
    fo.ship(parcel("sh-2", {"line-3": 3}, at=T0.add(days=2)), at=T0.add(days=2))
    return fo


def one_parcel_delivered() -> FulfillmentOrder:
    fo = shipped()
    deliver(fo, "sh-1")
    return fo


def delivered() -> FulfillmentOrder:
    fo = one_parcel_delivered()
    deliver(fo, "sh-2", days=13)
    return fo


def on_hold() -> FulfillmentOrder:
    fo = sourcing()
    fo.place_hold(ADDRESS_HOLD, at=T0.add(hours=3))
    return fo


def rejected() -> FulfillmentOrder:
    fo = submitted()
    fo.reject("the factory stopped making this lamp", at=T0.add(hours=1))
    return fo


def cancelled_before_work() -> FulfillmentOrder:
    fo = submitted()
    fo.cancel(at=T0.add(hours=1))
    return fo


def cancelled_on_request() -> FulfillmentOrder:
    fo = sourcing()
    fo.cancel(at=T0.add(hours=3), reason="the customer changed their mind")
    fo.accept_cancellation(at=T0.add(hours=4))
    return fo


SCENARIOS: dict[str, tuple[Callable[[], FulfillmentOrder], OrderStatus, str]] = {
    "pending": (new_fo, OrderStatus.UNFULFILLED, "UNFULFILLED"),
    "submitted": (submitted, OrderStatus.UNFULFILLED, "UNFULFILLED"),
    "accepted": (accepted, OrderStatus.IN_PROGRESS, "IN_PROGRESS"),
    "sourcing": (sourcing, OrderStatus.IN_PROGRESS, "IN_PROGRESS"),
    "backordered": (backordered, OrderStatus.IN_PROGRESS, "IN_PROGRESS"),
    "packed": (packed, OrderStatus.IN_PROGRESS, "IN_PROGRESS"),
    "on_hold": (on_hold, OrderStatus.ON_HOLD, "ON_HOLD"),
    "rejected": (rejected, OrderStatus.REQUEST_DECLINED, "REQUEST_DECLINED"),
    "partially_shipped": (partially_shipped, OrderStatus.PARTIALLY_SHIPPED, "PARTIALLY_FULFILLED"),
    "shipped": (shipped, OrderStatus.SHIPPED, "FULFILLED"),
    "one_parcel_delivered": (one_parcel_delivered, OrderStatus.PARTIALLY_DELIVERED, "FULFILLED"),
    "delivered": (delivered, OrderStatus.DELIVERED, "FULFILLED"),
    "cancelled_before_work": (cancelled_before_work, OrderStatus.CANCELLED, "UNFULFILLED"),
    "cancelled_on_request": (cancelled_on_request, OrderStatus.CANCELLED, "UNFULFILLED"),
}


def by_line(result: OrderRollup) -> dict[str, LineRollup]:
    return {line.line_id: line for line in result.lines}


def accounted(line: LineRollup) -> int:
    return (
        line.unrouted
        + line.open
        + line.in_progress
        + line.backordered
        + line.shipped
        + line.cancelled
        + line.declined
    )


# --------------------------------------------------------------------------- one supplier


def test_an_order_with_no_fulfillment_orders_is_unfulfilled_and_wholly_unrouted() -> None:
    result = rollup(ORDER, [])
    assert result.status is OrderStatus.UNFULFILLED
    assert result.shopify_display_fulfillment_status == "UNFULFILLED"
    assert [(line.line_id, line.unrouted) for line in result.lines] == list(ORDERED.items())


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_order_status_follows_its_one_fulfillment_order(name: str) -> None:
    build, status, shopify = SCENARIOS[name]
    result = rollup(ORDER, [build()])
    assert (result.status, result.shopify_display_fulfillment_status) == (status, shopify)


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_ordered_unit_is_accounted_for_once(name: str) -> None:
    result = rollup(ORDER, [SCENARIOS[name][0]()])
    assert {line.line_id: accounted(line) for line in result.lines} == ORDERED


def test_pending_work_leaves_every_unit_open() -> None:
    lines = by_line(rollup(ORDER, [submitted()]))
    assert [(line.open, line.unrouted) for line in lines.values()] == [(2, 0), (1, 0), (3, 0)]


def test_rejected_work_declines_its_units() -> None:
    lines = rollup(ORDER, [rejected()]).lines
    assert [line.declined for line in lines] == [2, 1, 3]
    assert [line.open for line in lines] == [0, 0, 0]


def test_backordered_units_are_counted_as_backordered() -> None:
    assert [line.backordered for line in rollup(ORDER, [backordered()]).lines] == [2, 1, 3]


def test_a_delivered_parcel_delivers_only_its_own_lines() -> None:
    lines = by_line(rollup(ORDER, [one_parcel_delivered()]))
    assert {k: (v.shipped, v.delivered) for k, v in lines.items()} == {
        "line-1": (2, 2),
        "line-2": (1, 1),
        "line-3": (3, 0),
    }


def test_a_partially_delivered_order_with_units_still_to_ship_is_partially_fulfilled() -> None:
    fo = partially_shipped()
    deliver(fo, "sh-1")
    result = rollup(ORDER, [fo])
    assert result.status is OrderStatus.PARTIALLY_DELIVERED
    assert result.shopify_display_fulfillment_status == "PARTIALLY_FULFILLED"


def test_cancelled_units_do_not_keep_the_rest_from_being_shipped() -> None:
    fo = accepted()
    fo.source({"line-1": 2, "line-2": 1}, at=T0.add(hours=2))
    fo.cancel({"line-3": 3}, at=T0.add(hours=2))
    fo.accept_cancellation(at=T0.add(hours=3))
    fo.pack(at=T0.add(hours=4))
    fo.ship(parcel("sh-1", {"line-1": 2, "line-2": 1}), at=T0.add(days=1))
    result = rollup(ORDER, [fo])
    assert (result.status, result.shopify_display_fulfillment_status) == (
        OrderStatus.SHIPPED,
        "FULFILLED",
    )
    assert by_line(result)["line-3"].cancelled == 3


def test_a_late_scan_after_delivery_keeps_the_order_delivered() -> None:
    fo = delivered()
    fo.record_tracking(
        "sh-1", [TrackingEvent("out_for_delivery", T0.add(days=20))], at=T0.add(days=20)
    )
    assert rollup(ORDER, [fo]).status is OrderStatus.DELIVERED


def test_an_old_delivery_of_a_recycled_tracking_number_does_not_deliver_the_order() -> None:
    fo = shipped()
    for shipment_id in ("sh-1", "sh-2"):
        fo.record_tracking(
            shipment_id, [TrackingEvent("delivered", T0.subtract(days=40))], at=T0.add(days=3)
        )
    assert rollup(ORDER, [fo]).status is OrderStatus.SHIPPED


# --------------------------------------------------------------------------- several suppliers


def split() -> tuple[FulfillmentOrder, FulfillmentOrder]:
    """Shenzhen makes the case and the lamp, Yiwu the cable."""
    sz = new_fo("fo-sz", {"line-1": 2, "line-2": 1})
    yw = new_fo("fo-yw", {"line-3": 3}, supplier_id="sup-yw-02")
    return sz, yw


def test_an_order_split_across_two_suppliers_is_rolled_up_line_by_line() -> None:
    sz, yw = split()
    packed(sz)
    sz.ship(parcel("sh-1", {"line-1": 2, "line-2": 1}), at=T0.add(days=1))
    deliver(sz, "sh-1")
    backordered(yw)
    result = rollup(ORDER, [sz, yw])
    assert result.status is OrderStatus.PARTIALLY_DELIVERED
    assert result.shopify_display_fulfillment_status == "PARTIALLY_FULFILLED"
    assert result.lines == (
        LineRollup("line-1", 2, 0, 0, 0, 0, 2, 0, 2, 0),
        LineRollup("line-2", 1, 0, 0, 0, 0, 1, 0, 1, 0),
        LineRollup("line-3", 3, 0, 0, 0, 3, 0, 0, 0, 0),
    )


def test_an_order_is_delivered_once_every_supplier_parcel_is() -> None:
    sz, yw = split()
    for fo, shipment_id in ((sz, "sh-sz"), (yw, "sh-yw")):
        packed(fo)
        items = {line.line_id: line.in_progress for line in fo.lines}
        fo.ship(parcel(shipment_id, items), at=T0.add(days=1))
        deliver(fo, shipment_id)
    assert rollup(ORDER, [sz, yw]).status is OrderStatus.DELIVERED


def test_one_supplier_on_hold_holds_an_order_nothing_has_shipped_from() -> None:
    sz, yw = split()
    accepted(sz)
    yw.place_hold(ADDRESS_HOLD, at=T0)
    assert rollup(ORDER, [sz, yw]).status is OrderStatus.ON_HOLD


def test_one_supplier_declining_while_another_works_is_in_progress() -> None:
    sz, yw = split()
    sourcing(sz)
    submitted(yw).reject("no cables", at=T0.add(hours=1))
    result = rollup(ORDER, [sz, yw])
    assert result.status is OrderStatus.IN_PROGRESS
    assert by_line(result)["line-3"].declined == 3


def test_lines_no_fulfillment_order_covers_count_as_unrouted() -> None:
    sz, _ = split()
    result = rollup(ORDER, [accepted(sz)])
    assert [line.unrouted for line in result.lines] == [0, 0, 3]
    assert result.status is OrderStatus.IN_PROGRESS


def test_an_unrouted_line_keeps_a_delivered_order_partially_delivered() -> None:
    sz, _ = split()
    packed(sz)
    sz.ship(parcel("sh-1", {"line-1": 2, "line-2": 1}), at=T0.add(days=1))
    deliver(sz, "sh-1")
    assert rollup(ORDER, [sz]).status is OrderStatus.PARTIALLY_DELIVERED


def test_fulfillment_orders_of_another_order_are_ignored() -> None:
    other = new_fo("fo-other", order_id="5912338890099")
    packed(other)
    other.ship(parcel("sh-9", ORDERED), at=T0.add(days=1))
    deliver(other, "sh-9")
    assert rollup(ORDER, [other]) == rollup(ORDER, [])


def test_rollup_reads_any_iterable_of_fulfillment_orders() -> None:
    sz, yw = split()
    assert rollup(ORDER, iter([sz, yw])) == rollup(ORDER, [sz, yw])


def test_declined_units_routed_to_another_supplier_are_counted_once() -> None:
    first = rejected()
    second = new_fo("fo-yw", supplier_id="sup-yw-02")
    result = rollup(ORDER, [first, second])
    assert {line.line_id: accounted(line) for line in result.lines} == ORDERED
    assert all(line.declined == 0 for line in result.lines)
    assert result.status is not OrderStatus.REQUEST_DECLINED


# --------------------------------------------------------------------------- the ledger invariant

HOLDS = [
    ADDRESS_HOLD,
    Hold("awaiting_payment", "payment_status", "merchant", "the payment is pending"),
]
#: The commands that move goods forward are drawn more often than holds, rejections and
#: cancellations, so that random runs reach shipping and delivery.
FORWARD = ("submit", "accept", "source", "backorder", "restock", "pack", "ship", "track")
ASIDE = ("reject", "hold", "release", "cancel", "accept_cancellation", "reject_cancellation")
COMMANDS = (*FORWARD * 5, *ASIDE)


def _next_command(data: st.DataObject, fo: FulfillmentOrder) -> str:
    """A command the tables allow now (its rule may still refuse it), or now and then any."""
    allowed = {"cancel" if a == "request_cancellation" else a for a in fo.supported_actions()}
    choices = [c for c in COMMANDS if c in allowed] if data.draw(st.integers(0, 9)) else []
    return data.draw(st.sampled_from(choices or COMMANDS))


def _some(data: st.DataObject, fo: FulfillmentOrder, bucket: str) -> dict[str, int] | None:
    """Some units of one line from ``bucket``, or None when the bucket is empty everywhere."""
    candidates = [line for line in fo.lines if getattr(line, bucket)]
    if not candidates:
        return None
    line = data.draw(st.sampled_from(candidates))
    return {line.line_id: data.draw(st.integers(1, getattr(line, bucket)))}


def _run(command: str, fo: FulfillmentOrder, data: st.DataObject, step: int) -> None:
    """Try ``command`` with arguments drawn from the aggregate's current state."""
    at = T0.add(hours=step)
    if command in ("submit", "accept", "pack", "accept_cancellation"):
        getattr(fo, command)(at=at)
    elif command in ("reject", "reject_cancellation"):
        getattr(fo, command)("the supplier said no", at=at)
    elif command == "hold":
        fo.place_hold(data.draw(st.sampled_from(HOLDS)), at=at)
    elif command == "release":
        fo.release_hold(data.draw(st.sampled_from(HOLDS)).reason, at=at)
    elif command in ("source", "backorder", "restock"):
        bucket = "backordered" if command == "restock" else "open"
        quantities = _some(data, fo, bucket)
        if quantities is None:
            return
        if command == "backorder":
            fo.backorder(quantities, restock_eta=at.add(days=5), at=at)
        else:
            getattr(fo, command)(quantities, at=at)
    elif command == "ship":
        items = {
            line.line_id: data.draw(st.integers(1, line.in_progress))
            for line in fo.lines
            if line.in_progress and data.draw(st.booleans())
        }
        if items:
            fo.ship(parcel(f"sh-{fo.id}-{step}", items, at=at), at=at)
    elif command == "track":
        if not fo.shipments:
            return
        target = data.draw(st.sampled_from(fo.shipments))
        status = data.draw(st.sampled_from(["in_transit", "out_for_delivery", "delivered"]))
        fo.record_tracking(target.id, [TrackingEvent(status, at.add(minutes=1))], at=at)
    elif command == "cancel":
        whole = data.draw(st.booleans())
        quantities = None if whole else _some(data, fo, "open")
        fo.cancel(quantities, at=at)


@st.composite
def fulfillment_orders(draw: st.DrawFn) -> list[FulfillmentOrder]:
    """One supplier for everything, or two suppliers, or one with a line left unrouted."""
    shape = draw(st.sampled_from(["one", "split", "unrouted"]))
    if shape == "one":
        return [new_fo()]
    sz, yw = split()
    return [sz] if shape == "unrouted" else [sz, yw]


def _snapshot(fo: FulfillmentOrder) -> tuple[object, ...]:
    return (fo.status, fo.request_status, fo.lines, fo.shipments, fo.holds, fo.version)


@given(fulfillment_orders(), st.data())
def test_every_unit_stays_accounted_for_whatever_the_suppliers_do(
    works: list[FulfillmentOrder], data: st.DataObject
) -> None:
    for step in range(data.draw(st.integers(0, 40))):
        fo = data.draw(st.sampled_from(works))
        command = _next_command(data, fo)
        before = _snapshot(fo)
        try:
            _run(command, fo, data, step)
        except (IllegalTransitionError, TransitionRefusedError):
            assert _snapshot(fo) == before
        for line in rollup(ORDER, works).lines:
            assert accounted(line) == line.ordered
            assert line.delivered <= line.shipped


def test_units_switched_to_a_backup_supplier_are_counted_once() -> None:
    first = new_fo()
    first.cancel({"line-1": 2}, at=T0)  # switched: the backup takes them
    backup = new_fo("fo-backup", {"line-1": 2}, supplier_id="sup-yw-02")
    result = rollup(ORDER, [first, backup])
    line = result.lines[0]
    assert (line.open, line.cancelled, line.routed_total) == (2, 0, line.ordered)


def test_a_rollup_of_something_that_is_not_an_order_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        rollup({"id": 1}, [])  # type: ignore[arg-type]
    assert caught.value.paths == ("order",)


def test_a_backup_that_rejects_switched_units_leaves_them_declined_not_fulfilled() -> None:
    first = new_fo()
    first.submit(at=T0)
    first.accept(at=T0)
    first.source({"line-1": 2}, at=T0)
    first.cancel({"line-2": ORDERED["line-2"]}, at=T0)
    first.accept_cancellation(at=T0)
    backup = new_fo("fo-backup", {"line-2": ORDERED["line-2"]}, supplier_id="sup-yw-02")
    backup.submit(at=T0)
    backup.reject("cannot source either", at=T0)
    line = rollup(ORDER, [first, backup]).lines[1]
    assert (line.declined, line.cancelled) == (ORDERED["line-2"], 0)


def test_a_switch_waiting_for_the_first_supplier_shows_as_over_routed_not_an_error() -> None:
    first = new_fo()
    first.submit(at=T0)
    first.accept(at=T0)
    first.cancel({"line-1": ORDERED["line-1"]}, at=T0)  # a request, not yet answered
    backup = new_fo("fo-backup", {"line-1": ORDERED["line-1"]}, supplier_id="sup-yw-02")
    line = rollup(ORDER, [first, backup]).lines[0]
    assert line.over_routed == ORDERED["line-1"]
