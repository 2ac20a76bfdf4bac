"""Stage represent@NAME: fit representation NAME on the training split, encode train and test."""

from incident_lm import stage
from incident_lm.io import atomic_dir, write_json
from incident_lm.params import load_section
from incident_lm.represent import build
from incident_lm.represent.encode import fit_and_encode
from incident_lm.split import read_split


def main() -> None:
    ap = stage.parser(__doc__)
    ap.add_argument("name", help="representation = params.yaml section name")
    args = ap.parse_args()
    section = load_section(args.name, args.params)
    rep = build(args.name, section)
    df = read_split("data/split/reports.parquet")
    train = df.loc[df["split"] == "train", "text"].tolist()
    test = df.loc[df["split"] == "test", "text"].tolist()
    # Built in a temporary folder and swapped in whole: no half-written features survive a failure.
    with atomic_dir(f"features/{args.name}") as tmp:
        cost = fit_and_encode(rep, train, test, f"models/{args.name}", tmp)
        write_json(tmp / "cost.json", {"representation": args.name, **cost})


if __name__ == "__main__":
    stage.run("represent", main)
