"""Stage evaluate@NAME: probe, cluster and retrieval scores of one representation's features."""

from incident_lm import stage
from incident_lm.evaluate.run import EvalConfig, evaluate_features
from incident_lm.io import read_json, write_json, write_parquet
from incident_lm.params import load_section
from incident_lm.split import read_split


def main() -> None:
    ap = stage.parser(__doc__)
    ap.add_argument("name", help="representation = params.yaml section name")
    args = ap.parse_args()
    cfg = EvalConfig.from_section(load_section("evaluate", args.params))
    features = f"features/{args.name}"
    metrics, predictions = evaluate_features(features, read_split("data/split/reports.parquet"), cfg)
    cost = read_json(f"{features}/cost.json")
    cost.pop("representation", None)
    write_parquet(predictions, f"results/{args.name}/predictions.parquet")
    write_json(f"metrics/{args.name}.json", {"representation": args.name, **metrics, "cost": cost})


if __name__ == "__main__":
    stage.run("evaluate", main)
