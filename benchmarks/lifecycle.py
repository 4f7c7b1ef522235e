"""Lifecycle throughput and memory, against a hand-written dict-table baseline in the same run.

    python benchmarks/lifecycle.py [--rounds 7] [--orders 2000]

Prints, each as the median of ``--rounds`` rounds:

* full lifecycles per second through ``FulfillmentOrder`` (open, submit, accept, source,
  backorder, pack, ship, restock, pack, ship, two tracking updates: 12 events with history);
* the same through a hand-written state machine: a plain dict from (state, trigger) to the next
  state, a dict ledger, and the *same* event objects appended to a list; no guards, no checks;
* their ratio (target: at most 2.0);
* bytes per in-flight fulfillment order (2 lines, 10 history events), by tracemalloc
  (target: at most 4 KB).

The machine is shared and noisy: compare the two figures of one run, not figures across runs.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pendulum

from fulfillment_core import (
    FulfillmentLine,
    FulfillmentOrder,
    FulfillmentOrderOpened,
    GoodsBackordered,
    GoodsPacked,
    GoodsRestocked,
    GoodsSourced,
    RequestSubmitted,
    Shipment,
    ShipmentDispatched,
    TrackingEvent,
    TrackingUpdated,
    WorkAccepted,
)

T0 = pendulum.datetime(2026, 3, 2, 1, 0, tz="UTC")
ETA = T0.add(days=5)
DELIVERED = [TrackingEvent("delivered", T0.add(days=10))]


def _lines() -> list[FulfillmentLine]:
    return [FulfillmentLine.new("line-1", 2, sku="A"), FulfillmentLine.new("line-2", 1, sku="B")]


def _parcel(shipment_id: str, line_id: str, quantity: int) -> Shipment:
    return Shipment(shipment_id, "YunExpress", "Global", ["YT1"], {line_id: quantity}, T0)


def ours(n: int) -> None:
    """``n`` full lifecycles through the aggregate."""
    for i in range(n):
        fo = FulfillmentOrder.open(
            f"fo-{i}", order_id=f"o-{i}", supplier_id="s", lines=_lines(), at=T0
        )
        fo.submit(at=T0)
        fo.accept(at=T0)
        fo.source({"line-1": 2}, at=T0)
        fo.backorder({"line-2": 1}, restock_eta=ETA, at=T0)
        fo.pack(at=T0)
        fo.ship(_parcel("sh-1", "line-1", 2), at=T0)
        fo.restock({"line-2": 1}, at=T0)
        fo.pack(at=T0)
        fo.ship(_parcel("sh-2", "line-2", 1), at=T0)
        fo.record_tracking("sh-1", DELIVERED, at=T0)
        fo.record_tracking("sh-2", DELIVERED, at=T0)
        assert fo.status.value == "delivered"


# The baseline: a hand-written table for exactly the path above.
_TABLE = {
    ("pending", "submit"): "pending",
    ("pending", "accept"): "accepted",
    ("accepted", "source"): "sourcing",
    ("sourcing", "backorder"): "ready_to_pack",
    ("ready_to_pack", "pack"): "packed",
    ("packed", "ship"): "partially_shipped",
    ("partially_shipped", "restock"): "partially_shipped",
    ("partially_shipped", "pack"): "packed",
    ("packed", "ship_rest"): "shipped",
    ("shipped", "track"): "shipped",
    ("shipped", "track_last"): "delivered",
}


class Handwritten:
    __slots__ = ("history", "ledger", "shipments", "status")

    def __init__(self, event: Any) -> None:
        self.status = "pending"
        self.ledger = {"line-1": [2, 0, 0, 0], "line-2": [1, 0, 0, 0]}
        self.shipments: list[Any] = []
        self.history = [event]

    def fire(self, trigger: str, event: Any) -> None:
        self.status = _TABLE[(self.status, trigger)]
        self.history.append(event)

    def move(self, line: str, source: int, dest: int, quantity: int) -> None:
        self.ledger[line][source] -= quantity
        self.ledger[line][dest] += quantity


def baseline(n: int) -> None:
    """``n`` full lifecycles through a hand-written dict table, with the same events."""
    for i in range(n):
        fo = Handwritten(
            FulfillmentOrderOpened(
                at=T0, fulfillment_order_id=f"fo-{i}", order_id=f"o-{i}", supplier_id="s",
                lines=tuple(_lines()),
            )
        )  # fmt: skip
        fo.fire("submit", RequestSubmitted(at=T0))
        fo.fire("accept", WorkAccepted(at=T0))
        fo.move("line-1", 0, 1, 2)
        fo.fire("source", GoodsSourced(at=T0, quantities={"line-1": 2}))
        fo.move("line-2", 0, 2, 1)
        fo.fire("backorder", GoodsBackordered(at=T0, quantities={"line-2": 1}, restock_eta=ETA))
        fo.fire("pack", GoodsPacked(at=T0))
        first = _parcel("sh-1", "line-1", 2)
        fo.move("line-1", 1, 3, 2)
        fo.shipments.append(first)
        fo.fire("ship", ShipmentDispatched(at=T0, shipment=first))
        fo.move("line-2", 2, 1, 1)
        fo.fire("restock", GoodsRestocked(at=T0, quantities={"line-2": 1}))
        fo.fire("pack", GoodsPacked(at=T0))
        second = _parcel("sh-2", "line-2", 1)
        fo.move("line-2", 1, 3, 1)
        fo.shipments.append(second)
        fo.fire("ship_rest", ShipmentDispatched(at=T0, shipment=second))
        fo.shipments[0] = fo.shipments[0].with_events(DELIVERED)
        fo.fire("track", TrackingUpdated(at=T0, shipment_id="sh-1", events=DELIVERED))
        fo.shipments[1] = fo.shipments[1].with_events(DELIVERED)
        fo.fire("track_last", TrackingUpdated(at=T0, shipment_id="sh-2", events=DELIVERED))
        assert fo.status == "delivered"


def per_second(run: Callable[[int], None], n: int, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        run(n)
        times.append(time.perf_counter() - start)
    return n / statistics.median(times)


def in_flight(count: int) -> list[FulfillmentOrder]:
    """Fulfillment orders with 2 lines and 10 history events, not yet delivered."""
    made = []
    for i in range(count):
        fo = FulfillmentOrder.open(
            f"fo-{i}", order_id=f"o-{i}", supplier_id="s", lines=_lines(), at=T0.add(seconds=i)
        )
        fo.submit(at=T0.add(seconds=i, minutes=1))
        fo.accept(at=T0.add(seconds=i, minutes=2))
        fo.source({"line-1": 2}, at=T0.add(seconds=i, minutes=3))
        fo.backorder({"line-2": 1}, restock_eta=ETA, at=T0.add(seconds=i, minutes=4))
        fo.pack(at=T0.add(seconds=i, minutes=5))
        fo.ship(_parcel(f"sh-{i}", "line-1", 2), at=T0.add(seconds=i, minutes=6))
        fo.restock({"line-2": 1}, at=T0.add(seconds=i, minutes=7))
        fo.pack(at=T0.add(seconds=i, minutes=8))
        fo.record_tracking(
            f"sh-{i}",
            [TrackingEvent("in_transit", T0.add(seconds=i, hours=9))],
            at=T0.add(seconds=i, minutes=9),
        )
        assert len(fo.history) == 10
        made.append(fo)
    return made


def bytes_per_order(count: int) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    orders = in_flight(count)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(orders) == count
    return (after - before) / count


def main() -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--orders", type=int, default=2000)
    args = parser.parse_args()
    ours(50)  # warm up imports and caches
    baseline(50)
    ours_rate = per_second(ours, args.orders, args.rounds)
    base_rate = per_second(baseline, args.orders, args.rounds)
    memory = bytes_per_order(1000)
    results = {
        "lifecycles_per_s": ours_rate,
        "baseline_lifecycles_per_s": base_rate,
        "ratio": base_rate / ours_rate,
        "bytes_per_order": memory,
    }
    print(f"full lifecycle (12 events), median of {args.rounds} rounds of {args.orders}:")
    print(f"  FulfillmentOrder        {ours_rate:10,.0f} lifecycles/s")
    print(f"  hand-written dict table {base_rate:10,.0f} lifecycles/s")
    print(f"  ratio (baseline/ours)   {results['ratio']:10.2f}   (target <= 2.0)")
    print(f"in-flight order (2 lines, 10 events): {memory:,.0f} bytes   (target <= 4096)")
    return results


if __name__ == "__main__":
    main()
