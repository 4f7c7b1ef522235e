"""Regenerate the Mermaid diagrams in docs/lifecycle.md from the lifecycle tables.

Run it after changing a table: ``python tools/update_diagrams.py``.
"""

from pathlib import Path

from fulfillment_core.diagrams import render_into

PAGE = Path(__file__).resolve().parent.parent / "docs" / "lifecycle.md"

if __name__ == "__main__":
    PAGE.write_text(render_into(PAGE.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"updated {PAGE}")
