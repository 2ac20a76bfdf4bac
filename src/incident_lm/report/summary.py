"""What ``make pipeline`` prints at the end: the comparison table and where the full results are.

Usage: ``python -m incident_lm.report.summary [metrics/compare.json [metrics/cost/represent]]``
"""

from __future__ import annotations

import sys
from pathlib import Path

from incident_lm.core.io import read_json
from incident_lm.report.tables import load_costs, results_table

#: Files a user opens after a run, with what each holds.
OUTPUTS = (
    ("reports/index.html", "the report: open it in a browser (offline, one file)"),
    ("reports/summary.md", "the report's answers in Markdown"),
    ("reports/results.md", "the comparison table (this one) and the best representation"),
    ("metrics/eval/", "every score of each representation (probe per class, clusters, retrieval)"),
    ("metrics/data.json, metrics/deid.json", "rows read and dropped, redactions, de-identification scores"),
    ("metrics/cost/", "timings, throughput and memory of every stage (dvc metrics show -R metrics/cost)"),
    ("reports/fasttext_neighbours.md", "nearest neighbours of probe words in the fastText vectors"),
)


def render(compare_path: str | Path = "metrics/compare.json", cost_dir: str | Path = "metrics/cost/represent") -> str:
    """The summary text: headline, the table, and the list of outputs."""
    summary = read_json(compare_path)
    primary = summary["targets"][0]
    lines = [f"Best on {primary}: {summary['best'][primary]} (baseline {summary['baseline']}; "
             f"{len(summary['representations'])} compared)", "", results_table(summary, load_costs(cost_dir)),
             "Full results:"]
    lines += [f"  {path:<40} {what}" for path, what in OUTPUTS]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else sys.argv[1:])
    print(render(*args), end="")


if __name__ == "__main__":
    main()
