"""The command line: ``fulfillment-core`` and ``python -m fulfillment_core``."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from fulfillment_core import __version__
from fulfillment_core.cli import main, run_demo


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


def test_main_runs_the_demo_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "order data check" in capsys.readouterr().out


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
        [sys.executable, "-m", "fulfillment_core"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "1 of 3 orders can go to sourcing" in done.stdout
