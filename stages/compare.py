"""Stage compare: every representation against the baseline (params ``compare``), with paired bootstrap tests."""

import argparse

from incident_lm.core import stage
from incident_lm.core.io import write_csv, write_json, write_text
from incident_lm.core.params import load_section, read_section
from incident_lm.evaluate.compare import CompareConfig, compare, load_results
from incident_lm.report.tables import bar_rows, confusion_rows, load_costs, results_table


def main(args: argparse.Namespace) -> None:
    cfg = read_section(CompareConfig, load_section("compare", args.params))
    results = load_results(args.results, args.metrics_dir)
    summary = compare(results, baseline=cfg.baseline, n_boot=cfg.n_boot, seed=cfg.seed)
    primary = summary["targets"][0]
    best = summary["best"][primary]
    write_json(args.out, summary)
    write_csv(bar_rows(summary), args.bars)
    write_csv(confusion_rows(results, best, primary), args.confusion)
    write_text(args.report, f"# Results\n\nBest on {primary}: `{best}`.\n\n"
               + results_table(summary, load_costs(args.costs)))
    stage.log.info("best on %s: %s", primary, best)


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("--results", required=True, help="folder of every representation's test predictions")
    ap.add_argument("--metrics-dir", required=True, help="folder of every representation's scores")
    ap.add_argument("--costs", required=True, help="folder of the represent stages' cost figures")
    ap.add_argument("--out", required=True, help="comparison summary (JSON)")
    ap.add_argument("--bars", required=True, help="plot data: macro-F1 per representation (CSV)")
    ap.add_argument("--confusion", required=True, help="plot data: confusion of the best probe (CSV)")
    ap.add_argument("--report", required=True, help="comparison table (Markdown)")
    stage.run("compare", main, ap)
