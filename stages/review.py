"""Stage review: themes, emerging themes, the review queue and likely re-reports (params ``review``), over the
features of one representation (named, or chosen from the comparison by the stated criterion), and the
similar-incident search measured on planted re-reports."""

import argparse
from pathlib import Path

import pandas as pd

from incident_lm.core import stage
from incident_lm.core.artefacts import read_split
from incident_lm.core.io import read_json, write_csv, write_json, write_parquet
from incident_lm.core.params import as_plain, load_section, read_section
from incident_lm.review.build import ReviewConfig, Truth, build_review
from incident_lm.review.search import Searcher, twin_retrieval
from incident_lm.review.select import choose_representation


def _twin_queries(truth: Truth, searcher: Searcher, n: int) -> pd.DataFrame | None:
    """The planted re-reports' raw descriptions (from the corpus's own incidents file) as search queries."""
    if truth.duplicates is None or truth.folder is None or not (truth.folder / "incidents.csv").exists() or not n:
        return None
    field = searcher.spec.text_fields[0]
    raw = pd.read_csv(truth.folder / "incidents.csv", dtype=str, keep_default_na=False)
    id_col = raw.columns[0]
    text = raw.set_index(id_col)[field]
    pairs = truth.duplicates.head(n)
    return pd.DataFrame({"id": pairs.iloc[:, 1].to_numpy(), "twin": pairs.iloc[:, 0].to_numpy(),
                         "text": text.reindex(pairs.iloc[:, 1]).fillna("").to_numpy()})


def main(args: argparse.Namespace) -> dict:
    section = load_section("review", args.params)
    cfg = read_section(ReviewConfig, section)
    features_root, models_root = Path(args.features_root), Path(args.models_root)
    if cfg.representation == "auto":
        available = {p.name for p in features_root.iterdir() if (p / "ids.parquet").exists()}
        name, reason, candidates = choose_representation(read_json(args.compare), cfg.select, available)
    else:
        name, reason, candidates = cfg.representation, "named in params (review.representation)", []
        if not (features_root / name).is_dir():
            raise FileNotFoundError(f"{features_root / name}: no features for review.representation '{name}' "
                                    f"(a representation in dvc.yaml's reps, or 'auto')")
    stage.log.info("review representation: %s (%s)", name, reason)
    split = read_split(args.input)
    truth = Truth.read(cfg.truth).matching(set(split["id"].astype(str)))
    out = build_review(features_root / name, split, cfg, truth)
    out_dir = Path(args.out_dir)
    write_csv(out.themes, out_dir / "themes.csv")
    write_parquet(out.assignments, out_dir / "themes.parquet")
    write_csv(out.theme_months, out_dir / "theme_months.csv")
    write_csv(out.emerging, out_dir / "emerging.csv")
    write_csv(out.queue, out_dir / "review_queue.csv")
    write_csv(out.duplicates, out_dir / "duplicates.csv")

    search: dict = {}
    searcher = Searcher.from_paths(models_root / name, features_root / name, args.input, args.params,
                                   out_dir / "themes.parquet")
    queries = _twin_queries(truth, searcher, cfg.search_queries)
    if queries is not None:
        search = {"planted": twin_retrieval(searcher, queries)}
    metrics = {"representation": name, "reason": reason, "candidates": candidates,
               "truth": str(truth.folder) if truth.folder else None, **out.metrics,
               "search": {k: v for k, v in search.get("planted", {}).items() if not k.endswith("_ms")},
               "params": as_plain(cfg)}
    write_json(args.metrics, metrics)
    latency = {k: round(v, 2) for k, v in search.get("planted", {}).items() if k.endswith("_ms")}
    return {"representation": name, "n_reports": out.metrics["n_reports"],
            **{k: round(v, 3) for k, v in out.timings.items()}, "search": latency}


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("--input", required=True, help="split reports")
    ap.add_argument("--features-root", required=True, help="folder of every representation's features")
    ap.add_argument("--models-root", required=True, help="folder of every fitted representation")
    ap.add_argument("--compare", required=True, help="the comparison (JSON) the 'auto' criterion reads")
    ap.add_argument("--out-dir", required=True, help="folder of the review tables (reports/)")
    ap.add_argument("--metrics", required=True, help="the review's measured figures (JSON)")
    stage.run("review", main, ap)
