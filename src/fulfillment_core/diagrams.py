"""Mermaid diagrams of the lifecycle tables, for docs and the command line.

The diagrams are generated from the tables themselves (never drawn by hand), and the test suite
fails when ``docs/lifecycle.md`` no longer matches them.

>>> from fulfillment_core.diagrams import LIFECYCLES, mermaid
>>> sorted(LIFECYCLES)
['fulfillment-order', 'shipment-tracking', 'supplier-request']
>>> mermaid("supplier-request").splitlines()[:3]
['stateDiagram-v2', '    [*] --> unsubmitted', '    unsubmitted --> submitted: submit']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._machine import Lifecycle
from .exceptions import Problem, ValidationError
from .lifecycle import REQUEST_LIFECYCLE, WORK_LIFECYCLE
from .tracking import TRACKING_LIFECYCLE

__all__ = ["LIFECYCLES", "mermaid", "render_into"]

LIFECYCLES: Mapping[str, Lifecycle[Any, Any]] = {
    "fulfillment-order": WORK_LIFECYCLE,
    "supplier-request": REQUEST_LIFECYCLE,
    "shipment-tracking": TRACKING_LIFECYCLE,
}

_BLOCK = re.compile(r"(<!-- diagram: (?P<name>[a-z-]+) -->\n```mermaid\n)(?P<body>.*?)(```)", re.S)


def mermaid(name: str) -> str:
    """The Mermaid state diagram of lifecycle ``name`` (one of :data:`LIFECYCLES`)."""
    lifecycle = LIFECYCLES.get(name)
    if lifecycle is None:
        raise ValidationError(
            "diagram",
            [Problem("name", f"{name!r} is not a lifecycle", f"choose {', '.join(LIFECYCLES)}")],
        )
    return lifecycle.mermaid()


def render_into(text: str) -> str:
    """``text`` (a Markdown page) with every ``<!-- diagram: NAME -->`` block regenerated."""
    return _BLOCK.sub(lambda m: m.group(1) + mermaid(m["name"]) + m.group(4), text)
