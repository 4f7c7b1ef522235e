"""Business-day arithmetic: cost by distance, against a naive pendulum loop in the same run.

    python benchmarks/calendar.py [--rounds 7] [--starts 2000]

Prints, each as the median of ``--rounds`` rounds, microseconds per call of
``BusinessCalendar.add_business_days`` for 5 and for 200 business days, and their ratio
(target: at most 1.5, as the cost must not grow with the distance). The baseline is the obvious
implementation: step a pendulum ``DateTime`` in the supplier's zone with ``add(days=1)`` and
ask ``Supplier.is_closed_on`` about each day. Both run over the same start instants, spread
over 2026, for a Shanghai supplier with its Chinese New Year and National Day closures; the
answers are checked to agree before anything is timed.

The machine is shared and noisy: compare the figures of one run, not figures across runs.

This file shares its name with the standard library's ``calendar``, which pendulum imports. A
script's folder heads ``sys.path``, so while any script in ``benchmarks/`` runs, ``import
calendar`` finds this file: it then hands the importer the standard module instead.
"""

from __future__ import annotations

import argparse
import gc
import importlib.machinery
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable

if __name__ == "calendar":
    _HERE = os.path.dirname(os.path.abspath(__file__))
    _PATH = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
    _SPEC = importlib.machinery.PathFinder.find_spec("calendar", _PATH)
    assert _SPEC is not None
    assert _SPEC.loader is not None
    _STDLIB = importlib.util.module_from_spec(_SPEC)
    sys.modules["calendar"] = _STDLIB  # the import statement returns what sys.modules holds
    _SPEC.loader.exec_module(_STDLIB)
else:
    import pendulum

    from fulfillment_core import Closure, Supplier
    from fulfillment_core.calendar import BusinessCalendar

    SUPPLIER = Supplier(
        id="sup-sz-01",
        name="Shenzhen Gadget Works",
        timezone="Asia/Shanghai",
        country="CN",
        holidays=[
            Closure("2026-02-15", "2026-02-23", "Chinese New Year"),
            Closure("2026-10-01", "2026-10-07", "National Day"),
            Closure("2027-02-05", "2027-02-13", "Chinese New Year"),
            Closure("2027-10-01", "2027-10-07", "National Day"),
        ],
        cutoff="16:00",
    )
    CALENDAR = BusinessCalendar.of(SUPPLIER)
    YEAR_START = pendulum.datetime(2026, 1, 1, tz="UTC")


def starts(count: int) -> list[pendulum.DateTime]:
    """``count`` instants spread evenly over 2026, at varied times of day."""
    step = 8760 * 60 // count
    return [YEAR_START.add(minutes=i * step) for i in range(count)]


def naive_add(instant: pendulum.DateTime, days: int) -> pendulum.DateTime:
    """The baseline: walk the supplier's local days one at a time with pendulum."""
    here = instant.in_timezone(SUPPLIER.timezone)
    if SUPPLIER.is_closed_on(here.date()) or here.time() >= SUPPLIER.cutoff:
        here = here.start_of("day").add(days=1)
        while SUPPLIER.is_closed_on(here.date()):
            here = here.add(days=1)
    for _ in range(days):
        here = here.add(days=1)
        while SUPPLIER.is_closed_on(here.date()):
            here = here.add(days=1)
    return here.in_timezone("UTC")


def ours(instants: list[pendulum.DateTime], days: int) -> None:
    add = CALENDAR.add_business_days
    for instant in instants:
        add(instant, days)


def baseline(instants: list[pendulum.DateTime], days: int) -> None:
    for instant in instants:
        naive_add(instant, days)


def microseconds_per_call(
    run: Callable[[list[pendulum.DateTime], int], None],
    instants: list[pendulum.DateTime],
    days: int,
    rounds: int,
) -> float:
    times = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        run(instants, days)
        times.append(time.perf_counter() - start)
    return statistics.median(times) / len(instants) * 1e6


def main() -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--starts", type=int, default=2000)
    args = parser.parse_args()
    many = starts(args.starts)
    few = many[:: max(1, len(many) // 100)]  # the baseline is slow: fewer starts, same spread
    for days in (5, 200):
        for instant in few:
            expected = naive_add(instant, days)
            assert CALENDAR.add_business_days(instant, days) == expected, (instant, days)
    results: dict[str, float] = {}
    for days in (5, 200):
        results[f"ours_{days}_us"] = microseconds_per_call(ours, many, days, args.rounds)
        results[f"naive_{days}_us"] = microseconds_per_call(baseline, few, days, args.rounds)
        results[f"speedup_{days}"] = results[f"naive_{days}_us"] / results[f"ours_{days}_us"]
    results["ratio_200_to_5"] = results["ours_200_us"] / results["ours_5_us"]

    print(f"add_business_days, µs per call, median of {args.rounds} rounds")
    print(f"({len(many)} starts for ours, {len(few)} for the naive loop, spread over 2026):")
    print()
    print("| business days | ours µs | naive pendulum loop µs | speed-up |")
    print("| ---: | ---: | ---: | ---: |")
    for days in (5, 200):
        print(
            f"| {days} | {results[f'ours_{days}_us']:.2f} | {results[f'naive_{days}_us']:,.1f}"
            f" | {results[f'speedup_{days}']:,.0f}x |"
        )
    print()
    print(f"ratio 200 days / 5 days (ours): {results['ratio_200_to_5']:.2f}   (target <= 1.5)")
    return results


if __name__ == "__main__":
    main()
