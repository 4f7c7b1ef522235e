"""The simulator's speed and memory, against the service's own rate in the same run.

    python benchmarks/simulate.py [--rounds 3] [--orders 2000] [--full] [--by-message [--days N]]

Prints, each as the median of ``--rounds`` rounds:

* simulated orders per second in one process for the default scenario at ``--orders`` orders
  over a proportional number of days (30 days per 1,000 orders);
* 10,000 orders over 3 days (the pace of 100,000 over 30) in the worker processes the command
  would use for 100,000 orders, against the same in one process, alternating: the workers'
  speed-up, and ten times the workers' time as the projection for 100,000 orders (target: under
  60 s); with ``--full``, the real 100,000-order run (the command's, with its default
  workers), timed once;
* the baseline: orders per second placed to delivered straight through the service on the
  fakes (``benchmarks/service.py``), same run, and the ratio (a simulated order sends more
  messages: data fixes, purchases, several scans, ticks);
* peak traced memory (tracemalloc) for 600 orders over 60 days and 2,400 over 240: the same
  pace, so a flat figure means memory follows the orders in flight, not those simulated;
* with ``--by-message``, one more run at ``--orders`` (over ``--days``, by default at the same
  pace) timing each message kind the service handles (its share of the run, its count, the
  time per message) and the simulator's own share: where a simulated order's time goes.

Every simulation is timed the way ``fulfillment-core simulate`` runs it: with the garbage
collector's batch settings (see ``docs/simulate.md``, "Speed"); the worker comparison and
``--full`` run the command itself, in its own process.

The machine is shared and noisy: compare figures of one run, not figures across runs.
"""

from __future__ import annotations

import argparse
import gc
import io
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

from fulfillment_core.cli import _run, _workers  # how the command runs a simulation
from fulfillment_core.messages import Message
from fulfillment_core.scenario import Scenario
from fulfillment_core.service import FulfillmentService, Outcome
from fulfillment_core.simulate import simulate

sys.path.insert(0, str(Path(__file__).resolve().parent))
import service as service_benchmark  # the sibling benchmark, for the baseline


def scenario_for(orders: int, **changes: object) -> Scenario:
    days = max(1, round(orders * 30 / 1000))
    return Scenario(orders=orders, days=days, **changes)  # type: ignore[arg-type]


def seconds_for(scenario: Scenario, rounds: int) -> float:
    """The median wall time of ``simulate(scenario)``, run as the command runs it in one
    process (with the garbage collector's batch settings)."""
    times = []
    for _ in range(rounds):
        gc.collect()
        times.append(as_the_command(scenario))
    return statistics.median(times)


def as_the_command(scenario: Scenario) -> float:
    """The wall time of one simulation run in this process as ``fulfillment-core simulate``
    runs it in one (its garbage collector settings and checkpoints, no progress shown)."""
    _, seconds = _run(scenario, io.StringIO(), False)
    return seconds


def the_command(*arguments: str) -> float:
    """The wall time of ``fulfillment-core simulate ARGUMENTS --quiet --json`` run as a
    command (its own interpreter, and its workers', start included)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "fulfillment_core", "simulate", *arguments, "--quiet", "--json"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def workers_against_one(rounds: int) -> tuple[int, float, float]:
    """The command's workers for 100,000 orders, and the median wall times of the command for
    10,000 orders over 3 days (the same pace) with that many workers and with one, rounds
    alternating."""
    workers = _workers(Scenario(orders=100_000), None)
    pace = ("--orders", "10000", "--days", "3")
    many, one = [], []
    for _ in range(rounds):
        many.append(the_command(*pace, "--workers", str(workers)))
        one.append(the_command(*pace, "--workers", "1"))
    return workers, statistics.median(many), statistics.median(one)


def peak_bytes(scenario: Scenario) -> int:
    gc.collect()
    tracemalloc.start()
    simulate(scenario)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def by_message(scenario: Scenario) -> tuple[float, dict[str, tuple[float, int]]]:
    """One run's wall time, and the seconds and count of each message kind handled."""
    spent: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    original = FulfillmentService.handle

    def timed(service: FulfillmentService, message: Message) -> Outcome:
        start = time.perf_counter()
        try:
            return original(service, message)
        finally:
            spent[type(message).__name__] += time.perf_counter() - start
            counts[type(message).__name__] += 1

    FulfillmentService.handle = timed  # type: ignore[method-assign]
    try:
        gc.collect()
        total = as_the_command(scenario)
    finally:
        FulfillmentService.handle = original  # type: ignore[method-assign]
    return total, {kind: (spent[kind], counts[kind]) for kind, _ in spent.most_common()}


def print_by_message(orders: int, days: int | None) -> None:
    scenario = scenario_for(orders) if days is None else Scenario(orders=orders, days=days)
    total, kinds = by_message(scenario)
    run = f"{orders:,} orders over {scenario.days} days (one run, {total:.1f} s)"
    print(f"where the time goes, {run}:")
    for kind, (seconds, count) in kinds.items():
        print(
            f"  {kind:28} {seconds / total:6.1%} {count:9,} messages"
            f" {seconds / count * 1e6:10,.0f} µs each"
        )
    rest = total - sum(seconds for seconds, _ in kinds.values())
    print(f"  {'the simulator itself':28} {rest / total:6.1%}")


def measure(orders: int, rounds: int, *, full: bool = False) -> dict[str, float]:
    simulate(scenario_for(50))  # warm up imports and caches
    seconds = seconds_for(scenario_for(orders), rounds)
    rate = orders / seconds
    workers, many, one = workers_against_one(rounds)
    base = service_benchmark.per_second(service_benchmark.through_the_service, 300, rounds)
    # Ten orders a day, for 60 days and for 240: past the first three weeks both hold about
    # the same orders in flight.
    small = Scenario(orders=600, days=60, holidays=())
    large = Scenario(orders=2400, days=240, holidays=())
    results = {
        "simulated_orders_per_s": rate,
        "service_orders_per_s": base,
        "ratio": base / rate,
        "workers": float(workers),
        "pace_workers_s": many,
        "pace_one_s": one,
        "workers_speedup": one / many,
        "projected_100k_s": many * 10,
        "peak_bytes_small": float(peak_bytes(small)),
        "peak_bytes_large": float(peak_bytes(large)),
    }
    results["memory_ratio"] = results["peak_bytes_large"] / results["peak_bytes_small"]
    if full:  # what `fulfillment-core simulate --orders 100000` runs
        results["full_100k_s"] = the_command("--orders", "100000")
    return results


def main() -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--full", action="store_true", help="also time 100,000 orders once")
    parser.add_argument(
        "--by-message", action="store_true", help="also time each message kind in one run"
    )
    parser.add_argument(
        "--days", type=int, help="the --by-message run's days (default: the same pace)"
    )
    args = parser.parse_args()
    results = measure(args.orders, args.rounds, full=args.full)
    days = scenario_for(args.orders).days
    print(f"simulate, {args.orders:,} orders over {days} days, median of {args.rounds} rounds:")
    print(f"  simulated orders/s, 1 process {results['simulated_orders_per_s']:10,.0f}")
    print(f"  service orders/s (baseline)   {results['service_orders_per_s']:10,.0f}")
    print(f"  ratio (service / simulated)   {results['ratio']:10.2f}")
    workers = int(results["workers"])
    print(f"10,000 orders over 3 days (the 100,000-order pace), median of {args.rounds} rounds:")
    print(f"  in {workers} worker processes".ljust(32) + f"{results['pace_workers_s']:10,.1f} s")
    print(f"  in one process (baseline)     {results['pace_one_s']:10,.1f} s")
    print(f"  speed-up                      {results['workers_speedup']:10.2f}x")
    print(
        f"  100,000 orders, projected     {results['projected_100k_s']:10,.0f} s   (target < 60 s)"
    )
    if "full_100k_s" in results:
        print(f"  100,000 orders, measured      {results['full_100k_s']:10,.0f} s")
    print(
        f"peak memory: {results['peak_bytes_small'] / 1e6:,.1f} MB for 600 orders over 60 days,"
        f" {results['peak_bytes_large'] / 1e6:,.1f} MB for 2,400 over 240"
        f" (ratio {results['memory_ratio']:.2f}; flat means it follows the orders in flight)"
    )
    if args.by_message:
        print_by_message(args.orders, args.days)
    return results


if __name__ == "__main__":
    main()
