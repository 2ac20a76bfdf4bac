"""Stage tune_lm: further pre-train a BERT encoder on training-split incident text (MLM, then SimCSE).

Reads params section ``tune_lm``; writes the tuned encoder to ``models/lm/bert_tuned`` (loadable as
``{type: bert, model: models/lm/bert_tuned}``), metrics to ``metrics/tune_lm.json`` and training
curves to ``dvclive/tune_lm``.
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

KEYS = ("base_model", "seed", "threads", "device", "mlm", "simcse")


def main() -> None:
    ap = stage.parser(__doc__)
    ap.add_argument("--data", default="data/split/reports.parquet", help="split reports (train rows used)")
    ap.add_argument("--out", default="models/lm/bert_tuned", help="tuned model directory")
    ap.add_argument("--metrics", default="metrics/tune_lm.json")
    ap.add_argument("--live", default="dvclive/tune_lm", help="DVCLive directory for the loss curves")
    args = ap.parse_args()
    ensure_offline()
    p = load_section("tune_lm", args.params)
    check_keys(p, KEYS)
    from dvclive import Live

    from incident_lm.lm.mlm import MLMConfig, tune_pretrained
    from incident_lm.lm.simcse import SimCSEConfig

    mlm, simcse = MLMConfig.from_section(p.sub("mlm", {})), SimCSEConfig.from_section(p.sub("simcse", {}))
    seed = p.int("seed", 0)
    set_threads(p.int("threads", None, min=1), p.key("threads"))
    device = resolve_device(p.choice("device", ["cpu", "cuda", "auto"], "cpu"), p.key("device"))
    texts = read_train_texts(args.data)
    stage.log.info("tune_lm: %d training reports, device %s", len(texts), device)
    with Live(args.live, save_dvc_exp=False, dvcyaml=False) as live:
        metrics = tune_pretrained(p.get("base_model"), texts, args.out, mlm, simcse, seed=seed, device=device,
                                  log_fn=live_logger(live), key=p.key("base_model"))
    write_json(args.metrics, metrics)
    stage.log.info("tune_lm: held-out MLM loss %.3f -> %.3f; SimCSE loss %s; saved %s",
                   metrics["mlm"]["eval_loss_before"], metrics["mlm"]["eval_loss_after"],
                   metrics["simcse"]["final_loss"], args.out)


if __name__ == "__main__":
    stage.run("tune_lm", main)
