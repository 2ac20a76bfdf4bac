"""Similar-incident search from the command line: ``python -m incident_lm.search "free text" -k 10``.

Run from the repository root after ``dvc repro``. The description is prepared by the same recipe as the
training text (de-identified, cleaned, labelled as the first free-text field), embedded by the review
representation (``metrics/review.json``, or ``--representation``) and compared with every report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from incident_lm.core.errors import DataError, ParamsError
from incident_lm.review.search import RESULT_COLUMNS, Searcher


def searcher(root: str | Path = ".", representation: str | None = None, params: str | None = None) -> Searcher:
    """The searcher of a pipeline checkout: its review representation, features and split reports."""
    root = Path(root)
    if representation is None:
        review = root / "metrics" / "review.json"
        if not review.exists():
            raise FileNotFoundError(f"{review}: not found; run the pipeline (dvc repro) or pass --representation")
        representation = json.loads(review.read_text())["representation"]
    return Searcher.from_paths(root / "models" / representation, root / "features" / representation,
                               root / "data" / "split" / "reports.parquet", params or root / "params.yaml",
                               root / "reports" / "themes.parquet")


def search(text: str, k: int = 10, root: str | Path = ".", representation: str | None = None) -> pd.DataFrame:
    """The ``k`` past reports most similar to ``text`` (columns :data:`RESULT_COLUMNS`)."""
    return searcher(root, representation).search(text, k=k)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m incident_lm.search", description=__doc__.splitlines()[0])
    ap.add_argument("text", help="an incident description, as a reporter would write it")
    ap.add_argument("-k", type=int, default=10, help="number of similar reports (default 10)")
    ap.add_argument("--representation", default=None, help="representation to search in (default: the review's)")
    ap.add_argument("--root", default=".", help="pipeline checkout (default: the current folder)")
    ap.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    args = ap.parse_args(argv)
    if args.k < 1:
        ap.error("-k must be at least 1")
    try:
        hits = search(args.text, k=args.k, root=args.root, representation=args.representation)
    except (FileNotFoundError, DataError, ParamsError, ValueError) as exc:
        print(f"search: {exc}", file=sys.stderr)
        return 2
    if args.json:
        for row in hits.to_dict(orient="records"):
            print(json.dumps(row, default=str))
    else:
        with pd.option_context("display.max_colwidth", 120, "display.width", 200):
            print(hits[list(RESULT_COLUMNS)].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
