"""fastText word vectors (both backends), pooled report vectors, the supervised baseline, and their stages.

Every model here is trained on a small seeded synthetic corpus with ``thread: 1`` so that
runs are reproducible; the whole file takes well under a minute on two cores.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer

from incident_lm.core.errors import DataError, ParamsError
from incident_lm.core.params import Section, read_section
from incident_lm.evaluate.fasttext_classifier import (
    FastTextClassifierConfig,
    LabelCodec,
    predict_classifier,
    supervised_baseline,
    train_classifier,
)
from incident_lm.represent import InvalidParameterError, build, load, params_errors
from incident_lm.represent.fasttext import FastTextPooled
from incident_lm.text.tokenize import tokenize
from incident_lm.wordvec.neighbours import DEFAULT_PROBES, neighbours_markdown, neighbours_table
from incident_lm.wordvec.train import FastTextParams, train_word_vectors, write_training_text
from incident_lm.wordvec.vectors import (
    FastTextVectors,
    GensimVectors,
    detect_backend,
    fingerprint,
    load_word_vectors,
    save_word_vectors,
)

ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------- synthetic corpus
PHRASES = {
    "fall": ["patient found on the floor beside the bed", "unwitnessed fall from bed during the night",
             "slipped in the bathroom and fell", "fall while mobilising with a walking frame",
             "bed rails were down at the time of the fall", "falls risk assessment not completed",
             "hip pain after the fall x ray requested"],
    "medication": ["wrong dose of insulin given before breakfast", "insulin omitted and blood glucose high",
                   "medication given to the wrong patient", "controlled drug medication not signed for",
                   "prescription chart missing the regular medication", "antibiotic medication delayed by hours",
                   "warfarin medication dose doubled in error", "medication error reported to pharmacy"],
    "pressure ulcer": ["grade 2 pressure ulcer on the sacrum", "pressure ulcer found on the left heel",
                       "skin damage noted on admission", "repositioning chart not completed overnight",
                       "pressure relieving mattress not in place", "tissue viability nurse referral made"],
    "equipment": ["infusion pump alarm failed to sound", "syringe pump battery went flat",
                  "pump line occluded and infusion stopped", "cardiac monitor not working on the bay",
                  "oxygen cylinder found empty", "hoist sling torn and taken out of use"],
    "resuscitation": ["DNACPR form not available on the ward", "DNACPR decision not documented in the notes",
                      "cardiac arrest call delayed", "resuscitation trolley not checked daily",
                      "DNACPR discussed with the family"],
}
COMMON = ["[PERSON] informed", "Datix completed", "family informed by [PERSON]", "nurse in charge aware",
          "patient reviewed by the doctor", "on ward [LOCATION]", "at night", "observations stable",
          "incident escalated to the matron", "patient settled afterwards", "medical team reviewed the patient"]
HARM = {"no harm": ["no injury noted", "no harm came to the patient"],
        "low harm": ["minor bruising noted", "small skin tear dressed"],
        "moderate harm": ["fracture confirmed on x ray", "transferred to intensive care"]}


def make_reports(n: int, seed: int = 0, phrases: int = 3, common: int = 2) -> pd.DataFrame:
    """Seeded clinical-ish incident reports with ``id, text, category, harm, split`` (80/20).

    Each report: ``phrases`` phrases of its category, ``common`` category-free phrases and one
    phrase revealing its harm, shuffled (~30 words with the defaults).
    """
    rng = np.random.default_rng(seed)
    cats, harms = list(PHRASES), list(HARM)
    rows = []
    for i in range(n):
        cat = cats[rng.integers(len(cats))]
        harm = harms[rng.choice(3, p=[0.6, 0.3, 0.1])]
        parts = list(rng.choice(PHRASES[cat], size=min(phrases, len(PHRASES[cat])), replace=False))
        parts += list(rng.choice(COMMON, size=common, replace=False)) + [HARM[harm][rng.integers(2)]]
        rng.shuffle(parts)
        rows.append({"id": f"r{i:05d}", "date": "2024-01-01", "text": ". ".join(parts).capitalize() + ".",
                     "category": cat, "harm": harm, "split": "train" if rng.random() < 0.8 else "test"})
    return pd.DataFrame(rows)


SMALL = FastTextParams(dim=32, epoch=15, lr=0.1, min_count=2, bucket=20_000, thread=1, seed=1)
SUPERVISED = FastTextClassifierConfig(epoch=10, dim=16, bucket=20_000, thread=1, seed=1, n_boot=100)
EXTRA = ["", "   ", "!!!", "the patinet was given the wrong medicaton", "insullin omitted"]


@pytest.fixture(scope="module")
def reports() -> pd.DataFrame:
    return make_reports(3000, seed=0)


@pytest.fixture(scope="module")
def train_texts(reports: pd.DataFrame) -> list[str]:
    return reports.loc[reports["split"] == "train", "text"].tolist()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, train_texts: list[str]) -> Path:
    wv, stats = train_word_vectors(train_texts, SMALL)
    directory = tmp_path_factory.mktemp("ft") / "fasttext"
    save_word_vectors(wv, directory, {"params": SMALL.to_dict(), **stats})
    return directory


def pooled(model_dir: Path, pooling: str, **kw) -> object:
    return build(f"fasttext_{pooling}", {"type": "fasttext_pooled", "model_dir": str(model_dir),
                                         "pooling": pooling, **kw})


# --------------------------------------------------------------------------- params
def test_params_defaults_and_errors_name_the_key() -> None:
    p = read_section(FastTextParams, Section({"dim": 64, "probe_words": ["fall", "DNACPR"]}, "fasttext"))
    assert p.dim == 64 and p.probe_words == ("fall", "DNACPR")
    assert p.backend == "fasttext" and p.model == "skipgram" and p.thread == 1
    assert read_section(FastTextParams, Section({}, "fasttext")) == FastTextParams()
    assert FastTextParams().probe_words == DEFAULT_PROBES
    assert p.to_dict()["probe_words"] == ["fall", "DNACPR"]  # plain lists for config.json
    json.dumps(p.to_dict())
    bad = [({"dimm": 3}, "fasttext.dimm"), ({"backend": "spacy"}, "fasttext.backend"),
           ({"model": "glove"}, "fasttext.model"), ({"lr": 0}, "fasttext.lr"), ({"minn": 4, "maxn": 3}, "fasttext.maxn"),
           ({"probe_words": ["fall", 3]}, "fasttext.probe_words"), ({"probe_words": ["fall", "!!"]}, "fasttext.probe_words"),
           ({"thread": 0}, "fasttext.thread"), ({"dim": 0}, "fasttext.dim"), ({"epoch": 1.5}, "fasttext.epoch"),
           # the supervised classifier has its own section now: these keys are unknown here
           ({"supervised": {"epoch": 5}}, "fasttext.supervised"), ({"targets": ["category"]}, "fasttext.targets")]
    for values, key in bad:
        with pytest.raises(ParamsError, match=rf"params\.yaml: .*'{key.replace('.', r'[.]')}"):
            read_section(FastTextParams, Section(values, "fasttext", "params.yaml"))


def test_supervised_params_defaults_and_errors_name_the_key() -> None:
    c = read_section(FastTextClassifierConfig, Section({"epoch": 5, "targets": ["harm"]}, "fasttext_supervised"))
    assert c.epoch == 5 and c.targets == ("harm",) and c.word_ngrams == 2 and c.dim == 50
    assert FastTextClassifierConfig().targets == ("category", "harm")
    bad = [({"epochs": 3}, "fasttext_supervised.epochs"), ({"epoch": 0}, "fasttext_supervised.epoch"),
           ({"lr": 0}, "fasttext_supervised.lr"), ({"targets": "harm"}, "fasttext_supervised.targets"),
           ({"word_ngrams": 0}, "fasttext_supervised.word_ngrams"), ({"n_boot": 1}, "fasttext_supervised.n_boot"),
           ({"thread": 0}, "fasttext_supervised.thread")]
    for values, key in bad:
        with pytest.raises(ParamsError, match=rf"'{key.replace('.', r'[.]')}'"):
            read_section(FastTextClassifierConfig, Section(values, "fasttext_supervised"))


def test_training_text_is_the_shared_tokenisation(tmp_path: Path) -> None:
    texts = ["Patient [PERSON] fell in A&E.", "", "!!!", None, "NEWS2 was 7"]
    assert write_training_text(texts, tmp_path / "c.txt") == (2, 8)
    assert (tmp_path / "c.txt").read_text().splitlines() == ["patient [person] fell in a&e", "news2 was 7"]


# --------------------------------------------------------------------------- word vectors
def test_one_thread_and_a_seed_give_identical_vectors(train_texts: list[str]) -> None:
    p = FastTextParams(dim=16, epoch=3, min_count=2, bucket=5_000, thread=1, seed=1)
    words = ["insulin", "fall", "medicaton", "pump"]
    a = train_word_vectors(train_texts, p)[0].get_word_vectors(words)
    b = train_word_vectors(train_texts, p)[0].get_word_vectors(words)
    np.testing.assert_array_equal(a, b)
    # The seed must reach fastText (its Python wrapper drops it for unsupervised training).
    # Seeds 0 and 1 are the same run in fastText (std::minstd_rand treats 0 as 1), hence 2.
    c = train_word_vectors(train_texts, replace(p, seed=2))[0].get_word_vectors(words)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("backend", ["fasttext", "gensim"])
def test_misspellings_are_near_their_correct_form(backend: str, model_dir: Path, train_texts: list[str],
                                                  tmp_path: Path) -> None:
    if backend == "fasttext":
        wv = load_word_vectors(model_dir)
    else:
        wv, _ = train_word_vectors(train_texts, replace(SMALL, backend="gensim"))
        save_word_vectors(wv, tmp_path / "g", {})
        wv = load_word_vectors(tmp_path / "g")
        assert isinstance(wv, GensimVectors) and (tmp_path / "g" / "model.gensim").is_file()
    vocab = set(wv.words)
    for wrong, right in [("medicaton", "medication"), ("insullin", "insulin"), ("patinet", "patient")]:
        assert wrong not in vocab and right in vocab
        assert np.linalg.norm(wv.get_word_vector(wrong)) > 0
        assert wv.nearest_neighbours(wrong, 1)[0][0] == right, (wrong, wv.nearest_neighbours(wrong, 5))
    # a phrase averages its words and never returns them
    nb = [w for w, _ in wv.nearest_neighbours("pressure ulcer", 5)]
    assert "pressure" not in nb and "ulcer" not in nb and len(nb) == 5


def test_without_subwords_misspellings_have_no_vector(train_texts: list[str]) -> None:
    wv, _ = train_word_vectors(train_texts, replace(SMALL, epoch=2, minn=0, maxn=0))
    assert not wv.get_word_vector("medicaton").any()
    assert wv.nearest_neighbours("medicaton", 3) == []


def test_neighbour_report_lists_every_probe(model_dir: Path) -> None:
    wv = load_word_vectors(model_dir)
    assert isinstance(wv, FastTextVectors) and detect_backend(model_dir) == "fasttext"
    table = neighbours_table(wv, ["fall", "pressure ulcer", "medicaton"], k=2)
    assert [(r["probe"], r["kind"]) for r in table] == [("fall", "word"), ("pressure ulcer", "phrase"),
                                                         ("medicaton", "out of vocabulary")]
    assert table[0]["count"] == wv.word_counts()["fall"] > 0 and table[2]["count"] == 0
    assert all(len(r["neighbours"]) == 2 for r in table)
    md = neighbours_markdown(wv, ["fall", "pressure ulcer", "DNACPR", "medicaton"], k=3)
    rows = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("| probe")]
    assert [r.split(" | ")[0][2:] for r in rows] == ["fall", "pressure ulcer", "DNACPR", "medicaton"]
    assert "| medicaton | out of vocabulary | 0 | medication (" in md
    assert "| DNACPR | word |" in md and "| pressure ulcer | phrase |" in md


# --------------------------------------------------------------------------- pooled representation
@pytest.mark.parametrize("pooling", ["mean", "tfidf", "sif"])
def test_pooled_shape_dtype_and_empty_texts(pooling: str, model_dir: Path, train_texts: list[str]) -> None:
    rep = pooled(model_dir, pooling).fit(train_texts)
    X = rep.transform(train_texts[:20] + EXTRA)
    assert X.shape == (25, 32) and rep.dim == 32
    assert X.dtype == np.float32 and X.flags.c_contiguous
    assert not X[20:23].any()            # empty / whitespace / punctuation-only -> zero vector
    assert np.all(np.linalg.norm(X[23:], axis=1) > 0)   # misspelt words still have vectors
    assert rep.external_artefacts() == [model_dir]


def test_mean_pooling_is_the_mean_of_word_vectors(model_dir: Path, train_texts: list[str]) -> None:
    rep = pooled(model_dir, "mean").fit(train_texts)
    wv = load_word_vectors(model_dir)
    texts = train_texts[:5] + EXTRA[3:]
    X = rep.transform(texts)
    for text, x in zip(texts, X, strict=True):
        np.testing.assert_allclose(x, np.mean([wv.get_word_vector(t) for t in tokenize(text)], axis=0),
                                   rtol=1e-5, atol=1e-6)


def test_tfidf_pooling_weights_are_the_idf(model_dir: Path, train_texts: list[str]) -> None:
    rep = pooled(model_dir, "tfidf").fit(train_texts)
    sk = TfidfVectorizer(analyzer=tokenize).fit(train_texts)   # smooth IDF, as documented
    vocab = list(sk.vocabulary_)
    np.testing.assert_allclose(rep.token_weights(vocab), sk.idf_[[sk.vocabulary_[t] for t in vocab]], rtol=1e-12)
    assert rep.token_weights(["medicaton"])[0] == pytest.approx(np.log(1 + len(train_texts)) + 1)
    wv = load_word_vectors(model_dir)
    texts = train_texts[:5] + EXTRA[3:]
    for text, x in zip(texts, rep.transform(texts), strict=True):
        tokens = tokenize(text)
        w = rep.token_weights(tokens)
        np.testing.assert_allclose(x, (w[:, None] * wv.get_word_vectors(tokens)).sum(0) / w.sum(), rtol=1e-5,
                                   atol=1e-6)
    assert not np.allclose(rep.transform(texts), pooled(model_dir, "mean").fit(train_texts).transform(texts))


def test_sif_removes_the_first_principal_component(model_dir: Path, train_texts: list[str]) -> None:
    a = 1e-3
    rep = pooled(model_dir, "sif", sif_a=a, sif_remove_pc=1).fit(train_texts)
    wv = load_word_vectors(model_dir)
    counts = Counter(t for text in train_texts for t in tokenize(text))
    total = sum(counts.values())
    raw = np.zeros((len(train_texts), 32))
    for i, text in enumerate(train_texts):
        tokens = tokenize(text)
        w = np.array([a / (a + counts[t] / total) for t in tokens])
        raw[i] = (w[:, None] * wv.get_word_vectors(tokens)).sum(0) / len(tokens)
    pc = np.linalg.svd(raw, full_matrices=False)[2][0]
    assert rep.components_.shape == (1, 32)
    assert abs(float(rep.components_[0] @ pc)) == pytest.approx(1, abs=1e-4)
    X = rep.transform(train_texts)
    np.testing.assert_allclose(X, raw - np.outer(raw @ pc, pc), atol=1e-4)
    assert np.abs(X @ pc).max() < 1e-4 * np.abs(raw @ pc).max()     # orthogonal to the removed PC
    X_test = rep.transform(EXTRA[3:])
    assert np.abs(X_test @ pc).max() < 1e-5
    # removing nothing leaves the weighted mean
    np.testing.assert_allclose(pooled(model_dir, "sif", sif_remove_pc=0).fit(train_texts).transform(train_texts),
                               raw, rtol=1e-4, atol=1e-5)


def test_fit_statistics_and_chunked_pooling_match_the_token_lists(model_dir: Path, train_texts: list[str]) -> None:
    """fit keeps the tokens as ids, not string lists: its counts must be the token lists' and its chunked pooling
    (SIF's component is fitted on it) must give exactly the rows of pooling the token lists in one piece."""
    texts = train_texts + ["", "..."]  # a text without tokens too
    rep = pooled(model_dir, "sif").fit(texts)
    docs = [tokenize(t) for t in texts]
    counts = Counter(t for d in docs for t in d)
    dfs = Counter(t for d in docs for t in set(d))
    assert rep.vocabulary_.tolist() == sorted(counts)
    assert rep.term_counts_.tolist() == [counts[t] for t in sorted(counts)]
    assert rep.doc_freq_.tolist() == [dfs[t] for t in sorted(counts)]
    assert rep.n_docs_ == len(texts)
    index = rep._ensure_cache()
    ids = np.array([index[t] for d in docs for t in d], dtype=np.int64)
    lengths = np.array([len(d) for d in docs])
    whole = rep._pool(docs)
    assert np.array_equal(rep._pool_ids(ids, lengths, chunk=7), whole)
    assert not whole[-2:].any()


@pytest.mark.parametrize("pooling", ["mean", "tfidf", "sif"])
def test_fit_transform_and_chunked_transform_are_fit_then_transform(pooling: str, model_dir: Path,
                                                                    train_texts: list[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    expected = pooled(model_dir, pooling).fit(train_texts).transform(train_texts)
    assert np.array_equal(pooled(model_dir, pooling).fit_transform(train_texts), expected)
    monkeypatch.setattr("incident_lm.represent.fasttext.TRANSFORM_CHUNK", 5)
    rep = pooled(model_dir, pooling).fit(train_texts)
    assert np.array_equal(rep.transform(train_texts), expected)
    assert np.array_equal(rep.transform(EXTRA), pooled(model_dir, pooling).fit(train_texts).transform(EXTRA))


@pytest.mark.parametrize("pooling", ["mean", "tfidf", "sif"])
def test_save_load_round_trip_is_identical_and_small(pooling: str, model_dir: Path, train_texts: list[str],
                                                      tmp_path: Path) -> None:
    rep = pooled(model_dir, pooling).fit(train_texts)
    texts = train_texts[-50:] + EXTRA + ["a brand new word: haemovigilance"]
    before = rep.transform(texts)
    rep.save(tmp_path / "rep")
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == ["config.json", "state.npz"]
    assert (tmp_path / "rep" / "state.npz").stat().st_size < (model_dir / "model.bin").stat().st_size / 20
    config = json.loads((tmp_path / "rep" / "config.json").read_text())
    assert config["type"] == "fasttext_pooled" and config["params"]["pooling"] == pooling
    assert config["model"]["sha256"] == fingerprint(model_dir)["sha256"]
    assert config["model"]["model_dir"] == str(model_dir)
    np.testing.assert_array_equal(load(tmp_path / "rep").transform(texts), before)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(rep)).transform(texts), before)
    np.testing.assert_array_equal(rep.transform(texts), before)     # the token cache changes nothing


def test_load_refuses_a_changed_model(train_texts: list[str], tmp_path: Path) -> None:
    p = FastTextParams(dim=16, epoch=1, min_count=2, bucket=5_000, thread=1, seed=1)
    save_word_vectors(train_word_vectors(train_texts, p)[0], tmp_path / "ft", {})
    pooled(tmp_path / "ft", "mean").fit(train_texts).save(tmp_path / "rep")
    save_word_vectors(train_word_vectors(train_texts, replace(p, seed=2))[0],
                      tmp_path / "ft", {})
    with pytest.raises(DataError, match="has changed since"):
        load(tmp_path / "rep")


def test_missing_model_and_bad_params_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                train_texts: list[str], model_dir: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no params.yaml here: nothing reads it
    rep = build("fasttext_mean", {"type": "fasttext_pooled", "model_dir": "nowhere", "pooling": "mean"})
    # fit inside params_errors (as the represent stage does): the error names the params key
    with pytest.raises(ParamsError, match=r"'fasttext_mean\.model_dir' = 'nowhere': no such folder.*train_fasttext"), \
            params_errors("fasttext_mean"):
        rep.fit(["a fall"])
    # the representation alone names its own argument, not a params key
    with pytest.raises(InvalidParameterError, match=r"^FastTextPooled: model_dir = 'nowhere': .*train_fasttext") as exc:
        rep.fit(["a fall"])
    assert (exc.value.param, exc.value.value) == ("model_dir", "nowhere")
    assert "params.yaml" not in str(exc.value) and "fasttext_mean" not in str(exc.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParamsError, match=r"'ft\.model_dir'.*no model\.bin or model\.gensim"), params_errors("ft"):
        FastTextPooled(model_dir="empty").fit(["a fall"])
    with pytest.raises(ParamsError, match=r"'fasttext_max\.pooling' = 'max'.*mean, tfidf, sif"):
        build("fasttext_max", {"type": "fasttext_pooled", "pooling": "max"})  # checked before any data
    with pytest.raises(ParamsError, match=r"'fasttext_sif\.sif_a' = 0"):
        build("fasttext_sif", {"type": "fasttext_pooled", "sif_a": 0})
    with pytest.raises(ParamsError, match=r"'fasttext_sif\.sif_remove_pc' = -1"):
        build("fasttext_sif", {"type": "fasttext_pooled", "sif_remove_pc": -1})
    with pytest.raises(ParamsError, match=r"'fasttext_sif\.sif_remove_pc' = 32: .*dimension 32"), \
            params_errors("fasttext_sif"):
        pooled(model_dir, "sif", sif_remove_pc=32).fit(train_texts)
    with pytest.raises(InvalidParameterError, match="sif_remove_pc"):
        pooled(model_dir, "sif", sif_remove_pc=32).fit(train_texts)
    with pytest.raises(ParamsError, match=r"fasttext_mean\.modeldir"):
        build("fasttext_mean", {"type": "fasttext_pooled", "modeldir": "x"})
    assert not (tmp_path / "params.yaml").exists()


def test_gensim_backend_pools_and_round_trips(train_texts: list[str], tmp_path: Path) -> None:
    p = replace(SMALL, backend="gensim", epoch=3)
    wv, stats = train_word_vectors(train_texts, p)
    assert stats["vocab_size"] == len(wv.words) > 100 and stats["train_words_per_second"] > 0
    save_word_vectors(wv, tmp_path / "g", {"backend": "gensim"})
    rep = pooled(tmp_path / "g", "tfidf").fit(train_texts)
    X = rep.transform(train_texts[:10] + EXTRA)
    assert X.shape == (15, 32) and X.dtype == np.float32 and not X[10].any()
    rep.save(tmp_path / "rep")
    np.testing.assert_array_equal(load(tmp_path / "rep").transform(train_texts[:10] + EXTRA), X)


# --------------------------------------------------------------------------- supervised baseline
def test_label_codec_is_reversible() -> None:
    labels = ["pressure ulcer", "pressure_ulcer", "pressure  ulcer", " no harm", "fall"]
    codec = LabelCodec(labels)
    tokens = [codec.encode(y) for y in labels]
    assert len(set(tokens)) == len(labels)
    assert all(t.startswith("__label__") and not any(c.isspace() for c in t) for t in tokens)
    assert [codec.decode(t) for t in tokens] == labels


def test_supervised_beats_majority_and_writes_the_contract(reports: pd.DataFrame) -> None:
    train, test = reports[reports["split"] == "train"], reports[reports["split"] == "test"]
    predictions, metrics, cost = supervised_baseline(train, test, SUPERVISED)
    assert list(predictions.columns) == ["target", "id", "y_true", "y_pred"]
    assert len(predictions) == 2 * len(test)
    assert all(predictions[c].map(type).eq(str).all() for c in predictions.columns)
    for target in ("category", "harm"):
        part = predictions[predictions["target"] == target]
        assert part["id"].tolist() == test["id"].tolist()
        assert part["y_true"].tolist() == test[target].tolist()
        assert set(part["y_pred"]) <= set(train[target])            # labels decoded, spaces restored
        m = metrics["probe"][target]
        assert m["macro_f1"] > m["floor_majority_macro_f1"] + 0.3, m
        assert {"weighted_f1", "balanced_accuracy", "macro_f1_ci", "per_class_f1", "accuracy",
                "floor_stratified_macro_f1"} <= set(m)
        assert m["n_classes"] == train[target].nunique()
        assert m["macro_f1_ci"][0] <= m["macro_f1"] <= m["macro_f1_ci"][1]
        assert cost[f"{target}_train_seconds"] >= 0
    assert (metrics["n_train"], metrics["n_test"]) == (len(train), len(test))
    assert metrics["probe"]["category"]["macro_f1"] > 0.95
    json.dumps(metrics)


def test_train_and_predict_classifier_decode_labels(reports: pd.DataFrame) -> None:
    train = reports[reports["split"] == "train"]
    model, codec = train_classifier(train["text"].tolist(), train["category"].tolist(), SUPERVISED)
    pred = predict_classifier(model, codec, ["unwitnessed fall from bed during the night", ""], fallback="x")
    assert pred.shape == (2,) and pred[0] == "fall" and pred[1] in set(train["category"]) | {"x"}


# --------------------------------------------------------------------------- stages
def run_stage(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "stages" / script), *args, "--params", "params.yaml"],
                          cwd=cwd, capture_output=True, text=True)


def test_train_fasttext_stage_writes_every_output(reports: pd.DataFrame, tmp_path: Path) -> None:
    reports.to_parquet(tmp_path / "reports.parquet", index=False)
    section = SMALL.to_dict() | {"epoch": 5, "probe_words": ["fall", "pressure ulcer", "DNACPR", "medicaton"],
                                 "neighbours": 3}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"fasttext": section}))
    outputs = ["--input", "reports.parquet", "--out", "models/fasttext", "--report", "reports/neighbours.md",
               "--metrics", "metrics/fasttext.json", "--cost", "metrics/cost/train_fasttext.json"]
    res = run_stage("train_fasttext.py", *outputs, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    config = json.loads((tmp_path / "models/fasttext/config.json").read_text())
    assert config["params"]["dim"] == 32 and config["vocab_size"] > 100
    assert config["fingerprint"]["sha256"] == fingerprint(tmp_path / "models/fasttext")["sha256"]
    assert config["n_train_docs"] == int((reports["split"] == "train").sum())  # training split only
    metrics = json.loads((tmp_path / "metrics/fasttext.json").read_text())
    for key in ("vocab_size", "model_size_bytes", "backend", "n_train_docs", "n_train_tokens"):
        assert metrics[key], key
    assert metrics["model_size_bytes"] == (tmp_path / "models/fasttext/model.bin").stat().st_size
    assert "supervised" not in metrics
    cost = json.loads((tmp_path / "metrics/cost/train_fasttext.json").read_text())
    assert cost["stage"] == "train_fasttext"
    assert cost["train_seconds"] > 0 and cost["train_words_per_second"] > 0
    assert "| medicaton | out of vocabulary |" in (tmp_path / "reports/neighbours.md").read_text()
    # the saved folder is what the pooled representation reads
    rep = pooled(tmp_path / "models/fasttext", "mean").fit(reports["text"].head(20).tolist())
    assert rep.transform(["a fall"]).shape == (1, 32)

    # a key that moved to fasttext_supervised is now unknown here: a clear exit naming it
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"fasttext": {**section, "targets": ["ward"]}}))
    res = run_stage("train_fasttext.py", *outputs, cwd=tmp_path)
    assert res.returncode == 2 and "fasttext.targets" in res.stderr


def test_fasttext_supervised_stage_writes_every_output(reports: pd.DataFrame, tmp_path: Path) -> None:
    reports.to_parquet(tmp_path / "reports.parquet", index=False)
    section = {"targets": ["category", "harm"], "epoch": 5, "lr": 0.5, "word_ngrams": 2, "dim": 16,
               "bucket": 20_000, "thread": 1, "seed": 1, "n_boot": 100}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"fasttext_supervised": section}))
    outputs = ["--input", "reports.parquet", "--out", "results/fasttext_supervised", "--metrics",
               "metrics/eval/fasttext_supervised.json", "--cost", "metrics/cost/fasttext_supervised.json"]
    res = run_stage("fasttext_supervised.py", *outputs, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    metrics = json.loads((tmp_path / "metrics/eval/fasttext_supervised.json").read_text())
    assert metrics["representation"] == "fasttext_supervised"
    assert set(metrics["probe"]) == {"category", "harm"}
    assert metrics["probe"]["category"]["macro_f1"] > metrics["probe"]["category"]["floor_majority_macro_f1"]
    cost = json.loads((tmp_path / "metrics/cost/fasttext_supervised.json").read_text())
    assert cost["category_train_seconds"] >= 0 and cost["harm_train_seconds"] >= 0
    preds = pd.read_parquet(tmp_path / "results/fasttext_supervised/predictions.parquet")
    assert list(preds.columns) == ["target", "id", "y_true", "y_pred"]
    assert len(preds) == 2 * int((reports["split"] == "test").sum())
    assert not (tmp_path / "models").exists()  # it needs no word vectors

    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"fasttext_supervised": {**section, "targets": ["ward"]}}))
    res = run_stage("fasttext_supervised.py", *outputs, cwd=tmp_path)
    assert res.returncode == 2 and "fasttext_supervised.targets" in res.stderr
