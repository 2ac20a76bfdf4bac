"""TSDAE (``tsdae``): word deletion, the seeded noise, the decoder tied to the encoder, its loss, training through
the loop, the saved encoder, checkpoints and the params."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import transformers

from incident_lm.core.params import ParamsError, Section
from incident_lm.lm.config import TSDAEConfig, TuneConfig
from incident_lm.lm.loop import adamw, train_phase
from incident_lm.lm.objectives import objectives
from incident_lm.lm.objectives.tsdae import TSDAE, delete_words, reconstruction_loss, tokenize_words
from incident_lm.lm.recipes import tune
from tests.test_lm import (  # noqa: F401  (fixtures)
    CORPUS,
    CPU,
    REPORTS,
    Interrupted,
    Record,
    tiny_base,
    tiny_config,
    tiny_mlm,
    tokenizer,
    tune_run,
    weights,
)


def _objective(tokenizer, texts=CORPUS, eval_texts=CORPUS, seed: int = 0, model=None,  # noqa: ANN001, F811
               **cfg) -> TSDAE:
    if model is None:
        torch.manual_seed(0)
        model = transformers.BertModel(tiny_config(tokenizer, layers=2))
    cfg = TSDAEConfig(**{"steps": 30, "lr": 1e-3, "batch_size": 8, "max_length": 32, "warmup": 2, **cfg})
    return TSDAE("tsdae", cfg, model, tokenizer, texts, eval_texts, seed=seed, device=CPU)


# --- noise ----------------------------------------------------------------------------------------
def test_deletion_removes_about_del_ratio_of_the_words_and_keeps_one() -> None:
    n = 4000
    ids = [101, *range(1000, 1000 + n), 102]
    words = np.array([-1, *range(n), -1])
    rng = np.random.default_rng(0)
    for ratio in (0.1, 0.6, 0.9):
        kept = delete_words(ids, words, ratio, rng)
        assert kept[0] == 101 and kept[-1] == 102  # special tokens stay
        assert (len(kept) - 2) / n == pytest.approx(1 - ratio, abs=0.03)
        assert kept[1:-1] == sorted(set(kept[1:-1])) and set(kept) <= set(ids)  # order kept, nothing added
    assert delete_words(ids, words, 0.0, rng) == ids
    one = [101, 7, 102]
    for _ in range(50):  # a single word is never deleted, nor is one word of a short report always
        assert delete_words(one, np.array([-1, 0, -1]), 0.99, rng) == one
        short = delete_words([101, 5, 6, 102], np.array([-1, 0, 1, -1]), 0.99, rng)
        assert len(short) == 3 and short[1] in (5, 6)


def test_word_pieces_are_deleted_together(tokenizer) -> None:  # noqa: F811
    text = "Pseudoaneurysm after catheterisation, anticoagulation withheld; haemodynamically unstable."
    (ids,), (words,) = tokenize_words(tokenizer, [text], 64)
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
    assert words[0] == words[-1] == -1 and list(np.unique(words[1:-1])) == list(range(words.max() + 1))
    assert len(ids) - 2 > words.max() + 1  # some words are several pieces
    rng = np.random.default_rng(1)
    for _ in range(20):
        kept = delete_words(ids, words, 0.5, rng)
        # the kept tokens are whole words: the pieces of each word, all or none
        pieces = {w: [t for t, ww in zip(ids, words, strict=True) if ww == w] for w in range(words.max() + 1)}
        rebuilt = [t for w in range(words.max() + 1) for t in pieces[w] if t in kept]
        assert [ids[0], *rebuilt, ids[-1]] == kept
        assert all(all(t in kept for t in p) or not any(t in kept for t in p) for p in pieces.values())
    (trunc,), (tw,) = tokenize_words(tokenizer, [text], 8)
    assert len(trunc) == 8 and trunc[-1] == tokenizer.sep_token_id and tw[-1] == -1


def test_the_same_seed_gives_the_same_noise_and_losses(tokenizer) -> None:  # noqa: F811
    def run(seed: int) -> tuple[list[list[int]], list[float], list]:
        obj = _objective(tokenizer, seed=seed, steps=3)
        noisy = obj.corrupt(range(len(obj.train_ids)))
        obj = _objective(tokenizer, seed=seed, steps=3)
        logs: list[tuple[str, float, int]] = []
        train_phase(obj, CPU, log_fn=lambda *a: logs.append(a))
        return noisy, [v for n, v, _ in logs if n == "tsdae/train_loss"], [b[0] for b in obj.eval_batches]

    a, b, c = run(0), run(0), run(1)
    assert a[0] == b[0] and a[1] == b[1] and all(torch.equal(x, y) for x, y in zip(a[2], b[2], strict=True))
    assert len(a[1]) == 3 and all(np.isfinite(a[1]))
    assert a[0] != c[0] and a[1] != c[1]


# --- decoder --------------------------------------------------------------------------------------
def test_the_decoder_shares_the_encoder_but_its_cross_attention(tokenizer) -> None:  # noqa: F811
    model = tiny_mlm(tokenizer, layers=2)
    obj = _objective(tokenizer, model=model)
    enc, dec = obj.encoder, obj.decoder
    assert enc is model.base_model and not enc.config.is_decoder and not enc.config.add_cross_attention
    assert isinstance(dec, transformers.BertLMHeadModel) and dec.config.is_decoder
    assert dec.bert.encoder.layer[1].attention.self.query.weight is enc.encoder.layer[1].attention.self.query.weight
    assert dec.bert.embeddings.word_embeddings.weight is enc.embeddings.word_embeddings.weight
    assert dec.cls.predictions.decoder.weight is enc.embeddings.word_embeddings.weight
    encoder_ids = {id(p) for p in enc.parameters()}
    cross = [p for n, p in dec.named_parameters() if "crossattention" in n]
    assert cross and not any(id(p) in encoder_ids for p in cross)
    # the head starts as the model's MLM head, a copy
    assert obj.head_from_model
    assert torch.equal(dec.cls.predictions.transform.dense.weight, model.cls.predictions.transform.dense.weight)
    assert dec.cls.predictions.transform.dense.weight is not model.cls.predictions.transform.dense.weight
    # the optimiser sees encoder, cross-attention and head, each shared parameter once
    own = [p for p in dec.parameters() if id(p) not in encoder_ids]
    params = [p for g in adamw(obj.module, 1e-3, 0.0).param_groups for p in g["params"]]
    assert len(params) == len({id(p) for p in params}) == len(list(enc.parameters())) + len(own)
    assert {id(p) for p in cross} <= {id(p) for p in params}
    # untied: a copy that starts equal
    untied = _objective(tokenizer, model=model, tie_encoder_decoder=False)
    q, eq = untied.decoder.bert.encoder.layer[1].attention.self.query.weight, enc.encoder.layer[1].attention.self.query.weight
    assert q is not eq and torch.equal(q, eq)
    assert len(list(untied.module.parameters())) > len(list(obj.module.parameters()))


def test_the_loss_is_the_decoders_causal_lm_loss_from_the_pooled_vector(tokenizer) -> None:  # noqa: F811
    obj = _objective(tokenizer, pooling="mean")
    obj.module.eval()
    noisy_ids, noisy_attn, ids, attn = obj.eval_batches[0]
    with torch.no_grad():
        loss = reconstruction_loss(obj.encoder, obj.decoder, noisy_ids, noisy_attn, ids, attn, "mean")
        hidden = obj.encoder(input_ids=noisy_ids, attention_mask=noisy_attn).last_hidden_state
        z = (hidden * noisy_attn[..., None]).sum(1) / noisy_attn.sum(1, keepdim=True)
        ref = obj.decoder(input_ids=ids, attention_mask=attn, encoder_hidden_states=z[:, None],
                          labels=ids.masked_fill(attn == 0, -100)).loss
        other = reconstruction_loss(obj.encoder, obj.decoder, noisy_ids.flip(0), noisy_attn.flip(0), ids, attn,
                                    "mean")
    assert torch.isfinite(loss) and loss.item() == pytest.approx(ref.item(), rel=1e-5)
    assert other.item() != pytest.approx(loss.item(), rel=1e-6)  # the vector of the damaged report is read


def test_the_encoder_learns_through_the_pooled_vector_only(tokenizer) -> None:  # noqa: F811
    obj = _objective(tokenizer, tie_encoder_decoder=False)  # untied: the vector is the encoder's only way in
    noisy_ids, noisy_attn, ids, attn = obj.eval_batches[0]
    reconstruction_loss(obj.encoder, obj.decoder, noisy_ids, noisy_attn, ids, attn, "cls").backward()
    grads = {n: p.grad for n, p in obj.encoder.named_parameters()}
    assert all(grads[f"encoder.layer.{i}.attention.self.query.weight"].abs().sum() > 0 for i in (0, 1))
    assert grads["pooler.dense.weight"] is None  # the pooled vector is the [CLS] token vector, not BERT's pooler
    cross = obj.decoder.bert.encoder.layer[0].crossattention.self.value.weight
    assert cross.grad is not None and cross.grad.abs().sum() > 0


# --- training -------------------------------------------------------------------------------------
def test_training_lowers_the_reconstruction_loss_and_keeps_the_ties(tokenizer) -> None:  # noqa: F811
    obj = _objective(tokenizer, lr=5e-3)
    before = {k: v.clone() for k, v in obj.encoder.state_dict().items()}
    # (the memory is one vector, so cross-attention weights are all 1: its value and output layers learn, its
    # query and key get no gradient, as in the reference implementation)
    cross = obj.decoder.bert.encoder.layer[0].crossattention.self.value.weight.detach().clone()
    out, _ = train_phase(obj, CPU)
    assert out["objective"] == "tsdae" and out["steps"] == 30 and out["train_reports"] == len(CORPUS)
    assert out["del_ratio"] == 0.6 and out["pooling"] == "cls" and out["tie_encoder_decoder"]
    assert np.isfinite(out["eval_loss_before"]) and out["eval_loss_after"] < out["eval_loss_before"] - 2.0
    assert out["train_loss_last"] < out["train_loss_first"] - 2.0
    moved = [k for k, v in obj.encoder.state_dict().items() if not torch.equal(v, before[k])]
    assert any("encoder.layer.0." in k for k in moved) and "embeddings.word_embeddings.weight" in moved
    assert not torch.equal(cross, obj.decoder.bert.encoder.layer[0].crossattention.self.value.weight)
    assert obj.decoder.bert.encoder.layer[0].output.dense.weight is obj.encoder.encoder.layer[0].output.dense.weight
    assert obj.evaluate() == out["eval_loss_after"]  # fixed noise, dropout off
    assert not obj.module.training


def test_no_training_report_is_not_trainable(tokenizer) -> None:  # noqa: F811
    obj = _objective(tokenizer, texts=["", "   "], eval_texts=[])
    assert obj.train_ids == [] and not obj.has_eval and np.isnan(obj.evaluate())
    with pytest.raises(ValueError, match="tsdae needs at least one non-empty training report"):
        train_phase(obj, CPU)


def test_the_tuned_folder_holds_the_encoder_only(tiny_base: Path, tmp_path: Path) -> None:  # noqa: F811
    cfg = TuneConfig.from_section(Section({
        "base_model": str(tiny_base), "phases": ["tsdae"], "eval_fraction": 0.25, "eval_max_reports": 6,
        "tsdae": {"steps": 3, "lr": 1e-3, "batch_size": 4, "max_length": 32, "pooling": "mean"}}, "tune_lm"))
    out = tmp_path / "bert_tuned"
    metrics, cost = tune(cfg, REPORTS, out, CPU)
    assert metrics["tsdae"]["objective"] == "tsdae" and metrics["tsdae"]["steps"] == 3 and list(cost["phases"]) == [
        "tsdae"]
    saved, base = weights(out), weights(tiny_base)
    assert saved.keys() == base.keys() and not any("crossattention" in k or k.startswith("cls.") for k in saved)
    assert any(not torch.equal(v, base[k]) for k, v in saved.items())
    config = json.loads((out / "config.json").read_text())
    assert not config.get("is_decoder") and not config.get("add_cross_attention")


def test_an_interrupted_run_resumes_with_the_same_decoder_and_noise(tiny_base: Path, tmp_path: Path,  # noqa: F811
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    data = {"base_model": str(tiny_base), "seed": 0, "eval_fraction": 0.25, "eval_max_reports": 6,
            "phases": ["tsdae"], "tsdae": {"steps": 4, "lr": 1e-3, "batch_size": 4, "max_length": 32}}
    straight = Record()
    tune_run(data, tmp_path / "straight" / "m", monkeypatch, straight)
    first, second = Record(), Record()
    out = tmp_path / "resumed" / "m"
    with pytest.raises(Interrupted):
        tune_run({**data, "checkpoint_every": 2}, out, monkeypatch, first, stop_after=1)
    tune_run({**data, "checkpoint_every": 2}, out, monkeypatch, second)
    assert list(second.curve("tsdae/train_loss")) == [3, 4]
    stitched = {**first.curve("tsdae/train_loss"), **second.curve("tsdae/train_loss")}
    assert stitched == straight.curve("tsdae/train_loss")
    a, b = weights(tmp_path / "straight" / "m"), weights(out)
    assert all(torch.equal(a[k], b[k]) for k in a)


# --- params ---------------------------------------------------------------------------------------
def test_tsdae_phases_read_from_the_run_config() -> None:
    assert objectives()["tsdae"] is TSDAE and TSDAE.config_class is TSDAEConfig
    d = TSDAEConfig()
    assert (d.steps, d.lr, d.batch_size, d.max_length, d.del_ratio, d.pooling, d.tie_encoder_decoder) == (
        60, 3e-5, 8, 128, 0.6, "cls", True)

    def read(data: dict) -> TuneConfig:
        return TuneConfig.from_section(Section(data, "tune_lm"))

    cfg = read({"phases": ["tsdae"], "tsdae": {"steps": 5, "del_ratio": 0.5, "pooling": "mean"}})
    assert cfg.phases == ("tsdae",) and isinstance(cfg.phase("tsdae"), TSDAEConfig)
    assert cfg.phase("tsdae").del_ratio == 0.5 and cfg.phase("tsdae").objective == "tsdae"
    named = read({"phases": ["mlm", "denoise"], "denoise": {"objective": "tsdae", "tie_encoder_decoder": False}})
    assert isinstance(named.phase("denoise"), TSDAEConfig) and not named.phase("denoise").tie_encoder_decoder
    with pytest.raises(ParamsError, match=r"'tune_lm\.tsdae\.del_ratoi'"):
        read({"phases": ["tsdae"], "tsdae": {"del_ratoi": 0.5}})
    with pytest.raises(ParamsError, match=r"'tune_lm\.tsdae\.del_ratio'.*below 1"):
        read({"phases": ["tsdae"], "tsdae": {"del_ratio": 1.0}})
    with pytest.raises(ParamsError, match=r"tune_lm\.tsdae\.pooling"):
        read({"phases": ["tsdae"], "tsdae": {"pooling": "max"}})


def test_bf16_mixed_precision_trains_and_keeps_float32_weights(tokenizer) -> None:  # noqa: F811
    obj = _objective(tokenizer, steps=4, lr=5e-3)
    seen: list[torch.dtype] = []
    obj.decoder.cls.register_forward_hook(lambda m, i, o: seen.append(o.dtype))
    out, _ = train_phase(obj, CPU, bf16=True)
    assert seen.count(torch.bfloat16) == 4 and torch.float32 in seen  # training logits bf16, held-out float32
    assert np.isfinite(out["train_loss_last"]) and out["eval_loss_after"] < out["eval_loss_before"]
    assert {p.dtype for p in obj.module.parameters()} == {torch.float32}
