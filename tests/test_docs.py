"""Every code example in the README, docs/ and the module docstrings runs as written.

A fenced ``python`` block is executed; blocks of one page share a namespace, in order. When a
block is followed by a line reading "prints" and a fenced ``text`` block, what the code printed
must be exactly that text.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib
import io
import pkgutil
import re
from pathlib import Path

import pytest

import fulfillment_core

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(?P<code>.*?)```(?:\n+prints\n+```text\n(?P<out>.*?)```)?", re.S)


def _blocks(page: Path) -> list[tuple[str, str | None]]:
    text = page.read_text(encoding="utf-8")
    return [(m["code"], m["out"]) for m in BLOCK.finditer(text)]


def test_every_page_is_found() -> None:
    names = {page.name for page in PAGES}
    assert {"README.md", "index.md", "concepts.md", "values.md", "data-check.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_pages_code_examples_run_and_print_what_they_say(page: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for number, (code, expected) in enumerate(_blocks(page), start=1):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{page.name}#block{number}", "exec"), namespace)
        if expected is not None:
            assert out.getvalue() == expected, f"{page.name} block {number} printed otherwise"


MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(fulfillment_core.__path__, "fulfillment_core.")
    if info.name != "fulfillment_core.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_the_lifecycle_diagrams_match_the_tables() -> None:
    from fulfillment_core.diagrams import LIFECYCLES, render_into

    page = (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    for name in LIFECYCLES:
        assert f"<!-- diagram: {name} -->" in page, f"docs/lifecycle.md lacks the {name} diagram"
    assert render_into(page) == page, (
        "docs/lifecycle.md no longer matches the lifecycle tables:"
        " run `python tools/update_diagrams.py` and commit the result"
    )


def test_an_unknown_diagram_name_is_a_validation_error() -> None:
    from fulfillment_core.diagrams import mermaid
    from fulfillment_core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="fulfillment-order"):
        mermaid("order")
