"""Fine-tuning the encoder as a classifier (``classify``): the head's start at the class means, training
through the loop, the checkpoint state, label plumbing through the recipe and the errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
import transformers

from incident_lm.core.params import Section
from incident_lm.encoders.hf import pad_batch, pad_id
from incident_lm.encoders.pooling import embed
from incident_lm.lm.config import ClassifyConfig, TuneConfig
from incident_lm.lm.loop import train_phase
from incident_lm.lm.objectives.classify import Classify
from incident_lm.lm.recipes import label_targets, run_phases
from tests.test_lm import CPU, REPORTS, tiny_config, tiny_mlm, tokenizer  # noqa: F401  (fixture)
from tests.test_supcon import LABELS


def _objective(tokenizer, **cfg) -> Classify:  # noqa: ANN001, F811
    torch.manual_seed(0)
    encoder = transformers.BertModel(tiny_config(tokenizer, layers=2))
    cfg = ClassifyConfig(**{"steps": 25, "lr": 2e-3, "batch_size": 12, "max_length": 32, **cfg})
    return Classify("classify", cfg, encoder, tokenizer, REPORTS, REPORTS[:12], seed=0, device=CPU,
                    train_labels=LABELS, eval_labels=LABELS[:12])


def test_the_head_starts_at_the_class_means_of_the_frozen_encoder(tokenizer) -> None:  # noqa: F811
    obj = _objective(tokenizer, init_sample=10_000)  # every training report
    obj.encoder.eval()
    with torch.no_grad():
        ids, attn = pad_batch(obj.train_ids, pad_id(tokenizer))
        z = F.normalize(embed(obj.encoder, ids, attn, "mean").float(), dim=-1)
    y = torch.as_tensor(obj.train_labels)
    for c in range(len(obj.classes)):
        assert torch.allclose(obj.net.weight[c], z[y == c].sum(0), atol=1e-4)


def test_fine_tuning_trains_the_encoder_and_lowers_the_held_out_loss(tokenizer) -> None:  # noqa: F811
    obj = _objective(tokenizer)
    before = {k: v.clone() for k, v in obj.encoder.state_dict().items()}
    out, _ = train_phase(obj, CPU)
    assert out["objective"] == "classify" and out["classes"] == 8 and out["train_reports"] == len(REPORTS)
    assert out["eval_loss_after"] < out["eval_loss_before"]
    moved = [k for k, v in obj.encoder.state_dict().items() if v.dtype.is_floating_point
             and not torch.equal(v, before[k])]
    assert any("encoder.layer.0." in k for k in moved)  # the whole transformer, not only the head


def test_the_head_is_in_the_checkpoint_state(tokenizer) -> None:  # noqa: F811
    a, b = _objective(tokenizer), _objective(tokenizer)
    with torch.no_grad():
        a.net.weight.add_(1.0)
    b.load_state_dict(a.state_dict())
    assert torch.equal(a.net.weight, b.net.weight)


def test_balanced_weights_weigh_each_class_alike(tokenizer) -> None:  # noqa: F811
    obj = _objective(tokenizer)
    counts = torch.bincount(torch.as_tensor(obj.train_labels), minlength=len(obj.classes)).float()
    assert torch.allclose(obj.class_weights * counts, torch.full_like(counts, counts.sum() / len(counts)))
    assert torch.equal(_objective(tokenizer, class_weight="none").class_weights, torch.ones(len(obj.classes)))


def test_labels_are_required_and_one_class_is_not_trainable(tokenizer) -> None:  # noqa: F811
    encoder = transformers.BertModel(tiny_config(tokenizer, layers=1))
    cfg = ClassifyConfig(steps=1, batch_size=4, max_length=32)
    with pytest.raises(ValueError, match="needs the training labels of 'category'"):
        Classify("classify", cfg, encoder, tokenizer, REPORTS, REPORTS[:4], seed=0, device=CPU)
    one = Classify("classify", cfg, encoder, tokenizer, REPORTS, REPORTS[:4], seed=0, device=CPU,
                   train_labels=["fall"] * len(REPORTS), eval_labels=["fall"] * 4)
    with pytest.raises(ValueError, match="two classes of 'category'"):
        one.check_trainable()


def test_the_recipe_passes_the_labels_to_classify(tokenizer) -> None:  # noqa: F811
    cfg = TuneConfig.from_section(Section({
        "phases": ["classify"], "eval_fraction": 0.25, "eval_max_reports": 6,
        "classify": {"steps": 2, "batch_size": 6, "max_length": 32, "target": "category"}}, "tune_lm"))
    assert label_targets(cfg) == ["category"]
    metrics, _ = run_phases(tiny_mlm(tokenizer), tokenizer, REPORTS, cfg, CPU, labels={"category": LABELS})
    assert metrics["classify"]["steps"] == 2 and metrics["classify"]["target"] == "category"
