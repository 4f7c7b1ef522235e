"""The fulfillment service, message by message: what each one changes, who hears of it, and the
errors that name what was wrong."""

from __future__ import annotations

import pytest

from fulfillment_core import (
    Audience,
    HoldReason,
    InWarehouse,
    NotificationKind,
    RequestStatus,
    ServiceConstraints,
    TrackingStatus,
    WorkStatus,
)
from fulfillment_core.exceptions import (
    NotFoundError,
    PermanentAdapterError,
    RetryableAdapterError,
    ValidationError,
)
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
    TrackingReported,
)
from fulfillment_core.ports import Label
from fulfillment_core.service import FulfillmentService, PortCall
from fulfillment_core.testing import (
    make_address,
    make_line,
    make_order,
    make_policy,
)

from service_world import BACKUP, PRIMARY, World

FO_ID = f"5912338890017:{PRIMARY}"


def placed(world: World, order: object = None, key: str = "orders-create-1") -> None:
    world.handle(OrderPlaced(key=key, order=order or make_order()))


def kinds(world: World, audience: Audience | None = None) -> list[NotificationKind]:
    return world.notifier.kinds(audience)


# --------------------------------------------------------------------------- building it


def test_a_service_names_every_port_that_is_not_one() -> None:
    world = World()
    with pytest.raises(ValidationError) as error:
        FulfillmentService(
            repository=object(),  # type: ignore[arg-type]
            storefront=world.storefront,
            gateways=world.supplier,
            carrier="carrier",  # type: ignore[arg-type]
            notifier=world.notifier,
            clock=world.clock,
            policy=world.policy,
            catalog=world.catalog,
            suppliers=[world.primary],
        )
    assert error.value.paths == ("repository", "carrier")


def test_a_service_needs_a_gateway_for_each_supplier_and_no_stray_one() -> None:
    world = World()
    with pytest.raises(ValidationError) as error:
        world.sync_service(gateways={PRIMARY: world.supplier, "sup-xx": world.supplier})
    messages = str(error.value)
    assert "no gateway for supplier 'sup-yw-02'" in messages
    assert "names supplier 'sup-xx'" in messages


def test_a_service_refuses_a_supplier_given_twice_and_bad_options() -> None:
    world = World()
    with pytest.raises(ValidationError) as error:
        FulfillmentService(
            repository=world.repository,
            storefront=world.storefront,
            gateways=world.supplier,
            carrier=world.carrier,
            notifier=world.notifier,
            clock=world.clock,
            policy=world.policy,
            catalog=world.catalog,
            suppliers=[world.primary, world.primary],
            max_conflict_retries=-1,
        )
    assert error.value.paths == ("suppliers", "max_conflict_retries")


def test_one_gateway_may_serve_every_supplier() -> None:
    world = World()
    service = FulfillmentService(
        repository=world.repository,
        storefront=world.storefront,
        gateways=world.supplier,
        carrier=world.carrier,
        notifier=world.notifier,
        clock=world.clock,
        policy=world.policy,
        catalog=world.catalog,
        suppliers=world.primary,
    )
    world.in_warehouse("SZ-PC-1501-B")
    service.handle(OrderPlaced(key="o-1", order=make_order()))
    assert world.work(FO_ID).status is WorkStatus.SHIPPED
    assert service.policy is world.policy


def test_handle_takes_messages_only() -> None:
    with pytest.raises(ValidationError, match="message"):
        World().handle("orders/create")  # type: ignore[arg-type]


def test_a_message_needs_a_key_without_the_services_separator() -> None:
    with pytest.raises(ValidationError) as error:
        Tick(key="tick#1")
    assert error.value.paths == ("key",)
    with pytest.raises(ValidationError, match="common base"):
        Message(key="m-1")


def test_a_message_names_each_bad_field() -> None:
    with pytest.raises(ValidationError) as error:
        TrackingReported(key="t", fulfillment_order_id="", shipment_id="s", events=[])
    assert error.value.paths == ("fulfillment_order_id", "events")
    with pytest.raises(ValidationError) as error:
        OrderCancellationRequested(key="c", order_id="o", quantities={"line-1": 0})
    assert error.value.paths == ("quantities[0].quantity",)


def test_a_subclass_of_a_message_is_handled_as_its_parent() -> None:
    class ShopifyOrderCreated(OrderPlaced):
        pass

    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    outcome = world.handle(ShopifyOrderCreated(key="o-1", order=make_order()))
    assert outcome.fulfillment_order_ids == (FO_ID,)


def test_a_port_call_says_which_port_and_method() -> None:
    assert repr(PortCall("supplier", "stock", supplier_id=PRIMARY)) == (
        "PortCall(supplier[sup-sz-01].stock)"
    )
    assert repr(PortCall("clock", "now")) == "PortCall(clock.now)"


# --------------------------------------------------------------------------- orders in


def test_an_order_with_nothing_to_ship_opens_no_work() -> None:
    world = World()
    gift_card = make_line(0, sku=None, requires_shipping=False, title="Gift card")
    outcome = world.handle(OrderPlaced(key="o-1", order=make_order(line_items=[gift_card])))
    assert outcome.events == ()
    assert outcome.notes == ("nothing in the order needs shipping",)
    assert world.repository.ids() == ()


def test_an_unmapped_sku_holds_the_work_and_asks_the_merchant() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    lines = [make_line(0), make_line(1, sku="NOT-IN-CATALOG")]
    placed(world, make_order(line_items=lines))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.ON_HOLD
    assert [(h.reason, h.path) for h in work.holds] == [
        (HoldReason.INVALID_SKU, "line_items[1].sku")
    ]
    assert kinds(world) == [NotificationKind.DATA_REQUESTED]
    assert world.supplier.requests == []


def test_an_order_nobody_can_route_still_opens_held_work_with_the_first_supplier() -> None:
    world = World()
    placed(world, make_order(line_items=[make_line(0, sku="NOT-IN-CATALOG")]))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.ON_HOLD
    assert work.lines[0].supplier_sku is None
    assert {h.reason for h in work.holds} == {HoldReason.INVALID_SKU}
    assert len(work.holds) == 1  # the check and the routing found the same problem once


def test_the_same_order_placed_under_another_key_is_not_placed_twice() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    first = world.handle(OrderPlaced(key="o-1", order=make_order()))
    again = world.handle(OrderPlaced(key="o-1-redelivered-with-a-new-id", order=make_order()))
    assert again.replayed
    assert again.events == first.events
    assert len(world.supplier.requests) == 1


def test_a_data_update_for_an_order_without_work_places_it() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    outcome = world.handle(OrderDataUpdated(key="u-1", order=make_order()))
    assert outcome.fulfillment_order_ids == (FO_ID,)


def test_a_data_update_that_breaks_something_else_places_that_hold() -> None:
    world = World()
    broken = make_order(shipping_address=make_address(postal_code=None))
    placed(world, broken)
    other_problem = make_order(shipping_address=make_address(city=None))
    world.handle(OrderDataUpdated(key="u-1", order=other_problem))
    work = world.work(FO_ID)
    assert [h.path for h in work.holds] == ["shipping_address.city"]
    assert kinds(world) == [NotificationKind.DATA_REQUESTED, NotificationKind.DATA_REQUESTED]
    assert world.supplier.requests == []
    assert world.storefront.holds[FO_ID] == work.holds


# --------------------------------------------------------------------------- the supplier says no


def test_a_rejected_request_cancels_the_work_and_says_why() -> None:
    world = World()
    world.supplier.reject_sku("SZ-PC-1501-B", "we no longer make this case")
    placed(world)
    work = world.work(FO_ID)
    assert work.status is WorkStatus.REJECTED
    (told,) = world.notifier.sent
    assert told.kind is NotificationKind.CANCELLED
    assert "we no longer make this case" in told.detail("reason")
    ((_, _, quantities, reason),) = world.storefront.cancellations
    assert [(q.line_id, q.quantity) for q in quantities] == [("line-1", 1)]
    assert "rejected" in reason


def test_a_supplier_rejection_before_it_answered_the_request_rejects_the_work() -> None:
    world = World()
    timeout = RetryableAdapterError("supplier", "submit_request", "timed out")
    world.supplier.fail_next("submit_request", timeout)
    placed(world)
    assert world.work(FO_ID).request_status is RequestStatus.SUBMITTED
    world.handle(SupplierRejected(key="r-1", fulfillment_order_id=FO_ID, reason="no stock"))
    assert world.work(FO_ID).status is WorkStatus.REJECTED
    world.handle(Tick(key="t-1"))  # the pending request is not sent any more
    work = world.work(FO_ID)
    assert work.outbox == ()
    assert world.supplier.requests == []
    assert kinds(world) == [NotificationKind.CANCELLED]


def test_a_supplier_giving_up_after_accepting_cancels_what_is_left() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed(world)
    world.handle(SupplierRejected(key="r-1", fulfillment_order_id=FO_ID, reason="factory closed"))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.CANCELLED
    assert kinds(world) == [NotificationKind.BACKORDERED, NotificationKind.CANCELLED]
    assert "factory closed" in world.notifier.sent[-1].detail("reason")
    assert len(world.storefront.cancellations) == 1


def test_a_supplier_rejection_of_finished_work_changes_nothing() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    placed(world)
    outcome = world.handle(SupplierRejected(key="r-1", fulfillment_order_id=FO_ID, reason="x"))
    assert outcome.events == ()
    assert "nothing left to reject" in outcome.notes[0]


# --------------------------------------------------------------------------- cancellations


def test_cancelling_before_the_supplier_accepted_cancels_at_once() -> None:
    world = World()
    placed(world, make_order(shipping_address=make_address(postal_code=None)))
    world.handle(OrderCancellationRequested(key="c-1", order_id="5912338890017", reason="fraud"))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.CANCELLED
    assert work.holds == ()
    assert world.storefront.holds[FO_ID] == ()
    ((_, _, quantities, reason),) = world.storefront.cancellations
    assert ([(q.line_id, q.quantity) for q in quantities], reason) == ([("line-1", 1)], "fraud")
    assert kinds(world)[-1] is NotificationKind.CANCELLED
    assert world.supplier.cancellation_requests == []


def test_cancelling_started_work_asks_the_supplier_and_applies_its_yes() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed(world)
    world.handle(
        OrderCancellationRequested(
            key="c-1", order_id="5912338890017", quantities={"line-1": 1}, reason="changed mind"
        )
    )
    assert world.supplier.cancellation_requests[0][0] == FO_ID
    work = world.work(FO_ID)
    assert work.status is WorkStatus.CANCELLED
    assert kinds(world)[-1] is NotificationKind.CANCELLED
    assert world.notifier.sent[-1].detail("reason") == "changed mind"
    assert world.storefront.cancellations[0][3] == "changed mind"


def test_a_cancellation_the_supplier_refuses_tells_the_merchant() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed(world)
    world.supplier.mark_shipped(FO_ID)
    world.handle(OrderCancellationRequested(key="c-1", order_id="5912338890017"))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.BACKORDERED
    assert work.request_status is RequestStatus.CANCELLATION_REJECTED
    assert kinds(world)[-1] is NotificationKind.CANCELLATION_REJECTED
    assert world.storefront.cancellations == []


def test_cancelling_delivered_work_is_a_note_not_an_error() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    placed(world)
    work = world.work(FO_ID)
    parcel = work.shipments[0]
    journey = world.carrier.journey(world.carrier.labels[parcel.id])
    world.handle(TrackingReported(key="t", fulfillment_order_id=FO_ID, shipment_id=parcel.id,
                                  events=journey))  # fmt: skip
    outcome = world.handle(OrderCancellationRequested(key="c-1", order_id="5912338890017"))
    assert outcome.events == ()
    assert "nothing of it left to cancel" in outcome.notes[0]


def test_a_cancellation_names_lines_the_order_lacks_and_cancels_what_is_left_of_the_rest() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed(world)
    with pytest.raises(ValidationError) as error:
        world.handle(
            OrderCancellationRequested(
                key="c-1", order_id="5912338890017", quantities={"line-1": 2, "line-9": 1}
            )
        )
    assert error.value.paths == ("quantities.line-9",)
    late = world.handle(
        OrderCancellationRequested(key="c-3", order_id="5912338890017", quantities={"line-1": 2})
    )
    assert "2 asked, 1 not yet shipped or cancelled" in late.notes[0]
    assert world.work(FO_ID).status is WorkStatus.CANCELLED
    with pytest.raises(NotFoundError):
        world.handle(OrderCancellationRequested(key="c-2", order_id="no-such-order"))


def test_a_second_cancellation_while_the_first_awaits_its_answer_follows_the_answer() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed(world, make_order(line_items=[make_line(0, quantity=2)]))
    timeout = RetryableAdapterError("supplier", "request_cancellation", "timed out")
    world.supplier.fail_next("request_cancellation", timeout, times=2)  # c-2 retries it too
    one = {"line-1": 1}
    world.handle(OrderCancellationRequested(key="c-1", order_id="5912338890017", quantities=one))
    outcome = world.handle(
        OrderCancellationRequested(
            key="c-2", order_id="5912338890017", quantities=one, reason="changed my mind"
        )
    )
    assert "this one follows it" in outcome.notes[0]
    assert [e.kind.value for e in world.work(FO_ID).outbox] == ["request_cancellation", "cancel"]
    world.handle(Tick(key="t-1"))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.CANCELLED
    assert work.outbox == ()
    assert [
        sum(q.quantity for q in units) for _, units in world.supplier.cancellation_requests
    ] == [
        1,
        1,
    ]
    reasons = [reason for *_, reason in world.storefront.cancellations]
    assert reasons == ["cancelled as requested", "changed my mind"]


# --------------------------------------------------------------------------- failures


def test_a_permanent_failure_holds_the_work_with_the_reason_and_retrying_resumes_it() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    refusal = PermanentAdapterError("supplier", "submit_request", "account suspended")
    world.supplier.fail_next("submit_request", refusal)
    outcome = world.handle(OrderPlaced(key="o-1", order=make_order()))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.ON_HOLD
    (hold,) = work.holds
    assert hold.reason is HoldReason.OTHER
    assert hold.path.startswith("outbox.")
    assert hold.path.endswith("submit_request")
    assert "account suspended" in hold.message
    assert world.storefront.holds[FO_ID] == (hold,)
    assert kinds(world) == [NotificationKind.ACTION_REQUIRED]  # no data is missing
    assert any("failed for good" in note for note in outcome.notes)
    ((failed, failure),) = work.failed_effects
    assert failure.retryable is False
    world.handle(RetryFailedEffects(key="retry-1", fulfillment_order_id=FO_ID))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.SHIPPED
    assert world.storefront.holds[FO_ID] == ()
    assert [e.id for e in work.effects if e.id.startswith(failed.id)] == [
        failed.id,
        f"{failed.id}~1",
    ]


def test_retrying_with_nothing_failed_is_a_note() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    placed(world)
    outcome = world.handle(RetryFailedEffects(key="retry-1", fulfillment_order_id=FO_ID))
    assert "no failed effects" in outcome.notes[0]


def test_an_effect_failing_for_good_twice_is_retried_from_its_latest_attempt() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    refusal = PermanentAdapterError("supplier", "submit_request", "account suspended")
    world.supplier.fail_next("submit_request", refusal, times=2)
    placed(world)
    world.handle(RetryFailedEffects(key="retry-1", fulfillment_order_id=FO_ID))
    assert world.work(FO_ID).status is WorkStatus.ON_HOLD
    world.handle(RetryFailedEffects(key="retry-2", fulfillment_order_id=FO_ID))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.SHIPPED
    submits = [e.id for e in work.effects if "submit_request" in e.id]
    assert submits == [submits[0], f"{submits[0]}~1", f"{submits[0]}~2"]


def test_a_permanent_failure_after_shipping_tells_the_merchant_instead_of_holding() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    refusal = PermanentAdapterError("storefront", "push_fulfillment", "order archived")
    world.storefront.fail_next("push_fulfillment", refusal)
    placed(world)
    work = world.work(FO_ID)
    assert work.status is WorkStatus.SHIPPED
    assert work.holds == ()
    told = world.notifier.sent[-1]
    assert (told.kind, told.detail("effect")) == (
        NotificationKind.ACTION_REQUIRED,
        work.failed_effects[0][0].id,
    )
    assert "order archived" in told.detail("message")


def test_a_notification_that_fails_for_good_is_recorded_not_escalated() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    world.notifier.fail_next("send", PermanentAdapterError("notifier", "send", "bad address"))
    placed(world)
    work = world.work(FO_ID)
    assert work.status is WorkStatus.SHIPPED
    assert [effect.kind.value for effect, _ in work.failed_effects] == ["notify"]
    assert world.notifier.sent == []


def test_a_retryable_failure_stays_pending_with_its_attempts_until_a_tick_succeeds() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    timeout = RetryableAdapterError("carrier", "buy_label", "timed out")
    world.carrier.fail_next("buy_label", timeout, times=2)
    outcome = world.handle(OrderPlaced(key="o-1", order=make_order()))
    assert any("will be retried" in note for note in outcome.notes)
    work = world.work(FO_ID)
    (pending,) = work.outbox
    assert (pending.kind.value, work.attempts(pending.id)) == ("ship", 1)
    world.handle(Tick(key="t-1"))
    assert world.work(FO_ID).attempts(pending.id) == 2
    world.handle(Tick(key="t-2"))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.SHIPPED
    assert work.outbox == ()
    assert len(world.carrier.labels) == 1


def test_no_qualifying_carrier_service_holds_the_work_with_every_reason() -> None:
    constraints = ServiceConstraints(max_transit_days=1)
    world = World(make_policy(constraints=constraints))
    world.in_warehouse("SZ-PC-1501-B")
    placed(world)
    work = world.work(FO_ID)
    assert work.status is WorkStatus.ON_HOLD
    (hold,) = work.holds
    assert "no carrier service qualifies" in hold.message
    assert world.carrier.labels == {}


def test_an_adapter_answering_with_the_wrong_type_is_a_programming_error() -> None:
    class BrokenCarrier:
        def __init__(self, fake: object) -> None:
            self.fake = fake

        def quote(self, parcel: object) -> object:
            return self.fake.quote(parcel)  # type: ignore[attr-defined]

        def buy_label(self, parcel: object, quote: object) -> object:
            return {"tracking_number": "JD1"}

        def void_label(self, tracking_number: str) -> None:
            return None

    world = World()
    world.carrier = BrokenCarrier(world.carrier)  # type: ignore[assignment]
    world.in_warehouse("SZ-PC-1501-B")
    with pytest.raises(TypeError, match="buy_label returned"):
        world.sync_service().handle(OrderPlaced(key="o-1", order=make_order()))


# --------------------------------------------------------------------------- goods arriving


def test_a_restock_report_restocks_waiting_units_first_come_first_served() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed(world)
    placed(world, make_order(id="5912338890018", reference="#1002"), key="o-2")
    world.clock.advance(days=2)
    one_left = InWarehouse("SZ-PC-1501-B", as_of=world.clock.now(), quantity=1)
    world.handle(StockReported(key="s-1", supplier_id=PRIMARY, stock=one_left))
    assert world.work(FO_ID).status is WorkStatus.SHIPPED
    assert world.work(f"5912338890018:{PRIMARY}").status is WorkStatus.BACKORDERED
    assert kinds(world).count(NotificationKind.RESTOCKED) == 1


def test_a_restock_announced_within_the_limit_keeps_the_units_waiting() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed(world)
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=3)
    later = world.supplier.stock(["SZ-PC-1501-B"])["SZ-PC-1501-B"]
    outcome = world.handle(StockReported(key="s-1", supplier_id=PRIMARY, stock=later))
    assert outcome.events == ()
    assert world.work(FO_ID).status is WorkStatus.BACKORDERED


def test_a_restock_pushed_beyond_the_limit_switches_to_the_backup_supplier() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed(world)
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=40)
    world.in_warehouse("YW-C15-B", backup=True)
    later = world.supplier.stock(["SZ-PC-1501-B"])["SZ-PC-1501-B"]
    world.handle(StockReported(key="s-1", supplier_id=PRIMARY, stock=later))
    assert world.work(FO_ID).status is WorkStatus.CANCELLED
    (backup_id,) = [i for i in world.repository.ids() if BACKUP in i]
    assert world.work(backup_id).status is WorkStatus.SHIPPED
    assert NotificationKind.SUPPLIER_SWITCHED in kinds(world)
    assert world.storefront.cancellations == []  # the units go on elsewhere


def test_a_stock_report_from_an_unknown_supplier_is_refused() -> None:
    world = World()
    stock = InWarehouse("X", as_of=world.clock.now(), quantity=1)
    with pytest.raises(ValidationError) as error:
        world.handle(StockReported(key="s-1", supplier_id="sup-zz", stock=stock))
    assert error.value.paths == ("supplier_id",)


def test_a_stock_report_for_other_work_changes_nothing() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed(world)
    mugs = InWarehouse("SZ-MUG-W", as_of=world.clock.now(), quantity=9)
    assert world.handle(StockReported(key="s-1", supplier_id=PRIMARY, stock=mugs)).events == ()
    cases = InWarehouse("YW-C15-B", as_of=world.clock.now(), quantity=9)
    assert world.handle(StockReported(key="s-2", supplier_id=BACKUP, stock=cases)).events == ()


def test_an_unknown_purchase_is_refused_and_a_second_arrival_is_a_note() -> None:
    world = World()
    world.at_factory("SZ-PC-1501-B")
    placed(world)
    with pytest.raises(ValidationError) as error:
        world.handle(PurchaseArrived(key="p-0", fulfillment_order_id=FO_ID, purchase_id="PO-9"))
    assert error.value.paths == ("purchase_id",)
    ((_, _, _, confirmation),) = world.supplier.purchases
    arrived = PurchaseArrived(
        key="p-1", fulfillment_order_id=FO_ID, purchase_id=confirmation.purchase_id
    )
    world.handle(arrived)
    assert world.work(FO_ID).status is WorkStatus.SHIPPED
    again = world.handle(PurchaseArrived(key="p-2", fulfillment_order_id=FO_ID,
                                         purchase_id=confirmation.purchase_id))  # fmt: skip
    assert again.events == ()
    assert "nothing waits for it" in again.notes[0]


def test_a_purchase_pending_when_the_work_is_cancelled_is_not_made() -> None:
    world = World()
    world.at_factory("SZ-PC-1501-B")
    timeout = RetryableAdapterError("supplier", "purchase", "timed out")
    world.supplier.fail_next("purchase", timeout)
    placed(world)
    world.handle(SupplierRejected(key="r-1", fulfillment_order_id=FO_ID, reason="closing down"))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.CANCELLED
    assert world.supplier.purchases == []  # nothing was open any more
    assert work.outbox == ()


def test_a_purchase_arriving_for_cancelled_units_changes_nothing() -> None:
    world = World()
    world.at_factory("SZ-PC-1501-B")
    placed(world)
    world.handle(OrderCancellationRequested(key="c-1", order_id="5912338890017"))
    assert world.work(FO_ID).status is WorkStatus.CANCELLED
    ((_, _, _, confirmation),) = world.supplier.purchases
    arrived = world.handle(PurchaseArrived(key="p-1", fulfillment_order_id=FO_ID,
                                           purchase_id=confirmation.purchase_id))  # fmt: skip
    assert arrived.events == ()
    assert "nothing waits for it" in arrived.notes[0]


# --------------------------------------------------------------------------- others' labels


def test_without_buying_labels_the_service_ships_under_the_label_it_is_told_of() -> None:
    world = World(buys_labels=False)
    world.in_warehouse("SZ-PC-1501-B")
    placed(world)
    assert world.work(FO_ID).status is WorkStatus.READY_TO_PACK
    assert world.carrier.labels == {}
    label = Label("YunExpress", "Global Direct", "YT123", world.clock.now(),
                  tracking_url="https://t.17track.net/en#nums=YT123")  # fmt: skip
    world.handle(LabelBought(key="l-1", fulfillment_order_id=FO_ID, label=label))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.SHIPPED
    assert work.shipments[0].tracking_numbers == ("YT123",)
    assert world.storefront.fulfillments[work.shipments[0].id].tracking_numbers == ("YT123",)
    assert kinds(world, Audience.CUSTOMER) == [NotificationKind.SHIPPED]


def test_a_label_for_work_with_nothing_in_progress_is_refused() -> None:
    world = World(buys_labels=False)
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed(world)
    label = Label("YunExpress", "Global Direct", "YT123", world.clock.now())
    with pytest.raises(ValidationError) as error:
        world.handle(LabelBought(key="l-1", fulfillment_order_id=FO_ID, label=label))
    assert error.value.paths == ("items",)
    assert world.work(FO_ID).shipments == ()


def test_a_message_about_unknown_work_raises_not_found() -> None:
    with pytest.raises(NotFoundError):
        World().handle(SupplierRejected(key="r-1", fulfillment_order_id="fo-x", reason="no"))


# --------------------------------------------------------------------------- ticks


def test_a_tick_tells_the_merchant_of_each_sla_breach_once() -> None:
    world = World()
    placed(world, make_order(shipping_address=make_address(postal_code=None)))
    for day in range(1, 8):
        world.clock.advance(days=1)
        world.handle(Tick(key=f"t-{day}"))
    late = [n for n in world.notifier.sent if n.kind is not NotificationKind.DATA_REQUESTED]
    assert [n.kind for n in late] == [
        NotificationKind.DATA_REQUEST_OVERDUE,
        NotificationKind.PROCESSING_DELAYED,
    ]
    assert late[1].detail("cause") == "missing_data"


def test_a_tick_asks_again_about_a_restock_whose_date_passed() -> None:
    world = World()
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed(world)
    world.clock.advance(days=1)
    world.handle(Tick(key="t-1"))
    assert world.supplier.calls.count("stock") == 1  # not yet due
    world.clock.advance(days=2)
    world.in_warehouse("SZ-PC-1501-B", quantity=3)
    world.handle(Tick(key="t-2"))
    assert world.work(FO_ID).status is WorkStatus.SHIPPED
    world.handle(Tick(key="t-3"))
    assert world.supplier.calls.count("stock") == 2  # asked once per restock date


def test_a_restock_that_never_came_is_cancelled_with_the_reason_when_nobody_else_has_it() -> None:
    world = World(make_policy(use_backup_suppliers=False))
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    placed(world)
    world.clock.advance(days=3)
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=None)
    world.handle(Tick(key="t-1"))
    work = world.work(FO_ID)
    assert work.status is WorkStatus.CANCELLED
    told = world.notifier.sent[-1]
    assert told.kind is NotificationKind.CANCELLED
    assert "no restock date" in told.detail("reason")


def test_a_replayed_tick_schedules_nothing_twice() -> None:
    world = World()
    placed(world, make_order(shipping_address=make_address(postal_code=None)))
    world.clock.advance(days=10)
    world.handle(Tick(key="t-1"))
    sent = len(world.notifier.sent)
    world.handle(Tick(key="t-1"))
    world.handle(Tick(key="t-2"))
    assert len(world.notifier.sent) == sent


def test_tracking_for_a_parcel_reaches_the_customer_when_its_status_changes() -> None:
    world = World()
    world.in_warehouse("SZ-PC-1501-B")
    placed(world)
    parcel = world.work(FO_ID).shipments[0]
    journey = world.carrier.journey(world.carrier.labels[parcel.id], delay_days=2)
    for index, event in enumerate(journey):
        world.handle(TrackingReported(key=f"t-{index}", fulfillment_order_id=FO_ID,
                                      shipment_id=parcel.id, events=[event]))  # fmt: skip
    assert kinds(world, Audience.CUSTOMER) == [
        NotificationKind.SHIPPED,
        NotificationKind.DELAYED,
        NotificationKind.DELIVERED,
    ]
    assert world.work(FO_ID).shipments[0].status is TrackingStatus.DELIVERED
