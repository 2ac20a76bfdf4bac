"""Stage generate: write the SYNTHETIC NRLS-like incident corpus and its planted ground truth (params ``synthetic``)."""

import argparse
import time
from pathlib import Path

from incident_lm.core import stage
from incident_lm.core.io import atomic_dir, write_text
from incident_lm.core.params import load_params, load_section
from incident_lm.synthetic import SyntheticConfig, generate_corpus, write_corpus


def _uses_synthetic(source: str, out: str) -> bool:
    """Whether ``data.source`` (a file, folder or glob) lies inside the synthetic corpus folder."""
    head = Path(source.split("*", 1)[0] or ".").resolve()
    out_dir = Path(out).resolve()
    return head == out_dir or out_dir in head.parents


def main(args: argparse.Namespace) -> dict:
    source = str((load_params(args.params).get("data") or {}).get("source") or "")
    if source and not _uses_synthetic(source, args.out):
        with atomic_dir(Path(args.out)) as tmp:  # prepare declares the folder: leave a note, not a corpus
            write_text(tmp / "README.txt", f"No synthetic corpus: data.source is {source}, a real export.\n")
        stage.log.info("data.source %s is not the synthetic corpus: nothing generated", source)
        return {"n_reports": 0, "generate_seconds": 0.0}
    cfg = SyntheticConfig.from_section(load_section("synthetic", args.params))
    stage.log.info("generating %d synthetic reports (seed %d)", cfg.n_reports, cfg.seed)
    t0 = time.perf_counter()
    corpus = generate_corpus(cfg)
    seconds = time.perf_counter() - t0
    write_corpus(corpus, args.out)
    stage.log.info("rows: incidents=%d identifiers=%d emerging=%d duplicates=%d", len(corpus.reports),
                   len(corpus.identifiers), len(corpus.emerging), len(corpus.duplicates))
    return {"n_reports": len(corpus.reports), "generate_seconds": round(seconds, 3)}


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("--out", required=True, help="output folder (incidents.csv and ground truth)")
    stage.run("generate", main, ap)
