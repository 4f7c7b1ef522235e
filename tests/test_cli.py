"""The command line: ``fulfillment-core`` and ``python -m fulfillment_core``."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from fulfillment_core import Order, SupplierCatalog, __version__, cli, to_dict
from fulfillment_core.cli import DEMO_ORDERS, DEMO_SUPPLIER, main, run_demo
from fulfillment_core.scenario import Scenario
from fulfillment_core.simulate import simulate


def test_the_demo_checks_three_orders_and_says_what_holds_them() -> None:
    out = io.StringIO()
    held = run_demo(out)
    text = out.getvalue()
    assert held == 2
    assert "Order #1001 to Mountain View, US" in text
    assert "ready for sourcing" in text
    assert "incorrect_address at shipping_address.postal_code [customer acts]" in text
    assert "missing_customs_info at shipping_address.tax_id" in text
    assert "invalid_sku at line_items[1].sku [merchant acts]" in text
    assert "warning: [line_too_long] shipping_address.address1" in text
    assert text.endswith("1 of 3 orders can go to sourcing; 2 wait for data.\n")


def test_the_demo_command_runs_the_demo_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    assert "order data check" in capsys.readouterr().out


def test_no_command_prints_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert all(command in out for command in ("simulate", "diagram", "check", "demo"))


def test_a_reader_that_goes_away_ends_the_command_quietly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    class ClosedPipe(io.StringIO):
        """What ``| head`` leaves once it has read enough."""

        def __init__(self, fd: int) -> None:
            super().__init__()
            self.fd = fd

        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def fileno(self) -> int:
            return self.fd

    with (tmp_path / "stdout").open("w") as real:
        monkeypatch.setattr(sys, "stdout", ClosedPipe(real.fileno()))
        assert main(["demo"]) == 1  # no traceback

    class NoDescriptor(ClosedPipe):
        def fileno(self) -> int:
            raise io.UnsupportedOperation("fileno")

    monkeypatch.setattr(sys, "stdout", NoDescriptor(-1))
    assert main(["demo"]) == 1


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_arguments_get_a_usage_message_not_a_trace(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--frobnicate"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "usage: fulfillment-core" in err
    assert "Traceback" not in err


def test_python_dash_m_runs_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fulfillment_core", "simulate", "--orders", "30", "--days", "2"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.startswith("fulfillment-core simulate: 30 orders over 2 days")


# --------------------------------------------------------------------------- simulate


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit:
        code = int(exit.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_simulate_prints_every_part_of_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "simulate", "--orders", "80", "--days", "4", "--quiet")
    assert code == 0
    assert err == ""
    for part in (
        "orders by final status",
        "processing time (business days, placed to handed over)",
        "shipping time (business days, handed over to delivered)",
        "on time against the promise:",
        "delays by cause",
        "cancelled units by reason",
        "notifications (",
        "processing days (orders)",
    ):
        assert part in out, part
    assert "simulated in" not in out  # --quiet: nothing that changes from run to run


def test_simulate_json_is_the_same_twice_and_holds_the_documented_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, first, _ = _run(capsys, "simulate", "--orders", "60", "--days", "3", "--json")
    _, second, _ = _run(capsys, "simulate", "--orders", "60", "--days", "3", "--json")
    assert first == second
    data = json.loads(first)
    assert set(data) == {
        "scenario",
        "orders",
        "processing_days",
        "shipping_days",
        "on_time",
        "delays_by_cause",
        "cancelled_units_by_reason",
        "notifications",
        "messages",
        "peak_in_flight",
        "simulated_until",
    }
    assert data["orders"]["placed"] == 60


def test_simulate_compares_two_scenarios_on_the_same_seed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    patient = tmp_path / "patient.toml"
    patient.write_text("[policy]\nmax_restock_wait_days = 20\n", encoding="utf-8")
    code, out, _ = _run(
        capsys, "simulate", "--orders", "300", "--days", "10", "--compare", str(patient)
    )
    assert code == 0
    rows = {line[:40].strip(): line[40:].split() for line in out.splitlines()[1:]}
    assert "defaults" in out.splitlines()[0]
    assert "patient.toml" in out.splitlines()[0]
    assert rows["orders placed"] == ["300", "300"]  # the second scenario changes the first
    hasty, patient_units = rows["cancelled units: restock too far off"]
    assert int(hasty) > int(patient_units) == 0


def test_a_broken_second_scenario_is_refused_before_anything_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[policy\n", encoding="utf-8")
    code, _, err = _run(capsys, "simulate", "--orders", "5000", "--compare", str(broken))
    assert code == 2
    assert "broken.toml: file: is not valid TOML" in err
    assert "simulate: " not in err  # no progress: nothing ran


def test_long_runs_show_progress_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "simulate", "--orders", "50", "--days", "2", "--progress")
    assert code == 0
    assert "simulate: 50 of 50 orders placed" in err
    assert "simulate:" not in out.replace("fulfillment-core simulate:", "")


def test_a_bad_scenario_file_names_the_key_and_exits_2_without_a_trace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[stock]\nwarehouse = 2\n", encoding="utf-8")
    code, out, err = _run(capsys, "simulate", "--scenario", str(bad))
    assert code == 2
    assert "bad.toml: stock.warehouse: must be from 0 to 1" in err
    assert "Traceback" not in err
    assert out == ""


def test_a_missing_scenario_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "simulate", "--scenario", "/no/such/file.toml")
    assert code == 2
    assert "cannot read scenario /no/such/file.toml" in err


def test_bad_numbers_get_a_usage_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "simulate", "--orders", "zero")
    assert code == 2
    assert "--orders: must be a whole number, got 'zero'" in err
    code, _, err = _run(capsys, "simulate", "--orders", "0")
    assert "must be at least 1" in err


# --------------------------------------------------------------------------- check and diagram


def test_check_exits_0_for_an_order_that_can_proceed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    order = tmp_path / "order.json"
    order.write_text(json.dumps(to_dict(Order.from_shopify(DEMO_ORDERS[0]))), encoding="utf-8")
    code, out, _ = _run(capsys, "check", str(order))
    assert (code, out.splitlines()[0]) == (0, "order #1001: can proceed: every datum the "
                                                "supplier needs is there")  # fmt: skip


def test_check_exits_1_and_lists_the_holds_of_a_held_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    order = tmp_path / "order.json"
    order.write_text(json.dumps(to_dict(Order.from_shopify(DEMO_ORDERS[1]))), encoding="utf-8")
    code, out, _ = _run(capsys, "check", str(order))
    assert code == 1
    assert "ON HOLD" in out
    assert "incorrect_address at shipping_address.postal_code" in out


@pytest.mark.parametrize(
    ("content", "said"),
    [("{not json", "is not JSON"), ('{"id": 1}', "is not an order in the dict form")],
)
def test_check_exits_2_on_unreadable_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, said: str
) -> None:
    order = tmp_path / "order.json"
    order.write_text(content, encoding="utf-8")
    code, _, err = _run(capsys, "check", str(order))
    assert code == 2
    assert said in err
    code, _, err = _run(capsys, "check", str(tmp_path / "missing.json"))
    assert (code, "cannot read" in err) == (2, True)


def test_diagram_prints_a_lifecycle_and_refuses_an_unknown_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "diagram", "supplier-request")
    assert (code, out.splitlines()[0]) == (0, "stateDiagram-v2")
    code, _, err = _run(capsys, "diagram", "parcel")
    assert code == 2
    assert "no lifecycle 'parcel'; choose fulfillment-order" in err


def test_check_uses_the_catalogue_and_supplier_it_is_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    order = Order.from_shopify(DEMO_ORDERS[0])
    (tmp_path / "order.json").write_text(json.dumps(to_dict(order)), encoding="utf-8")
    empty = SupplierCatalog([])
    (tmp_path / "catalog.json").write_text(json.dumps(to_dict(empty)), encoding="utf-8")
    (tmp_path / "supplier.json").write_text(json.dumps(to_dict(DEMO_SUPPLIER)), encoding="utf-8")
    code, out, _ = _run(
        capsys,
        "check",
        str(tmp_path / "order.json"),
        "--catalog",
        str(tmp_path / "catalog.json"),
        "--supplier",
        str(tmp_path / "supplier.json"),
    )
    assert code == 1
    assert "invalid_sku" in out


def test_deeply_nested_input_is_refused_cleanly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, _, err = _run(capsys, "check", str(deep))
    assert code == 2
    assert "Traceback" not in err


def test_a_simulation_collects_garbage_in_batches_and_the_settings_come_back_after() -> None:
    import gc

    from fulfillment_core.cli import _BATCH_GC_THRESHOLDS, _batch_collection

    before = gc.get_threshold()
    seen = []

    def failing_run() -> None:
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
        raise RuntimeError("the run failed")

    with _batch_collection():
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
    with pytest.raises(RuntimeError, match="the run failed"), _batch_collection():
        failing_run()
    for thresholds, frozen in seen:
        assert thresholds == _BATCH_GC_THRESHOLDS
        assert frozen > 0  # what was loaded is out of the collector's sight
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_simulation_checkpoint_freezes_what_is_alive_then() -> None:
    import gc

    from fulfillment_core.cli import _batch_collection

    with _batch_collection() as checkpoint:
        frozen = gc.get_freeze_count()
        alive = [[index] for index in range(1000)]  # tracked by the collector
        checkpoint()
        assert gc.get_freeze_count() >= frozen + len(alive)
    assert gc.get_freeze_count() == 0


def test_garbage_in_cycles_before_a_simulation_is_collected_not_frozen() -> None:
    import weakref

    from fulfillment_core.cli import _batch_collection

    class Node:
        pass

    node = Node()
    node.self = node  # type: ignore[attr-defined]  # a cycle only the collector frees
    gone = weakref.ref(node)
    del node  # as a previous run's simulation is, with --compare
    with _batch_collection():
        assert gone() is None  # collected, not frozen for the whole run


def test_objects_the_process_froze_itself_stay_frozen_after_a_simulation() -> None:
    import gc

    from fulfillment_core.cli import _batch_collection

    gc.freeze()  # the host's own choice
    try:
        frozen = gc.get_freeze_count()
        with _batch_collection() as checkpoint:
            assert gc.get_freeze_count() == frozen
            checkpoint()
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


# --------------------------------------------------------------------------- worker processes


def test_worker_processes_print_the_very_report_of_one_process(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ("simulate", "--orders", "240", "--days", "4", "--seed", "5", "--json", "--quiet")
    code, alone, _ = _run(capsys, *args, "--workers", "1")
    assert code == 0
    code, shared, err = _run(capsys, *args, "--workers", "3")
    assert (code, err) == (0, "")
    assert shared == alone


def test_the_workers_default_to_one_per_5000_orders_up_to_the_cpus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert cli._workers(Scenario(orders=4_999), None) == 1
    assert cli._workers(Scenario(orders=12_000), None) == 2
    assert cli._workers(Scenario(orders=100_000), None) == 4
    assert cli._workers(Scenario(orders=3), 8) == 3  # asked for: no more than the orders
    monkeypatch.delattr(cli.os, "sched_getaffinity")
    monkeypatch.setattr(cli.os, "cpu_count", lambda: None)
    assert cli._workers(Scenario(orders=100_000), None) == 1


def _die(scenario: Scenario, shard: int, shards: int, pipe: Connection) -> None:
    """A worker that dies after it started and before it reports (spawned: found here by its
    module's name)."""
    if shard == 1:
        pipe.send(("started", None))
        os._exit(3)
    cli._run_shard(scenario, shard, shards, pipe)


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("the shop burned down")


def _break_down(scenario: Scenario, shard: int, shards: int, pipe: Connection) -> None:
    """A worker whose simulation raises (patched in the worker itself)."""
    cli.simulate = _boom  # type: ignore[assignment]
    cli._run_shard(scenario, shard, shards, pipe)


def test_a_worker_that_dies_is_an_error_naming_its_shard_and_the_others_are_stopped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_run_shard", _die)
    code, out, err = _run(capsys, "simulate", "--orders", "30", "--workers", "2", "--quiet")
    assert code == 1
    assert out == ""
    assert err == (
        "fulfillment-core: error: simulation shard 2 of 2 failed: it ended with exit code 3"
        " before it reported\n"
    )
    assert multiprocessing.active_children() == []  # stopped and reaped


def test_a_worker_whose_simulation_raises_is_named_with_the_error_then_its_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_run_shard", _break_down)
    code, out, err = _run(capsys, "simulate", "--orders", "30", "--workers", "2", "--quiet")
    assert (code, out) == (1, "")
    first, rest = err.split("\n", 1)
    assert first.startswith("fulfillment-core: error: simulation shard ")
    assert first.endswith(" failed: RuntimeError: the shop burned down")
    assert "the worker's traceback:\nTraceback (most recent call last):" in rest
    assert multiprocessing.active_children() == []


def test_a_worker_the_system_cannot_start_is_an_error_not_a_trace(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spawn = multiprocessing.get_context("spawn")

    class Refusing:
        """The spawn context, out of processes."""

        Pipe = staticmethod(spawn.Pipe)

        @staticmethod
        def Process(**kwargs: Any) -> Any:  # noqa: N802 (the context's name)
            raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(cli.multiprocessing, "get_context", lambda method: Refusing)
    code, out, err = _run(capsys, "simulate", "--orders", "30", "--workers", "2", "--quiet")
    assert (code, out) == (1, "")
    assert err == (
        "fulfillment-core: error: could not start worker 1 of 2: [Errno 11] Resource"
        " temporarily unavailable; try fewer --workers, or --workers 1\n"
    )


def test_a_script_without_a_main_guard_is_told_why_its_workers_could_not_start(
    tmp_path: Path,
) -> None:
    # Worker processes import the script that started the command: without the guard, each
    # would start the command again (Python refuses that while a process starts).
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from fulfillment_core.cli import main\n"
        "main(['simulate', '--orders', '30', '--workers', '2', '--quiet'])\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert done.stdout == ""
    # (Python prints why each worker failed to start; the command's line comes last.)
    last = done.stderr.strip().splitlines()[-1]
    assert "fulfillment-core: error: simulation shard " in last
    assert "could not start: a Python script that runs the command needs `if __name__ ==" in last


def test_a_worker_sends_that_it_started_then_its_progress_then_its_shards_report() -> None:
    scenario = Scenario(orders=20, days=1)
    receiving, sending = multiprocessing.Pipe(duplex=False)
    cli._run_shard(scenario, 1, 2, sending)  # closes its end when done
    messages = []
    while receiving.poll():  # true at the end too, where recv raises EOFError
        try:
            messages.append(receiving.recv())
        except EOFError:
            break
    receiving.close()
    assert messages[0] == ("started", None)
    placed = [value for kind, value in messages[1:-1]]
    assert placed == list(range(1, 11))  # every tenth of its 10 orders
    kind, report = messages[-1]
    assert kind == "report"
    assert report.part == (1, 2)
    assert report.as_dict() == simulate(scenario, shard=1, shards=2).as_dict()


def test_a_worker_whose_simulation_raises_sends_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli, "simulate", _boom)
    receiving, sending = multiprocessing.Pipe(duplex=False)
    cli._run_shard(Scenario(orders=5), 0, 1, sending)
    assert receiving.recv() == ("started", None)
    kind, trace = receiving.recv()
    receiving.close()
    assert kind == "failed"
    assert trace.startswith("Traceback")
    assert trace.endswith("RuntimeError: the shop burned down")


def test_a_worker_whose_command_is_gone_stops_without_a_trace() -> None:
    receiving, sending = multiprocessing.Pipe(duplex=False)
    receiving.close()
    cli._run_shard(Scenario(orders=5, days=1), 0, 1, sending)  # no BrokenPipeError raised


def test_an_interrupted_worker_stops_without_sending_a_trace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "simulate", interrupted)
    receiving, sending = multiprocessing.Pipe(duplex=False)
    cli._run_shard(Scenario(orders=5), 0, 1, sending)
    assert receiving.recv() == ("started", None)
    with pytest.raises(EOFError):  # nothing more
        receiving.recv()
    receiving.close()


def test_an_interrupted_command_says_so_in_one_line_with_exit_code_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_simulate", interrupted)
    assert _run(capsys, "simulate") == (130, "", "fulfillment-core: interrupted\n")


def _sent(*messages: tuple[str, Any]) -> Connection:
    """A pipe's receiving end with ``messages`` waiting, its sending end closed."""
    receiving, sending = multiprocessing.Pipe(duplex=False)
    for message in messages:
        sending.send(message)
    sending.close()
    return receiving


def _ignore(placed: int, total: int) -> None:
    """A progress callback that tells nothing."""


def test_workers_progress_is_told_at_each_tenth_of_all_the_orders() -> None:
    told: list[tuple[int, int]] = []
    first = _sent(("started", None), *[("placed", n) for n in range(5, 55, 5)], ("report", "a"))
    second = _sent(("started", None), *[("placed", n) for n in range(5, 55, 5)], ("report", "b"))
    reports = cli._gather([first, second], 100, lambda placed, total: told.append((placed, total)))
    assert reports == ["a", "b"]  # in shard order, whichever came first
    assert len(told) == 10
    assert [placed for placed, _ in told] == sorted({placed for placed, _ in told})
    assert told[-1] == (100, 100)


@pytest.mark.parametrize(
    ("messages", "trace", "started"),
    [
        ((), "", False),
        ((("started", None), ("placed", 1)), "", True),
        ((("started", None), ("failed", "Traceback...")), "Traceback...", True),
    ],
    ids=["ended before it started", "ended before it reported", "its simulation raised"],
)
def test_a_worker_without_its_report_is_a_shard_error(
    messages: tuple[tuple[str, Any], ...], trace: str, started: bool
) -> None:
    with pytest.raises(cli._ShardError) as raised:
        cli._gather([_sent(("report", "a")), _sent(*messages)], 100, _ignore)
    assert (raised.value.shard, raised.value.trace, raised.value.started) == (1, trace, started)


def test_a_message_workers_do_not_send_is_a_bug_not_progress() -> None:
    with pytest.raises(AssertionError, match="a worker sent 'hello'"):
        cli._gather([_sent(("hello", 1))], 100, _ignore)


def test_progress_with_workers_reaches_every_order_and_says_how_many_ran(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = _run(
        capsys, "simulate", "--orders", "45", "--days", "1", "--workers", "2", "--progress"
    )
    assert code == 0
    assert "simulate: 45 of 45 orders placed" in err
    assert re.search(r"simulated in [0-9.]+ s \(2 worker processes\)\n$", err)


def test_no_workers_is_not_a_number_of_workers(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "simulate", "--workers", "0")
    assert code == 2
    assert "--workers: must be at least 1, got 0" in err


def test_windows_gets_no_more_workers_than_it_can_wait_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli.sys, "platform", "win32")
    assert cli._workers(Scenario(orders=1000), 100) == 61


@pytest.mark.parametrize(
    ("trace", "started", "code", "said"),
    [
        ("", False, 1, "could not start: a Python script that runs the command needs `if"),
        ("", True, 3, "failed: it ended with exit code 3 before it reported"),
        ("", True, None, "failed: it ended before it reported"),
        ("", True, -9, "was stopped by SIGKILL before it reported (out of memory?): try fewer"),
        ("", True, -200, "was stopped by signal 200 before it reported"),
        ("Traceback\nRuntimeError: no", True, 1, "failed: RuntimeError: no\n\nthe worker's"),
    ],
)
def test_what_the_command_says_of_a_worker_that_failed(
    trace: str, started: bool, code: int | None, said: str
) -> None:
    assert cli._worker_failure(1, 3, trace, started, code).startswith(
        f"simulation shard 2 of 3 {said}"
    )
