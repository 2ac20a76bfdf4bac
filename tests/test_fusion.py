"""The sparse + dense fusion representation: its scaling (fused cosine = weighted mean of the parts'
cosines), its output type, save/load symmetry and its errors, which name the nested params key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from incident_lm.core.errors import ParamsError
from incident_lm.represent import InvalidParameterError, build, load
from incident_lm.represent.fusion import FusionRepresentation
from incident_lm.synthetic import SyntheticConfig, generate_corpus

TFIDF = {"type": "tfidf", "min_df": 2}
LSA = {"type": "tfidf", "min_df": 2, "lsa_components": 12}


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return generate_corpus(SyntheticConfig(n_reports=400)).reports["IN07"].fillna("").tolist()


def cosines(X) -> np.ndarray:
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    X = normalize(X)
    return X @ X.T


def test_fused_cosine_is_the_weighted_mean_of_the_parts_cosines(texts: list[str]) -> None:
    weights = {"words": 0.8, "topics": 0.2}
    rep = FusionRepresentation(parts={"words": TFIDF, "topics": LSA}, weights=weights).fit(texts[:200])
    X = rep.transform(texts[200:300])
    assert sp.isspmatrix_csr(X) and X.dtype == np.float32 and rep.sparse_output
    assert X.shape == (100, rep.dim) and rep.dim == rep.parts_["words"].dim + 12
    np.testing.assert_allclose(sp.linalg.norm(X, axis=1), 1.0, rtol=1e-5)
    # the same parts fitted alone, the dense one centred on its training mean
    words = build("w", TFIDF).fit(texts[:200])
    topics = build("t", LSA).fit(texts[:200])
    mean = topics.transform(texts[:200]).astype(np.float64).mean(axis=0)
    expected = 0.8 * cosines(words.transform(texts[200:300])) + 0.2 * cosines(topics.transform(texts[200:300]) - mean)
    got = X.toarray().astype(np.float64) @ X.toarray().T.astype(np.float64)
    np.testing.assert_allclose(got, expected, atol=2e-5)


def test_weights_are_shares_and_null_means_equal(texts: list[str]) -> None:
    a = FusionRepresentation(parts={"x": TFIDF, "y": LSA}, weights={"x": 3, "y": 1}).fit(texts[:200])
    assert a.scales_ == pytest.approx({"x": np.sqrt(0.75), "y": np.sqrt(0.25)})
    b = FusionRepresentation(parts={"x": TFIDF, "y": LSA}).fit(texts[:200])
    assert b.scales_ == pytest.approx({"x": np.sqrt(0.5), "y": np.sqrt(0.5)})
    # a zero weight leaves that block at zero: retrieval and clustering see only the other part
    c = FusionRepresentation(parts={"x": TFIDF, "y": LSA}, weights={"x": 1, "y": 0}).fit(texts[:200])
    assert abs(c.transform(texts[:20])[:, c.parts_["x"].dim:]).sum() == 0


def test_all_dense_parts_give_a_dense_array(texts: list[str]) -> None:
    rep = FusionRepresentation(parts={"a": LSA, "b": {**LSA, "lsa_components": 5}}, center=False)
    X = rep.fit_transform(texts[:200])
    assert isinstance(X, np.ndarray) and X.dtype == np.float32 and X.shape == (200, 17)
    assert not rep.sparse_output and rep.means_ == {}
    np.testing.assert_allclose(rep.transform(texts[:200]), X, atol=1e-6)


def test_save_and_load_round_trip(tmp_path: Path, texts: list[str]) -> None:
    rep = FusionRepresentation(parts={"words": TFIDF, "topics": LSA}, weights={"words": 0.9, "topics": 0.1})
    rep.fit(texts[:200])
    rep.save(tmp_path / "m")
    assert (tmp_path / "m" / "parts" / "words" / "config.json").is_file()
    back = load(tmp_path / "m")
    assert isinstance(back, FusionRepresentation) and back.get_params() == rep.get_params()
    a, b = rep.transform(texts[200:300]), back.transform(texts[200:300])
    np.testing.assert_array_equal(a.toarray(), b.toarray())


@pytest.mark.parametrize(("params", "param"), [
    ({"parts": {"only": TFIDF}}, "parts"),
    ({"parts": {"a": TFIDF, "b": "tfidf"}}, "parts.b"),
    ({"parts": {"a": TFIDF, "b": {"type": "fusion"}}}, "parts.b.type"),
    ({"parts": {"a": TFIDF, "b": {"type": "no_such_type"}}}, "parts.b.type"),
    ({"parts": {"a": TFIDF, "b": {**LSA, "colour": 1}}}, "parts.b.colour"),
    ({"parts": {"a": TFIDF, "b": {**LSA, "lsa_components": 0}}}, "parts.b.lsa_components"),
    ({"parts": {"a": TFIDF, "b": LSA}, "weights": {"a": 1}}, "weights"),
    ({"parts": {"a": TFIDF, "b": LSA}, "weights": {"a": 1, "b": -1}}, "weights.b"),
    ({"parts": {"a": TFIDF, "b": LSA}, "weights": {"a": 0, "b": 0}}, "weights"),
    ({"parts": {"a": TFIDF, "b": LSA}, "center": "yes"}, "center"),
])
def test_bad_params_name_the_nested_key(params: dict, param: str) -> None:
    with pytest.raises(InvalidParameterError) as exc:
        FusionRepresentation(**params).check_params()
    assert exc.value.param == param
    with pytest.raises(ParamsError, match=rf"'fusion\.{param}' = "):
        build("fusion", {"type": "fusion", **params})


def test_a_parts_fit_time_error_names_the_part(texts: list[str]) -> None:
    rep = FusionRepresentation(parts={"a": TFIDF, "b": {**TFIDF, "min_df": 10_000}})
    with pytest.raises(InvalidParameterError) as exc:
        rep.fit(texts[:50])
    assert exc.value.param == "parts.b.min_df"


def test_fitted_on_training_texts_only(texts: list[str]) -> None:
    rep = FusionRepresentation(parts={"w": {"type": "tfidf", "min_df": 1}, "t": LSA}).fit(texts[:150])
    vocab = set(rep.parts_["w"].vectorizer_.vocabulary_)
    alone = set(build("w", {"type": "tfidf", "min_df": 1}).fit(texts[:150]).vectorizer_.vocabulary_)
    assert vocab == alone
