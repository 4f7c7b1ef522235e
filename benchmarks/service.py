"""End-to-end orders per second through the sync FulfillmentService on the in-memory fakes.

    python benchmarks/service.py [--rounds 7] [--orders 500] [--profile]

Each order goes the whole way: ``OrderPlaced`` (checked, routed, opened, requested, accepted,
sourced from the warehouse, packed, labelled, pushed to the storefront, the customer told), then
two ``TrackingReported`` (in transit; out for delivery and delivered, the customer told). Prints,
each as the median of ``--rounds`` rounds:

* orders per second through the service (target: at least 5,000 on one core);
* a baseline from the same run: the same process straight through the pure core, with no
  service, ports or fakes (the events applied to the aggregate by hand, the notifications
  worked out), and the ratio of the two;
* a floor from the same run: the core's process plus only the bookkeeping the outbox requires
  of any service (each effect recorded before it is carried out and marked done after, keyed
  events, the work copied on each load and save), with the service's very effects and saves
  (checked against the service before timing). No service can beat it with this core: what
  the service adds beyond it is the most a faster service could win;
* where the service's time goes, by profiler self-time: the pure core, the service (flows and
  messages), the fakes, and the rest (attrs, pendulum, the standard library). The profiler slows
  everything, so read the shares, not the absolute figures.

The machine is shared and noisy: compare figures of one run, not figures across runs.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import time
from collections.abc import Callable

from fulfillment_core import (
    FulfillmentOrder,
    InWarehouse,
    Order,
    Shipment,
    TrackingEvent,
    notifications_for,
    route_order,
)
from fulfillment_core.fulfillment import EffectCompleted, EffectsScheduled
from fulfillment_core.messages import OrderPlaced, TrackingReported
from fulfillment_core.outbox import Effect, EffectKind
from fulfillment_core.service import FulfillmentService
from fulfillment_core.testing import (
    PLACED_AT,
    FakeCarrier,
    FakeClock,
    FakeNotifier,
    FakeStorefront,
    FakeSupplier,
    InMemoryRepository,
    make_catalog,
    make_order,
    make_policy,
    make_supplier,
)
from fulfillment_core.testing.plugin import CARRIER_SERVICES

SUPPLIER = make_supplier()
CATALOG = make_catalog()
POLICY = make_policy()
SUBMIT, SHIP = EffectKind.SUBMIT_REQUEST, EffectKind.SHIP
PUSH, NOTIFY = EffectKind.PUSH_FULFILLMENT, EffectKind.NOTIFY
ORDERS = [make_order(id=f"59123388{i:05d}", reference=f"#{i}") for i in range(20_000)]


class Shop:
    """A service on fresh fakes, with the whole catalogue in stock."""

    def __init__(self) -> None:
        self.clock = FakeClock(PLACED_AT)
        self.supplier = FakeSupplier(self.clock)
        now = self.clock.now()
        for sku in ("SZ-PC-1501-B", "SZ-88121-R-M"):
            self.supplier.set_stock(sku, InWarehouse(sku, as_of=now, quantity=10**6))
        self.repository = InMemoryRepository()
        self.carrier = FakeCarrier(self.clock, CARRIER_SERVICES)
        self.service = FulfillmentService(
            repository=self.repository,
            storefront=FakeStorefront(),
            gateways=self.supplier,
            carrier=self.carrier,
            notifier=FakeNotifier(),
            clock=self.clock,
            policy=POLICY,
            catalog=CATALOG,
            suppliers=[SUPPLIER],
        )


def _journey() -> tuple[TrackingEvent, ...]:
    """The carrier's events for a parcel labelled at the start: the same for every order (the
    clock does not move), so the benchmark builds them once."""
    shop = Shop()
    outcome = shop.service.handle(OrderPlaced(key="warm-up", order=ORDERS[0]))
    (fo_id,) = outcome.fulfillment_order_ids
    (parcel,) = shop.repository.fulfillment_orders[fo_id].shipments
    return shop.carrier.journey(shop.carrier.labels[parcel.id])


JOURNEY = _journey()


def through_the_service(n: int) -> None:
    """``n`` orders from placed to delivered through the service."""
    shop = Shop()
    handle = shop.service.handle
    journey = JOURNEY
    for order in ORDERS[:n]:
        outcome = handle(OrderPlaced(key=f"create-{order.id}", order=order))
        (fo_id,) = outcome.fulfillment_order_ids
        (parcel,) = shop.repository.fulfillment_orders[fo_id].shipments
        handle(TrackingReported(key=f"t1-{order.id}", fulfillment_order_id=fo_id,
                                shipment_id=parcel.id, events=journey[:3]))  # fmt: skip
        handle(TrackingReported(key=f"t2-{order.id}", fulfillment_order_id=fo_id,
                                shipment_id=parcel.id, events=journey[3:]))  # fmt: skip
    assert shop.repository.active_ids() == ()


def straight_through_the_core(n: int) -> None:
    """The same process by hand on the pure core: no service, no ports, no fakes."""
    at = PLACED_AT
    for index, order in enumerate(ORDERS[:n]):
        (fo,) = route_order(order, CATALOG, [SUPPLIER]).open_all(at=at)
        told = []
        told += notifications_for(fo, fo.submit(at=at), POLICY)
        told += notifications_for(fo, fo.accept(at=at), POLICY)
        line = fo.lines[0]
        told += notifications_for(fo, fo.source({line.line_id: line.open}, at=at), POLICY)
        told += notifications_for(fo, fo.pack(at=at), POLICY)
        number = f"JD{index:09d}"
        parcel = Shipment(f"{fo.id}/p1", "DHL", "Express Worldwide", [number],
                          {line.line_id: line.open}, at)  # fmt: skip
        told += notifications_for(fo, fo.ship(parcel, at=at), POLICY)
        for status, hours in (("picked_up", 5), ("in_transit", 24), ("delivered", 72)):
            event = TrackingEvent(status, at.add(hours=hours))
            told += notifications_for(fo, fo.record_tracking(parcel.id, [event], at=at), POLICY)
        assert isinstance(fo, FulfillmentOrder)
        assert fo.status == "delivered", fo.status
        assert len(told) == 2


def the_outbox_floor(n: int) -> None:
    """The core's process plus only the bookkeeping the issue's outbox requires of any service
    (``_floor_order``)."""
    for index, order in enumerate(ORDERS[:n]):
        _floor_order(index, order)


def _floor_order(index: int, order: Order) -> tuple[FulfillmentOrder, int]:
    """One order through the core with the outbox's bookkeeping and nothing else: each effect
    recorded on the work (an ``Effect`` in an ``EffectsScheduled``) before it is carried out and
    marked done (``EffectCompleted``) after, every event keyed, and the work copied on each load
    and each save, as a repository keeps it. The events, effects and saves are the service's
    (``check_the_floor`` compares them: the request and the sourcing it calls for settled in
    one save, then the label, the push and two notifications; eight saves); what the service
    does besides is left out: port calls, fakes, sessions, idempotency look-ups, holds,
    retries."""
    at = PLACED_AT
    (opened,) = route_order(order, CATALOG, [SUPPLIER]).open_all(at=at)
    work = _Floor(opened, order.id)
    fo, line = opened, opened.lines[0]
    units = {line.line_id: line.open}
    told = notifications_for(fo, fo.submit(at=at), POLICY)
    fo = work.record(fo, Effect("e1-submit_request", SUBMIT, quantities=units))
    told += notifications_for(fo, fo.accept(at=at), POLICY)
    told += notifications_for(fo, fo.source(units, at=at), POLICY)  # the stock read with it
    fo = work.settle(fo, "e1-submit_request", Effect("e2-ship", SHIP))
    told += notifications_for(fo, fo.pack(at=at), POLICY)
    parcel = Shipment(f"{fo.id}/p1", "DHL", "Express Worldwide", [f"JD{index:09d}"], units, at)
    told += notifications_for(fo, fo.ship(parcel, at=at), POLICY)
    pushed = Effect("e3-push_fulfillment", PUSH, shipment_id=parcel.id)
    fo = work.settle(fo, "e2-ship", pushed, Effect("e4-notify", NOTIFY, notification=told[-1]))
    fo = work.settle(fo, "e3-push_fulfillment")
    fo = work.settle(fo, "e4-notify")
    moving, arrived = JOURNEY[:3], JOURNEY[3:]  # the two tracking messages, a save each
    told += notifications_for(fo, fo.record_tracking(parcel.id, moving, at=at), POLICY)
    fo = work.save(fo)
    told += notifications_for(fo, fo.record_tracking(parcel.id, arrived, at=at), POLICY)
    fo = work.record(fo, Effect("e5-notify", NOTIFY, notification=told[-1]))
    fo = work.settle(fo, "e5-notify")
    assert fo.status == "delivered", fo.status
    assert len(told) == 2
    return fo, work.saves


def check_the_floor() -> None:
    """The floor does the service's bookkeeping: the same events, effects and saves for one
    order (raises if the service's process changed and the floor was not brought along)."""
    shop = Shop()
    order = ORDERS[0]
    outcome = shop.service.handle(OrderPlaced(key="floor", order=order))
    (fo_id,) = outcome.fulfillment_order_ids
    (parcel,) = shop.repository.fulfillment_orders[fo_id].shipments
    for number, events in enumerate((JOURNEY[:3], JOURNEY[3:])):
        shop.service.handle(TrackingReported(key=f"floor-{number}", fulfillment_order_id=fo_id,
                                             shipment_id=parcel.id, events=events))  # fmt: skip
    served = shop.repository.fulfillment_orders[fo_id]
    saves = sum(1 for call in shop.repository.calls if call in ("add", "save"))
    shapes = [
        ([type(event).__name__ for event in fo.history], [e.id for e in fo.effects], count)
        for fo, count in ((served, saves), _floor_order(0, order))
    ]
    assert shapes[0] == shapes[1], f"the floor is not the service's bookkeeping: {shapes}"


class _Floor:
    """One work's outbox bookkeeping for ``the_outbox_floor``: keyed events, a copy per load
    and per save."""

    def __init__(self, fo: FulfillmentOrder, order_id: str) -> None:
        self.saved = fo
        self.prefix = order_id
        self.count = 0
        self.saves = 0

    def key(self) -> str:
        self.count += 1
        return f"{self.prefix}#{self.count}"

    def save(self, fo: FulfillmentOrder) -> FulfillmentOrder:
        """Save ``fo``; return the work as the next step loads it."""
        self.saves += 1
        self.saved = fo.copy()
        return self.saved.copy()

    def record(self, fo: FulfillmentOrder, *effects: Effect) -> FulfillmentOrder:
        """Record ``effects`` and save."""
        fo.apply(EffectsScheduled(at=PLACED_AT, key=self.key(), effects=effects))
        return self.save(fo)

    def settle(self, fo: FulfillmentOrder, done: str, *effects: Effect) -> FulfillmentOrder:
        """Mark effect ``done`` carried out, record what it calls for, and save."""
        fo.apply(EffectCompleted(at=PLACED_AT, key=self.key(), effect_id=done))
        return self.record(fo, *effects) if effects else self.save(fo)


def per_second(run: Callable[[int], None], n: int, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        run(n)
        times.append(time.perf_counter() - start)
    return n / statistics.median(times)


_AREAS = (
    ("fakes", "fulfillment_core/testing/"),
    ("service", "fulfillment_core/service/"),
    ("service", "fulfillment_core/messages.py"),
    ("core", "fulfillment_core/"),
)


def time_shares(n: int) -> dict[str, float]:
    """Where the service's time goes, by profiler self-time per source file."""
    profile = cProfile.Profile()
    profile.runcall(through_the_service, n)
    stats = pstats.Stats(profile)
    totals = dict.fromkeys(("core", "service", "fakes", "other"), 0.0)
    for (filename, _, _), row in stats.stats.items():  # type: ignore[attr-defined]
        self_time = row[2]
        area = next((name for name, part in _AREAS if part in filename), "other")
        totals[area] += self_time
    whole = sum(totals.values())
    return {area: spent / whole for area, spent in totals.items()}


def main() -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="print the top functions too")
    args = parser.parse_args()
    check_the_floor()
    through_the_service(20)  # warm up imports and caches
    straight_through_the_core(20)
    the_outbox_floor(20)
    service_rate = per_second(through_the_service, args.orders, args.rounds)
    core_rate = per_second(straight_through_the_core, args.orders, args.rounds)
    floor_rate = per_second(the_outbox_floor, args.orders, args.rounds)
    shares = time_shares(min(args.orders, 300))
    results = {
        "service_orders_per_s": service_rate,
        "core_orders_per_s": core_rate,
        "floor_orders_per_s": floor_rate,
        "ratio": core_rate / service_rate,
        **{f"share_{area}": share for area, share in shares.items()},
    }
    print(f"order placed to delivered, median of {args.rounds} rounds of {args.orders}:")
    print(f"  through FulfillmentService  {service_rate:10,.0f} orders/s   (target >= 5,000)")
    print(f"  straight through the core   {core_rate:10,.0f} orders/s   (baseline, same run)")
    print(f"  ratio (core/service)        {results['ratio']:10.2f}")
    print(f"  the core plus the outbox    {floor_rate:10,.0f} orders/s   (floor, same run)")
    print("where the service's time goes (profiler self-time):")
    for area in ("core", "service", "fakes", "other"):
        print(f"  {area:<8} {shares[area]:6.1%}")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(through_the_service, min(args.orders, 300))
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    return results


if __name__ == "__main__":
    main()
