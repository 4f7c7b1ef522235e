"""The seed's whole process, end to end, through the service and the fakes (sync and async)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from fulfillment_core import (
    Audience,
    HoldReason,
    Insert,
    NotificationKind,
    RequestStatus,
    WorkStatus,
)
from fulfillment_core.messages import (
    Message,
    OrderDataUpdated,
    OrderPlaced,
    Outcome,
    PurchaseArrived,
    StockReported,
    Tick,
    TrackingReported,
)
from fulfillment_core.testing import make_address, make_line, make_order, make_policy

from service_world import BACKUP, PRIMARY, THREE_LINES, World

Handle = Callable[[Message], Outcome]

#: The seed's timings: ship when everything is in hand, wait up to 5 business days for stock.
SEED_POLICY = make_policy(split="ship_complete", max_restock_wait_days=5)


def walk_the_seed_process(world: World, handle: Handle) -> None:
    """Order with a missing postal code → held, merchant asked → data fixed → one line from the
    warehouse, one bought at the factory, one waiting for a short restock → all arrive → packed
    with inserts → labelled for the policy's service → tracking to the storefront and the
    customer → customs hold → delivered. Every notification is asserted as it is sent."""
    world.in_warehouse("SZ-PC-1501-B")
    world.at_factory("SZ-88121-R-M", ready_in_days=1)
    world.out_of_stock("SZ-MUG-W", restock_in_days=3)
    fo_id = f"5912338890017:{PRIMARY}"

    # 1. The order arrives without a postal code: held, and the merchant is asked.
    placed = make_order(line_items=THREE_LINES, shipping_address=make_address(postal_code=None))
    outcome = handle(OrderPlaced(key="orders-create-1", order=placed))
    assert outcome.fulfillment_order_ids == (fo_id,)
    work = world.work(fo_id)
    assert work.status is WorkStatus.ON_HOLD
    assert [(h.reason, h.path) for h in work.holds] == [
        (HoldReason.INCORRECT_ADDRESS, "shipping_address.postal_code")
    ]
    (asked,) = world.notifier.sent
    assert (asked.audience, asked.kind) == (Audience.MERCHANT, NotificationKind.DATA_REQUESTED)
    assert asked.detail("path") == "shipping_address.postal_code"
    assert world.storefront.holds[fo_id] == work.holds
    assert world.supplier.requests == []  # nothing goes to the supplier while held

    # 2. The merchant fixes the address: released, requested, accepted, sourced.
    handle(OrderDataUpdated(key="orders-updated-1", order=make_order(line_items=THREE_LINES)))
    work = world.work(fo_id)
    assert world.storefront.holds[fo_id] == ()
    (request,) = world.supplier.requests
    assert request.shipping_address.postal_code == "94043"
    assert request.inserts == frozenset({Insert.PACKING_SLIP})  # blind shipping, by the policy
    assert work.request_status is RequestStatus.ACCEPTED
    ledger = {line.line_id: (line.in_progress, line.backordered) for line in work.lines}
    assert ledger == {"line-1": (1, 0), "line-2": (0, 1), "line-3": (0, 1)}
    ((bought_for, bought_sku, bought, confirmation),) = world.supplier.purchases
    assert (bought_for, bought_sku, bought) == (fo_id, "SZ-88121-R-M", 1)
    assert world.told()[1:] == [("merchant", "hold_released"), ("merchant", "backordered")]
    backordered = world.notifier.sent[-1]
    assert backordered.detail("lines") == "line-3 x1"
    assert world.storefront.fulfillments == {}  # ship_complete: the case waits for the rest

    # 3. The factory's tee arrives the next day: nothing to tell anyone.
    world.clock.advance(days=1)
    handle(PurchaseArrived(key="po-arrived-1", fulfillment_order_id=fo_id,
                           purchase_id=confirmation.purchase_id))  # fmt: skip
    assert len(world.notifier.sent) == 3
    assert world.work(fo_id).status is WorkStatus.READY_TO_PACK

    # 4. The mug is restocked two days later: everything is in hand, one parcel leaves.
    world.clock.advance(days=2)
    world.in_warehouse("SZ-MUG-W", quantity=12)
    restock = world.supplier.stock(["SZ-MUG-W"])["SZ-MUG-W"]
    handle(StockReported(key="stock-mug-1", supplier_id=PRIMARY, stock=restock))
    work = world.work(fo_id)
    assert work.status is WorkStatus.SHIPPED
    (parcel,) = work.shipments
    assert {(i.line_id, i.quantity) for i in parcel.items} == {
        ("line-1", 1),
        ("line-2", 1),
        ("line-3", 1),
    }
    assert (parcel.carrier, parcel.service) == ("DHL", "Express Worldwide")  # policy: fastest
    label = world.carrier.labels[parcel.id]
    assert parcel.tracking_numbers == (label.tracking_number,)
    pushed = world.storefront.fulfillments[parcel.id]
    assert (pushed.tracking_company, pushed.tracking_numbers) == ("DHL", (label.tracking_number,))
    assert pushed.tracking_urls == (label.tracking_url,)
    assert world.told()[3:] == [("merchant", "restocked"), ("customer", "shipped")]
    shipped = world.notifier.sent[-1]
    assert shipped.detail("tracking_numbers") == label.tracking_number
    assert shipped.detail("carrier") == "DHL"

    # 5. The carrier reports: held at customs, then delivered.
    journey = world.carrier.journey(label, customs_hold=True)
    held_at = next(i for i, e in enumerate(journey) if e.incident == "customs")
    world.clock.set(journey[held_at].occurred_at)
    handle(TrackingReported(key="track-1", fulfillment_order_id=fo_id, shipment_id=parcel.id,
                            events=journey[: held_at + 1]))  # fmt: skip
    assert world.told()[5:] == [("customer", "held_at_customs")]
    world.clock.set(journey[-1].occurred_at)
    handle(TrackingReported(key="track-2", fulfillment_order_id=fo_id, shipment_id=parcel.id,
                            events=journey[held_at + 1 :]))  # fmt: skip
    assert world.told()[6:] == [("customer", "delivered")]
    work = world.work(fo_id)
    assert work.status is WorkStatus.DELIVERED
    assert work.outbox == ()
    assert world.repository.active_ids() == ()

    # A tick afterwards finds nothing to do or say.
    handle(Tick(key="tick-after"))
    assert len(world.notifier.sent) == 7


def walk_a_restock_too_far_off(world: World, handle: Handle) -> None:
    """A second order: the mug's restock is 30 days out and nobody else makes it (cancelled,
    merchant told why); the case's restock too, but the backup has it (switched, told why)."""
    world.out_of_stock("SZ-MUG-W", restock_in_days=30)
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=30)
    world.in_warehouse("YW-C15-B", quantity=3, backup=True)
    lines = (make_line(0), make_line(1, sku="MUG-WHT", quantity=2, title="Ceramic mug - White"))
    order = make_order(id="5912338890018", reference="#1002", line_items=lines)
    handle(OrderPlaced(key="orders-create-2", order=order))
    primary = world.work(f"5912338890018:{PRIMARY}")
    assert primary.status is WorkStatus.CANCELLED
    assert [(line.line_id, line.cancelled) for line in primary.lines] == [
        ("line-1", 1),
        ("line-2", 2),
    ]
    told = [n for n in world.notifier.sent if n.order_id == "5912338890018"]
    switched = next(n for n in told if n.kind is NotificationKind.SUPPLIER_SWITCHED)
    assert (switched.detail("from_supplier"), switched.detail("to_supplier")) == (PRIMARY, BACKUP)
    assert "beyond the 5-day limit" in switched.detail("reason")
    (cancelled,) = [n for n in told if n.kind is NotificationKind.CANCELLED]
    assert cancelled.audience is Audience.MERCHANT
    assert cancelled.detail("quantity") == "2"
    assert "restock expected in" in cancelled.detail("reason")
    assert "find another source" in cancelled.detail("reason")
    # The storefront hears of the mugs only: the case goes on, with the backup supplier.
    (report,) = [c for c in world.storefront.cancellations if c[0] == "5912338890018"]
    assert [(q.line_id, q.quantity) for q in report[2]] == [("line-2", 2)]
    backup = world.work(switched.detail("to_fulfillment_order"))
    assert backup.supplier_id == BACKUP
    assert [(line.line_id, line.supplier_sku) for line in backup.lines] == [("line-1", "YW-C15-B")]
    assert backup.status is WorkStatus.SHIPPED
    assert [n.kind for n in told if n.fulfillment_order_id == backup.id] == [
        NotificationKind.SHIPPED
    ]


def test_the_seed_process_runs_end_to_end_through_the_sync_service() -> None:
    world = World(SEED_POLICY)
    walk_the_seed_process(world, world.handle)


def test_a_restock_too_far_off_cancels_or_switches_through_the_sync_service() -> None:
    world = World(SEED_POLICY)
    walk_a_restock_too_far_off(world, world.handle)


@pytest.mark.parametrize("walk", [walk_the_seed_process, walk_a_restock_too_far_off])
def test_the_async_service_walks_the_same_process(walk: Callable[[World, Handle], None]) -> None:
    world = World(SEED_POLICY)
    service = world.async_service()
    with asyncio.Runner() as runner:
        walk(world, lambda message: runner.run(service.handle(message)))


def test_both_services_leave_identical_work_and_tell_the_same_people() -> None:
    sync_world, async_world = World(SEED_POLICY), World(SEED_POLICY)
    walk_the_seed_process(sync_world, sync_world.handle)
    service = async_world.async_service()
    with asyncio.Runner() as runner:
        walk_the_seed_process(async_world, lambda message: runner.run(service.handle(message)))
    assert sync_world.repository.fulfillment_orders == async_world.repository.fulfillment_orders
    assert sync_world.notifier.sent == async_world.notifier.sent
