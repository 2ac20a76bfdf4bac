"""Unit tests for incident_lm.represent: registry, count/tfidf, tokenisation, chunked encoding."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from incident_lm.core.artefacts import IDS_FILE, read_features
from incident_lm.core.errors import ParamsError
from incident_lm.core.io import dir_size, load_matrix
from incident_lm.core.params import Section
from incident_lm.core.stage import peak_rss_mb
from incident_lm.represent import Representation, available, build, get_class, load, register, registry
from incident_lm.represent.base import check_texts, to_float32
from incident_lm.represent.count import CountRepresentation
from incident_lm.represent.encode import encode_to_file, fit_and_encode
from incident_lm.represent.registry import params_errors
from incident_lm.represent.tfidf import TfidfRepresentation
from incident_lm.text.tokenize import TOKEN_PATTERN, WordNgrams, tokenize

TRAIN = [
    "Patient fell in the A&E department and was not escalated",
    "NEWS2 score of 7 not escalated by [PERSON] on the ward",
    "Medication given late: the patient accepted the delay",
    "Fall on the ward, patient found on floor by [PERSON]",
    "Wrong dose of medication given, NEWS2 not recorded",
    "Delay in A&E triage, patient accepted transfer to ward",
]
TEST = [
    "zebra giraffe",  # only unseen words
    "patient fell on the ward zebra",
    "NEWS2 medication delay",
]
VOCAB = [f"w{i}" for i in range(40)] + ["fall", "dose", "ward", "a&e", "news2", "[person]"]


def random_texts(n: int, seed: int, length: int = 12) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(VOCAB, size=length)) for _ in range(n)]


class FakeDense(Representation):
    """Deterministic dense representation recording the size of every transform call."""

    def __init__(self, width: int = 3):
        self.width = width
        self.calls: list[int] = []

    def fit(self, X: Sequence[str], y: Any = None) -> FakeDense:
        self.scale_ = float(len(self.check_texts(X)))
        self.y_ = None if y is None else list(y)
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        self.check_fitted()
        texts = self.check_texts(X)
        self.calls.append(len(texts))
        rows = [[len(t), t.count("a"), sum(map(ord, t)) % 97][: self.width] for t in texts]
        # float64 on purpose: the encoder must store float32.
        return np.asarray(rows, dtype=np.float64).reshape(len(texts), self.width) / self.scale_

    @property
    def dim(self) -> int:
        return self.width


# --- registry / build --------------------------------------------------------------

def test_available_lists_builtins() -> None:
    names = available()
    assert {"count", "tfidf", "fasttext_pooled", "bert"} <= set(names)
    assert set(registry.BUILTINS) <= set(names)
    assert names == sorted(names)
    assert not {"base", "text", "registry", "encode"} & set(names)


def test_registry_imports_only_the_module_asked_for() -> None:
    # listing the types and getting tfidf's class import neither torch, transformers, fastText nor gensim
    heavy = ["torch", "transformers", "fasttext", "gensim", "incident_lm.represent.bert",
             "incident_lm.represent.fasttext"]
    code = ("import sys\n"
            "from incident_lm.represent import available, get_class\n"
            "names = available()\n"
            "cls = get_class('tfidf')\n"
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
            "print('bert' in names, 'fasttext_pooled' in names, cls.__module__)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.splitlines() == ["[]", "True True incident_lm.represent.tfidf"], res.stdout


def test_build_by_section_name() -> None:
    rep = build("count", {"min_df": 1, "binary": True})
    assert isinstance(rep, CountRepresentation)
    assert rep.min_df == 1 and rep.binary is True
    assert rep.type_name == "count"


def test_build_type_key_picks_class_and_is_not_passed_on() -> None:
    params = {"type": "tfidf", "lsa_components": 5, "min_df": 1}
    rep = build("tfidf_lsa", params)
    assert isinstance(rep, TfidfRepresentation)
    assert rep.lsa_components == 5 and rep.min_df == 1
    assert params == {"type": "tfidf", "lsa_components": 5, "min_df": 1}  # caller's dict untouched


def test_build_none_params_gives_defaults() -> None:
    rep = build("tfidf", None)
    assert rep.get_params() == TfidfRepresentation().get_params()


def test_build_accepts_a_params_section() -> None:
    rep = build("tfidf", Section({"min_df": 3, "ngram_max": 1}, "tfidf"))
    assert isinstance(rep, TfidfRepresentation)
    assert (rep.min_df, rep.ngram_max) == (3, 1)


def test_build_unknown_section_without_type_names_type_key() -> None:
    with pytest.raises(ParamsError) as exc:
        build("mystery", {})
    msg = str(exc.value)
    assert "'mystery.type' = 'mystery'" in msg
    assert "count" in msg and "tfidf" in msg  # lists the available types


def test_build_unknown_type_names_dotted_type_key() -> None:
    with pytest.raises(ParamsError, match=r"'my_rep\.type' = 'no_such_rep': unknown representation"):
        build("my_rep", {"type": "no_such_rep"})


def test_build_unknown_keys_named_with_section() -> None:
    with pytest.raises(ParamsError) as exc:
        build("count", {"min_df": 1, "min_dff": 2, "ngrams": 3})
    msg = str(exc.value)
    assert "count.min_dff" in msg and "count.ngrams" in msg
    assert "count.min_df," not in msg  # valid keys are not reported as unknown
    assert "accepted:" in msg and "max_features" in msg


def test_get_class_unknown() -> None:
    with pytest.raises(ParamsError, match="'type' = 'nope'"):
        get_class("nope")
    assert get_class("tfidf") is TfidfRepresentation
    assert registry.get_class is get_class


def test_build_names_the_params_file_of_a_section() -> None:
    with pytest.raises(ParamsError, match=r"^other\.yaml: unknown key\(s\) count\.nope"):
        build("count", Section({"nope": 1}, "count", "other.yaml"))
    with pytest.raises(ParamsError, match=r"^other\.yaml: 'count\.min_df' = 0: "):
        build("count", Section({"min_df": 0}, "count", "other.yaml"))


@pytest.mark.parametrize(("params", "key"), [
    ({"type": "count", "min_df": 0}, "min_df"),
    ({"type": "count", "min_df": 1.5}, "min_df"),
    ({"type": "count", "max_df": "all"}, "max_df"),
    ({"type": "count", "ngram_max": 0}, "ngram_max"),
    ({"type": "count", "max_features": 0}, "max_features"),
    ({"type": "count", "binary": "yes"}, "binary"),
    ({"type": "tfidf", "sublinear_tf": 1}, "sublinear_tf"),
    ({"type": "tfidf", "lsa_components": 0}, "lsa_components"),
    ({"type": "tfidf", "seed": -1}, "seed"),
])
def test_build_checks_values_and_names_the_key(params: dict, key: str) -> None:
    with pytest.raises(ParamsError, match=re.escape(f"params.yaml: 'my_rep.{key}' = {params[key]!r}: ")):
        build("my_rep", params)


@pytest.mark.parametrize("params", [{"type": "tfidf", "min_df": -1}, {"type": "tfidf", "ngram_max": 0},
                                    {"type": "tfidf", "max_df": 0.0}, {"type": "count", "max_features": -5}])
def test_out_of_range_values_are_params_errors_before_any_fit(params: dict) -> None:
    key = next(k for k in params if k != "type")
    with pytest.raises(ParamsError, match=re.escape(f"'my_rep.{key}' = {params[key]!r}")), params_errors("my_rep"):
        build("my_rep", params).fit(["a fall on the ward"] * 3)


@pytest.mark.parametrize("rep_type", ["count", "tfidf"])
def test_a_min_df_above_the_corpus_is_a_params_error_not_a_library_one(rep_type: str) -> None:
    texts = ["a fall on the ward", "insulin dose omitted", "pressure ulcer on the heel"]
    with pytest.raises(ParamsError, match=r"'my_rep\.min_df' = 10: .*3 training texts.*lower min_df"), \
            params_errors("my_rep"):
        build("my_rep", {"type": rep_type, "min_df": 10}).fit(texts)


def test_register_twice_with_another_class_raises() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        register("count")(FakeDense)
    assert get_class("count") is CountRepresentation
    # Registering the same class again is harmless.
    assert register("count")(CountRepresentation) is CountRepresentation


def test_register_custom_type_builds_and_loads(tmp_path: Path) -> None:
    class Custom(FakeDense):
        pass

    try:
        register("unit_test_custom")(Custom)
        assert "unit_test_custom" in available()
        rep = build("my_custom", {"type": "unit_test_custom", "width": 2}).fit(TRAIN)
        assert isinstance(rep, Custom) and rep.width == 2
        rep.save(tmp_path / "m")
        back = load(tmp_path / "m")
        assert isinstance(back, Custom) and back.width == 2
        np.testing.assert_array_equal(back.transform(TEST), rep.transform(TEST))
    finally:
        registry._REGISTRY.pop("unit_test_custom", None)


# --- base helpers -------------------------------------------------------------------

@pytest.mark.parametrize("check", [Representation.check_texts, check_texts])
def test_check_texts(check) -> None:
    assert check(["a", None, float("nan"), "b"]) == ["a", "", "", "b"]
    assert check(("x",)) == ["x"]
    assert check(t for t in ["y", "z"]) == ["y", "z"]  # any iterable
    with pytest.raises(TypeError, match="single string"):
        check("just one text")
    with pytest.raises(TypeError, match="text 1 is int"):
        check(["ok", 3])


def test_to_float32() -> None:
    dense = np.arange(12, dtype=np.float64).reshape(3, 4).T  # Fortran-ordered view
    out = to_float32(dense)
    assert out.dtype == np.float32 and out.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(out, dense)
    s = to_float32(sp.coo_matrix(np.eye(3)))
    assert sp.issparse(s) and s.format == "csr" and s.dtype == np.float32


def test_get_params_matches_init_args() -> None:
    rep = TfidfRepresentation(min_df=1, lsa_components=4, seed=3)
    params = rep.get_params()
    assert params == {"min_df": 1, "max_df": 0.95, "ngram_max": 2, "max_features": None,
                      "sublinear_tf": True, "lsa_components": 4, "seed": 3}


# --- tokenisation ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("Seen in A&E", ["seen", "in", "a&e"]),
    ("NEWS2 was 7", ["news2", "was", "7"]),
    ("[PERSON] accepted the plan", ["[person]", "accepted", "the", "plan"]),
    ("accepted", ["accepted"]),
    ("a & e", ["a", "e"]),
    ("i/v abx, didn't", ["i/v", "abx", "didn't"]),
    ("[person][hospital]", ["[person]", "[hospital]"]),
    ("", []),
])
def test_tokenize(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_vectorizers_use_the_shared_tokenizer() -> None:
    rep = CountRepresentation(min_df=1, ngram_max=1).fit(TRAIN)
    expected = {tok for t in TRAIN for tok in tokenize(t)}
    assert set(rep.vectorizer_.vocabulary_) == expected
    assert {"a&e", "news2", "[person]", "accepted"} <= set(rep.vectorizer_.vocabulary_)
    assert isinstance(rep.vectorizer_.analyzer, WordNgrams)


@pytest.mark.parametrize("ngram_max", [1, 2, 3])
def test_word_ngrams_give_scikit_learns_token_pattern_features(ngram_max: int) -> None:
    """The faster analyzer is a drop-in for ``token_pattern=TOKEN_PATTERN, ngram_range=(1, n)``: same
    vocabulary, same matrix (texts with shorthand, placeholders, one-word and empty reports)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = TRAIN + TEST + random_texts(200, seed=ngram_max) + ["", "single", "A&E A&E a&e [PERSON]"]
    ref = TfidfVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=(1, ngram_max), min_df=1)
    ours = TfidfVectorizer(analyzer=WordNgrams(ngram_max), token_pattern=None, min_df=1)
    A, B = ref.fit_transform(texts), ours.fit_transform(texts)
    assert ref.vocabulary_ == ours.vocabulary_
    assert abs(A - B).max() == 0
    assert ref.build_analyzer()(texts[1]) == WordNgrams(ngram_max)(texts[1])


@pytest.mark.parametrize("params", [{"type": "count", "ngram_max": 2}, {"type": "tfidf"},
                                    {"type": "tfidf", "lsa_components": 3}])
def test_fit_transform_is_fit_then_transform(params: dict) -> None:
    """The represent stage takes the training matrix from ``fit_transform`` (one pass over the texts)."""
    texts = TRAIN + random_texts(60, seed=9)
    rep = build(params.pop("type"), {"min_df": 1, **params})
    A = rep.fit_transform(texts)
    B = rep.fit(texts).transform(texts)
    A, B = (A.toarray(), B.toarray()) if sp.issparse(A) else (A, B)
    assert A.dtype == B.dtype == np.float32
    np.testing.assert_allclose(A, B, atol=1e-6)


# --- count ----------------------------------------------------------------------

def test_count_fit_on_train_only_and_transform_shape() -> None:
    rep = CountRepresentation(min_df=1).fit(TRAIN)
    vocab = rep.vectorizer_.vocabulary_
    assert "zebra" not in vocab and "giraffe" not in vocab
    X = rep.transform(TEST)
    assert sp.issparse(X) and X.format == "csr"
    assert X.dtype == np.float32
    assert X.shape == (len(TEST), rep.dim) == (3, len(vocab))
    assert X[0].nnz == 0  # a text of unseen words is all zeros
    assert X[1, vocab["patient"]] == 1.0
    assert rep.sparse_output is True


def test_count_values_and_binary() -> None:
    texts = ["fall fall fall ward", "ward dose"]
    counts = CountRepresentation(min_df=1).fit(texts)
    X = counts.transform(["fall fall fall ward"]).toarray()[0]
    assert X[counts.vectorizer_.vocabulary_["fall"]] == 3.0
    binary = CountRepresentation(min_df=1, binary=True).fit(texts)
    Xb = binary.transform(["fall fall fall ward"]).toarray()[0]
    assert Xb[binary.vectorizer_.vocabulary_["fall"]] == 1.0
    assert set(np.unique(Xb)) <= {0.0, 1.0}


def test_count_min_df_and_ngrams() -> None:
    rep = CountRepresentation(min_df=2, ngram_max=2).fit(TRAIN)
    vocab = set(rep.vectorizer_.vocabulary_)
    assert "a&e" in vocab and "news2" in vocab  # appear twice
    assert "department" not in vocab  # appears once
    assert "not escalated" in vocab  # bigram seen twice


def test_transform_before_fit_raises() -> None:
    for rep in (CountRepresentation(), TfidfRepresentation(), FakeDense()):
        with pytest.raises(NotFittedError, match="not fitted"):
            rep.transform(["text"])
    assert issubclass(NotFittedError, ValueError)


def test_save_before_fit_raises(tmp_path: Path) -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        TfidfRepresentation().save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


# --- tfidf ------------------------------------------------------------------------

def test_tfidf_sparse_rows_unit_norm_and_train_only_vocabulary() -> None:
    rep = TfidfRepresentation(min_df=1).fit(TRAIN)
    assert rep.sparse_output is True
    assert "zebra" not in rep.vectorizer_.vocabulary_
    X = rep.transform(TEST)
    assert sp.issparse(X) and X.format == "csr" and X.dtype == np.float32
    assert X.shape == (3, rep.dim)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1))).ravel()
    np.testing.assert_allclose(norms, [0.0, 1.0, 1.0], atol=1e-6)


def test_tfidf_idf_learnt_from_train_only() -> None:
    rep = TfidfRepresentation(min_df=1, ngram_max=1).fit(TRAIN)
    before = rep.vectorizer_.idf_.copy()
    rep.transform(TEST + ["zebra zebra patient"] * 50)
    np.testing.assert_array_equal(rep.vectorizer_.idf_, before)
    other = TfidfRepresentation(min_df=1, ngram_max=1).fit(TRAIN + TEST)
    assert "zebra" in other.vectorizer_.vocabulary_  # sanity: the word would be learnt if seen in fit


@pytest.mark.parametrize("k", [3, 8])
def test_tfidf_lsa_dense_normalised_rows_of_requested_width(k: int) -> None:
    train, test = random_texts(40, seed=0), random_texts(9, seed=1)
    rep = build("tfidf_lsa", {"type": "tfidf", "lsa_components": k, "min_df": 1, "ngram_max": 1})
    rep.fit(train)
    assert rep.sparse_output is False
    for X, n in ((rep.transform(train), 40), (rep.transform(test), 9)):
        assert isinstance(X, np.ndarray)
        assert X.dtype == np.float32 and X.flags["C_CONTIGUOUS"]
        assert X.shape == (n, k)
        np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    assert rep.dim == k


def test_tfidf_lsa_seeded_is_deterministic() -> None:
    train = random_texts(30, seed=2)
    a = TfidfRepresentation(min_df=1, lsa_components=4, seed=5).fit(train).transform(train)
    b = TfidfRepresentation(min_df=1, lsa_components=4, seed=5).fit(train).transform(train)
    np.testing.assert_array_equal(a, b)


# --- persistence ----------------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"type": "count", "min_df": 1, "ngram_max": 2},
    {"type": "tfidf", "min_df": 1},
    {"type": "tfidf", "min_df": 1, "lsa_components": 4, "seed": 7},
])
def test_save_load_round_trip_identical(tmp_path: Path, params: dict) -> None:
    train, test = random_texts(30, seed=3), random_texts(7, seed=4) + TEST
    rep = build("rep", params).fit(train)
    rep.save(tmp_path / "model")
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["type"] == params["type"]
    assert config["params"] == rep.get_params()
    back = load(tmp_path / "model")
    assert type(back) is type(rep)
    assert back.get_params() == rep.get_params()
    a, b = rep.transform(test), back.transform(test)
    assert type(a) is type(b)
    if sp.issparse(a):
        assert (a != b).nnz == 0 and a.shape == b.shape
    else:
        np.testing.assert_array_equal(a, b)
    assert back.dim == rep.dim
    assert registry.load is load  # one loader for every saved representation


def test_save_replaces_existing_folder(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "stale.bin").write_bytes(b"x")
    CountRepresentation(min_df=1).fit(TRAIN).save(model)
    assert sorted(p.name for p in model.iterdir()) == ["config.json", "state.pkl"]


# --- encode_to_file --------------------------------------------------------------------

@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 11, 12, 100])
def test_encode_to_file_dense_independent_of_chunk_size(tmp_path: Path, chunk_size: int) -> None:
    texts = random_texts(11, seed=6, length=5) + [None]  # type: ignore[list-item]
    rep = FakeDense().fit(TRAIN)
    expected = rep.transform(texts).astype(np.float32)
    rep.calls.clear()
    path, n, dim = encode_to_file(rep, texts, tmp_path / "train", chunk_size=chunk_size)
    assert path == tmp_path / "train.npy"
    assert (n, dim) == (12, 3)
    assert rep.calls == [min(chunk_size, 12 - s) for s in range(0, 12, chunk_size)]
    out = load_matrix(tmp_path / "train")
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == (12, 3)
    np.testing.assert_array_equal(out, expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.npy"]  # no temp files left


@pytest.mark.parametrize("chunk_size", [1, 4, 7, 50])
def test_encode_to_file_sparse_independent_of_chunk_size(tmp_path: Path, chunk_size: int) -> None:
    texts = random_texts(17, seed=7) + TEST
    rep = TfidfRepresentation(min_df=1).fit(random_texts(25, seed=8))
    expected = rep.transform(texts)
    path, n, dim = encode_to_file(rep, texts, tmp_path / "test", chunk_size=chunk_size)
    assert path == tmp_path / "test.npz"
    assert (n, dim) == (20, rep.dim)
    out = load_matrix(tmp_path / "test")
    assert sp.issparse(out) and out.format == "csr" and out.dtype == np.float32
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.toarray(), expected.toarray())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.npz"]


def test_encode_to_file_dense_lsa_chunks_match_whole(tmp_path: Path) -> None:
    rep = TfidfRepresentation(min_df=1, lsa_components=4).fit(random_texts(30, seed=9))
    texts = random_texts(10, seed=10)
    encode_to_file(rep, texts, tmp_path / "a", chunk_size=3)
    encode_to_file(rep, texts, tmp_path / "b", chunk_size=1000)
    np.testing.assert_array_equal(load_matrix(tmp_path / "a"), load_matrix(tmp_path / "b"))
    np.testing.assert_allclose(load_matrix(tmp_path / "a"), rep.transform(texts), atol=1e-6)


def test_encode_to_file_empty_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no texts"):
        encode_to_file(FakeDense().fit(TRAIN), [], tmp_path / "x")
    assert list(tmp_path.iterdir()) == []


# --- fit_and_encode -------------------------------------------------------------------

COST_KEYS = {"fit_seconds", "transform_seconds", "transform_docs_per_second", "docs_per_second", "peak_rss_mb", "dim",
             "sparse", "model_bytes", "features_bytes", "n_train", "n_test"}


TRAIN_IDS = [f"tr{i}" for i in range(len(TRAIN))]
TEST_IDS = [f"te{i}" for i in range(len(TEST))]


def test_fit_and_encode_sparse(tmp_path: Path) -> None:
    rep = TfidfRepresentation(min_df=1)
    cost = fit_and_encode(rep, TRAIN, TEST, tmp_path / "models" / "tfidf", tmp_path / "features",
                          train_ids=TRAIN_IDS, test_ids=TEST_IDS, chunk_size=2)
    assert set(cost) == COST_KEYS
    assert cost["n_train"] == len(TRAIN) and cost["n_test"] == len(TEST)
    assert cost["dim"] == rep.dim and cost["sparse"] is True
    assert cost["model_bytes"] == dir_size(tmp_path / "models" / "tfidf") > 0
    assert cost["features_bytes"] == dir_size(tmp_path / "features") > 0
    assert cost["fit_seconds"] >= 0 and cost["transform_seconds"] >= 0
    assert cost["transform_docs_per_second"] > 0 and cost["peak_rss_mb"] > 0
    json.dumps(cost)  # plain Python values only
    X_train, X_test = load_matrix(tmp_path / "features" / "train"), load_matrix(tmp_path / "features" / "test")
    assert X_train.shape == (len(TRAIN), rep.dim) and X_test.shape == (len(TEST), rep.dim)
    assert X_test[0].nnz == 0  # test-only words are not in the train-fitted vocabulary
    loaded = load(tmp_path / "models" / "tfidf")
    np.testing.assert_array_equal(loaded.transform(TEST).toarray(), X_test.toarray())
    feats = read_features(tmp_path / "features")
    assert feats.train_ids.tolist() == TRAIN_IDS and feats.test_ids.tolist() == TEST_IDS
    assert feats.dim == rep.dim and (feats.test != X_test).nnz == 0


def test_fit_and_encode_dense(tmp_path: Path) -> None:
    rep = FakeDense(width=2)
    cost = fit_and_encode(rep, TRAIN, TEST, tmp_path / "m", tmp_path / "f", train_ids=TRAIN_IDS,
                          test_ids=TEST_IDS, chunk_size=4)
    assert set(cost) == COST_KEYS
    assert cost["sparse"] is False and cost["dim"] == 2
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == [IDS_FILE, "test.npy", "train.npy"]
    assert rep.scale_ == len(TRAIN)  # fitted on the training texts only
    assert rep.y_ is None
    np.testing.assert_array_equal(load_matrix(tmp_path / "f" / "test"),
                                  rep.transform(TEST).astype(np.float32))
    feats = read_features(tmp_path / "f")
    assert feats.train_ids.tolist() == TRAIN_IDS and feats.test_ids.tolist() == TEST_IDS
    np.testing.assert_array_equal(feats.train, load_matrix(tmp_path / "f" / "train"))


def test_fit_and_encode_passes_training_labels_to_fit(tmp_path: Path) -> None:
    rep = FakeDense()
    labels = ["a", "b"] * 3
    fit_and_encode(rep, TRAIN, TEST, tmp_path / "m", tmp_path / "f", train_ids=TRAIN_IDS, test_ids=TEST_IDS,
                   y_train=labels)
    assert rep.y_ == labels


@pytest.mark.parametrize(("train_ids", "test_ids"), [(TRAIN_IDS[:-1], TEST_IDS), (TRAIN_IDS, TEST_IDS + ["x"])])
def test_fit_and_encode_refuses_ids_that_do_not_match_the_texts(tmp_path: Path, train_ids: list[str],
                                                                  test_ids: list[str]) -> None:
    with pytest.raises(ValueError, match="ids"):
        fit_and_encode(FakeDense(), TRAIN, TEST, tmp_path / "m", tmp_path / "f", train_ids=train_ids,
                       test_ids=test_ids)
    assert not (tmp_path / "m").exists() and not (tmp_path / "f").exists()


def test_peak_rss_positive() -> None:
    assert peak_rss_mb() > 1
