"""Unit tests for incident_lm.evaluate: statistics, probe, clustering, retrieval and the runner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.metrics import f1_score
from sklearn.preprocessing import normalize

from incident_lm.core.artefacts import write_feature_ids
from incident_lm.core.errors import DataError
from incident_lm.core.io import save_matrix
from incident_lm.core.params import ParamsError, Section, read_section
from incident_lm.evaluate.cluster import cluster_scores, prepare_for_clustering
from incident_lm.evaluate.probe import check_target, classification_scores, floors, linear_probe, probe_sample
from incident_lm.evaluate.protocol import (
    ClusterConfig,
    EvalConfig,
    ProbeConfig,
    RetrievalConfig,
    chance_precision,
    evaluate_features,
    retrieval_queries,
)
from incident_lm.evaluate.retrieval import _dense_columns, cosine_neighbours, precision_at_k
from incident_lm.evaluate.stats import (
    bootstrap_ci,
    confusion,
    encode,
    macro_f1,
    mean_ci,
    paired_bootstrap,
)


def blobs(n_per: int, n_classes: int, dim: int, seed: int, noise: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Well-separated classes: each centred on its own axis (so they differ in direction)."""
    rng = np.random.default_rng(seed)
    centres = np.eye(dim)[:n_classes] * 5.0
    y = np.repeat(np.arange(n_classes), n_per)
    X = centres[y] + noise * rng.standard_normal((len(y), dim))
    perm = rng.permutation(len(y))
    return X[perm], np.array([f"c{i}" for i in y[perm]])


def noisy_copy(y: np.ndarray, classes: list[str], flip: float, rng: np.random.Generator) -> np.ndarray:
    out = y.copy()
    mask = rng.random(len(y)) < flip
    out[mask] = rng.choice(classes, size=mask.sum())
    return out


# --- stats --------------------------------------------------------------------------

def test_encode_joint_sorted_classes() -> None:
    (a, b), classes = encode(["b", "a"], ["c", "b", 1])
    assert classes == ["1", "a", "b", "c"]
    assert a.tolist() == [2, 1] and b.tolist() == [3, 2, 0]
    assert a.dtype == np.int64


def test_confusion_counts() -> None:
    cm = confusion(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 0]), 3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [1, 0, 0]])


@pytest.mark.parametrize("seed", range(8))
def test_macro_f1_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 80))
    y_true = rng.choice(["a", "b", "c", "d"], size=n, p=[0.5, 0.3, 0.15, 0.05])
    # Predictions miss some true classes and include one never in y_true.
    y_pred = rng.choice(["a", "b", "e"], size=n)
    (t, p), classes = encode(y_true, y_pred)
    expected = f1_score(y_true, y_pred, average="macro", zero_division=0)
    assert macro_f1(t, p, len(classes)) == pytest.approx(expected, abs=1e-12)


def test_macro_f1_perfect_and_extra_unused_classes() -> None:
    y = np.array([0, 1, 1, 2])
    assert macro_f1(y, y, 3) == 1.0
    # Classes that appear in neither array are ignored, as in scikit-learn.
    assert macro_f1(y, y, 10) == 1.0
    assert macro_f1(np.array([0, 0]), np.array([1, 1]), 2) == 0.0


def test_bootstrap_ci_contains_point_estimate_and_narrows() -> None:
    rng = np.random.default_rng(0)
    classes = ["a", "b", "c"]
    widths = []
    for n in (60, 3000):
        y_true = rng.choice(classes, size=n)
        y_pred = noisy_copy(y_true, classes, 0.4, rng)
        (t, p), cl = encode(y_true, y_pred)
        point = macro_f1(t, p, len(cl))
        lo, hi = bootstrap_ci(t, p, len(cl), n_boot=300, seed=1)
        assert lo <= point <= hi
        assert 0 <= lo < hi <= 1
        widths.append(hi - lo)
    assert widths[1] < widths[0] / 3


def test_bootstrap_ci_deterministic_by_seed() -> None:
    rng = np.random.default_rng(1)
    t, p = rng.integers(0, 3, 100), rng.integers(0, 3, 100)
    assert bootstrap_ci(t, p, 3, n_boot=100, seed=4) == bootstrap_ci(t, p, 3, n_boot=100, seed=4)
    assert bootstrap_ci(t, p, 3, n_boot=100, seed=4) != bootstrap_ci(t, p, 3, n_boot=100, seed=5)


def test_paired_bootstrap_identical_predictions() -> None:
    rng = np.random.default_rng(2)
    t, p = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    res = paired_bootstrap(t, p, p.copy(), 4, n_boot=200, seed=0)
    assert res == {"diff": 0.0, "ci_low": 0.0, "ci_high": 0.0, "p_value": 1.0}


def test_paired_bootstrap_clearly_better_predictor() -> None:
    rng = np.random.default_rng(3)
    classes = ["a", "b", "c"]
    y = rng.choice(classes, size=400)
    good, bad = noisy_copy(y, classes, 0.1, rng), noisy_copy(y, classes, 0.6, rng)
    (t, g, b), cl = encode(y, good, bad)
    res = paired_bootstrap(t, g, b, len(cl), n_boot=300, seed=0)
    expected = macro_f1(t, g, len(cl)) - macro_f1(t, b, len(cl))
    assert res["diff"] == pytest.approx(expected)
    assert res["diff"] > 0.3
    assert 0 < res["ci_low"] <= res["diff"] <= res["ci_high"]
    assert res["p_value"] < 0.01
    rev = paired_bootstrap(t, b, g, len(cl), n_boot=300, seed=0)
    assert rev["diff"] == pytest.approx(-res["diff"])
    assert rev["ci_high"] < 0


def test_paired_bootstrap_no_real_difference_has_large_p() -> None:
    rng = np.random.default_rng(4)
    classes = ["a", "b"]
    y = rng.choice(classes, size=300)
    a, b = noisy_copy(y, classes, 0.3, rng), noisy_copy(y, classes, 0.3, rng)
    (t, pa, pb), cl = encode(y, a, b)
    res = paired_bootstrap(t, pa, pb, len(cl), n_boot=300, seed=0)
    assert res["ci_low"] < 0 < res["ci_high"]
    assert res["p_value"] > 0.05


def test_mean_ci() -> None:
    rng = np.random.default_rng(5)
    v = rng.random(500)
    lo, hi = mean_ci(v, n_boot=300, seed=0)
    assert lo < v.mean() < hi
    assert hi - lo < 0.1
    assert mean_ci(np.full(20, 0.5), n_boot=50) == (0.5, 0.5)


def test_mean_ci_in_blocks_is_the_one_shot_bootstrap() -> None:
    """Resamples are drawn a block at a time (bounded memory on large test sets) from the same random stream."""
    v = np.random.default_rng(6).random(9000)  # 466 resamples per block: three blocks for 1000
    rng = np.random.default_rng(0)
    means = v[rng.integers(0, len(v), (1000, len(v)))].mean(axis=1)
    assert mean_ci(v, n_boot=1000, seed=0) == (float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975)))


# --- probe ---------------------------------------------------------------------------

def test_check_target_one_class_raises() -> None:
    with pytest.raises(ParamsError) as exc:
        check_target(np.array(["x", "x", "x"]), "harm", "test")
    msg = str(exc.value)
    assert "'harm'" in msg and "1 class(es) in the test split" in msg
    assert "evaluate.targets" in msg
    check_target(np.array(["x", "y"]), "harm", "train")  # two classes: fine


def test_floors_majority_value() -> None:
    y_train = np.array(["a"] * 7 + ["b"] * 3)
    y_test = np.array(["a"] * 6 + ["b"] * 4)
    f = floors(y_train, y_test, seed=0)
    # Majority predicts "a": F1(a) = 2*6/(6+10) = 0.75, F1(b) = 0.
    assert f["floor_majority_macro_f1"] == pytest.approx(0.375)
    assert 0 <= f["floor_stratified_macro_f1"] <= 1
    assert floors(y_train, y_test, seed=0) == f


@pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true")
def test_classification_scores_match_sklearn() -> None:
    rng = np.random.default_rng(6)
    y_true = rng.choice(["a", "b", "c"], size=150)
    y_pred = noisy_copy(y_true, ["a", "b", "c", "d"], 0.5, rng)
    s = classification_scores(y_true, y_pred, n_boot=100, seed=0)
    assert s["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro", zero_division=0))
    assert s["weighted_f1"] == pytest.approx(f1_score(y_true, y_pred, average="weighted", zero_division=0))
    lo, hi = s["macro_f1_ci"]
    assert lo <= s["macro_f1"] <= hi
    assert list(s["per_class_f1"]) == ["a", "b", "c"]  # classes of y_true only
    assert s["per_class_f1"]["a"] == pytest.approx(f1_score(y_true == "a", y_pred == "a"))


def test_probe_sample_is_everything_up_to_the_cap_then_a_stratified_seeded_sample() -> None:
    y = np.array(["a"] * 700 + ["b"] * 290 + ["rare"] * 10)
    np.testing.assert_array_equal(probe_sample(y, None), np.arange(1000))
    np.testing.assert_array_equal(probe_sample(y, 1000), np.arange(1000))
    idx = probe_sample(y, 100, seed=1)
    assert np.all(np.diff(idx) > 0) and 100 <= len(idx) <= 103
    kept = {c: int(np.sum(y[idx] == c)) for c in ("a", "b", "rare")}
    assert kept == {"a": 70, "b": 29, "rare": 1}  # each class its share, rounded up: none is lost
    np.testing.assert_array_equal(probe_sample(y, 100, seed=1), idx)  # seeded
    assert not np.array_equal(probe_sample(y, 100, seed=2), idx)


def test_linear_probe_fits_on_the_capped_sample_and_says_how_many() -> None:
    rng = np.random.default_rng(0)
    y_train = np.repeat(["x", "y", "z"], 200)
    centres = {"x": 0.0, "y": 3.0, "z": 6.0}
    X_train = np.array([rng.normal(centres[c], 1.0, 4) for c in y_train])
    y_test = np.repeat(["x", "y", "z"], 50)
    X_test = np.array([rng.normal(centres[c], 1.0, 4) for c in y_test])
    full = linear_probe(X_train, y_train, X_test, y_test, n_boot=50)
    capped = linear_probe(X_train, y_train, X_test, y_test, n_boot=50, max_train=90)
    assert full.metrics["n_fit"] == 600 and capped.metrics["n_fit"] == 90
    assert capped.metrics["macro_f1"] > 0.8  # still a probe of the same classes
    idx = probe_sample(y_train, 90)
    alone = linear_probe(X_train[idx], y_train[idx], X_test, y_test, n_boot=50)
    np.testing.assert_array_equal(capped.y_pred, alone.y_pred)  # fitted on exactly that sample
    assert capped.metrics["floor_majority_macro_f1"] == full.metrics["floor_majority_macro_f1"]  # all labels


@pytest.mark.parametrize("sparse", [False, True])
def test_linear_probe_separable_beats_floors(sparse: bool) -> None:
    X, y = blobs(40, 3, 8, seed=7)
    X = np.abs(X) if sparse else X
    X_train, X_test, y_train, y_test = X[:90], X[90:], y[:90], y[90:]
    if sparse:
        X_train, X_test = sp.csr_matrix(X_train), sp.csr_matrix(X_test)
    res = linear_probe(X_train, y_train, X_test, y_test, n_boot=100, seed=0)
    m = res.metrics
    assert res.y_pred.shape == (30,)
    assert set(res.y_pred) <= {"c0", "c1", "c2"}
    assert m["macro_f1"] > 0.9
    assert m["macro_f1_ci"][0] > m["floor_majority_macro_f1"]
    assert m["macro_f1"] > m["floor_stratified_macro_f1"] + 0.3
    assert {"weighted_f1", "balanced_accuracy", "per_class_f1", "floor_majority_macro_f1",
            "floor_stratified_macro_f1"} <= set(m)
    assert m["macro_f1"] == pytest.approx(f1_score(y_test, res.y_pred, average="macro"))


# --- clustering -------------------------------------------------------------------------

def test_prepare_for_clustering_dense_and_sparse() -> None:
    rng = np.random.default_rng(8)
    X = rng.standard_normal((30, 6))
    Z = prepare_for_clustering(X)
    assert Z.dtype == np.float32 and Z.shape == (30, 6)
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1.0, atol=1e-5)
    S = sp.random(30, 50, density=0.3, random_state=1, format="csr")
    Zs = prepare_for_clustering(S, lsa_components=10)
    assert isinstance(Zs, np.ndarray) and Zs.shape == (30, 10) and Zs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(Zs, axis=1), 1.0, atol=1e-5)
    assert prepare_for_clustering(S, lsa_components=100).shape == (30, 29)  # capped by n - 1


def test_cluster_scores_well_separated_blobs() -> None:
    X, y = blobs(40, 4, 10, seed=9)
    res = cluster_scores(X, {"category": y}, seeds=(0, 1), silhouette_sample=100)
    r = res["category"]
    assert r["k"] == 4
    assert r["v_measure_mean"] > 0.95
    assert r["ari_mean"] > 0.9 and r["nmi_mean"] > 0.95
    assert r["silhouette_cosine_mean"] > 0.5
    assert res["n_seeds"] == 2
    for key in ("v_measure", "nmi", "ari", "homogeneity", "completeness", "silhouette_cosine"):
        assert f"{key}_mean" in r and f"{key}_std" in r


def test_cluster_scores_noise_near_zero() -> None:
    rng = np.random.default_rng(10)
    X = rng.standard_normal((200, 10))
    y = rng.choice(["a", "b", "c"], size=200)
    r = cluster_scores(X, {"t": y}, seeds=(0, 1))["t"]
    assert r["k"] == 3
    assert r["v_measure_mean"] < 0.1
    assert abs(r["ari_mean"]) < 0.05


def test_cluster_scores_sparse_input_via_lsa() -> None:
    # Each class uses its own block of 15 columns: sparse, non-negative, well separated.
    rng = np.random.default_rng(11)
    n_per, k, block = 30, 3, 15
    y = np.repeat(np.arange(k), n_per)
    dense = np.zeros((len(y), k * block))
    for i, c in enumerate(y):
        cols = rng.choice(block, size=5, replace=False) + c * block
        dense[i, cols] = rng.random(5) + 0.5
    X = sp.csr_matrix(dense)
    labels = {"category": y.astype(str), "half": (np.arange(len(y)) % 2).astype(str)}
    res = cluster_scores(X, labels, seeds=(0, 1), lsa_components=10, extra_k=(5,))
    assert res["category"]["v_measure_mean"] > 0.9
    assert res["half"]["k"] == 2 and res["half"]["v_measure_mean"] < 0.2
    assert res["category"]["k5"]["k"] == 5
    assert res["category"]["k5"]["homogeneity_mean"] > 0.9  # splitting clusters keeps them pure


def test_cluster_scores_deterministic_for_seeds() -> None:
    X, y = blobs(25, 3, 6, seed=12, noise=2.0)  # overlapping: results depend on the seeds
    a = cluster_scores(X, {"t": y}, seeds=(0, 1, 2), silhouette_sample=50, seed=3)
    b = cluster_scores(X, {"t": y}, seeds=(0, 1, 2), silhouette_sample=50, seed=3)
    assert a == b
    one = cluster_scores(X, {"t": y}, seeds=(4,))
    assert one["t"]["v_measure_std"] == 0.0 and one["n_seeds"] == 1


# --- retrieval -----------------------------------------------------------------------

def brute_force_precision(Q: np.ndarray, yq: np.ndarray, C: np.ndarray, yc: np.ndarray, k: int) -> np.ndarray:
    Qn = Q / np.linalg.norm(Q, axis=1, keepdims=True)
    Cn = C / np.linalg.norm(C, axis=1, keepdims=True)
    S = Qn @ Cn.T
    out = np.empty(len(Q))
    for i in range(len(Q)):
        nn = np.argsort(-S[i], kind="stable")[:k]
        out[i] = np.mean(yc[nn] == yq[i])
    return out


@pytest.mark.parametrize("k", [1, 5, 17])
def test_precision_at_k_matches_brute_force_dense(k: int) -> None:
    rng = np.random.default_rng(13)
    Q, C = rng.standard_normal((23, 8)), rng.standard_normal((40, 8))
    yq, yc = rng.choice(["a", "b", "c"], size=23), rng.choice(["a", "b", "c"], size=40)
    got = precision_at_k(Q, yq, C, yc, k=k)
    assert got.shape == (23,)
    np.testing.assert_allclose(got, brute_force_precision(Q, yq, C, yc, k))


def test_precision_at_k_matches_brute_force_sparse() -> None:
    rng = np.random.default_rng(14)
    Q = np.maximum(rng.standard_normal((30, 25)), 0)
    C = np.maximum(rng.standard_normal((50, 25)), 0)
    yq, yc = rng.choice(["a", "b"], size=30), rng.choice(["a", "b"], size=50)
    expected = brute_force_precision(Q, yq, C, yc, 7)
    np.testing.assert_allclose(precision_at_k(sp.csr_matrix(Q), yq, sp.csr_matrix(C), yc, k=7), expected)
    np.testing.assert_allclose(precision_at_k(sp.csr_matrix(Q), yq, C, yc, k=7), expected)


def test_cosine_neighbours_order_chunks_and_k_cap() -> None:
    rng = np.random.default_rng(15)
    Q, C = rng.standard_normal((10, 5)), rng.standard_normal((12, 5))
    whole = np.vstack(list(cosine_neighbours(Q, C, k=4)))
    chunked_parts = list(cosine_neighbours(Q, C, k=4, chunk=3))
    assert [p.shape for p in chunked_parts] == [(3, 4), (3, 4), (3, 4), (1, 4)]
    np.testing.assert_array_equal(np.vstack(chunked_parts), whole)
    S = (Q / np.linalg.norm(Q, axis=1, keepdims=True)) @ (C / np.linalg.norm(C, axis=1, keepdims=True)).T
    np.testing.assert_array_equal(whole, np.argsort(-S, axis=1)[:, :4])
    capped = np.vstack(list(cosine_neighbours(Q, C, k=50)))
    assert capped.shape == (10, 12)
    np.testing.assert_array_equal(np.sort(capped, axis=1), np.tile(np.arange(12), (10, 1)))


def test_cosine_neighbours_sparse_with_a_dense_block_matches_dense() -> None:
    # the fusion's layout: sparse term columns beside a block of columns every row fills
    rng = np.random.default_rng(17)
    terms = sp.random(60, 40, density=0.1, random_state=3, format="csr")
    X = sp.hstack([terms, sp.csr_matrix(rng.standard_normal((60, 6)))], format="csr")
    np.testing.assert_array_equal(_dense_columns(X), np.arange(40, 46))
    assert _dense_columns(terms) is None
    S = (normalize(X) @ normalize(X[:25]).T).toarray()
    got = np.vstack(list(cosine_neighbours(X, X[:25], k=5, chunk=7)))
    # the same neighbours as the dense computation (similarities equal to float rounding)
    np.testing.assert_allclose(np.take_along_axis(S, got, axis=1), -np.sort(-S, axis=1)[:, :5], atol=1e-12)


@pytest.mark.parametrize("n_corpus", [3000, 6000])  # NumPy's selection below 4,096 columns, torch's above
def test_cosine_neighbours_break_ties_at_the_kth_place_by_index(n_corpus: int) -> None:
    # duplicate reports: half the corpus is one vector, tied for places 2 to 4 behind the exact match
    rng = np.random.default_rng(0)
    C = np.tile([[0.0, 1.0]], (n_corpus, 1))
    C[0] = [1.0, 0.0]
    tied = np.sort(rng.choice(np.arange(1, n_corpus), n_corpus // 2, replace=False))
    C[tied] = [0.5, 0.5]
    got = np.vstack(list(cosine_neighbours(np.array([[1.0, 0.0]]), C, k=4)))
    np.testing.assert_array_equal(got, [[0, *tied[:3]]])


def test_precision_at_k_query_in_corpus_finds_itself() -> None:
    rng = np.random.default_rng(16)
    X = rng.standard_normal((20, 6))
    y = np.array([f"l{i}" for i in range(20)])  # every label unique
    np.testing.assert_array_equal(precision_at_k(X, y, X, y, k=1), np.ones(20))
    np.testing.assert_allclose(precision_at_k(X, y, X, y, k=4), np.full(20, 0.25))


# --- run ---------------------------------------------------------------------------------

def test_eval_config_from_section_defaults_and_values() -> None:
    cfg = read_section(EvalConfig, Section({"targets": ["category"]}, "evaluate"))
    assert cfg == EvalConfig(targets=("category",))
    cfg = read_section(EvalConfig, Section({
        "targets": ["category", "harm"], "seed": 3, "n_boot": 50,
        "probe": {"C": 2, "max_iter": 100, "max_train": 5000},
        "cluster": {"seeds": 2, "extra_k": [4, 8], "lsa_components": 20, "silhouette_sample": 300},
        "retrieval": {"k": 5, "max_queries": None},
    }, "evaluate"))
    assert cfg == EvalConfig(targets=("category", "harm"), seed=3, n_boot=50,
                             probe=ProbeConfig(C=2.0, max_iter=100, max_train=5000),
                             cluster=ClusterConfig(seeds=2, extra_k=(4, 8), lsa_components=20, silhouette_sample=300),
                             retrieval=RetrievalConfig(k=5, max_queries=None))


@pytest.mark.parametrize(("data", "key"), [
    ({}, "evaluate.targets"),
    ({"targets": []}, "evaluate.targets"),
    ({"targets": ["c"], "n_boot": 5}, "evaluate.n_boot"),
    ({"targets": ["c"], "retrieval": {"k": 0}}, "evaluate.retrieval.k"),
    ({"targets": ["c"], "retrieval": {"max_queries": 2}}, "evaluate.retrieval.max_queries"),
    ({"targets": ["c"], "cluster": {"seeds": "many"}}, "evaluate.cluster.seeds"),
    ({"targets": ["c"], "probe": {"C": 0}}, "evaluate.probe.C"),
    ({"targets": ["c"], "probe": {"CC": 1}}, "evaluate.probe.CC"),
    ({"targets": ["c"], "probe": {"max_train": 10}}, "evaluate.probe.max_train"),
    ({"targets": ["c"], "cluster": {"extra_k": [1]}}, "evaluate.cluster.extra_k.0"),
    ({"targets": "category"}, "evaluate.targets"),
])
def test_eval_config_errors_name_key(data: dict, key: str) -> None:
    with pytest.raises(ParamsError, match=f"'{key}'"):
        read_section(EvalConfig, Section(data, "evaluate"))


def test_chance_precision() -> None:
    q = np.array(["a", "a", "b", "c"])
    c = np.array(["a", "b", "b", "b"])
    # p_q(a)=.5, p_q(b)=.25, p_q(c)=.25; p_c(a)=.25, p_c(b)=.75
    assert chance_precision(q, c) == pytest.approx(0.5 * 0.25 + 0.25 * 0.75)


def small_config(targets: tuple[str, ...] = ("category",), **kwargs: object) -> EvalConfig:
    return EvalConfig(targets=targets, n_boot=20, **kwargs)


def save_features(directory: Path, df: pd.DataFrame, X_train: object, X_test: object) -> None:
    """A feature folder: the matrices and the report ids of their rows (the represent stage's layout)."""
    save_matrix(directory / "train", X_train)
    save_matrix(directory / "test", X_test)
    write_feature_ids(directory, df.loc[df["split"] == "train", "id"], df.loc[df["split"] == "test", "id"])


def make_split(seed: int, n_train: int = 60, n_test: int = 30) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X, y = blobs((n_train + n_test) // 3, 3, 8, seed=seed)
    is_test = np.zeros(len(y), dtype=bool)
    is_test[rng.choice(len(y), n_test, replace=False)] = True
    df = pd.DataFrame({
        "id": [f"r{i}" for i in range(len(y))],
        "text": ["t"] * len(y),
        "category": y,
        "harm": rng.choice(["low", "high"], size=len(y)),
        "split": np.where(is_test, "test", "train"),
    })
    return df, X[~is_test], X[is_test]


@pytest.mark.parametrize("sparse", [False, True])
def test_evaluate_features_end_to_end(tmp_path: Path, sparse: bool) -> None:
    df, X_train, X_test = make_split(17)
    if sparse:
        X_train, X_test = sp.csr_matrix(np.abs(X_train)), sp.csr_matrix(np.abs(X_test))
    else:
        X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)
    save_features(tmp_path, df, X_train, X_test)
    cfg = EvalConfig(targets=("category", "harm"), n_boot=50,
                     cluster=ClusterConfig(seeds=2, lsa_components=5, silhouette_sample=40, extra_k=(6,)),
                     retrieval=RetrievalConfig(k=5))
    timings: dict[str, float] = {}
    metrics, preds = evaluate_features(tmp_path, df, cfg, timings)

    assert (metrics["n_train"], metrics["n_test"], metrics["dim"]) == (60, 30, 8)
    assert set(timings) == {"load_s", "probe_s", "retrieval_s", "cluster_s"}  # the cost record's parts
    assert all(v >= 0 for v in timings.values()) and not any(k.endswith("_s") for k in metrics)
    cat = metrics["probe"]["category"]
    assert cat["macro_f1"] > 0.9 and cat["macro_f1"] > cat["floor_majority_macro_f1"]
    lo, hi = cat["macro_f1_ci"]
    assert lo <= cat["macro_f1"] <= hi
    ret = metrics["retrieval"]["category"]
    assert set(ret) == {"k", "precision_at_k", "precision_at_k_ci", "n_queries", "chance"}  # no param in a key
    assert ret["k"] == 5 and ret["precision_at_k"] > 0.9 > ret["chance"] and ret["n_queries"] == 30
    assert metrics["cluster"]["category"]["v_measure_mean"] > 0.8
    assert metrics["cluster"]["category"]["k6"]["k"] == 6
    assert metrics["cluster"]["harm"]["k"] == 2
    assert metrics["cluster"]["n_seeds"] == 2

    test_rows = df[df["split"] == "test"]
    assert list(preds.columns) == ["target", "id", "y_true", "y_pred"]
    assert len(preds) == 2 * 30
    for target in ("category", "harm"):
        part = preds[preds["target"] == target]
        assert part["id"].tolist() == test_rows["id"].tolist()
        assert part["y_true"].tolist() == test_rows[target].astype(str).tolist()
    cat_pred = preds[preds["target"] == "category"]
    assert cat["macro_f1"] == pytest.approx(f1_score(cat_pred["y_true"], cat_pred["y_pred"], average="macro"))


def test_retrieval_queries_are_all_or_one_seeded_sample() -> None:
    assert retrieval_queries(30, None).tolist() == list(range(30))
    assert retrieval_queries(30, 30).tolist() == list(range(30))
    q = retrieval_queries(1000, 100, seed=3)
    assert len(q) == len(set(q.tolist())) == 100 and (np.diff(q) > 0).all() and q.max() < 1000
    assert q.tolist() == retrieval_queries(1000, 100, seed=3).tolist()
    assert q.tolist() != retrieval_queries(1000, 100, seed=4).tolist()


def test_evaluate_features_caps_the_retrieval_queries(tmp_path: Path) -> None:
    """Above evaluate.retrieval.max_queries the precision comes from that many test reports, not all."""
    df, X_train, X_test = make_split(19)
    save_features(tmp_path, df, X_train.astype(np.float32), X_test.astype(np.float32))
    base = dict(targets=("category",), n_boot=50, cluster=ClusterConfig(seeds=1, lsa_components=5,
                                                                         silhouette_sample=40))
    full, _ = evaluate_features(tmp_path, df, EvalConfig(**base, retrieval=RetrievalConfig(k=5)))
    capped, _ = evaluate_features(tmp_path, df, EvalConfig(**base, retrieval=RetrievalConfig(k=5, max_queries=12)))
    assert full["retrieval"]["category"]["n_queries"] == 30
    assert capped["retrieval"]["category"]["n_queries"] == 12
    queries = retrieval_queries(30, 12)
    test_y = df[df["split"] == "test"]["category"].astype(str).to_numpy()
    train_y = df[df["split"] == "train"]["category"].astype(str).to_numpy()
    expected = precision_at_k(X_test[queries], test_y[queries], X_train, train_y, k=5).mean()
    assert capped["retrieval"]["category"]["precision_at_k"] == pytest.approx(expected)
    assert capped["probe"] == full["probe"]  # only retrieval is sampled


def test_evaluate_features_missing_target_names_key(tmp_path: Path) -> None:
    df, X_train, X_test = make_split(18)
    save_features(tmp_path, df, X_train, X_test)
    with pytest.raises(ParamsError) as exc:
        evaluate_features(tmp_path, df, small_config(("category", "specialty")))
    msg = str(exc.value)
    assert "'evaluate.targets'" in msg and "specialty" in msg
    assert "harm" in msg  # lists the label columns that do exist


def test_evaluate_features_single_class_target_raises(tmp_path: Path) -> None:
    df, X_train, X_test = make_split(19)
    df["harm"] = "low"
    save_features(tmp_path, df, X_train, X_test)
    with pytest.raises(ParamsError, match="'harm' has 1 class"):
        evaluate_features(tmp_path, df, small_config(("harm",)))


def test_evaluate_features_row_mismatch(tmp_path: Path) -> None:
    df, X_train, X_test = make_split(20)
    save_features(tmp_path, df, X_train, X_test)
    save_matrix(tmp_path / "train", X_train[:-1])
    with pytest.raises(DataError, match="rerun its represent stage"):
        evaluate_features(tmp_path, df, small_config())


def test_evaluate_features_checks_ids_not_only_counts(tmp_path: Path) -> None:
    """Same row counts, other reports (a split with another seed): an error, not a silently shifted score."""
    df, X_train, X_test = make_split(22)
    save_features(tmp_path, df, X_train, X_test)
    other = df.copy()
    other["split"] = other["split"].sample(frac=1.0, random_state=1).to_numpy()  # same sizes, other reports
    with pytest.raises(DataError, match="report ids differ from the split's"):
        evaluate_features(tmp_path, other, small_config())
    reordered = df.iloc[::-1].reset_index(drop=True)  # same reports, other row order
    with pytest.raises(DataError, match="report ids differ"):
        evaluate_features(tmp_path, reordered, small_config())


def test_evaluate_features_missing_files(tmp_path: Path) -> None:
    df, X_train, X_test = make_split(21)
    with pytest.raises(DataError, match="no ids.parquet"):
        evaluate_features(tmp_path, df, small_config())
    save_features(tmp_path, df, X_train, X_test)
    (tmp_path / "test.npy").unlink()
    with pytest.raises(FileNotFoundError):
        evaluate_features(tmp_path, df, small_config())
