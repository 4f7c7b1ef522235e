"""Messages twice, workers racing, adapters failing: the service loses nothing, does nothing twice.

* A message replayed 1,000 times changes the work once and calls each port once.
* Two services racing on one work through one repository: every stale save is refused, each race
  has one winner, and no saved change is ever lost (10,000 seeded random interleavings).
* An adapter (or the process) failing at every single port call of the whole process, then
  recovering: after the message is redelivered and the ticks run, the outcome is the one without
  the failure: no effect lost, none done twice.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fulfillment_core import (
    FulfillmentLine,
    FulfillmentOrder,
    InWarehouse,
    LineQuantity,
    OutOfStock,
    Shipment,
    TrackingEvent,
    TrackingStatus,
    WorkStatus,
)
from fulfillment_core.exceptions import ConcurrencyError, RetryableAdapterError
from fulfillment_core.messages import (
    Message,
    OrderCancellationRequested,
    OrderDataUpdated,
    OrderPlaced,
    Outcome,
    PurchaseArrived,
    StockReported,
    SupplierRejected,
    Tick,
    TrackingReported,
)
from fulfillment_core.service import FulfillmentService, PortCall
from fulfillment_core.testing import (
    PLACED_AT,
    InMemoryRepository,
    make_address,
    make_line,
    make_order,
    make_policy,
)

from service_world import BACKUP, PRIMARY, THREE_LINES, World

FO_ID = f"5912338890017:{PRIMARY}"
SECOND = "5912338890018"


def _port_calls(world: World) -> dict[str, list[str]]:
    return {
        "storefront": list(world.storefront.calls),
        "supplier": list(world.supplier.calls),
        "carrier": list(world.carrier.calls),
        "notifier": list(world.notifier.calls),
    }


# --------------------------------------------------------------------------- replays


def _placed(world: World) -> Message:
    world.in_warehouse("SZ-PC-1501-B")
    return OrderPlaced(key="orders-create-1", order=make_order())


def _tracked(world: World) -> Message:
    world.handle(_placed(world))
    (parcel,) = world.work(FO_ID).shipments
    journey = world.carrier.journey(world.carrier.labels[parcel.id], customs_hold=True)
    return TrackingReported(
        key="track-1", fulfillment_order_id=FO_ID, shipment_id=parcel.id, events=journey[:4]
    )


def _restocked(world: World) -> Message:
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(OrderPlaced(key="orders-create-1", order=make_order()))
    world.clock.advance(days=2)
    restock = InWarehouse("SZ-PC-1501-B", as_of=world.clock.now(), quantity=5)
    return StockReported(key="stock-1", supplier_id=PRIMARY, stock=restock)


def _purchase_arrived(world: World) -> Message:
    world.at_factory("SZ-PC-1501-B")
    world.handle(OrderPlaced(key="orders-create-1", order=make_order()))
    world.clock.advance(days=1)
    ((_, _, _, confirmation),) = world.supplier.purchases
    return PurchaseArrived(
        key="po-1", fulfillment_order_id=FO_ID, purchase_id=confirmation.purchase_id
    )


def _cancelled(world: World) -> Message:
    world.out_of_stock("SZ-PC-1501-B", restock_in_days=2)
    world.handle(OrderPlaced(key="orders-create-1", order=make_order()))
    return OrderCancellationRequested(key="cancel-1", order_id="5912338890017", reason="changed")


def _data_fixed(world: World) -> Message:
    world.in_warehouse("SZ-PC-1501-B")
    broken = make_order(shipping_address=make_address(postal_code=None))
    world.handle(OrderPlaced(key="orders-create-1", order=broken))
    return OrderDataUpdated(key="orders-updated-1", order=make_order())


@pytest.mark.parametrize(
    "prepare",
    [_placed, _tracked, _restocked, _purchase_arrived, _cancelled, _data_fixed],
    ids=lambda f: f.__name__.strip("_"),
)
def test_a_message_replayed_a_thousand_times_changes_state_once_and_calls_each_port_once(
    prepare: Callable[[World], Message],
) -> None:
    world = World()
    message = prepare(world)
    before = _port_calls(world)
    first = world.handle(message)
    assert not first.replayed
    assert first.events, "the message changed nothing: the test would prove nothing"
    stored = dict(world.repository.fulfillment_orders)
    calls = _port_calls(world)
    for name, made in calls.items():  # each port call of the first delivery was made once
        new = made[len(before[name]) :]
        assert len(new) == len(set(new)) or name == "notifier", (name, new)
    saves = world.repository.saves
    for _ in range(1000):
        again = world.handle(message)
        assert again.replayed
        assert again.events == first.events
    assert world.repository.fulfillment_orders == stored
    assert world.repository.saves == saves
    assert _port_calls(world) == calls


def test_a_notification_is_sent_once_per_key_even_when_the_same_kind_repeats() -> None:
    world = World()
    world.handle(_tracked(world))
    keys = [n.key for n in world.notifier.sent]
    assert len(keys) == len(set(keys))
    assert all(key and key.startswith(FO_ID) for key in keys)


# --------------------------------------------------------------------------- races


class RecordingRepository(InMemoryRepository):
    """Remembers the history of every save it stored."""

    def __init__(self) -> None:
        super().__init__()
        self.stored_histories: list[tuple[Any, ...]] = []

    def save(self, fulfillment_order: FulfillmentOrder, expected_version: int) -> None:
        super().save(fulfillment_order, expected_version)
        self.stored_histories.append(fulfillment_order.history)


class Stepper:
    """Drives one flow one port call at a time."""

    def __init__(self, service: FulfillmentService, message: Message) -> None:
        self.service = service
        self.flow = service.flow(message)
        self.call: PortCall | None = next(self.flow)
        self.outcome: Outcome | None = None
        self.error: Exception | None = None

    @property
    def done(self) -> bool:
        return self.call is None

    def step(self) -> None:
        assert self.call is not None
        try:
            try:
                result = self.service.perform(self.call)
            except Exception as error:
                self.call = self.flow.throw(error)
            else:
                self.call = self.flow.send(result)
        except StopIteration as stop:
            self.call, self.outcome = None, stop.value
        except ConcurrencyError as error:
            self.call, self.error = None, error


def _shipped_work(fo_id: str) -> FulfillmentOrder:
    at = PLACED_AT
    fo = FulfillmentOrder.open(
        fo_id,
        order_id="5912338890017",
        supplier_id=PRIMARY,
        lines=[FulfillmentLine.new("line-1", 1, sku="CASE-IP15-BLK", supplier_sku="SZ-PC-1501-B")],
        at=at,
    )
    fo.submit(at=at)
    fo.accept(at=at)
    fo.source({"line-1": 1}, at=at)
    fo.pack(at=at)
    fo.ship(
        Shipment(
            f"{fo_id}/p1", "DHL", "Express Worldwide", ("JD1",), [LineQuantity("line-1", 1)], at
        ),
        at=at,
    )
    return fo


_SCANS = (
    TrackingStatus.PICKED_UP,
    TrackingStatus.IN_TRANSIT,
    TrackingStatus.DELAYED,
    TrackingStatus.ON_HOLD,
    TrackingStatus.OUT_FOR_DELIVERY,
    TrackingStatus.DELIVERED,
)


def _race_messages(rng: random.Random, fo_id: str) -> tuple[Message, Message]:
    """Two messages for one work: tracking scans, a tick, or the same webhook twice."""

    def scan(index: int) -> Message:
        status = rng.choice(_SCANS)
        event = TrackingEvent(status, PLACED_AT.add(hours=index + 1), incident="customs")
        return TrackingReported(
            key=f"{fo_id}-scan-{index}", fulfillment_order_id=fo_id, shipment_id=f"{fo_id}/p1",
            events=[event],
        )  # fmt: skip

    first = scan(1)
    kind = rng.randrange(3)
    if kind == 0:
        return first, scan(2)
    if kind == 1:
        return first, Tick(key=f"{fo_id}-tick")
    return first, first


@pytest.mark.parametrize("retries", [0, 10], ids=["loser-raises", "loser-retries"])
def test_two_services_racing_on_one_work_never_lose_an_update(retries: int) -> None:
    races = 10_000 if retries == 0 else 2_000
    world = World(max_conflict_retries=retries)
    conflicts = 0
    for race in range(races):
        rng = random.Random(race)
        fo_id = f"fo-race-{race}"
        world.repository = RecordingRepository()  # ticks visit all active work: keep it small
        world.repository.add(_shipped_work(fo_id))
        one, two = world.sync_service(), world.sync_service()
        messages = _race_messages(rng, fo_id)
        steppers = [Stepper(one, messages[0]), Stepper(two, messages[1])]
        while not all(s.done for s in steppers):
            rng.choice([s for s in steppers if not s.done]).step()
        losers = [s for s in steppers if s.error is not None]
        assert len(losers) < 2, f"race {race}: both lost"
        conflicts += len(losers)
        for loser in losers:  # the loser's message is redelivered
            assert loser.service.handle(messages[steppers.index(loser)]) is not None
        final = world.repository.get(fo_id)
        for history in world.repository.stored_histories:  # no saved change is ever lost
            assert final.history[: len(history)] == history, f"race {race} lost an update"
        for message in messages:  # each message applied exactly once
            keyed = [e for e in final.history if e.key == message.key]
            assert len(keyed) <= 1, f"race {race}: {message.key} applied twice"
            if isinstance(message, TrackingReported):
                assert len(keyed) == 1, f"race {race}: {message.key} lost"
        assert final.outbox == () or isinstance(messages[1], Tick)
    assert conflicts > races // 10 if retries == 0 else conflicts == 0


def _supplier_race_messages(rng: random.Random, purchase_id: str) -> tuple[Message, Message]:
    """Two messages racing on backordered work: the factory's goods arriving, a cancellation of
    one unit, the supplier giving up, a tick; or the same webhook twice."""
    pool: list[Message] = [
        PurchaseArrived(key="arrived", fulfillment_order_id=FO_ID, purchase_id=purchase_id),
        OrderCancellationRequested(
            key="cancel-one", order_id="5912338890017", quantities={"line-1": 1}, reason="one"
        ),
        SupplierRejected(key="gave-up", fulfillment_order_id=FO_ID, reason="factory closed"),
        Tick(key="tick"),
    ]
    first = rng.choice(pool)
    return first, (first if rng.random() < 0.2 else rng.choice(pool))


def test_races_through_the_supplier_carrier_and_storefront_lose_nothing_and_repeat_nothing() -> (
    None
):
    for race in range(1_000):
        rng = random.Random(race)
        world = World(max_conflict_retries=0)
        world.repository = RecordingRepository()
        world.service = world.sync_service()
        world.at_factory("SZ-PC-1501-B")
        world.handle(
            OrderPlaced(key="placed", order=make_order(line_items=[make_line(0, quantity=2)]))
        )
        ((_, _, _, confirmation),) = world.supplier.purchases
        world.repository.stored_histories.clear()
        messages = _supplier_race_messages(rng, confirmation.purchase_id)
        one, two = world.sync_service(), world.sync_service()
        steppers = [Stepper(one, messages[0]), Stepper(two, messages[1])]
        while not all(s.done for s in steppers):
            rng.choice([s for s in steppers if not s.done]).step()
        for stepper, message in zip(steppers, messages, strict=True):
            if stepper.error is not None:
                world.handle(message)  # the loser's message comes again
        world.handle(Tick(key="after"))
        final = world.repository.get(FO_ID)
        for history in world.repository.stored_histories:
            assert final.history[: len(history)] == history, f"race {race} lost an update"
        for message in {m.key: m for m in messages}.values():
            if not isinstance(message, Tick):
                keyed = [e for e in final.history if e.key == message.key]
                assert len(keyed) == 1, f"race {race}: {message.key} applied {len(keyed)} times"
        assert final.outbox == (), f"race {race}: {[e.id for e in final.outbox]} left pending"
        assert len(world.supplier.purchases) == 1
        live = [
            label
            for label in world.carrier.labels.values()
            if label.tracking_number not in world.carrier.voided  # bought, then overtaken
        ]
        assert len(live) == len(final.shipments), f"race {race}: labels {live}"
        assert set(world.storefront.fulfillments) == {s.id for s in final.shipments}
        reported = sum(q.quantity for c in world.storefront.cancellations for q in c[2])
        assert reported == final.line("line-1").cancelled, f"race {race}: reported {reported}"


def test_a_stale_save_is_reloaded_and_decided_again_when_retries_are_allowed() -> None:
    world = World(max_conflict_retries=1)
    world.repository.add(_shipped_work("fo-1"))
    scan = TrackingEvent(TrackingStatus.IN_TRANSIT, PLACED_AT.add(hours=2))
    message = TrackingReported(
        key="scan-1", fulfillment_order_id="fo-1", shipment_id="fo-1/p1", events=[scan]
    )
    stepper = Stepper(world.service, message)
    while stepper.call is not None and stepper.call.method != "save":
        stepper.step()
    other = world.repository.get("fo-1")  # another worker saves first
    other.record_tracking(
        "fo-1/p1", [TrackingEvent(TrackingStatus.PICKED_UP, PLACED_AT)], at=PLACED_AT
    )
    world.repository.save(other, expected_version=other.version - 1)
    while not stepper.done:
        stepper.step()
    assert stepper.error is None
    final = world.repository.get("fo-1")
    statuses = [s.status for s in final.shipments]
    assert statuses == [TrackingStatus.IN_TRANSIT]
    assert sum(1 for e in final.history if e.key == "scan-1") == 1


# --------------------------------------------------------------------------- failures


class CrashError(Exception):
    """The process died (not an adapter error: nothing in the service catches it)."""


class Faults:
    """Counts port calls over every faulty port, and fails the one numbered ``at``."""

    def __init__(self, at: int | None = None, mode: str = "retryable") -> None:
        self.at = at
        self.mode = mode
        self.count = 0
        self.fired = False


class Faulty:
    """A fake port whose calls count towards ``faults`` (and one of which fails)."""

    def __init__(self, fake: Any, faults: Faults, methods: tuple[str, ...] | None = None) -> None:
        self._fake = fake
        self._faults = faults
        self._methods = methods or fake.operations

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._fake, name)
        if name not in self._methods:
            return attribute
        faults = self._faults

        def call(*args: Any, **kwargs: Any) -> Any:
            faults.count += 1
            if faults.count != faults.at:
                return attribute(*args, **kwargs)
            faults.fired = True
            if faults.mode == "retryable":
                raise RetryableAdapterError(self._fake.port, name, "injected timeout")
            if faults.mode == "crash-before":
                raise CrashError(f"before {name}")
            attribute(*args, **kwargs)
            raise CrashError(f"after {name}")

        return call


def _faulty_world(faults: Faults) -> World:
    world = World(make_policy(split="ship_complete"))
    world.storefront = Faulty(world.storefront, faults)  # type: ignore[assignment]
    world.supplier = Faulty(world.supplier, faults)  # type: ignore[assignment]
    world.backup_supplier = Faulty(world.backup_supplier, faults)  # type: ignore[assignment]
    world.carrier = Faulty(world.carrier, faults)  # type: ignore[assignment]
    world.notifier = Faulty(world.notifier, faults)  # type: ignore[assignment]
    world.repository = Faulty(  # type: ignore[assignment]
        world.repository, faults, ("save", "add")
    )
    world.service = world.sync_service()
    return world


def _seed_script(world: World) -> Iterator[Message]:
    """The seed's process as messages, the clock moving between them; and a second order whose
    case is switched to the backup supplier and one of whose two mugs is cancelled."""
    world.in_warehouse("SZ-PC-1501-B")
    world.at_factory("SZ-88121-R-M", ready_in_days=1)
    world.out_of_stock("SZ-MUG-W", restock_in_days=3)
    broken = make_order(line_items=THREE_LINES, shipping_address=make_address(postal_code=None))
    yield OrderPlaced(key="orders-create-1", order=broken)
    yield OrderDataUpdated(key="orders-updated-1", order=make_order(line_items=THREE_LINES))
    world.supplier._fake.set_stock(  # type: ignore[attr-defined]
        "SZ-PC-1501-B",
        OutOfStock(
            "SZ-PC-1501-B", as_of=world.clock.now(), restock_eta=world.clock.now().add(days=30)
        ),
    )
    world.backup_supplier._fake.set_stock(  # type: ignore[attr-defined]
        "YW-C15-B", InWarehouse("YW-C15-B", as_of=world.clock.now(), quantity=5)
    )
    mugs = make_line(1, sku="MUG-WHT", quantity=2, title="Ceramic mug - White")
    second = make_order(id=SECOND, reference="#1002", line_items=(make_line(0), mugs))
    yield OrderPlaced(key="orders-create-2", order=second)
    yield OrderCancellationRequested(
        key="orders-cancel-2", order_id=SECOND, quantities={"line-2": 1}, reason="one is enough"
    )
    world.clock.advance(days=1)
    ((_, _, _, confirmation),) = world.supplier._fake.purchases  # type: ignore[attr-defined]
    yield PurchaseArrived(
        key="po-1", fulfillment_order_id=FO_ID, purchase_id=confirmation.purchase_id
    )
    world.clock.advance(days=2)
    restock = InWarehouse("SZ-MUG-W", as_of=world.clock.now(), quantity=12)
    yield StockReported(key="stock-1", supplier_id=PRIMARY, stock=restock)
    work = world.repository.get(FO_ID)
    (parcel,) = work.shipments
    label = world.carrier._fake.labels[parcel.id]  # type: ignore[attr-defined]
    journey = world.carrier._fake.journey(label, customs_hold=True)  # type: ignore[attr-defined]
    for index, event in enumerate(journey):
        world.clock.set(max(world.clock.now(), event.occurred_at))
        yield TrackingReported(
            key=f"track-{index}", fulfillment_order_id=FO_ID, shipment_id=parcel.id, events=[event]
        )


def _run_script(faults: Faults) -> World:
    world = _faulty_world(faults)
    ticks = [Tick(key=f"tick-late-{extra}") for extra in range(3)]
    for index, message in enumerate(_seed_script(world)):
        for delivery in (message, Tick(key=f"tick-{index}")):
            try:
                world.handle(delivery)
            except (CrashError, RetryableAdapterError):
                world.handle(delivery)  # the webhook (or the tick) comes again
    for tick in ticks:  # later ticks retry what a failure left pending
        world.handle(tick)
    return world


def _observed(world: World) -> dict[str, Any]:
    fakes = {
        name: getattr(world, name)._fake
        for name in ("storefront", "supplier", "backup_supplier", "carrier")
    }
    works = {fo_id: world.repository.get(fo_id) for fo_id in world.repository.ids()}
    return {
        "work": {
            fo_id: (
                work.status,
                work.lines,
                [(s.id, s.carrier, s.service, s.status) for s in work.shipments],
                work.outbox,
                work.failed_effects,
            )
            for fo_id, work in works.items()
        },
        # Tracking numbers come from a counter shared by every parcel, so a retry may change
        # which parcel gets which: compare parcels by id and count the numbers instead.
        "fulfillments": {
            shipment_id: (f.items, f.tracking_company, len(f.tracking_numbers))
            for shipment_id, f in fakes["storefront"].fulfillments.items()
        },
        "holds": fakes["storefront"].holds,
        "cancellations": fakes["storefront"].cancellations,
        "requests": fakes["supplier"].requests + fakes["backup_supplier"].requests,
        "purchases": len(fakes["supplier"].purchases),
        "cancellation_requests": fakes["supplier"].cancellation_requests,
        "labels": {
            i: (label.carrier, label.service) for i, label in fakes["carrier"].labels.items()
        },
        "label_numbers": len({label.tracking_number for label in fakes["carrier"].labels.values()}),
        "voided": fakes["carrier"].voided,
        "told": Counter(
            (n.audience, n.kind, n.fulfillment_order_id, n.key)
            for n in world.notifier._fake.sent  # type: ignore[attr-defined]
        ),
    }


_BASELINE_FAULTS = Faults()
_BASELINE = _observed(_run_script(_BASELINE_FAULTS))
_CALLS = _BASELINE_FAULTS.count


def test_the_baseline_process_delivers_and_tells_everyone_once() -> None:
    statuses = {fo_id: work[0] for fo_id, work in _BASELINE["work"].items()}
    assert statuses[FO_ID] is WorkStatus.DELIVERED
    assert statuses[f"{SECOND}:{PRIMARY}"] is WorkStatus.SHIPPED  # one mug, no tracking fed
    backups = [status for fo_id, status in statuses.items() if BACKUP in fo_id]
    assert backups == [WorkStatus.SHIPPED]
    assert all(work[3] == () for work in _BASELINE["work"].values())
    assert len(_BASELINE["cancellations"]) == 1
    assert all(count == 1 for count in _BASELINE["told"].values())
    assert _CALLS > 60


@pytest.mark.parametrize("mode", ["retryable", "crash-before", "crash-after"])
@pytest.mark.parametrize("at", range(1, _CALLS + 1))
def test_a_failure_at_any_port_call_then_recovery_loses_nothing_and_repeats_nothing(
    at: int, mode: str
) -> None:
    faults = Faults(at, mode)
    observed = _observed(_run_script(faults))
    assert faults.fired
    assert observed == _BASELINE
