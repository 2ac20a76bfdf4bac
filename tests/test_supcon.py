"""Supervised contrastive tuning (``supcon``): the loss, a run on labelled reports through the recipe, and
the errors when the labels are missing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch
import transformers

from incident_lm.core.params import ParamsError, Section
from incident_lm.lm.config import SupConConfig, TuneConfig
from incident_lm.lm.loop import train_phase
from incident_lm.lm.objectives.supcon import SupCon, supcon_loss
from incident_lm.lm.recipes import label_targets, run_logged, run_phases, train_labels, tune
from tests.test_lm import CPU, REPORTS, tiny_config, tiny_mlm, tokenizer  # noqa: F401  (fixture)

LABELS = [["fall", "medication", "delay", "surgical", "violence", "identity", "pressure", "device"][i % 8]
          for i in range(len(REPORTS))]


def test_supcon_loss_pulls_classes_together() -> None:
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(3, 16, generator=g)
    y = torch.tensor([0, 0, 1, 1, 2, 2])
    clustered = centres[y] + 0.01 * torch.randn(6, 16, generator=g)
    mixed = centres[torch.tensor([0, 1, 2, 0, 1, 2])] + 0.01 * torch.randn(6, 16, generator=g)
    assert supcon_loss(clustered, y, 0.1) < supcon_loss(mixed, y, 0.1) - 1
    # an anchor with no positive is left out rather than counted as zero
    assert torch.isfinite(supcon_loss(clustered, torch.tensor([0, 0, 1, 1, 2, 3]), 0.1))
    # with every view of its own class, it is SimCSE's in-batch loss over both views
    z = torch.randn(4, 8, generator=g)
    assert torch.isfinite(supcon_loss(torch.cat([z, z]), torch.tensor([0, 1, 2, 3] * 2), 0.1))


def test_supcon_training_separates_the_training_classes(tokenizer) -> None:  # noqa: F811
    torch.manual_seed(0)
    encoder = transformers.BertModel(tiny_config(tokenizer, layers=2))
    cfg = SupConConfig(steps=25, lr=2e-3, batch_size=12, max_length=32)
    objective = SupCon("supcon", cfg, encoder, tokenizer, REPORTS, REPORTS[:12], seed=0, device=CPU,
                       train_labels=LABELS, eval_labels=LABELS[:12])
    out, _ = train_phase(objective, CPU)
    assert out["objective"] == "supcon" and out["classes"] == 8 and out["train_reports"] == len(REPORTS)
    assert out["eval_loss_after"] < out["eval_loss_before"]
    with pytest.raises(ValueError, match="needs the training labels of 'category'"):
        SupCon("supcon", cfg, encoder, tokenizer, REPORTS, REPORTS[:4], seed=0, device=CPU)


def test_labels_reach_the_label_aware_phase_only(tokenizer) -> None:  # noqa: F811
    cfg = TuneConfig.from_section(Section({
        "phases": ["simcse", "supcon"], "eval_fraction": 0.25, "eval_max_reports": 6,
        "simcse": {"steps": 1, "batch_size": 4, "max_length": 32},
        "supcon": {"steps": 2, "batch_size": 6, "max_length": 32, "target": "category"}}, "tune_lm"))
    assert label_targets(cfg) == ["category"]
    texts = [*REPORTS, "   "]   # an empty report is dropped with its label
    metrics, _ = run_phases(tiny_mlm(tokenizer), tokenizer, texts, cfg, CPU,
                            labels={"category": [*LABELS, "fall"]})
    assert metrics["supcon"]["steps"] == 2 and metrics["supcon"]["target"] == "category"
    assert metrics["supcon"]["train_reports"] == metrics["n_train_reports"]
    with pytest.raises(ValueError, match="needs the label column 'category'"):
        run_phases(tiny_mlm(tokenizer), tokenizer, REPORTS, cfg, CPU)


def test_a_missing_label_column_names_the_params_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    split = tmp_path / "reports.parquet"
    pd.DataFrame({"id": [f"r{i}" for i in range(len(REPORTS))], "text": REPORTS, "category": LABELS,
                  "split": ["train"] * len(REPORTS)}).to_parquet(split)
    assert train_labels(split, ["category"])["category"] == LABELS
    section = Section({"phases": ["supcon"], "supcon": {"target": "harm"}}, "tune_lm")
    cfg = TuneConfig.from_section(section)
    with pytest.raises(ParamsError, match=r"'tune_lm\.supcon\.target' = 'harm'.*no label column 'harm'"):
        run_logged(tune, cfg, section, split, tmp_path / "out", tmp_path / "live")
    assert not (tmp_path / "out").exists()
    assert train_labels(split, []) == {}
