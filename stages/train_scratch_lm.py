"""Stage train_scratch_lm: a WordPiece tokenizer and a small BERT trained from scratch on incident text.

Reads params section ``scratch_lm``; writes ``models/lm/bert_scratch`` (loadable as
``{type: bert, model: models/lm/bert_scratch}``), ``metrics/scratch_lm.json`` and ``dvclive/scratch_lm``.
"""

from typing import Any

from incident_lm import stage
from incident_lm.lm.common import LMRun, run_lm_stage
from incident_lm.params import Section

KEYS = ("seed", "threads", "device", "model", "mlm", "simcse")


def model_config(params: Section) -> Any:
    """The ``model`` sub-section (tokenizer and architecture), checked before the shared settings."""
    from incident_lm.lm.scratch import ScratchConfig

    return ScratchConfig.from_section(params.sub("model", {}))


def train(run: LMRun) -> dict[str, Any]:
    from incident_lm.lm.scratch import train_scratch

    return train_scratch(run.texts, run.out, run.extra, run.mlm, run.simcse, seed=run.seed, device=run.device,
                         log_fn=run.log_fn)


def main() -> None:
    metrics, out = run_lm_stage(__doc__, "train_scratch_lm", "scratch_lm", KEYS, train, setup=model_config,
                                out="models/lm/bert_scratch", metrics="metrics/scratch_lm.json",
                                live="dvclive/scratch_lm")
    stage.log.info("train_scratch_lm: vocabulary %d, held-out MLM loss %.3f -> %.3f; saved %s",
                   metrics["vocab_size"], metrics["mlm"]["eval_loss_before"], metrics["mlm"]["eval_loss_after"],
                   out)


if __name__ == "__main__":
    stage.run("train_scratch_lm", main)
