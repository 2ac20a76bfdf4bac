"""Stage train_scratch_lm (optional, see README): a WordPiece tokenizer and a small BERT trained from scratch on
training-split incident text (params ``scratch_lm``), with loss curves in DVCLive."""

import argparse

from incident_lm.core import stage
from incident_lm.core.io import write_json
from incident_lm.core.params import load_section
from incident_lm.lm.config import ScratchConfig
from incident_lm.lm.recipes import run_logged, scratch


def main(args: argparse.Namespace) -> dict:
    section = load_section("scratch_lm", args.params)
    metrics, cost = run_logged(scratch, ScratchConfig.from_section(section), section, args.input, args.out,
                               args.live)
    write_json(args.metrics, metrics)
    stage.log.info("train_scratch_lm: vocabulary %d; saved %s", metrics["vocab_size"], args.out)
    return cost


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("--input", required=True, help="split reports (train rows used)")
    ap.add_argument("--out", required=True, help="model folder")
    ap.add_argument("--metrics", required=True, help="held-out losses per phase (JSON)")
    ap.add_argument("--live", required=True, help="DVCLive folder of the loss curves")
    stage.run("train_scratch_lm", main, ap)
