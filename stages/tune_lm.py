"""Stage tune_lm: further pre-train a BERT encoder on training-split incident text, phase by phase (params
``tune_lm``: MLM, then SimCSE), with loss curves in DVCLive."""

import argparse

from incident_lm.core import stage
from incident_lm.core.io import write_json
from incident_lm.core.params import load_section
from incident_lm.encoders.hf import ModelDirError
from incident_lm.lm.config import TuneConfig
from incident_lm.lm.recipes import run_logged, tune


def main(args: argparse.Namespace) -> dict:
    section = load_section("tune_lm", args.params)
    cfg = TuneConfig.from_section(section)
    try:
        metrics, cost = run_logged(tune, cfg, section, args.input, args.out, args.live)
    except ModelDirError as exc:
        raise section.error("base_model", str(exc)) from None
    write_json(args.metrics, metrics)
    stage.log.info("tune_lm: %s; saved %s", ", ".join(
        f"{n} held-out loss {metrics[n]['eval_loss_before']:.3f} -> {metrics[n]['eval_loss_after']:.3f}"
        for n in cfg.phases), args.out)
    return cost


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("--input", required=True, help="split reports (train rows used)")
    ap.add_argument("--out", required=True, help="tuned model folder")
    ap.add_argument("--metrics", required=True, help="held-out losses per phase (JSON)")
    ap.add_argument("--live", required=True, help="DVCLive folder of the loss curves")
    stage.run("tune_lm", main, ap)
