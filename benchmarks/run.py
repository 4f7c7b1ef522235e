"""Every benchmark, one table: each figure next to its baseline measured in the same run.

    python benchmarks/run.py [--rounds 5] [--full]

Runs ``lifecycle.py``, ``calendar.py``, ``service.py`` and ``simulate.py`` (their own output is
kept quiet) and prints a Markdown table: the figure, our value, the baseline from the same run,
the ratio, and the target. ``--full`` also times a real 100,000-order simulation once (several
minutes). The machine is shared and noisy: compare the pairs, not figures across runs.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lifecycle  # the sibling benchmarks
import service
import simulate

HERE = Path(__file__).resolve().parent

# benchmarks/calendar.py would shadow the standard library's calendar: load it by its path.
_calendar_benchmark = importlib.util.spec_from_file_location(
    "calendar_benchmark", HERE / "calendar.py"
)


def _quietly(main: Callable[[], dict[str, float]], argv: list[str]) -> dict[str, float]:
    """Run a benchmark's ``main`` with ``argv``, keeping its own printing out of the way."""
    saved = sys.argv
    sys.argv = [main.__module__, *argv]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return main()
    finally:
        sys.argv = saved


def _calendar_main() -> Callable[[], dict[str, float]]:
    assert _calendar_benchmark is not None
    assert _calendar_benchmark.loader is not None
    module = importlib.util.module_from_spec(_calendar_benchmark)
    _calendar_benchmark.loader.exec_module(module)
    return module.main  # type: ignore[no-any-return]


def main() -> list[tuple[str, str, str, str, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--full", action="store_true", help="also time 100,000 simulated orders")
    args = parser.parse_args()
    rounds = str(args.rounds)
    life = _quietly(lifecycle.main, ["--rounds", rounds, "--orders", "1000"])
    cal = _quietly(_calendar_main(), ["--rounds", rounds])
    serv = _quietly(service.main, ["--rounds", rounds, "--orders", "300"])
    sim_args = ["--rounds", "3", "--orders", "2000", *(["--full"] if args.full else [])]
    sim = _quietly(simulate.main, sim_args)
    rows = [
        (
            "lifecycles/s (12 events)",
            f"{life['lifecycles_per_s']:,.0f}",
            f"{life['baseline_lifecycles_per_s']:,.0f} (dict table)",
            f"{life['ratio']:.2f}",
            "ratio <= 2.0",
        ),
        (
            "bytes per in-flight order",
            f"{life['bytes_per_order']:,.0f}",
            "-",
            "-",
            "<= 4,096",
        ),
        (
            "add_business_days, 200 days (µs)",
            f"{cal['ours_200_us']:.2f}",
            f"{cal['naive_200_us']:,.1f} (pendulum loop)",
            f"{cal['speedup_200']:,.0f}x faster",
            "200 / 5 days <= 1.5",
        ),
        (
            "add_business_days, 5 days (µs)",
            f"{cal['ours_5_us']:.2f}",
            f"{cal['naive_5_us']:,.1f} (pendulum loop)",
            f"200/5: {cal['ratio_200_to_5']:.2f}",
            "",
        ),
        (
            "service: orders/s placed to delivered",
            f"{serv['service_orders_per_s']:,.0f}",
            f"{serv['core_orders_per_s']:,.0f} (the core alone)",
            f"{serv['ratio']:.2f}",
            ">= 5,000",
        ),
        (
            "service's floor: the core + the outbox's bookkeeping",
            f"{serv['floor_orders_per_s']:,.0f}",
            f"{serv['core_orders_per_s']:,.0f} (the core alone)",
            f"{serv['core_orders_per_s'] / serv['floor_orders_per_s']:.2f}",
            "no service beats it",
        ),
        (
            f"simulate: {sim['workers']:.0f} workers vs 1 process (10,000 orders, 3 days; s)",
            f"{sim['pace_workers_s']:,.1f}",
            f"{sim['pace_one_s']:,.1f} (one process)",
            f"{sim['workers_speedup']:.2f}x faster",
            "100k in < 60 s",
        ),
        (
            "simulate: orders/s, one process (2,000 orders)",
            f"{sim['simulated_orders_per_s']:,.0f}",
            f"{sim['service_orders_per_s']:,.0f} (service)",
            f"{sim['ratio']:.2f}",
            "",
        ),
        (
            "simulate: 100,000 orders (s)",
            f"{sim.get('full_100k_s', sim['projected_100k_s']):,.0f}"
            + ("" if "full_100k_s" in sim else " (projected)"),
            "-",
            "-",
            "< 60",
        ),
        (
            "simulate: peak memory, 4x the orders",
            f"{sim['peak_bytes_large'] / 1e6:,.1f} MB",
            f"{sim['peak_bytes_small'] / 1e6:,.1f} MB (1x)",
            f"{sim['memory_ratio']:.2f}",
            "flat",
        ),
    ]
    print(
        f"| figure (median of {args.rounds} rounds) | ours | baseline, same run | ratio | target |"
    )
    print("| --- | ---: | ---: | ---: | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return rows


if __name__ == "__main__":
    main()
