"""Stage represent@NAME: fit representation NAME (params section NAME) on the training split, encode train
and test, and record its cost."""

import argparse

from incident_lm.core import stage
from incident_lm.core.artefacts import read_split
from incident_lm.core.io import atomic_dir
from incident_lm.core.params import load_section
from incident_lm.represent.encode import fit_and_encode
from incident_lm.represent.registry import build, params_errors


def main(args: argparse.Namespace) -> dict:
    section = load_section(args.name, args.params)
    rep = build(args.name, section)
    train = read_split(args.input, "train", columns=["id", "text"])
    test = read_split(args.input, "test", columns=["id", "text"])
    # Built in a temporary folder and swapped in whole: no half-written features survive a failure.
    with atomic_dir(args.features) as tmp, params_errors(args.name, section.source):
        cost = fit_and_encode(rep, train["text"].tolist(), test["text"].tolist(), args.model, tmp,
                              train_ids=train["id"].astype(str).tolist(), test_ids=test["id"].astype(str).tolist())
    return {"representation": args.name, "type": rep.type_name, **cost}


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("name", help="representation = params.yaml section name")
    ap.add_argument("--input", required=True, help="split reports")
    ap.add_argument("--model", required=True, help="folder of the fitted representation")
    ap.add_argument("--features", required=True, help="folder of the encoded reports (matrices and ids)")
    stage.run("represent", main, ap)
