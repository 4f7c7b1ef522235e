"""The ``fulfillment-core`` command line (also ``python -m fulfillment_core``).

=========================  ======================================================================
command                    what it does
=========================  ======================================================================
``simulate``               runs a what-if simulation of a shop through the real service and
                           prints its report (``--json``, ``--compare FILE``, ``--scenario FILE``)
``diagram NAME``           prints the Mermaid diagram of a lifecycle
``check FILE``             checks an order (its JSON dict form); exit 0 when it can proceed, 1
                           when held, 2 when the file cannot be read
``demo``                   checks three real-shaped Shopify orders and says what holds them
=========================  ======================================================================

Bad arguments and bad files get one clear line on stderr and exit code 2, never a trace. A
simulation worker process that fails ends the command with exit code 1 (a line naming its
shard, and its traceback when the simulation raised); Ctrl-C, with 130. This is the only
module that prints.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, NoReturn, TextIO, TypeVar, cast

import attrs

from . import __version__
from .catalog import CatalogEntry, SkuSource, SupplierCatalog
from .check import check_order
from .diagrams import LIFECYCLES, mermaid
from .exceptions import ValidationError
from .order import CustomsInfo, Order
from .scenario import Scenario, load_scenario
from .serialization import from_dict
from .simulate import Report, percentile, simulate
from .supplier import Closure, Supplier

T = TypeVar("T")

DEMO_SUPPLIER = Supplier(
    id="sup-sz-01",
    name="Shenzhen Gadget Works",
    timezone="Asia/Shanghai",
    country="CN",
    holidays=[Closure("2027-02-05", "2027-02-13", "Chinese New Year")],
    processing_days=(1, 3),
)

_PHONE_CASE = CustomsInfo(hs_code="3926.90", origin_country="CN", description="Plastic phone case")
DEMO_CATALOG = SupplierCatalog(
    [
        CatalogEntry(
            "CASE-IP15-BLK",
            [SkuSource("sup-sz-01", "SZ-PC-1501-B")],
            title="iPhone 15 case, black",
            customs=_PHONE_CASE,
            grams=45,
        ),
        CatalogEntry(
            "LAMP-SUNSET-01",
            [SkuSource("sup-sz-01", "SZ-LMP-0093"), SkuSource("sup-yw-02", "YW-SUNSET-L")],
            title="Sunset projection lamp",
            customs=CustomsInfo(
                hs_code="9405.40", origin_country="CN", description="LED projection lamp"
            ),
            grams=380,
        ),
    ]
)


def _shopify_line(line_id: int, sku: str | None, title: str, quantity: int, price: str) -> Any:
    return {
        "id": line_id,
        "sku": sku,
        "name": title,
        "quantity": quantity,
        "price": price,
        "grams": 45,
        "requires_shipping": True,
    }


DEMO_ORDERS: tuple[Mapping[str, Any], ...] = (
    {
        "id": 5912338890017,
        "name": "#1001",
        "email": "maria.gonzalez@example.com",
        "created_at": "2026-11-23T10:14:05-05:00",
        "currency": "USD",
        "financial_status": "paid",
        "shipping_address": {
            "first_name": "María",
            "last_name": "González",
            "address1": "1600 Amphitheatre Parkway",
            "city": "Mountain View",
            "province_code": "CA",
            "zip": "94043",
            "country_code": "US",
            "phone": "+1 650-253-0000",
        },
        "line_items": [
            _shopify_line(14071, "CASE-IP15-BLK", "iPhone 15 case - Black", 2, "19.99"),
            _shopify_line(14072, "LAMP-SUNSET-01", "Sunset projection lamp", 1, "34.90"),
        ],
        "shipping_lines": [{"price": "4.99"}],
    },
    {
        "id": 5912338890018,
        "name": "#1002",
        "email": "jonas.becker@example.de",
        "created_at": "2026-11-23T16:40:00+01:00",
        "currency": "EUR",
        "financial_status": "paid",
        "shipping_address": {
            "name": "Jonas Becker",
            "address1": "Hinterhaus, 3. OG links, Schönhauser Allee 123",
            "city": "Berlin",
            "zip": "",
            "country_code": "DE",
        },
        "line_items": [_shopify_line(14073, "LAMP-SUNSET-01", "Sonnenuntergangslampe", 1, "32.90")],
    },
    {
        "id": 5912338890019,
        "name": "#1003",
        "email": "ana.souza@example.com.br",
        "created_at": "2026-11-24T09:02:44-03:00",
        "currency": "BRL",
        "financial_status": "pending",
        "shipping_address": {
            "name": "Ana Souza",
            "address1": "Avenida Paulista, 1578",
            "city": "São Paulo",
            "province": "São Paulo",
            "zip": "01310-200",
            "country_code": "BR",
        },
        "line_items": [
            _shopify_line(14074, "CASE-IP15-BLK", "Capa iPhone 15 preta", 1, "89.90"),
            _shopify_line(14075, "MUG-CAT-350", "Caneca gato 350ml", 2, "59.90"),
        ],
    },
)


def run_demo(out: TextIO) -> int:
    """Check the demo orders and print what was found. Returns the number of held orders."""
    supplier = DEMO_SUPPLIER
    out.write(
        f"fulfillment-core {__version__}: order data check for {supplier.name}"
        f" ({supplier.timezone}, ships from {supplier.country})\n\n"
    )
    held = 0
    for payload in DEMO_ORDERS:
        order = Order.from_shopify(payload)
        result = check_order(order, DEMO_CATALOG, supplier)
        address = order.shipping_address
        out.write(
            f"Order {order.reference} to {address.city}, {address.country_code}:"
            f" {order.total_quantity} item(s), {order.subtotal}\n"
        )
        if result.can_proceed:
            out.write("  ready for sourcing: every datum the supplier needs is there\n")
        else:
            held += 1
            out.write(f"  ON HOLD ({len(result.holds)}):\n")
            for hold in result.holds:
                out.write(f"    - {hold.reason} at {hold.path} [{hold.actor} acts]\n")
                out.write(f"      {hold.message}\n")
        for warning in result.warnings:
            out.write(f"  warning: {warning}\n")
        out.write("\n")
    ready = len(DEMO_ORDERS) - held
    out.write(f"{ready} of {len(DEMO_ORDERS)} orders can go to sourcing; {held} wait for data.\n")
    return held


# --------------------------------------------------------------------------- simulate


def _report_lines(report: Report) -> list[str]:
    """The text report of a simulation."""
    data = report.as_dict()
    scenario = report.scenario
    placed = report.placed or 1
    lines = [
        f"fulfillment-core simulate: {report.placed:,} orders over {scenario.days} days from"
        f" {scenario.start.isoformat()} (seed {scenario.seed})",
        f"policy: {scenario.service_strategy.value} service, restock wait up to"
        f" {scenario.max_restock_wait_days} business days,"
        f" backups {'on' if scenario.use_backup_suppliers else 'off'},"
        f" {scenario.split.value.replace('_', ' ')}",
        "",
        "orders by final status",
    ]
    for status, count in sorted(report.by_status.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {status:<24}{count:>9,}  {count / placed:6.1%}")
    lines.append("")
    for title, name in (
        ("processing time (business days, placed to handed over) ", "processing_days"),
        ("shipping time (business days, handed over to delivered)", "shipping_days"),
    ):
        figures = data[name]
        said = "   ".join(f"{p} {figures[p]}" for p in ("p50", "p90", "p99"))
        lines.append(f"{title}  {said if figures['count'] else 'none shipped'}")
    rate = report.on_time_rate
    lines.append(
        f"on time against the promise: {report.on_time:,} of {report.delivered:,} delivered"
        + (f" ({rate:.1%})" if rate is not None else "")
    )
    lines += ["", "delays by cause (late orders; one may have several)"]
    lines += _counted(report.delays) or ["  none"]
    lines += ["", "cancelled units by reason"]
    lines += _counted(report.cancelled_units) or ["  none"]
    lines += ["", f"notifications ({sum(report.notifications.values()):,})"]
    for (audience, kind), count in sorted(report.notifications.items()):
        lines.append(f"  {audience:<9} {kind:<24}{count:>9,}")
    lines += ["", "processing days (orders)"]
    lines += _histogram(report.processing_days)
    return lines


def _counted(counter: Mapping[str, int]) -> list[str]:
    return [
        f"  {name:<34}{count:>9,}"
        for name, count in sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    ]


def _histogram(histogram: Mapping[int, int], width: int = 40) -> list[str]:
    if not histogram:
        return ["  none"]
    top = max(histogram.values())
    lines = []
    for days in range(min(histogram), max(histogram) + 1):
        count = histogram.get(days, 0)
        bar = "#" * max(1, round(count * width / top)) if count else ""
        lines.append(f"  {days:>3} | {bar:<{width}} {count:,}")
    return lines


def _compare_lines(first: Report, second: Report, names: tuple[str, str]) -> list[str]:
    """Two reports side by side, one figure per row."""
    rows: list[tuple[str, str, str]] = []

    def add(label: str, a: object, b: object) -> None:
        rows.append((label, _shown(a), _shown(b)))

    add("orders placed", first.placed, second.placed)
    for status in sorted(set(first.by_status) | set(second.by_status)):
        add(f"orders {status}", first.by_status.get(status, 0), second.by_status.get(status, 0))
    for name, a_hist, b_hist in (
        ("processing", first.processing_days, second.processing_days),
        ("shipping", first.shipping_days, second.shipping_days),
    ):
        for share in (0.5, 0.9, 0.99):
            label = f"{name} days p{round(share * 100)}"
            add(label, percentile(a_hist, share), percentile(b_hist, share))
    add("on-time rate", first.on_time_rate, second.on_time_rate)
    for cause in sorted(set(first.delays) | set(second.delays)):
        add(f"late: {cause}", first.delays.get(cause, 0), second.delays.get(cause, 0))
    for reason in sorted(set(first.cancelled_units) | set(second.cancelled_units)):
        add(
            f"cancelled units: {reason}",
            first.cancelled_units.get(reason, 0),
            second.cancelled_units.get(reason, 0),
        )
    for audience, kind in sorted(set(first.notifications) | set(second.notifications)):
        add(
            f"told {audience}: {kind}",
            first.notifications.get((audience, kind), 0),
            second.notifications.get((audience, kind), 0),
        )
    width = max(len(label) for label, _, _ in rows)
    a_width = max(len(names[0]), *(len(a) for _, a, _ in rows))
    b_width = max(len(names[1]), *(len(b) for _, _, b in rows))
    lines = [f"{'':<{width}}  {names[0]:>{a_width}}  {names[1]:>{b_width}}"]
    lines += [f"{label:<{width}}  {a:>{a_width}}  {b:>{b_width}}" for label, a, b in rows]
    return lines


def _shown(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1%}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


#: Runs of this many orders or more show their progress on stderr by default.
_LONG_RUN = 5_000  # orders from which progress is shown by default
_ORDERS_PER_WORKER = 5_000  # the default: one worker process per so many orders


class _UsageError(Exception):
    """A clear error for the user: printed on one line, exit code 2."""


class _WorkerError(Exception):
    """A simulation worker process could not start, failed or died: printed, exit code 1."""


class _ShardError(Exception):
    """Raised by ``_gather``: the worker of ``shard`` sent ``trace`` (what its simulation
    raised), or ended without its report (``trace`` empty), ``started`` or not."""

    def __init__(self, *, shard: int, trace: str, started: bool) -> None:
        super().__init__(shard, trace, started)
        self.shard, self.trace, self.started = shard, trace, started


def _read_scenario(path: str | None, *, base: Scenario | None = None) -> Scenario:
    if path is None:
        return base or Scenario()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _UsageError(f"cannot read scenario {path}: {error}") from None
    try:
        return load_scenario(text, base=base)
    except ValidationError as error:
        problems = "; ".join(f"{p.path or 'file'}: {p.message}" for p in error.problems)
        raise _UsageError(f"{path}: {problems}") from None
    except RecursionError:
        raise _UsageError(f"{path}: nested too deeply to be a scenario") from None


#: The garbage collector's thresholds for a simulation (Python's default: 700, 10, 10).
_BATCH_GC_THRESHOLDS = (100_000, 20, 10)


@contextlib.contextmanager
def _batch_collection() -> Iterator[Callable[[], None]]:
    """Collect garbage less often while a simulation runs, as batch jobs do.

    A simulation keeps every order in flight alive (tens of thousands of aggregates at the
    100,000-order pace) and makes no reference cycles of its own, yet Python's default
    thresholds start a collection every 700 allocations, and the older generations'
    collections traverse everything alive. This freezes what is loaded (the library, the
    scenario) out of the collector's sight and raises the thresholds; it yields a
    *checkpoint* to call between batches of orders, which freezes what is alive then too
    (orders in flight stay alive for days of the run; the ones that end are freed by their
    reference counts all the same). Garbage in a reference cycle that is frozen before it is
    collected stays until the run ends: a simulation makes none (a test holds it to that),
    but a failing adapter would (the effect's error and its traceback), and the simulator's
    never fail. A full collection there, at every checkpoint, cost 7% of a run. Freezing is
    done only when the process had frozen nothing of its own (unfreezing cannot tell its
    objects from ours). Everything is restored after. The command line runs every
    simulation in it; :func:`~fulfillment_core.simulate.simulate` itself never touches the
    collector (a library must not change its host's process).
    """
    before = gc.get_threshold()
    freezing = gc.get_freeze_count() == 0

    def checkpoint() -> None:
        if freezing:
            gc.freeze()

    if freezing:
        gc.collect()  # what is garbage already (a previous run's simulation) is not frozen
    checkpoint()
    gc.set_threshold(*_BATCH_GC_THRESHOLDS)
    try:
        yield checkpoint
    finally:
        gc.set_threshold(*before)
        if freezing:
            gc.unfreeze()


#: At most so many workers on Windows, where ``multiprocessing.connection.wait`` waits on at
#: most 63 handles (61 leaves room, as ``concurrent.futures`` does).
_MOST_WORKERS_ON_WINDOWS = 61
#: Seconds to wait for a failed worker's exit code.
_EXIT_WAIT = 5.0


def _workers(scenario: Scenario, asked: int | None) -> int:
    """The worker processes for a run: as asked (no more than the orders), or one per
    ``_ORDERS_PER_WORKER`` orders up to the CPUs this process may use. The report is the same
    whatever the number: only the wall time changes."""
    if asked is not None:
        workers = min(asked, scenario.orders)
    else:
        affinity = getattr(os, "sched_getaffinity", None)
        cpus = len(affinity(0)) if affinity else (os.cpu_count() or 1)
        workers = max(1, min(cpus, scenario.orders // _ORDERS_PER_WORKER))
    return min(workers, _MOST_WORKERS_ON_WINDOWS) if sys.platform == "win32" else workers


def _run(scenario: Scenario, err: TextIO, show: bool, workers: int = 1) -> tuple[Report, float]:
    """Simulate ``scenario`` as the command does (in ``workers`` processes when more than
    one); returns the report and the wall time."""
    started = time.perf_counter()

    def told(placed: int, total: int) -> None:
        if show:
            spent = time.perf_counter() - started
            err.write(f"simulate: {placed:,} of {total:,} orders placed ({spent:.1f} s)\n")
            err.flush()

    if workers > 1:
        report = _run_in_workers(scenario, workers, told)
        return report, time.perf_counter() - started
    with _batch_collection() as checkpoint:

        def progress(placed: int, total: int) -> None:
            checkpoint()  # every tenth of the orders
            told(placed, total)

        report = simulate(scenario, progress=progress)
    return report, time.perf_counter() - started


def _run_in_workers(scenario: Scenario, workers: int, told: Callable[[int, int], None]) -> Report:
    """One shard of the run per worker process (``spawn``: the same start on every platform
    and no inherited state), their reports combined: exactly the report of one process. If a
    worker cannot start or fails, the others are stopped and a ``_WorkerError`` raised."""
    context = multiprocessing.get_context("spawn")
    pipes: list[Connection] = []
    processes: list[multiprocessing.process.BaseProcess] = []
    try:
        with _interrupts_held():  # Ctrl-C now would hit each worker in its start-up code
            for shard in range(workers):
                sending: Connection | None = None
                try:
                    receiving, sending = context.Pipe(duplex=False)
                    pipes.append(receiving)
                    process = context.Process(
                        target=_run_shard,
                        args=(scenario, shard, workers, sending),
                        name=f"fulfillment-core simulate shard {shard + 1} of {workers}",
                        daemon=True,
                    )
                    process.start()
                    processes.append(process)
                except OSError as error:  # out of processes, file descriptors or memory
                    raise _WorkerError(
                        f"could not start worker {shard + 1} of {workers}: {error}; try fewer"
                        " --workers, or --workers 1"
                    ) from None
                finally:  # the worker holds the only sending end: its exit is seen here
                    if sending is not None:
                        sending.close()
        try:
            reports = _gather(pipes, scenario.orders, told)
        except _ShardError as failed:
            failing = processes[failed.shard]
            failing.join(_EXIT_WAIT)
            raise _WorkerError(
                _worker_failure(
                    failed.shard, workers, failed.trace, failed.started, failing.exitcode
                )
            ) from None
    except BaseException:  # a failure, or the command interrupted: stop every worker
        for worker in processes:
            if worker.is_alive():
                worker.terminate()
        raise
    finally:
        for worker in processes:
            worker.join()  # the workers that reported are exiting by themselves
        for pipe in pipes:
            pipe.close()
    return Report.combined(reports)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ignore Ctrl-C while worker processes are started. They inherit that, and take Ctrl-C
    back once their start-up is done (``_run_shard``): there it would print a traceback from
    each one's start-up code. The command ignores it only for the moment its loop of
    ``start()`` calls takes. Only the main thread may set signal handlers: elsewhere this does
    nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _worker_failure(shard: int, workers: int, trace: str, started: bool, code: int | None) -> str:
    """What the command says of a worker that failed, and what to do about it."""
    which = f"simulation shard {shard + 1} of {workers}"
    if trace:  # its simulation raised: a bug, whose traceback is worth showing
        return f"{which} failed: {trace.splitlines()[-1]}\n\nthe worker's traceback:\n{trace}"
    if not started:
        return (
            f"{which} could not start: a Python script that runs the command needs"
            ' `if __name__ == "__main__":` around it (worker processes import the script),'
            " or --workers 1"
        )
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return (
            f"{which} was stopped by {name} before it reported (out of memory?): try fewer"
            " --workers, or --workers 1"
        )
    ended = "it ended" if code is None else f"it ended with exit code {code}"
    return f"{which} failed: {ended} before it reported"


def _gather(
    pipes: Sequence[Connection], total: int, told: Callable[[int, int], None]
) -> list[Report]:
    """The workers' reports, in shard order, telling progress at each tenth of ``total``. A
    worker that fails, or ends without its report, raises ``_ShardError``."""
    placed = [0] * len(pipes)
    started: set[int] = set()
    reports: dict[int, Report] = {}
    shard_of = {pipe: shard for shard, pipe in enumerate(pipes)}
    tenths = 0
    while len(reports) < len(pipes):
        for ready in wait([pipe for pipe, shard in shard_of.items() if shard not in reports]):
            pipe = cast(Connection, ready)
            shard = shard_of[pipe]
            try:
                kind, value = cast(tuple[str, Any], pipe.recv())
            except (EOFError, OSError):  # ended, or died in the middle of a message
                raise _ShardError(shard=shard, trace="", started=shard in started) from None
            if kind == "started":
                started.add(shard)
            elif kind == "placed":
                placed[shard] = value
                if sum(placed) * 10 // total > tenths:
                    tenths = sum(placed) * 10 // total
                    told(sum(placed), total)
            elif kind == "report":
                reports[shard] = value
            elif kind == "failed":
                raise _ShardError(shard=shard, trace=value, started=True)
            else:
                raise AssertionError(f"a worker sent {kind!r}: not a message of _run_shard's")
    return [reports[shard] for shard in range(len(pipes))]


def _run_shard(scenario: Scenario, shard: int, shards: int, pipe: Connection) -> None:
    """What a worker process runs: simulate one shard, sending that it started, its progress
    and then its report (or the traceback of what failed) down ``pipe``."""
    with contextlib.suppress(ValueError):  # (not the main thread: only in tests)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # started ignoring it
    try:
        pipe.send(("started", None))
        with _batch_collection() as checkpoint:

            def progress(placed: int, total: int) -> None:
                checkpoint()  # every tenth of this shard's orders
                pipe.send(("placed", placed))

            report = simulate(scenario, progress=progress, shard=shard, shards=shards)
        pipe.send(("report", report))
    except (KeyboardInterrupt, BrokenPipeError):
        pass  # interrupted with the command, or the command is gone: nobody waits for it
    except Exception:
        with contextlib.suppress(OSError):
            pipe.send(("failed", traceback.format_exc().rstrip()))
    finally:
        pipe.close()


def _simulate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    overrides: dict[str, Any] = {
        name: getattr(args, name)
        for name in ("seed", "orders", "days")
        if getattr(args, name) is not None
    }
    try:
        scenario = attrs.evolve(_read_scenario(args.scenario), **overrides)
    except ValidationError as error:
        raise _UsageError("; ".join(f"--{p.path}: {p.message}" for p in error.problems)) from None
    # The second scenario changes the first (read both before running either: fail fast).
    other = None if args.compare is None else _read_scenario(args.compare, base=scenario)
    show = args.progress or (not args.quiet and scenario.orders >= _LONG_RUN)
    workers = _workers(scenario, args.workers)
    report, wall = _run(scenario, err, show, workers)
    if other is None:
        if args.json:
            out.write(json.dumps(report.as_dict(), indent=2, sort_keys=True) + "\n")
        else:
            out.write("\n".join(_report_lines(report)) + "\n")
        if not args.quiet:
            processes = f" ({workers} worker processes)" if workers > 1 else ""
            err.write(f"simulated in {wall:.1f} s{processes}\n")
        return 0
    other = attrs.evolve(other, seed=scenario.seed)
    second, _ = _run(other, err, show, _workers(other, args.workers))
    if args.json:
        both = {"a": report.as_dict(), "b": second.as_dict()}
        out.write(json.dumps(both, indent=2, sort_keys=True) + "\n")
    else:
        names = (Path(args.scenario).name if args.scenario else "defaults", Path(args.compare).name)
        out.write("\n".join(_compare_lines(report, second, names)) + "\n")
    return 0


def _whole(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number no less than ``minimum``."""

    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return read


# --------------------------------------------------------------------------- check and diagram


def _read_json(path: str, cls: type[T], what: str) -> T:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise _UsageError(f"cannot read {path}: {error}") from None
    except json.JSONDecodeError as error:
        raise _UsageError(f"{path} is not JSON: {error}") from None
    except RecursionError:
        raise _UsageError(f"{path}: nested too deeply to read") from None
    try:
        return from_dict(cls, data)
    except ValidationError as error:
        problems = "; ".join(f"{p.path}: {p.message}" for p in error.problems)
        raise _UsageError(f"{path} is not {what} in the dict form: {problems}") from None
    except RecursionError:
        raise _UsageError(f"{path}: nested too deeply to be {what}") from None


def _check(args: argparse.Namespace, out: TextIO) -> int:
    order = _read_json(args.file, Order, "an order")
    catalog = (
        DEMO_CATALOG
        if args.catalog is None
        else (_read_json(args.catalog, SupplierCatalog, "a catalogue"))
    )
    supplier = (
        DEMO_SUPPLIER
        if args.supplier is None
        else (_read_json(args.supplier, Supplier, "a supplier"))
    )
    result = check_order(order, catalog, supplier)
    out.write(f"order {order.reference or order.id}: ")
    if result.can_proceed:
        out.write("can proceed: every datum the supplier needs is there\n")
    else:
        out.write(f"ON HOLD ({len(result.holds)})\n")
        for hold in result.holds:
            out.write(f"  - {hold.reason} at {hold.path} [{hold.actor} acts]: {hold.message}\n")
    for warning in result.warnings:
        out.write(f"  warning: {warning}\n")
    return 0 if result.can_proceed else 1


def _diagram(args: argparse.Namespace, out: TextIO) -> int:
    if args.name not in LIFECYCLES:
        raise _UsageError(f"no lifecycle {args.name!r}; choose {', '.join(LIFECYCLES)}")
    out.write(mermaid(args.name) + "\n")
    return 0


# --------------------------------------------------------------------------- main


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fulfillment-core",
        description="Dropshipping order fulfillment rules, and a what-if simulator of a shop.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    sim = commands.add_parser(
        "simulate",
        help="simulate a shop through the real service and report",
        description="Simulate a dropshipping shop over days of orders through the real service.",
    )
    sim.add_argument("--scenario", metavar="FILE", help="a TOML scenario (docs/simulate.md)")
    sim.add_argument("--compare", metavar="FILE", help="a second scenario, run on the same seed")
    sim.add_argument("--orders", type=_whole(1), help="orders to place (overrides the scenario)")
    sim.add_argument("--days", type=_whole(1), help="days to place them over")
    sim.add_argument("--seed", type=_whole(0), help="the random seed")
    sim.add_argument("--json", action="store_true", help="print the report as JSON")
    sim.add_argument("--quiet", action="store_true", help="no progress, no wall time")
    sim.add_argument("--progress", action="store_true", help="show progress on stderr")
    sim.add_argument(
        "--workers",
        type=_whole(1),
        metavar="N",
        help="worker processes (default: one per 5,000 orders, up to the CPUs; no more than the"
        " orders; 1 runs in this process); the report is the same for any number",
    )
    diagram = commands.add_parser("diagram", help="print a lifecycle's Mermaid diagram")
    diagram.add_argument(
        "name", nargs="?", default="fulfillment-order", help=f"one of {', '.join(LIFECYCLES)}"
    )
    check = commands.add_parser("check", help="check an order (JSON, the dict form)")
    check.add_argument("file", help="the order as JSON (exit 0: can proceed, 1: held, 2: bad)")
    check.add_argument(
        "--catalog", metavar="FILE", help="the catalogue as JSON (default: the demo's two SKUs)"
    )
    check.add_argument(
        "--supplier", metavar="FILE", help="the supplier as JSON (default: the demo's supplier)"
    )
    commands.add_parser("demo", help="check three real-shaped Shopify orders")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    out, err = sys.stdout, sys.stderr
    try:
        code = _dispatch(parser, args, out, err)
        out.flush()  # here, where a closed pipe can still be told apart
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as the Python docs advise, and keep
        # the interpreter's last flush from failing again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out.fileno())
            os.close(devnull)
        except (OSError, ValueError):  # a stream without a file descriptor: nothing to flush
            pass
        return 1
    return code


def _dispatch(
    parser: argparse.ArgumentParser, args: argparse.Namespace, out: TextIO, err: TextIO
) -> int:
    try:
        if args.command == "simulate":
            return _simulate(args, out, err)
        if args.command == "diagram":
            return _diagram(args, out)
        if args.command == "check":
            return _check(args, out)
        if args.command == "demo":
            run_demo(out)
            return 0
    except _UsageError as error:
        _error(parser, str(error))
    except _WorkerError as error:
        parser.exit(1, f"{parser.prog}: error: {error}\n")
    except KeyboardInterrupt:
        parser.exit(130, f"{parser.prog}: interrupted\n")
    parser.print_help(out)
    return 0


def _error(parser: argparse.ArgumentParser, message: str) -> NoReturn:
    parser.exit(2, f"{parser.prog}: error: {message}\n")
