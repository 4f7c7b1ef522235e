"""The service at awkward moments: work on hold, cancellations racing labels, restocks that slip,
switches of several lines, crashes between two saves, stale reports, poisoned work."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

import fulfillment_core.service._effects as effects
from fulfillment_core import (
    CarrierQuote,
    CatalogEntry,
    EffectsScheduled,
    FulfillmentOrder,
    GoodsSourced,
    InWarehouse,
    LineQuantity,
    MessageNoted,
    NotificationKind,
    Order,
    SkuSource,
    WorkAccepted,
    WorkStatus,
)
from fulfillment_core.exceptions import (
    PermanentAdapterError,
    RetryableAdapterError,
    TransitionRefusedError,
    ValidationError,
)
from fulfillment_core.lifecycle import RequestStatus
from fulfillment_core.messages import (
    LabelBought,
    Message,
    OrderCancellationRequested,
    OrderDataUpdated,
    OrderPlaced,
    PurchaseArrived,
    RetryFailedEffects,
    StockReported,
    SupplierRejected,
    Tick,
)
from fulfillment_core.ports import Label, ParcelRequest
from fulfillment_core.testing import (
    PHONE_CASE_CUSTOMS,
    FakeCarrier,
    FakeSupplier,
    InMemoryRepository,
    make_address,
    make_catalog,
    make_fulfillment_order,
    make_line,
    make_order,
)

from service_world import BACKUP, MUG, PRIMARY, World

FO_ID = f"5912338890017:{PRIMARY}"
NO_ZIP = make_address(postal_code=None)


def timeout(port: str, operation: str) -> RetryableAdapterError:
    return RetryableAdapterError(port, operation, "timed out")


class CrashError(Exception):
    """The process died."""


# --------------------------------------------------------------------------- held work


def test_a_request_pending_when_the_work_is_held_waits_for_the_release() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.supplier.fail_next("submit_request", timeout("supplier", "submit_request"))
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    world.handle(OrderDataUpdated(key="u-1", order=make_order(shipping_address=NO_ZIP)))
    assert world.supplier.requests == []  # not sent with the broken address
    world.handle(OrderDataUpdated(key="u-2", order=make_order()))
    assert [r.shipping_address.postal_code for r in world.supplier.requests] == ["94043"]
    assert world.work(FO_ID).status is WorkStatus.SHIPPED


def test_no_label_is_bought_for_held_work_and_a_new_address_gets_a_new_parcel() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.carrier.fail_next("buy_label", timeout("carrier", "buy_label"))
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    world.handle(OrderDataUpdated(key="u-1", order=make_order(shipping_address=NO_ZIP)))
    assert world.carrier.labels == {}
    moved = make_address(address1="2 Newer Street", postal_code="94041")
    world.handle(OrderDataUpdated(key="u-2", order=make_order(shipping_address=moved)))
    (label,) = world.carrier.labels.values()
    (request,) = [p for p in world.carrier.quote_requests if p.destination == moved][:1]
    assert request.destination.address1 == "2 Newer Street"
    assert world.work(FO_ID).shipments[0].tracking_numbers == (label.tracking_number,)


def test_a_factory_purchase_waits_while_the_work_is_held_and_is_made_once() -> None:
    world = World()
    world.at_factory("SZ-PC-1501-B")
    world.supplier.fail_next("purchase", timeout("supplier", "purchase"))
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    world.handle(OrderDataUpdated(key="u-1", order=make_order(shipping_address=NO_ZIP)))
    assert world.supplier.purchases == []
    world.handle(OrderDataUpdated(key="u-2", order=make_order()))
    assert len(world.supplier.purchases) == 1


def test_goods_arriving_for_held_work_are_received_when_the_hold_is_released() -> None:
    world = World()
    world.at_factory("SZ-PC-1501-B")
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    ((_, _, _, confirmation),) = world.supplier.purchases
    world.handle(OrderDataUpdated(key="u-1", order=make_order(shipping_address=NO_ZIP)))
    arrived = world.handle(
        PurchaseArrived(key="p-1", fulfillment_order_id=FO_ID, purchase_id=confirmation.purchase_id)
    )
    assert "arrived while on_hold" in arrived.notes[0]
    assert [e.kind.value for e in world.work(FO_ID).outbox] == ["receive"]
    world.handle(OrderDataUpdated(key="u-2", order=make_order()))
    assert world.work(FO_ID).status is WorkStatus.SHIPPED


def test_a_stock_report_skips_held_work_and_restocks_the_rest() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(OrderPlaced(key="o-1", order=make_order(id="A1")))
    world.handle(OrderPlaced(key="o-2", order=make_order(id="B2")))
    world.handle(OrderDataUpdated(key="u-1", order=make_order(id="A1", shipping_address=NO_ZIP)))
    stock = InWarehouse("SZ-PC-1501-B", as_of=world.clock.now(), quantity=1)
    outcome = world.handle(StockReported(key="s-1", supplier_id=PRIMARY, stock=stock))
    assert outcome.notes == (f"A1:{PRIMARY}: on_hold, not restocked",)
    assert world.work(f"B2:{PRIMARY}").status is WorkStatus.SHIPPED
    assert world.work(f"A1:{PRIMARY}").line("line-1").backordered == 1


# --------------------------------------------------------------------------- cancellations


def test_a_cancellation_while_a_label_is_pending_stops_the_parcel() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.carrier.fail_next("buy_label", timeout("carrier", "buy_label"))
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    world.handle(OrderCancellationRequested(key="c-1", order_id="5912338890017", reason="no"))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.CANCELLED
    assert world.carrier.labels == {}
    # The purchase that timed out may have gone through: the merchant is asked to look.
    assert sorted(world.notifier.kinds()) == [
        NotificationKind.ACTION_REQUIRED,
        NotificationKind.CANCELLED,
    ]


def test_a_cancellation_reported_twice_after_a_crash_reaches_the_storefront_once() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    storefront = world.storefront
    original = storefront.report_cancellation

    def report_then_die(*args: object, **kwargs: object) -> None:
        original(*args, **kwargs)  # type: ignore[arg-type]
        raise CrashError("died after reporting")

    storefront.report_cancellation = report_then_die  # type: ignore[method-assign]
    with pytest.raises(CrashError):
        world.handle(OrderCancellationRequested(key="c-1", order_id="5912338890017"))
    storefront.report_cancellation = original  # type: ignore[method-assign]
    world.handle(Tick(key="t-1"))
    assert len(storefront.cancellations) == 1
    assert world.work(FO_ID).outbox == ()


def test_units_the_service_takes_away_are_withdrawn_from_the_supplier() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=30)
    world.in_warehouse("YW-C15-B", backup=True)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    assert world.supplier.cancellation_requests == [(FO_ID, (LineQuantity("line-1", 1),))]
    assert world.work(FO_ID).status is WorkStatus.CANCELLED


# --------------------------------------------------------------------------- switches


def test_two_lines_switched_to_one_backup_go_to_one_new_work() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=30)
    world.in_warehouse("YW-C15-B", backup=True)
    lines = (make_line(0, quantity=2), make_line(1, quantity=3))
    world.handle(OrderPlaced(key="o-1", order=make_order(line_items=lines)))
    (backup_id,) = [i for i in world.repository.ids() if BACKUP in i]
    backup = world.work(backup_id)
    assert [(line.line_id, line.shipped) for line in backup.lines] == [("line-1", 2), ("line-2", 3)]
    (switched,) = [n for n in world.notifier.sent if n.kind is NotificationKind.SUPPLIER_SWITCHED]
    assert switched.detail("lines") == "line-1 x2, line-2 x3"


def test_a_backup_that_does_not_ship_to_the_customer_is_not_offered() -> None:
    world = World()
    world.backup = world.backup.__class__(
        id=BACKUP, name="Yiwu Case Co", timezone="Asia/Shanghai", country="CN",
        destinations={"GB"},
    )  # fmt: skip
    world.service = world.sync_service(suppliers=[world.primary, world.backup])
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=30)
    world.in_warehouse("YW-C15-B", backup=True)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    assert world.backup_supplier.requests == []
    assert world.work(FO_ID).status is WorkStatus.CANCELLED


def test_a_backup_that_times_out_is_asked_again_rather_than_passed_over() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=30)
    world.in_warehouse("YW-C15-B", backup=True)
    # Asked with the acceptance, then by the source effect: both time out.
    world.backup_supplier.fail_next("stock", timeout("supplier", "stock"), times=2)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    assert world.work(FO_ID).status is WorkStatus.ACCEPTED
    world.handle(Tick(key="t-1"))
    (backup_id,) = [i for i in world.repository.ids() if BACKUP in i]
    assert world.work(backup_id).status is WorkStatus.SHIPPED


# --------------------------------------------------------------------------- the stock read


def test_the_stock_is_read_with_the_acceptance_and_sourced_in_the_same_save() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.SHIPPED
    assert [e.kind.value for e in work.effects][:2] == ["submit_request", "ship"]
    accepted = next(e for e in work.history if isinstance(e, WorkAccepted))
    sourced = next(e for e in work.history if isinstance(e, GoodsSourced))
    assert accepted.key == "fx:e1-submit_request:1"
    assert sourced.key == "fx:e1-submit_request:1#2"  # the same settlement, the same save


@pytest.mark.parametrize("times", [1, 2])
def test_a_stock_read_that_times_out_settles_the_acceptance_and_leaves_the_read_to_sourcing(
    times: int,
) -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.supplier.fail_next("stock", timeout("supplier", "stock"), times=times)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    work = world.work(FO_ID)
    assert work.request_status is RequestStatus.ACCEPTED
    # The source effect reads again at once, named after the request: it takes no number,
    # so the label's effect has the id it has when the read goes well.
    ids = [effect.id for effect in work.effects]
    assert ids[:2] == ["e1-submit_request", "then:source:e1-submit_request"]
    if times == 2:  # that read timed out too: a tick retries it
        assert work.status is WorkStatus.ACCEPTED
        assert [e.kind.value for e in work.outbox] == ["source"]
        world.handle(Tick(key="t-1"))
        work = world.work(FO_ID)
    assert work.status is WorkStatus.SHIPPED
    assert "e2-ship" in [e.id for e in work.effects]
    assert len(world.supplier.requests) == 1
    assert work.holds == ()


def test_a_cancellation_after_a_timed_out_stock_read_waits_for_the_suppliers_answer() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.supplier.fail_next("stock", timeout("supplier", "stock"), times=2)
    three = make_order(line_items=[make_line(0, quantity=3)])
    world.handle(OrderPlaced(key="o-1", order=three))
    world.supplier.mark_shipped(FO_ID)  # the supplier will refuse to drop units
    world.handle(
        OrderCancellationRequested(
            key="c-1", order_id="5912338890017", quantities={"line-1": 1}, reason="changed mind"
        )
    )
    for index in range(3):
        world.clock.advance(minutes=10)
        world.handle(Tick(key=f"t-{index}"))
    # The supplier had accepted the work: the unit is asked back, and it said no.
    assert world.storefront.cancellations == []
    assert world.work(FO_ID).line("line-1").cancelled == 0


def test_a_request_landing_after_a_whole_cancellation_is_withdrawn_even_if_its_read_fails() -> None:
    world, placing, call = _cancelled_while_sending()
    for index in range(3):  # the withdraw finds no request, twice: "never had the request"
        world.clock.advance(minutes=10)
        world.handle(Tick(key=f"t-{index}"))
    world.supplier.fail_next("stock", timeout("supplier", "stock"))
    _finish(world.service, placing, call)  # the request lands and is accepted
    for index in range(3):
        world.clock.advance(minutes=10)
        world.handle(Tick(key=f"t-late-{index}"))
    assert world.work(FO_ID).status is WorkStatus.CANCELLED
    assert sum(_dropped(world)) == 3  # every unit taken back from the supplier


def test_an_acceptance_whose_sourcing_is_refused_is_settled_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = effects._apply_sourcing
    calls = []

    def refuses_once(*args: Any, **kwargs: Any) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise TransitionRefusedError("fulfillment order", "accepted", "source", "a bug")
        return real(*args, **kwargs)

    monkeypatch.setattr(effects, "_apply_sourcing", refuses_once)
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    work = world.work(FO_ID)
    assert work.request_status is RequestStatus.ACCEPTED  # the acceptance is not lost
    assert "then:source:e1-submit_request" in [e.id for e in work.effects]
    assert work.status is WorkStatus.SHIPPED


def test_a_source_left_failed_after_a_retried_request_is_retried_on_request() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    down = PermanentAdapterError("supplier", "submit_request", "the API is down")
    world.supplier.fail_next("submit_request", down)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    assert world.work(FO_ID).holds  # the request failed for good; the merchant retries it
    world.supplier.fail_next("stock", PermanentAdapterError("supplier", "stock", "down"), times=2)
    world.handle(RetryFailedEffects(key="r-1", fulfillment_order_id=FO_ID))
    work = world.work(FO_ID)
    # Named after the request, not after its retry (whose "~1" would read as a retry of it).
    assert "then:source:e1-submit_request" in [effect.id for effect in work.effects]
    assert work.holds  # the source failed for good too; the merchant retries again
    world.handle(RetryFailedEffects(key="r-2", fulfillment_order_id=FO_ID))
    work = world.work(FO_ID)
    assert work.holds == ()
    assert work.status is WorkStatus.SHIPPED


class _JunkStockOnce(FakeSupplier):
    """A supplier whose first stock answer is not a stock status."""

    def __init__(self, clock: Any) -> None:
        super().__init__(clock)
        self.junk = 1

    def stock(self, supplier_skus: Any) -> Any:
        if self.junk:
            self.junk -= 1
            return dict.fromkeys(supplier_skus, "plenty")
        return super().stock(supplier_skus)


@pytest.mark.parametrize("failure", ["permanent", "junk"])
def test_a_stock_read_that_cannot_succeed_leaves_the_sourcing_to_its_own_effect(
    failure: str,
) -> None:
    world = World()
    if failure == "junk":
        world.supplier = _JunkStockOnce(world.clock)
        world.service = world.sync_service(
            gateways={PRIMARY: world.supplier, BACKUP: world.backup_supplier}
        )
    else:
        world.supplier.fail_next("stock", PermanentAdapterError("supplier", "stock", "closed"))
    world.in_warehouse("SZ-PC-1501-B")
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    work = world.work(FO_ID)
    # The acceptance is settled; the sourcing asks again, under its own name (and would fail
    # there, holding the work, if the supplier kept failing).
    assert [e.kind.value for e in work.effects][:3] == ["submit_request", "source", "ship"]
    assert work.status is WorkStatus.SHIPPED
    assert work.failed_effects == ()
    assert work.holds == ()


def test_a_backup_that_cannot_answer_offers_nothing_and_the_rest_goes_on() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=30)
    world.in_warehouse("SZ-88121-R-M")
    world.backup_supplier.fail_next(
        "stock", PermanentAdapterError("supplier", "stock", "account closed")
    )
    lines = (make_line(0), make_line(1, sku="TEE-RED-M", title="Tee"))
    outcome = world.handle(OrderPlaced(key="o-1", order=make_order(line_items=lines)))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.SHIPPED
    assert work.line("line-1").cancelled == 1
    assert work.holds == ()
    assert any("did not answer" in note for note in outcome.notes) or any(
        "did not answer" in (e.note or "") for e in work.history if hasattr(e, "note")
    )


# --------------------------------------------------------------------------- restocks


def test_a_restock_that_slips_is_followed_to_its_new_date() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    world.clock.advance(days=2, minutes=1)
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(Tick(key="t-1"))
    work = world.work(FO_ID)
    assert work.line("line-1").restock_eta == world.clock.now().add(days=2)
    assert world.notifier.kinds()[-1] is NotificationKind.BACKORDERED
    world.clock.advance(days=2, minutes=1)
    world.in_warehouse("SZ-PC-1501-B")
    world.handle(Tick(key="t-2"))
    assert world.work(FO_ID).status is WorkStatus.SHIPPED


def test_a_restock_now_at_the_factory_is_bought_for_the_waiting_units() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    world.clock.advance(days=2, minutes=1)
    world.at_factory("SZ-PC-1501-B", ready_in_days=1)
    world.handle(Tick(key="t-1"))
    ((_, _, units, confirmation),) = world.supplier.purchases
    assert units == 1
    world.handle(
        PurchaseArrived(key="p-1", fulfillment_order_id=FO_ID, purchase_id=confirmation.purchase_id)
    )
    assert world.work(FO_ID).status is WorkStatus.SHIPPED


def test_a_redelivered_stock_report_does_not_hand_out_the_same_unit_twice() -> None:
    class DiesOnSecondSave(InMemoryRepository):
        armed = False

        def save(self, fulfillment_order: object, expected_version: int) -> None:
            if self.armed and fulfillment_order.id.startswith("B2"):  # type: ignore[attr-defined]
                self.armed = False
                raise CrashError("died saving B2")
            super().save(fulfillment_order, expected_version)  # type: ignore[arg-type]

    world = World()
    world.repository = DiesOnSecondSave()
    world.service = world.sync_service()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(OrderPlaced(key="o-1", order=make_order(id="A1")))
    world.handle(OrderPlaced(key="o-2", order=make_order(id="B2")))
    stock = InWarehouse("SZ-PC-1501-B", as_of=world.clock.now(), quantity=1)
    world.repository.armed = True
    with pytest.raises(CrashError):
        world.handle(StockReported(key="s-1", supplier_id=PRIMARY, stock=stock))
    world.handle(StockReported(key="s-1", supplier_id=PRIMARY, stock=stock))
    in_hand = sum(
        world.work(f"{order}:{PRIMARY}").line("line-1").in_progress
        + world.work(f"{order}:{PRIMARY}").line("line-1").shipped
        for order in ("A1", "B2")
    )
    assert in_hand == 1


# --------------------------------------------------------------------------- placing and routing


class _DiesOnSecondAdd(InMemoryRepository):
    """A repository whose worker dies when adding the second work (once)."""

    adds = 0

    def add(self, fulfillment_order: FulfillmentOrder) -> None:
        self.adds += 1
        if self.adds == 2:
            raise CrashError("died before the second add")
        super().add(fulfillment_order)


def _split_order_dying_on_second_add() -> tuple[World, Order]:
    """An order split between the two suppliers, both in stock; its second work's add dies."""
    bag = CatalogEntry("BAG-1", [SkuSource(BACKUP, "YW-BAG-1")], customs=PHONE_CASE_CUSTOMS)
    world = World()
    world.catalog = make_catalog(MUG, bag)
    world.repository = _DiesOnSecondAdd()
    world.service = world.sync_service(catalog=world.catalog)
    world.in_warehouse("SZ-PC-1501-B")
    world.in_warehouse("YW-BAG-1", backup=True)
    return world, make_order(line_items=(make_line(0), make_line(1, sku="BAG-1", title="Bag")))


def test_a_placement_that_died_between_two_suppliers_works_is_completed_on_redelivery() -> None:
    world, order = _split_order_dying_on_second_add()
    with pytest.raises(CrashError):
        world.handle(OrderPlaced(key="o-1", order=order))
    world.handle(OrderPlaced(key="o-1", order=order))  # the webhook again
    statuses = {i: world.work(i).status for i in world.repository.ids()}
    assert statuses == {
        FO_ID: WorkStatus.SHIPPED,
        f"5912338890017:{BACKUP}": WorkStatus.SHIPPED,
    }


def test_an_edit_that_placed_the_order_and_died_between_two_works_finishes_on_redelivery() -> None:
    world, order = _split_order_dying_on_second_add()
    edit = OrderDataUpdated(key="edit-1", order=order)  # came before the order: its placement
    with pytest.raises(CrashError):
        world.handle(edit)
    again = world.handle(edit)  # the queue delivers it again
    assert not again.replayed
    assert world.handle(OrderPlaced(key="o-1", order=order)).replayed
    statuses = {i: world.work(i).status for i in world.repository.ids()}
    assert statuses == {
        FO_ID: WorkStatus.SHIPPED,
        f"5912338890017:{BACKUP}": WorkStatus.SHIPPED,
    }


def test_a_line_mapped_after_the_order_came_gets_its_own_work_on_the_data_update() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.in_warehouse("SZ-BAG-1")
    order = make_order(line_items=(make_line(0), make_line(1, sku="BAG-1", title="Bag")))
    world.handle(OrderPlaced(key="o-1", order=order))
    assert world.work(FO_ID).status is WorkStatus.ON_HOLD
    bag = CatalogEntry("BAG-1", [SkuSource(PRIMARY, "SZ-BAG-1")], customs=PHONE_CASE_CUSTOMS)
    world.service = world.sync_service(catalog=make_catalog(MUG, bag))  # the merchant maps it
    world.handle(OrderDataUpdated(key="u-1", order=order))
    shipped = {
        line.line_id: line.shipped
        for fo_id in world.repository.ids()
        for line in world.work(fo_id).lines
    }
    assert shipped == {"line-1": 1, "line-2": 1}


def test_an_order_nobody_could_route_is_routed_again_once_mapped() -> None:
    world = World()
    world.in_warehouse("SZ-BAG-1")
    order = make_order(line_items=(make_line(0, sku="BAG-1", title="Bag"),))
    world.handle(OrderPlaced(key="o-1", order=order))
    bag = CatalogEntry("BAG-1", [SkuSource(PRIMARY, "SZ-BAG-1")], customs=PHONE_CASE_CUSTOMS)
    world.service = world.sync_service(catalog=make_catalog(MUG, bag))
    world.handle(OrderDataUpdated(key="u-1", order=order))
    statuses = sorted(world.work(i).status.value for i in world.repository.ids())
    assert statuses == ["cancelled", "shipped"]  # the unmapped placeholder, then the real work
    assert world.storefront.cancellations == []  # moved, not cancelled for the customer


# --------------------------------------------------------------------------- replays and poison


def test_a_data_update_that_changed_nothing_is_recognised_when_it_comes_again() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    first = make_order(shipping_address=make_address(address1="1 New Street"))
    world.handle(OrderDataUpdated(key="u-1", order=first))
    world.handle(OrderDataUpdated(key="u-2", order=make_order(shipping_address=NO_ZIP)))
    again = world.handle(OrderDataUpdated(key="u-1", order=first))
    assert again.replayed
    assert world.work(FO_ID).status is WorkStatus.ON_HOLD
    assert any(isinstance(e, MessageNoted) for e in world.work(FO_ID).history)


def test_a_replayed_tick_schedules_nothing_at_all() -> None:
    world = World()
    world.handle(OrderPlaced(key="o-1", order=make_order(shipping_address=NO_ZIP)))
    world.clock.advance(days=10)
    world.handle(Tick(key="t-1"))
    scheduled = [e for e in world.work(FO_ID).history if isinstance(e, EffectsScheduled)]
    world.handle(Tick(key="t-1"))
    again = [e for e in world.work(FO_ID).history if isinstance(e, EffectsScheduled)]
    assert again == scheduled


def test_an_order_of_many_lines_is_sourced_with_a_short_note() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B", quantity=500)
    lines = tuple(make_line(i) for i in range(90))
    world.handle(OrderPlaced(key="o-1", order=make_order(line_items=lines)))
    assert world.work(FO_ID).status is WorkStatus.SHIPPED


def test_one_work_raising_does_not_keep_a_tick_from_the_others() -> None:
    class Breaks:
        def __init__(self, fake: object) -> None:
            self.fake = fake

        def __getattr__(self, name: str) -> object:
            return getattr(self.fake, name)

        def stock(self, supplier_skus: object) -> object:
            if "SZ-MUG-W" in supplier_skus:  # type: ignore[operator]
                raise TypeError("the adapter has a bug")
            return self.fake.stock(supplier_skus)  # type: ignore[attr-defined]

    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.supplier = Breaks(world.supplier)  # type: ignore[assignment]
    world.service = world.sync_service()
    world.carrier.fail_next("buy_label", timeout("carrier", "buy_label"))
    world.handle(OrderPlaced(key="o-1", order=make_order(id="B2")))
    with pytest.raises(TypeError):
        world.handle(OrderPlaced(key="o-2", order=make_order(id="A1", line_items=[
            make_line(0, sku="MUG-WHT", title="Mug")])))  # fmt: skip
    with pytest.raises(TypeError):  # the bug is raised, after the other work was retried
        world.handle(Tick(key="t-1"))
    assert world.work(f"B2:{PRIMARY}").status is WorkStatus.SHIPPED


def test_a_message_the_service_does_not_know_is_refused_by_name() -> None:
    class Ping(Message):
        pass

    with pytest.raises(ValidationError) as error:
        World().handle(Ping(key="p-1"))
    assert error.value.paths == ("message",)


# --------------------------------------------------------------------------- second review


def _shipped_units(world: World) -> int:
    return sum(
        line.shipped for fo in world.repository.fulfillment_orders.values() for line in fo.lines
    )


def test_a_placement_redelivered_after_the_routing_changed_ships_nothing_twice() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.in_warehouse("YW-C15-B", backup=True)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    backup_first = CatalogEntry(
        "CASE-IP15-BLK",
        [SkuSource(BACKUP, "YW-C15-B"), SkuSource(PRIMARY, "SZ-PC-1501-B")],
        customs=PHONE_CASE_CUSTOMS,
    )
    world.service = world.sync_service(catalog=make_catalog(MUG, entries=[backup_first]))
    again = world.handle(OrderPlaced(key="o-1", order=make_order()))
    assert again.replayed
    assert _shipped_units(world) == 1


def test_a_switch_that_loses_its_race_leaves_no_backup_work_behind() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=30)
    world.in_warehouse("YW-C15-B", backup=True)
    stepper = world.service.flow(OrderPlaced(key="o-1", order=make_order()))
    call, interfered = next(stepper), False
    while True:
        try:
            result, error = world.service.perform(call), None
        except Exception as raised:
            result, error = None, raised
        if call.method == "save" and not interfered and world.supplier.calls.count("stock"):
            interfered = True  # another worker finds the primary's stock back meanwhile
            world.in_warehouse("SZ-PC-1501-B")
            world.service.handle(Tick(key="t-0"))
        try:
            call = stepper.throw(error) if error else stepper.send(result)
        except StopIteration:
            break
    world.handle(Tick(key="t-1"))
    assert _shipped_units(world) == 1


def test_a_cancelled_order_does_not_ship_a_line_mapped_afterwards() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.in_warehouse("SZ-BAG-1")
    order = make_order(line_items=(make_line(0), make_line(1, sku="BAG-1", title="Bag")))
    world.handle(OrderPlaced(key="o-1", order=order))
    world.handle(OrderCancellationRequested(key="c-1", order_id=order.id))
    bag = CatalogEntry("BAG-1", [SkuSource(PRIMARY, "SZ-BAG-1")], customs=PHONE_CASE_CUSTOMS)
    world.service = world.sync_service(catalog=make_catalog(MUG, bag))
    world.handle(OrderDataUpdated(key="u-1", order=order))
    assert _shipped_units(world) == 0


def test_a_line_routed_again_brings_only_the_units_not_cancelled() -> None:
    world = World()
    world.in_warehouse("SZ-BAG-1")
    order = make_order(line_items=(make_line(0, sku="BAG-1", title="Bag", quantity=3),))
    world.handle(OrderPlaced(key="o-1", order=order))
    world.handle(OrderCancellationRequested(key="c-1", order_id=order.id, quantities={"line-1": 2}))
    bag = CatalogEntry("BAG-1", [SkuSource(PRIMARY, "SZ-BAG-1")], customs=PHONE_CASE_CUSTOMS)
    world.service = world.sync_service(catalog=make_catalog(MUG, bag))
    world.handle(OrderDataUpdated(key="u-1", order=order))
    assert _shipped_units(world) == 1


def test_a_cancellation_that_died_between_two_works_finishes_on_redelivery() -> None:
    class DiesOnce(InMemoryRepository):
        armed = False

        def save(self, fulfillment_order: object, expected_version: int) -> None:
            if self.armed and fulfillment_order.id.endswith(BACKUP):  # type: ignore[attr-defined]
                self.armed = False
                raise CrashError("died before saving the second work")
            super().save(fulfillment_order, expected_version)  # type: ignore[arg-type]

    bag = CatalogEntry("BAG-1", [SkuSource(BACKUP, "YW-BAG-1")], customs=PHONE_CASE_CUSTOMS)
    world = World()
    world.catalog = make_catalog(MUG, bag)
    world.repository = DiesOnce()
    world.service = world.sync_service(catalog=world.catalog)
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.out_of_stock("YW-BAG-1", restock_in_days=2, backup=True)
    order = make_order(line_items=(make_line(0), make_line(1, sku="BAG-1", title="Bag")))
    world.handle(OrderPlaced(key="o-1", order=order))
    world.repository.armed = True
    cancel = OrderCancellationRequested(key="c-1", order_id=order.id)
    with pytest.raises(CrashError):
        world.handle(cancel)
    again = world.handle(cancel)
    assert not again.replayed
    statuses = {world.work(i).status for i in world.repository.ids()}
    assert statuses == {WorkStatus.CANCELLED}


def test_a_purchase_confirmed_while_another_worker_holds_the_work_is_kept() -> None:
    world = World()
    world.at_factory("SZ-PC-1501-B")
    flow = world.service.flow(OrderPlaced(key="o-1", order=make_order()))
    call = next(flow)
    while True:
        try:
            result, error = world.service.perform(call), None
        except Exception as raised:
            result, error = None, raised
        if call.method == "purchase":  # meanwhile another worker holds the work
            world.handle(OrderDataUpdated(key="u-1", order=make_order(shipping_address=NO_ZIP)))
        try:
            call = flow.throw(error) if error else flow.send(result)
        except StopIteration:
            break
    world.handle(OrderDataUpdated(key="u-2", order=make_order()))
    assert len(world.supplier.purchases) == 1
    assert world.work(FO_ID).line("line-1").backordered == 1


def test_a_tick_does_not_buy_again_while_a_purchase_for_waiting_units_is_pending() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    world.clock.advance(days=2, minutes=1)
    world.at_factory("SZ-PC-1501-B")
    world.supplier.fail_next("purchase", timeout("supplier", "purchase"), times=2)
    for day in range(3):
        world.handle(Tick(key=f"t-{day}"))
    assert len(world.supplier.purchases) == 1


def test_a_repeated_tick_still_retries_what_is_pending() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.carrier.fail_next("buy_label", timeout("carrier", "buy_label"), times=2)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    world.handle(Tick(key="t-1"))
    world.handle(Tick(key="t-1"))  # the scheduler sends the same tick again
    assert world.work(FO_ID).status is WorkStatus.SHIPPED


def test_a_long_reason_from_a_supplier_giving_up_is_kept_short_not_refused() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    world.handle(SupplierRejected(key="r-1", fulfillment_order_id=FO_ID, reason="x" * 990))
    assert world.work(FO_ID).status is WorkStatus.CANCELLED


def test_a_rejection_of_work_never_sent_to_the_supplier_is_refused_naming_the_work() -> None:
    world = World()
    world.handle(OrderPlaced(key="o-1", order=make_order(shipping_address=NO_ZIP)))  # held
    before = world.work(FO_ID)
    with pytest.raises(ValidationError, match="never sent to the supplier") as caught:
        world.handle(SupplierRejected(key="r-1", fulfillment_order_id=FO_ID, reason="gone"))
    assert caught.value.paths == ("fulfillment_order_id",)
    assert world.work(FO_ID).version == before.version


def test_a_storefront_that_cannot_show_holds_does_not_hold_the_work_again_and_again() -> None:
    world = World()
    refusal = PermanentAdapterError("storefront", "report_holds", "app uninstalled")
    world.storefront.fail_next("report_holds", refusal, times=1000)
    world.handle(OrderPlaced(key="o-1", order=make_order(shipping_address=NO_ZIP)))
    world.handle(Tick(key="t-1"))
    assert len(world.work(FO_ID).holds) == 1  # the data hold only
    assert world.notifier.kinds().count(NotificationKind.ACTION_REQUIRED) == 1


def test_labels_bought_before_a_ship_failed_for_good_are_voided() -> None:
    from fulfillment_core import PackingLimits

    class SecondLabelRefused:
        def __init__(self, fake: object) -> None:
            self.fake, self.bought = fake, 0

        def __getattr__(self, name: str) -> object:
            return getattr(self.fake, name)

        def buy_label(self, parcel: object, quote: object) -> object:
            self.bought += 1
            if self.bought == 2:
                raise PermanentAdapterError("carrier", "buy_label", "address refused")
            return self.fake.buy_label(parcel, quote)  # type: ignore[attr-defined]

    world = World(packing_limits=PackingLimits(max_items=1))
    world.in_warehouse("SZ-PC-1501-B")
    world.service = world.sync_service(carrier=SecondLabelRefused(world.carrier))
    world.handle(OrderPlaced(key="o-1", order=make_order(line_items=(make_line(0, quantity=2),))))
    first_label = next(iter(world.carrier.labels.values())).tracking_number
    assert world.carrier.voided == [first_label]


class _CarrierTimingOut:
    """The carrier whose ``times``-th label purchase times out: before the carrier acts, or
    (``lost_reply``) after it issued the label."""

    def __init__(self, fake: FakeCarrier, times: int, *, lost_reply: bool = False) -> None:
        self.fake, self.times, self.lost_reply, self.bought = fake, times, lost_reply, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.fake, name)

    def buy_label(self, parcel: ParcelRequest, quote: CarrierQuote) -> Label:
        self.bought += 1
        if self.bought == self.times and not self.lost_reply:
            raise timeout("carrier", "buy_label")
        label = self.fake.buy_label(parcel, quote)
        if self.bought == self.times:
            raise timeout("carrier", "buy_label")
        return label


def _two_parcels_timing_out(*, lost_reply: bool) -> World:
    from fulfillment_core import PackingLimits

    world = World(packing_limits=PackingLimits(max_items=1))
    world.in_warehouse("SZ-PC-1501-B")
    carrier = _CarrierTimingOut(world.carrier, 2, lost_reply=lost_reply)
    world.service = world.sync_service(carrier=carrier)
    world.handle(OrderPlaced(key="o-1", order=make_order(line_items=(make_line(0, quantity=2),))))
    return world


def test_a_ship_that_timed_out_part_way_buys_no_label_twice_when_it_goes_on_the_next_tick() -> None:
    world = _two_parcels_timing_out(lost_reply=True)
    world.handle(Tick(key="t-1"))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.SHIPPED
    assert len(work.shipments) == 2
    assert len(world.carrier.labels) == 2
    assert world.carrier.voided == []
    assert NotificationKind.ACTION_REQUIRED not in world.notifier.kinds()


def test_labels_bought_before_a_ship_timed_out_are_voided_when_the_order_is_cancelled() -> None:
    world = _two_parcels_timing_out(lost_reply=False)
    (first,) = world.carrier.labels.values()
    world.handle(
        OrderCancellationRequested(key="c-1", order_id="5912338890017", reason="changed mind")
    )
    world.handle(Tick(key="t-1"))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.CANCELLED
    assert work.shipments == ()
    assert world.carrier.voided == [first.tracking_number]
    (told,) = [n for n in world.notifier.sent if n.kind is NotificationKind.ACTION_REQUIRED]
    assert "/p2-" in (told.detail("message") or "")  # the parcel whose purchase got no answer


def test_labels_of_a_ship_that_failed_while_another_worker_closed_it_are_voided_or_told() -> None:
    from fulfillment_core import PackingLimits

    world = World(packing_limits=PackingLimits(max_items=1))
    world.in_warehouse("SZ-PC-1501-B")
    placed = world.clock.now()
    two = [make_line(0, quantity=2)]
    losing = world.sync_service(
        carrier=_CarrierTimingOut(world.carrier, 2, lost_reply=True)  # parcel 2's reply lost
    )
    placing = losing.flow(
        OrderPlaced(key="o-1", order=make_order(updated_at=placed, line_items=two))
    )
    call, bought = next(placing), 0
    while not (call.method == "save" and bought == 2):  # about to record the failure...
        bought += call.method == "buy_label"
        call = _step(losing, placing, call)
    moved = make_address(address1="1 Infinite Loop", city="Cupertino", postal_code="95014")
    world.handle(  # ...when an edit moves the address: the pending ship is superseded
        OrderDataUpdated(
            key="u-1",
            order=make_order(
                updated_at=placed.add(minutes=5), shipping_address=moved, line_items=two
            ),
        )
    )
    _finish(losing, placing, call)
    world.handle(Tick(key="t-1"))
    first, lost = list(world.carrier.labels.items())[:2]
    assert first[1].tracking_number in world.carrier.voided  # known to the failed attempt
    told = [n for n in world.notifier.sent if n.kind is NotificationKind.ACTION_REQUIRED]
    assert any(lost[0] in (n.detail("message") or "") for n in told)  # its reply was lost


def test_a_label_whose_reply_was_lost_is_told_to_the_merchant_when_the_order_is_cancelled() -> None:
    world = _two_parcels_timing_out(lost_reply=True)
    assert len(world.carrier.labels) == 2  # the carrier issued both; the service knows one
    world.handle(
        OrderCancellationRequested(key="c-1", order_id="5912338890017", reason="changed mind")
    )
    world.handle(Tick(key="t-1"))
    (known, lost) = world.carrier.labels.items()
    assert world.carrier.voided == [known[1].tracking_number]
    (told,) = [n for n in world.notifier.sent if n.kind is NotificationKind.ACTION_REQUIRED]
    assert lost[0] in (told.detail("message") or "")
    assert told.audience == "merchant"


def test_the_async_service_refuses_sync_ports_when_built() -> None:
    from fulfillment_core import AsyncFulfillmentService

    world = World()
    with pytest.raises(ValidationError) as error:
        AsyncFulfillmentService(
            repository=world.repository,
            storefront=world.storefront,
            gateways=world.supplier,
            carrier=world.carrier,
            notifier=world.notifier,
            clock=world.clock,
            policy=world.policy,
            catalog=world.catalog,
            suppliers=[world.primary],
        )
    assert "clock" in error.value.paths


# --------------------------------------------------------------------------- answers owed


class _LostReplies:
    """The supplier gateway whose replies to ``operation`` are lost ``times`` times: the call
    reaches the supplier, then the service sees ``error`` (a timeout unless told)."""

    def __init__(
        self, fake: object, operation: str, times: int = 1, error: Exception | None = None
    ) -> None:
        self.fake = fake
        self.operation = operation
        self.times = times
        self.error = error or timeout("supplier", operation)

    def __getattr__(self, name: str) -> object:
        method = getattr(self.fake, name)
        if name != self.operation:
            return method

        def call(*args: object, **kwargs: object) -> object:
            answer = method(*args, **kwargs)
            if self.times:
                self.times -= 1
                raise self.error
            return answer

        return call


def test_a_cancellation_while_the_request_reply_was_lost_is_asked_of_the_supplier() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    lossy = _LostReplies(world.supplier, "submit_request")
    world.service = world.sync_service(gateways={PRIMARY: lossy, BACKUP: world.backup_supplier})
    world.handle(OrderPlaced(key="o-1", order=make_order(line_items=[make_line(0, quantity=2)])))
    assert [r.lines[0].quantity for r in world.supplier.requests] == [2]  # it has the request
    world.handle(
        OrderCancellationRequested(key="c-1", order_id="5912338890017", quantities={"line-1": 1})
    )
    # The request is sent again (the supplier answers it anew), then the cancellation asked.
    work = world.work(FO_ID)
    assert work.totals.cancelled == 1
    assert work.line("line-1").backordered == 1
    ((fo_id, units),) = world.supplier.cancellation_requests
    assert (fo_id, [(u.line_id, u.quantity) for u in units]) == (FO_ID, [("line-1", 1)])
    assert [sum(q.quantity for q in u) for _, _, u, _ in world.storefront.cancellations] == [1]


def test_a_cancellation_of_held_work_whose_request_never_went_applies_at_once() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.handle(OrderPlaced(key="o-1", order=make_order(shipping_address=NO_ZIP)))
    world.handle(OrderCancellationRequested(key="c-1", order_id="5912338890017"))
    assert world.work(FO_ID).status is WorkStatus.CANCELLED
    assert world.supplier.requests == []
    assert world.supplier.cancellation_requests == []


def test_a_rejection_while_a_cancellation_awaits_cancels_everything_with_both_reasons() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(OrderPlaced(key="o-1", order=make_order(line_items=[make_line(0, quantity=2)])))
    world.supplier.fail_next("request_cancellation", timeout("supplier", "request_cancellation"))
    world.handle(
        OrderCancellationRequested(
            key="c-1", order_id="5912338890017", quantities={"line-1": 1}, reason="too slow"
        )
    )
    world.handle(SupplierRejected(key="r-1", fulfillment_order_id=FO_ID, reason="closing down"))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.CANCELLED
    assert work.totals.cancelled == 2
    reasons = [(sum(q.quantity for q in u), r) for _, _, u, r in world.storefront.cancellations]
    assert reasons == [(1, "too slow"), (1, "the supplier rejected the work: closing down")]
    world.handle(Tick(key="t-1"))
    assert world.work(FO_ID).outbox == ()
    assert world.supplier.cancellation_requests == []  # the answer it gave needs no question


class CrashingRepository(InMemoryRepository):
    """Dies at the next save once armed."""

    crash_next_save = False

    def save(self, fulfillment_order: object, expected_version: int) -> None:
        if self.crash_next_save:
            self.crash_next_save = False
            raise CrashError("died before the save")
        super().save(fulfillment_order, expected_version)  # type: ignore[arg-type]


def test_a_parcel_whose_address_changed_in_a_crashed_update_gets_a_label_for_it() -> None:
    world = World()
    crashing = CrashingRepository()
    world.repository = crashing
    world.in_warehouse("SZ-PC-1501-B")

    class DiesAfterBuying:
        def __init__(self, fake: object) -> None:
            self.fake = fake

        def __getattr__(self, name: str) -> object:
            return getattr(self.fake, name)

        def buy_label(self, parcel: object, quote: object) -> object:
            label = world.carrier.buy_label(parcel, quote)  # type: ignore[arg-type]
            crashing.crash_next_save = True
            return label

    world.service = world.sync_service(carrier=DiesAfterBuying(world.carrier))
    with pytest.raises(CrashError):
        world.handle(OrderPlaced(key="o-1", order=make_order()))
    (old_label,) = world.carrier.labels.values()
    moved = make_address(address1="2 Newer Street", postal_code="94041")
    update = OrderDataUpdated(key="u-1", order=make_order(shipping_address=moved))
    world.service = world.sync_service()  # another worker
    crashing.crash_next_save = True
    with pytest.raises(CrashError):
        world.handle(update)
    world.handle(update)  # the webhook again: the stored order is the new one already
    (parcel,) = world.work(FO_ID).shipments
    (number,) = parcel.tracking_numbers
    assert number != old_label.tracking_number
    (request,) = [p for p in world.carrier.quote_requests if p.destination == moved][:1]
    assert request.destination.address1 == "2 Newer Street"
    assert world.work(FO_ID).status is WorkStatus.SHIPPED


def test_a_restock_date_the_supplier_misses_is_waited_for_no_longer_than_the_limit() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)  # and it never says more
    world.out_of_stock("YW-C15-B", restock_in_days=None, backup=True)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    limit = world.policy.max_restock_wait_days
    for day in range(2 + 2 * limit):
        world.clock.advance(days=1)
        world.handle(Tick(key=f"t-{day}"))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.CANCELLED
    ((*_, reason),) = world.storefront.cancellations
    assert "overdue with no new date" in reason
    assert NotificationKind.CANCELLED in world.notifier.kinds()


def units_reported(world: World) -> list[tuple[int, str]]:
    return [(sum(q.quantity for q in u), r) for _, _, u, r in world.storefront.cancellations]


def test_a_request_a_crash_hid_is_withdrawn_when_the_held_work_is_cancelled() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    dying = _LostReplies(world.supplier, "submit_request", error=CrashError("died after it"))
    world.service = world.sync_service(gateways={PRIMARY: dying, BACKUP: world.backup_supplier})
    with pytest.raises(CrashError):
        world.handle(OrderPlaced(key="o-1", order=make_order()))  # the supplier accepted
    world.service = world.sync_service()  # another worker
    world.handle(OrderDataUpdated(key="u-1", order=make_order(shipping_address=NO_ZIP)))
    world.handle(OrderCancellationRequested(key="c-1", order_id="5912338890017", reason="no"))
    assert world.work(FO_ID).status is WorkStatus.CANCELLED  # at once, though held
    ((fo_id, units),) = world.supplier.cancellation_requests  # and the supplier told
    assert (fo_id, [u.quantity for u in units]) == (FO_ID, [1])
    assert units_reported(world) == [(1, "no")]


def test_a_request_that_never_answers_is_withdrawn_when_the_work_is_cancelled() -> None:
    world = World(max_attempts=3)
    world.in_warehouse("SZ-PC-1501-B")
    lossy = _LostReplies(world.supplier, "submit_request", times=99)
    world.service = world.sync_service(gateways={PRIMARY: lossy, BACKUP: world.backup_supplier})
    world.handle(OrderPlaced(key="o-1", order=make_order(line_items=[make_line(0, quantity=2)])))
    world.handle(
        OrderCancellationRequested(
            key="c-1", order_id="5912338890017", quantities={"line-1": 1}, reason="one is enough"
        )
    )
    assert world.work(FO_ID).totals.cancelled == 1
    assert [sum(u.quantity for u in q) for _, q in world.supplier.cancellation_requests] == [1]
    lossy.times = 0  # the supplier's line works again: the request goes, for what is left
    world.handle(Tick(key="t-1"))
    work = world.work(FO_ID)
    assert (work.status, work.line("line-1").shipped) == (WorkStatus.SHIPPED, 1)


def test_queued_cancellations_keep_their_reasons_when_the_supplier_gives_up() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(OrderPlaced(key="o-1", order=make_order(line_items=[make_line(0, quantity=3)])))
    failing = timeout("supplier", "request_cancellation")
    world.supplier.fail_next("request_cancellation", failing, times=2)
    for key, reason in (("c-1", "too slow"), ("c-2", "found it cheaper")):
        world.handle(
            OrderCancellationRequested(
                key=key, order_id="5912338890017", quantities={"line-1": 1}, reason=reason
            )
        )
    world.handle(SupplierRejected(key="r-1", fulfillment_order_id=FO_ID, reason="closing down"))
    world.handle(Tick(key="t-1"))
    assert units_reported(world) == [
        (1, "too slow"),
        (1, "found it cheaper"),
        (1, "the supplier rejected the work: closing down"),
    ]
    assert world.work(FO_ID).outbox == ()


def test_an_order_with_a_very_long_id_ships() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    long_id = "9" * 230
    world.handle(OrderPlaced(key="o-1", order=make_order(id=long_id)))
    work = world.work(f"{long_id}:{PRIMARY}")
    assert work.status is WorkStatus.SHIPPED
    assert all(len(parcel.id) <= 255 for parcel in work.shipments)


def test_an_order_with_a_very_long_id_ships_under_the_suppliers_label() -> None:
    world = World(buys_labels=False)
    world.in_warehouse("SZ-PC-1501-B")
    long_id = "9" * 245
    world.handle(OrderPlaced(key="o-1", order=make_order(id=long_id)))
    (work_id,) = world.repository.ids()
    label = Label("DHL Express", "Worldwide", "JD014600006281230985", world.clock.now())
    world.handle(LabelBought(key="l-1", fulfillment_order_id=work_id, label=label))
    assert world.work(work_id).status is WorkStatus.SHIPPED
    assert len(work_id) <= 255


def test_an_order_with_a_very_long_id_switches_to_a_backup() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=None)
    world.in_warehouse("YW-C15-B", backup=True)
    world.handle(OrderPlaced(key="o-1", order=make_order(id="8" * 230)))
    works = [world.work(i) for i in world.repository.ids()]
    assert sorted(w.status for w in works) == [WorkStatus.CANCELLED, WorkStatus.SHIPPED]
    assert all(len(w.id) <= 255 for w in works)
    assert len(world.backup_supplier.requests) == 1


def test_a_gateway_answering_a_cancellation_with_nonsense_is_named_and_nothing_lost() -> None:
    class Nonsense:
        def __init__(self, fake: object) -> None:
            self.fake = fake

        def __getattr__(self, name: str) -> object:
            return getattr(self.fake, name)

        def request_cancellation(self, *args: object, **kwargs: object) -> object:
            return None

    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    gateways = {PRIMARY: Nonsense(world.supplier), BACKUP: world.backup_supplier}
    world.service = world.sync_service(gateways=gateways)
    with pytest.raises(TypeError, match="request_cancellation returned None"):
        world.handle(OrderCancellationRequested(key="c-1", order_id="5912338890017"))
    assert [e.kind.value for e in world.work(FO_ID).outbox] == ["request_cancellation"]


def test_an_edit_that_arrives_after_a_newer_one_is_ignored_and_noted() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed = world.clock.now()
    world.handle(OrderPlaced(key="o-1", order=make_order(updated_at=placed)))
    older = make_order(updated_at=placed.add(hours=1), note="gift wrap, please")
    newer = make_order(updated_at=placed.add(hours=2), shipping_address=NO_ZIP)
    world.handle(OrderDataUpdated(key="u-2", order=newer))
    late = world.handle(OrderDataUpdated(key="u-1", order=older))
    assert "older than the version stored" in late.notes[0]
    assert world.work(FO_ID).status is WorkStatus.ON_HOLD  # the newer edit stands
    assert world.repository.get_order("5912338890017") == newer
    again = world.handle(OrderDataUpdated(key="u-1", order=older))
    assert again.replayed
    assert again.notes == late.notes
    fixed = make_order(updated_at=placed.add(hours=3))
    world.handle(OrderDataUpdated(key="u-3", order=fixed))
    assert world.work(FO_ID).status is WorkStatus.BACKORDERED


def test_a_rejection_after_the_answer_but_before_the_queued_cancellation_keeps_its_reason() -> None:
    class DiesSavingTheQueuedCancel(InMemoryRepository):
        armed = False

        def save(self, fulfillment_order: Any, expected_version: int) -> None:
            done = {
                e.effect_id
                for e in fulfillment_order.history
                if type(e).__name__ == "EffectCompleted"
            }
            if self.armed and any(effect_id.endswith("-cancel") for effect_id in done):
                self.armed = False
                raise CrashError("died before the queued cancellation was saved")
            super().save(fulfillment_order, expected_version)

    world = World()
    world.repository = DiesSavingTheQueuedCancel()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=3)
    lossy = _LostReplies(world.supplier, "request_cancellation", times=2)
    world.service = world.sync_service(gateways={PRIMARY: lossy, BACKUP: world.backup_supplier})
    world.handle(OrderPlaced(key="o-1", order=make_order(line_items=[make_line(0, quantity=3)])))
    for key, reason in (("c-1", "too slow"), ("c-2", "found it cheaper")):
        world.handle(
            OrderCancellationRequested(
                key=key, order_id="5912338890017", quantities={"line-1": 1}, reason=reason
            )
        )
    world.repository.armed = True
    with pytest.raises(CrashError):
        world.handle(Tick(key="t-1"))  # the first is answered; the process dies in the second
    world.handle(SupplierRejected(key="r-1", fulfillment_order_id=FO_ID, reason="factory closed"))
    world.handle(Tick(key="t-2"))
    assert units_reported(world) == [
        (1, "too slow"),
        (1, "found it cheaper"),
        (1, "the supplier rejected the work: factory closed"),
    ]


def _step(service: Any, flow: Any, call: Any) -> Any:
    """Make one port call of ``flow`` and hand it the result, as the service's driver does."""
    try:
        result = service.perform(call)
    except Exception as error:  # handed to the flow, as the driver does
        return flow.throw(error)
    return flow.send(result)


def _until(service: Any, flow: Any, call: Any, method: str) -> Any:
    """Drive ``flow`` until its next port call is ``method`` (not made yet), and return it."""
    while call.method != method:
        call = _step(service, flow, call)
    return call


def _dropped(world: World) -> list[int]:
    """The units of each cancellation the supplier agreed to, in the order asked."""
    return [
        sum(item.quantity for item in units)
        for (_, units), answer in zip(
            world.supplier.cancellation_requests,
            world.supplier.cancellation_answers.values(),
            strict=True,
        )
        if answer.accepted
    ]


def _finish(service: Any, flow: Any, call: Any) -> None:
    """Drive ``flow`` to its end."""
    with contextlib.suppress(StopIteration):
        while True:
            call = _step(service, flow, call)


def test_work_held_while_its_request_is_sent_is_accepted_but_not_sourced_until_released() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    placing = world.service.flow(OrderPlaced(key="o-1", order=make_order()))
    sending = _until(world.service, placing, next(placing), "submit_request")
    world.handle(OrderDataUpdated(key="u-1", order=make_order(shipping_address=NO_ZIP)))
    _finish(world.service, placing, sending)  # the stock was read before the hold was seen
    work = world.work(FO_ID)
    assert work.request_status is RequestStatus.ACCEPTED
    assert work.holds != ()
    line = work.line("line-1")
    assert line.open == line.ordered  # not sourced while held
    world.handle(OrderDataUpdated(key="u-2", order=make_order()))
    assert world.work(FO_ID).status is WorkStatus.SHIPPED


def test_a_request_in_flight_in_another_worker_loses_the_units_cancelled_meanwhile() -> None:
    class DiesBeforeTheFirstRequest:
        def __init__(self, fake: Any) -> None:
            self.fake = fake
            self.armed = True

        def __getattr__(self, name: str) -> object:
            return getattr(self.fake, name)

        def submit_request(self, request: Any) -> Any:
            if self.armed:
                self.armed = False
                raise CrashError("died before the request went")
            return self.fake.submit_request(request)

    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    three = make_order(line_items=[make_line(0, quantity=3)])
    dying = DiesBeforeTheFirstRequest(world.supplier)
    world.service = world.sync_service(gateways={PRIMARY: dying, BACKUP: world.backup_supplier})
    with pytest.raises(CrashError):
        world.handle(OrderPlaced(key="o-1", order=three))
    service = world.service

    a = service.flow(Tick(key="t-a"))  # worker A retries the request...
    a_call = _until(service, a, next(a), "submit_request")
    one = {"line-1": 1}
    b = service.flow(
        OrderCancellationRequested(key="c-1", order_id="5912338890017", quantities=one)
    )
    # ...while B cancels one unit and sends it too
    b_call = _until(service, b, next(b), "submit_request")
    a_next = _step(service, a, a_call)  # A's lands first
    _finish(service, b, b_call)
    _finish(service, a, a_next)
    world.handle(Tick(key="t-2"))
    ((request,),) = [r.lines for r in world.supplier.requests]
    asked_off = [sum(u.quantity for u in q) for _, q in world.supplier.cancellation_requests]
    assert (request.quantity, asked_off) == (3, [1])  # the supplier ends with 2
    assert world.work(FO_ID).line("line-1").shipped == 2


@pytest.mark.parametrize("ticks_before_it_lands", [0, 3])
def test_a_request_that_lands_after_the_whole_order_was_cancelled_is_withdrawn(
    ticks_before_it_lands: int,
) -> None:
    # Worker A is about to send the request when B cancels the whole order: the request is
    # not answered, so it is cancelled at once, and the supplier (which has nothing yet) is
    # asked to drop it, again on a tick.
    world, placing, call = _cancelled_while_sending()
    service = world.service
    for index in range(ticks_before_it_lands):
        world.clock.advance(minutes=10)
        world.handle(Tick(key=f"t-{index}"))
    _finish(service, placing, call)  # A's request lands: the supplier accepts it
    world.clock.advance(minutes=10)
    world.handle(Tick(key="t-late"))
    ((request,),) = [r.lines for r in world.supplier.requests]
    dropped = _dropped(world)
    assert (request.quantity, sum(dropped)) == (3, 3)  # the supplier ends with nothing
    assert world.work(FO_ID).status is WorkStatus.CANCELLED
    assert world.work(FO_ID).outbox == ()


def _cancelled_while_sending() -> tuple[World, Any, Any]:
    """Worker A is about to send the request for 3 units when the whole order is cancelled.
    Returns the world, A's flow and its next call (the request)."""
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    three = make_order(line_items=[make_line(0, quantity=3)])
    placing = world.service.flow(OrderPlaced(key="o-1", order=three))
    sending = _until(world.service, placing, next(placing), "submit_request")
    world.handle(OrderCancellationRequested(key="c-1", order_id="5912338890017", reason="no"))
    return world, placing, sending


def _withdraw_missing_a_request_on_its_way() -> tuple[World, Any, Any, Any, Any]:
    """Worker A is about to send the request for 3 units when the whole order is cancelled;
    a tick asks the supplier to drop them again, is told again the request is not there, and
    is about to save that. Returns the world, A's flow and next call, the tick's."""
    world, placing, sending = _cancelled_while_sending()
    service = world.service
    world.clock.advance(minutes=10)
    tick = service.flow(Tick(key="t-1"))
    call = _until(service, tick, next(tick), "request_cancellation")
    call = _step(service, tick, call)
    return world, placing, sending, tick, call


def test_a_request_landing_while_another_worker_concludes_it_never_did_is_withdrawn() -> None:
    world, placing, sending, tick, call = _withdraw_missing_a_request_on_its_way()
    service = world.service
    assert call.method == "save"
    sending = _step(service, placing, sending)  # A's request lands, and A hears back
    _until(service, placing, sending, "request_cancellation")  # A settles it, then dies
    placing.close()
    _finish(service, tick, call)  # "the supplier never had the request"
    for index in range(2, 4):
        world.clock.advance(minutes=10)
        world.handle(Tick(key=f"t-{index}"))
    dropped = _dropped(world)
    assert sum(dropped) == 3  # the supplier ends with nothing
    assert world.work(FO_ID).outbox == ()


def _supplier_keeps(world: World) -> int:
    """Units the supplier was asked for, less those it agreed to drop."""
    asked = sum(line.quantity for request in world.supplier.requests for line in request.lines)
    return asked - sum(_dropped(world))


def test_a_withdraw_answered_while_another_worker_saved_it_as_missed_is_not_asked_twice() -> None:
    world, placing, sending, tick, call = _withdraw_missing_a_request_on_its_way()
    service = world.service
    sending = _until(service, placing, _step(service, placing, sending), "request_cancellation")
    sending = _step(service, placing, sending)  # A's own withdraw finds it: dropped, unsaved
    _finish(service, tick, call)  # the tick saves first
    _finish(service, placing, sending)
    for index in range(2, 4):
        world.clock.advance(minutes=10)
        world.handle(Tick(key=f"t-{index}"))
    assert _supplier_keeps(world) == 0  # dropped once, not twice
    assert world.work(FO_ID).outbox == ()


def test_a_retried_withdraw_the_supplier_missed_goes_again_when_the_request_lands() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    refusal = PermanentAdapterError("supplier", "request_cancellation", "account locked")
    world.supplier.fail_next("request_cancellation", refusal)
    service = world.service
    placing = service.flow(
        OrderPlaced(key="o-1", order=make_order(line_items=[make_line(0, quantity=3)]))
    )
    sending = _until(service, placing, next(placing), "submit_request")  # A is about to send it
    world.handle(OrderCancellationRequested(key="c-1", order_id="5912338890017", reason="no"))
    world.handle(RetryFailedEffects(key="r-1", fulfillment_order_id=FO_ID))  # after the refusal
    world.clock.advance(minutes=10)
    world.handle(Tick(key="t-1"))  # the retried withdraw: the supplier has nothing, twice
    _finish(service, placing, sending)  # A's request lands
    world.handle(Tick(key="t-2"))
    assert _supplier_keeps(world) == 0
    assert world.work(FO_ID).outbox == ()


def test_a_withdraw_the_supplier_missed_goes_again_once_another_finds_the_request() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    service = world.service

    three = make_order(line_items=[make_line(0, quantity=3)])
    placing = service.flow(OrderPlaced(key="o-1", order=three))
    sending = _until(service, placing, next(placing), "submit_request")  # A is about to send it...
    # ...when one unit is cancelled: the worker's own try at the request times out, and the
    # withdraw waits for the request. Then the other two, by a worker that dies after its save
    # and a first withdraw the supplier has nothing for.
    world.supplier.fail_next("submit_request", timeout("supplier", "submit_request"))
    one = {"line-1": 1}
    world.handle(OrderCancellationRequested(key="c-1", order_id="5912338890017", quantities=one))
    rest = service.flow(OrderCancellationRequested(key="c-2", order_id="5912338890017"))
    _until(service, rest, next(rest), "report_cancellation")
    tick = service.flow(Tick(key="t-1"))
    # the first withdraw: not there
    call = _until(service, tick, next(tick), "request_cancellation")
    call = _until(service, tick, _step(service, tick, call), "request_cancellation")  # the second's
    service.perform(sending)  # A's request lands now, and A dies before it hears back
    _finish(service, tick, call)  # the second withdraw finds the request
    world.handle(Tick(key="t-2"))
    dropped = _dropped(world)
    ((request,),) = [r.lines for r in world.supplier.requests]
    assert (request.quantity, sorted(dropped)) == (3, [1, 2])  # the supplier ends with nothing
    work = world.work(FO_ID)
    assert (work.status, work.outbox) == (WorkStatus.CANCELLED, ())


@pytest.mark.parametrize("older_stops_at", ["put_order", "save"])
def test_an_older_edit_racing_a_newer_one_never_undoes_it(older_stops_at: str) -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed = world.clock.now()
    world.handle(
        OrderPlaced(key="o-1", order=make_order(updated_at=placed, shipping_address=NO_ZIP))
    )
    service = world.service

    older = make_order(updated_at=placed.add(minutes=10), shipping_address=NO_ZIP, note="old")
    newer = make_order(updated_at=placed.add(minutes=20))  # the ZIP code fixed
    slow = service.flow(OrderDataUpdated(key="u-old", order=older))
    call = _until(service, slow, next(slow), older_stops_at)
    world.handle(OrderDataUpdated(key="u-new", order=newer))  # another worker, all the way
    _finish(service, slow, call)
    assert world.repository.get_order("5912338890017") == newer
    assert world.work(FO_ID).holds == ()
    assert world.work(FO_ID).status is WorkStatus.BACKORDERED


def test_a_retried_effect_keeps_its_idempotency_keys() -> None:
    world = World(max_attempts=2)
    world.at_factory("SZ-PC-1501-B")
    lossy = _LostReplies(world.supplier, "purchase", times=2)
    world.service = world.sync_service(gateways={PRIMARY: lossy, BACKUP: world.backup_supplier})
    world.handle(OrderPlaced(key="o-1", order=make_order(line_items=[make_line(0, quantity=3)])))
    world.handle(Tick(key="t-1"))  # the second lost reply: given up, the merchant told
    assert [effect.kind.value for effect, _ in world.work(FO_ID).failed_effects] == ["purchase"]
    world.handle(RetryFailedEffects(key="r-1", fulfillment_order_id=FO_ID))
    assert len(world.supplier.purchases) == 1  # the supplier's first confirmation, not a second


def test_a_label_bought_while_a_cancellation_is_asked_waits_for_the_answer() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.carrier.fail_next("buy_label", timeout("carrier", "buy_label"))
    world.handle(OrderPlaced(key="o-1", order=make_order(line_items=[make_line(0, quantity=3)])))
    service = world.service
    a = service.flow(Tick(key="t-1"))  # worker A buys the label for 3...
    call = _until(service, a, next(a), "buy_label")
    a_next = _step(service, a, call)
    one = {"line-1": 1}  # ...while B asks the supplier to cancel one, and it agrees...
    b = service.flow(
        OrderCancellationRequested(key="c-1", order_id="5912338890017", quantities=one)
    )
    call = _until(service, b, next(b), "request_cancellation")
    b_next = _step(service, b, call)
    _finish(service, a, a_next)  # ...and A saves before B records it
    _finish(service, b, b_next)
    world.handle(Tick(key="t-2"))
    work = world.work(FO_ID)
    assert (work.line("line-1").shipped, work.line("line-1").cancelled) == (2, 1)
    assert NotificationKind.CANCELLATION_REJECTED not in world.notifier.kinds()
    used = {number for parcel in work.shipments for number in parcel.tracking_numbers}
    bought = {label.tracking_number for label in world.carrier.labels.values()}
    assert bought - used <= set(world.carrier.voided)  # the first label was voided


def test_ticks_go_on_for_work_of_a_very_long_order_id() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.handle(OrderPlaced(key="o-1", order=make_order(id="7" * 240)))
    world.clock.advance(days=30)
    world.handle(Tick(key="t-late"))  # the SLA breach's effect id is named after the parcel
    assert NotificationKind.SHIPPING_DELAYED in world.notifier.kinds()


@pytest.mark.parametrize("edit_first", [True, False])
def test_an_edit_racing_a_split_placement_never_opens_a_line_twice(edit_first: bool) -> None:
    backup_only = CatalogEntry(
        "BK-ONLY", [SkuSource(BACKUP, "YW-BK")], customs=PHONE_CASE_CUSTOMS, grams=100
    )
    world = World()
    world.catalog = make_catalog(MUG, backup_only)
    world.service = world.sync_service()
    world.in_warehouse("SZ-PC-1501-B")
    world.in_warehouse("YW-BK", backup=True)
    lines = [make_line(0, quantity=2), make_line(1, sku="BK-ONLY", title="Backup-only case")]
    placed = world.clock.now()
    broken = make_order(updated_at=placed, line_items=lines, shipping_address=NO_ZIP)
    fixed = make_order(updated_at=placed.add(minutes=1), line_items=lines)
    service = world.service
    placing = service.flow(OrderPlaced(key="o-1", order=broken))
    call = _until(service, placing, next(placing), "add")
    if not edit_first:
        call = _step(service, placing, call)  # the first work is added, the second not yet
    world.handle(OrderDataUpdated(key="u-1", order=fixed))  # another worker, all the way
    _finish(service, placing, call)
    world.handle(Tick(key="t-1"))
    works = [world.work(i) for i in world.repository.ids()]
    shipped = {"line-1": 0, "line-2": 0}
    for work in works:
        for line in work.lines:
            shipped[line.line_id] += line.shipped
    assert shipped == {"line-1": 2, "line-2": 1}  # each line once, and the fix applied
    assert all(work.holds == () for work in works)


@pytest.mark.parametrize("edit_pauses_at", [None, "add", "save"])
def test_an_edit_on_a_new_catalogue_racing_the_placement_never_ships_a_line_twice(
    edit_pauses_at: str | None,
) -> None:
    old = CatalogEntry(
        "BK-ONLY", [SkuSource(BACKUP, "YW-BK")], customs=PHONE_CASE_CUSTOMS, grams=100
    )
    new = CatalogEntry(  # now from the primary too, preferred
        "BK-ONLY",
        [SkuSource(PRIMARY, "SZ-BK"), SkuSource(BACKUP, "YW-BK")],
        customs=PHONE_CASE_CUSTOMS,
        grams=100,
    )
    world = World()
    world.catalog = make_catalog(MUG, old)
    world.service = world.sync_service()
    for sku in ("SZ-PC-1501-B", "SZ-BK"):
        world.in_warehouse(sku)
    world.in_warehouse("YW-BK", backup=True)
    editing = world.sync_service(catalog=make_catalog(MUG, new))  # a worker with the new one
    lines = [make_line(0, quantity=2), make_line(1, sku="BK-ONLY", title="Backup-only case")]
    placed = world.clock.now()
    service = world.service
    placing = service.flow(
        OrderPlaced(key="o-1", order=make_order(updated_at=placed, line_items=lines))
    )
    call = _until(service, placing, next(placing), "add")
    call = _step(service, placing, call)  # the primary's work is added, the backup's not yet
    edited = make_order(updated_at=placed.add(minutes=1), line_items=lines, note="gift")
    # The edit routes line-2 to the primary's work, which the placement has added; it pauses
    # before saving that decision ("save": the placement then adds the backup's work), or
    # before carrying out the open_work it saved ("add": the placement sees it pending).
    if edit_pauses_at:
        edit = editing.flow(OrderDataUpdated(key="u-1", order=edited))
        paused = _until(editing, edit, next(edit), edit_pauses_at)
    else:
        editing.handle(OrderDataUpdated(key="u-1", order=edited))
    _finish(service, placing, call)
    if edit_pauses_at:
        _finish(editing, edit, paused)
    editing.handle(Tick(key="t-1"))
    editing.handle(  # the merchant edits again: nothing held anywhere is routed twice
        OrderDataUpdated(
            key="u-2", order=make_order(updated_at=placed.add(hours=1), line_items=lines)
        )
    )
    editing.handle(Tick(key="t-2"))
    shipped = {"line-1": 0, "line-2": 0}
    for work_id in world.repository.ids():
        for line in world.work(work_id).lines:
            shipped[line.line_id] += line.shipped
    assert shipped == {"line-1": 2, "line-2": 1}


def _three_line_shop() -> tuple[World, Any, list[Any]]:
    """line-1 from the primary; line-2 and line-3 from the backup only. The world's service
    knows both backup SKUs; the other worker returned still has a catalogue without line-3's."""
    bk_one = CatalogEntry("BK-ONLY", [SkuSource(BACKUP, "YW-BK")], customs=PHONE_CASE_CUSTOMS)
    bk_two = CatalogEntry("BK-TWO", [SkuSource(BACKUP, "YW-BK2")], customs=PHONE_CASE_CUSTOMS)
    world = World()
    world.catalog = make_catalog(MUG, bk_one, bk_two)
    world.service = world.sync_service()
    world.in_warehouse("SZ-PC-1501-B")
    for sku in ("YW-BK", "YW-BK2"):
        world.in_warehouse(sku, backup=True)
    older = world.sync_service(catalog=make_catalog(MUG, bk_one))
    lines = [
        make_line(0, quantity=2),
        make_line(1, sku="BK-ONLY", title="Backup-only case"),
        make_line(2, sku="BK-TWO", title="Backup-only case 2"),
    ]
    return world, older, lines


def _units_held(world: World) -> dict[str, int]:
    held: dict[str, int] = {}
    for work_id in world.repository.ids():
        for line in world.work(work_id).lines:
            held[line.line_id] = held.get(line.line_id, 0) + line.shipped + line.remaining
    return held


def test_a_line_an_edit_will_open_in_the_placements_own_work_is_not_left_out_of_it() -> None:
    world, older, lines = _three_line_shop()
    service = world.service
    placed = world.clock.now()
    placing = service.flow(
        OrderPlaced(key="o-1", order=make_order(updated_at=placed, line_items=lines))
    )
    call = _until(service, placing, next(placing), "add")
    call = _step(service, placing, call)  # the primary's work is added, the backup's not yet
    # An edit on the older catalogue gives line-2 (no work holds it yet) to the backup, under
    # the id the placement uses for it, and pauses before opening it.
    edited = make_order(updated_at=placed.add(minutes=1), line_items=lines, note="gift")
    edit = older.flow(OrderDataUpdated(key="u-1", order=edited))
    paused = _until(older, edit, next(edit), "add")
    _finish(service, placing, call)
    _finish(older, edit, paused)
    world.handle(Tick(key="t-1"))
    assert _units_held(world) == {"line-1": 2, "line-2": 1, "line-3": 1}


def test_two_placements_on_different_catalogues_racing_leave_no_line_without_work() -> None:
    world, older, lines = _three_line_shop()
    service = world.service
    placed = world.clock.now()
    order = make_order(updated_at=placed, line_items=lines)
    placing = service.flow(OrderPlaced(key="o-1", order=order))
    call = _until(service, placing, next(placing), "add")
    # An edit on the older catalogue comes before any work is stored: it is a placement too.
    edited = make_order(updated_at=placed.add(minutes=1), line_items=lines, note="gift")
    edit = older.flow(OrderDataUpdated(key="u-1", order=edited))
    paused = _until(older, edit, next(edit), "add")
    call = _step(service, placing, call)  # the primary's work is the placement's...
    call = _until(service, placing, call, "add")  # ...which is about to add the backup's
    _finish(older, edit, paused)  # the edit adds the backup's, with line-2
    _finish(service, placing, call)  # line-3 lacks work: opened through it
    world.handle(Tick(key="t-1"))
    assert _units_held(world) == {"line-1": 2, "line-2": 1, "line-3": 1}


def test_an_open_work_whose_id_the_placement_took_without_its_line_opens_the_line_itself() -> None:
    world, _, lines = _three_line_shop()  # here the placement has the older catalogue...
    bk_two = CatalogEntry("BK-TWO", [SkuSource(BACKUP, "YW-BK2")], customs=PHONE_CASE_CUSTOMS)
    placing_service = world.sync_service(catalog=make_catalog(MUG, bk_two))  # no BK-ONLY
    newer = world.service  # ...and the edit the newer one, which maps line-2 to the backup
    placed = world.clock.now()
    order = make_order(updated_at=placed, line_items=lines)
    placing = placing_service.flow(OrderPlaced(key="o-1", order=order))
    call = _until(placing_service, placing, next(placing), "add")
    call = _step(placing_service, placing, call)  # the primary's work, held for line-2
    edited = make_order(updated_at=placed.add(minutes=1), line_items=lines, note="gift")
    edit = newer.flow(OrderDataUpdated(key="u-1", order=edited))
    # it opens line-2 under the id the placement uses...
    paused = _until(newer, edit, next(edit), "add")
    _finish(placing_service, placing, call)  # ...which the placement takes first, for line-3 only
    _finish(newer, edit, paused)
    newer.handle(Tick(key="t-1"))
    assert _units_held(world) == {"line-1": 2, "line-2": 1, "line-3": 1}
    assert len(world.repository.ids()) == 3


def test_a_retried_open_work_opens_the_same_work() -> None:
    class AddAnswersLost(InMemoryRepository):
        lost = 1

        def add(self, fulfillment_order: Any) -> None:
            super().add(fulfillment_order)
            if ">" in fulfillment_order.id and self.lost:
                self.lost -= 1
                raise PermanentAdapterError("repository", "add", "commit outcome unknown")

    world = World()
    world.repository = AddAnswersLost()
    world.service = world.sync_service()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=None)
    world.in_warehouse("YW-C15-B", backup=True)
    world.handle(OrderPlaced(key="o-1", order=make_order(line_items=[make_line(0, quantity=3)])))
    assert [e.kind.value for e, _ in world.work(FO_ID).failed_effects] == ["open_work"]
    world.handle(RetryFailedEffects(key="r-1", fulfillment_order_id=FO_ID))
    opened = [work_id for work_id in world.repository.ids() if ">" in work_id]
    assert len(opened) == 1
    assert len(world.backup_supplier.requests) == 1


def test_ids_fitted_for_very_long_orders_are_never_taken_for_retries() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.handle(OrderPlaced(key="o-1", order=make_order(id="7" * 240)))
    world.clock.advance(days=30)
    world.handle(Tick(key="t-late"))
    ids = [
        effect.id for work_id in world.repository.ids() for effect in world.work(work_id).effects
    ]
    assert all("~" not in effect_id for effect_id in ids)  # "~" marks a retry's id


# --------------------------------------------------------------------------- ticks


def test_a_tick_notes_work_of_a_supplier_it_has_no_calendar_for_and_ticks_the_rest() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    stranger = make_fulfillment_order(id="fo-elsewhere", supplier_id="sup-gone")
    world.repository.add(stranger)  # work left by a setup that had this supplier
    world.clock.advance(days=40)  # every parcel late: the tick has breaches to tell
    outcome = world.handle(Tick(key="t-1"))
    (note,) = outcome.notes
    assert note.startswith("fo-elsewhere:")
    assert "has no calendar for supplier 'sup-gone'" in note
    assert ("merchant", NotificationKind.SHIPPING_DELAYED.value) in world.told()


def test_a_restock_check_failed_for_good_under_a_tick_key_with_a_tilde_can_be_retried() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=1)
    world.handle(OrderPlaced(key="o-1", order=make_order()))
    world.clock.advance(days=2)
    world.supplier.fail_next("stock", PermanentAdapterError("supplier", "stock", "down"))
    world.handle(Tick(key="nightly~1"))  # "~1" marks a first retry in effect ids
    held = world.work(FO_ID)
    (failed, _), *_ = held.failed_effects
    assert failed.kind.value == "check_restock"
    world.in_warehouse("SZ-PC-1501-B")
    world.handle(RetryFailedEffects(key="r-1", fulfillment_order_id=FO_ID))
    work = world.work(FO_ID)
    assert work.holds == ()
    assert work.status is WorkStatus.SHIPPED
