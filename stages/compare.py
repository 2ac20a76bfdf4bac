"""Stage compare: every representation against the baseline, with paired bootstrap tests."""

from incident_lm import stage
from incident_lm.io import write_csv, write_json, write_text
from incident_lm.params import load_section
from incident_lm.report.compare import bar_rows, compare, confusion_rows, load_results, results_table


def main() -> None:
    args = stage.parser(__doc__).parse_args()
    p = load_section("compare", args.params)
    results = load_results("results", "metrics")
    summary = compare(results, baseline=p.str("baseline", "tfidf"), n_boot=p.int("n_boot", 1000, min=10),
                      seed=p.int("seed", 0))
    primary = summary["targets"][0]
    best = summary["best"][primary]
    write_json("metrics/compare.json", summary)
    write_csv(bar_rows(summary), "plots/compare/macro_f1.csv")
    write_csv(confusion_rows(results, best, primary), "plots/compare/confusion.csv")
    write_text("reports/results.md", f"# Results\n\nBest on {primary}: `{best}`.\n\n" + results_table(summary))
    stage.log.info("best on %s: %s", primary, best)


if __name__ == "__main__":
    stage.run("compare", main)
