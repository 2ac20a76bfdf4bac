"""Stage train_scratch_lm: a WordPiece tokenizer and a small BERT trained from scratch on incident text.

Reads params section ``scratch_lm``; writes ``models/lm/bert_scratch`` (loadable as
``{type: bert, model: models/lm/bert_scratch}``), ``metrics/scratch_lm.json`` and ``dvclive/scratch_lm``.
"""

from incident_lm import stage
from incident_lm.io import write_json
from incident_lm.lm.common import (
    check_keys,
    ensure_offline,
    live_logger,
    read_train_texts,
    resolve_device,
    set_threads,
)
from incident_lm.params import load_section

KEYS = ("seed", "threads", "device", "model", "mlm", "simcse")


def main() -> None:
    ap = stage.parser(__doc__)
    ap.add_argument("--data", default="data/split/reports.parquet", help="split reports (train rows used)")
    ap.add_argument("--out", default="models/lm/bert_scratch", help="model directory")
    ap.add_argument("--metrics", default="metrics/scratch_lm.json")
    ap.add_argument("--live", default="dvclive/scratch_lm", help="DVCLive directory for the loss curves")
    args = ap.parse_args()
    ensure_offline()
    p = load_section("scratch_lm", args.params)
    check_keys(p, KEYS)
    from dvclive import Live

    from incident_lm.lm.mlm import MLMConfig
    from incident_lm.lm.scratch import ScratchConfig, train_scratch
    from incident_lm.lm.simcse import SimCSEConfig

    scratch = ScratchConfig.from_section(p.sub("model", {}))
    mlm, simcse = MLMConfig.from_section(p.sub("mlm", {})), SimCSEConfig.from_section(p.sub("simcse", {}))
    seed = p.int("seed", 0)
    set_threads(p.int("threads", None, min=1), p.key("threads"))
    device = resolve_device(p.choice("device", ["cpu", "cuda", "auto"], "cpu"), p.key("device"))
    texts = read_train_texts(args.data)
    stage.log.info("train_scratch_lm: %d training reports, device %s", len(texts), device)
    with Live(args.live, save_dvc_exp=False, dvcyaml=False) as live:
        metrics = train_scratch(texts, args.out, scratch, mlm, simcse, seed=seed, device=device,
                                log_fn=live_logger(live))
    write_json(args.metrics, metrics)
    stage.log.info("train_scratch_lm: vocabulary %d, held-out MLM loss %.3f -> %.3f; saved %s",
                   metrics["vocab_size"], metrics["mlm"]["eval_loss_before"], metrics["mlm"]["eval_loss_after"],
                   args.out)


if __name__ == "__main__":
    stage.run("train_scratch_lm", main)
