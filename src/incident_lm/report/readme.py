"""Regenerate the README's results table from ``metrics/compare.json`` (never typed by hand).

Usage: ``python -m incident_lm.report.readme README.md metrics/compare.json``
"""

from __future__ import annotations

import sys
from pathlib import Path

from incident_lm.io import read_json, write_text
from incident_lm.report.compare import results_table

START, END = "<!-- results:start -->", "<!-- results:end -->"


def render_block(summary: dict) -> str:
    return f"{START}\n{results_table(summary)}{END}"


def replace_block(readme: str, summary: dict) -> str:
    """``readme`` with the text between the results markers replaced by a fresh table."""
    if START not in readme or END not in readme:
        raise ValueError(f"README has no {START} ... {END} block")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + render_block(summary) + tail


def current_block(readme: str) -> str:
    head, rest = readme.split(START, 1)
    return START + rest.split(END, 1)[0] + END


def main(argv: list[str] | None = None) -> None:
    readme_path, compare_path = (argv or sys.argv[1:]) or ["README.md", "metrics/compare.json"]
    readme = Path(readme_path).read_text(encoding="utf-8")
    write_text(readme_path, replace_block(readme, read_json(compare_path)))


if __name__ == "__main__":
    main()
