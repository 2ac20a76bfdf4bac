"""Stage tune_lm: further pre-train a BERT encoder on training-split incident text (MLM, then SimCSE).

Reads params section ``tune_lm``; writes the tuned encoder to ``models/lm/bert_tuned`` (loadable as
``{type: bert, model: models/lm/bert_tuned}``), metrics to ``metrics/tune_lm.json`` and training
curves to ``dvclive/tune_lm``.
"""

from typing import Any

from incident_lm import stage
from incident_lm.lm.common import LMRun, run_lm_stage

KEYS = ("base_model", "seed", "threads", "device", "mlm", "simcse")


def train(run: LMRun) -> dict[str, Any]:
    from incident_lm.lm.mlm import tune_pretrained

    return tune_pretrained(run.params.get("base_model"), run.texts, run.out, run.mlm, run.simcse, seed=run.seed,
                           device=run.device, log_fn=run.log_fn, key=run.params.key("base_model"))


def main() -> None:
    metrics, out = run_lm_stage(__doc__, "tune_lm", "tune_lm", KEYS, train, out="models/lm/bert_tuned",
                                out_help="tuned model directory", metrics="metrics/tune_lm.json",
                                live="dvclive/tune_lm")
    stage.log.info("tune_lm: held-out MLM loss %.3f -> %.3f; SimCSE loss %s; saved %s",
                   metrics["mlm"]["eval_loss_before"], metrics["mlm"]["eval_loss_after"],
                   metrics["simcse"]["final_loss"], out)


if __name__ == "__main__":
    stage.run("tune_lm", main)
