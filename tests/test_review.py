"""The review layer's parts on data whose answer is known: themes, c-TF-IDF, the prospective emerging-theme
back-test, the novelty queue, re-report pairs and the representation criterion."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from incident_lm.core.errors import DataError
from incident_lm.review.duplicates import DuplicateConfig, find_duplicates, score_duplicates
from incident_lm.review.emerging import EmergingConfig, month_index, prospective_signals, score_emerging
from incident_lm.review.queue import harm_severity, novelty_scores, queue_order, rare_term_scores, score_queue
from incident_lm.review.select import SelectConfig, choose_representation
from incident_lm.review.surveillance import FarringtonConfig
from incident_lm.review.themes import (
    UNASSIGNED,
    ThemeConfig,
    class_tfidf,
    default_n_themes,
    excerpt,
    fit_themes,
    renumber,
    top_terms,
)


def blobs(n_per: int, k: int, dim: int = 16, spread: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = normalize(rng.normal(size=(k, dim)))
    y = np.repeat(np.arange(k), n_per)
    Z = normalize(centres[y] + spread * rng.normal(size=(len(y), dim)))
    return Z.astype(np.float32), y


# --------------------------------------------------------------------------- themes


def test_themes_recover_clear_clusters_and_leave_outliers_unassigned() -> None:
    Z, y = blobs(60, 6)
    rng = np.random.default_rng(1)
    odd = normalize(rng.normal(size=(6, Z.shape[1]))).astype(np.float32)   # far from every blob
    Z = np.vstack([Z, odd])
    fit = fit_themes(Z, ThemeConfig(outlier_quantile=0.02, min_size=5), n_themes=6)
    from sklearn.metrics import adjusted_rand_score
    assert adjusted_rand_score(y, fit.labels[:len(y)]) > 0.95
    assert (fit.labels[len(y):] == UNASSIGNED).mean() >= 0.5
    assert fit.n_themes == 6


def test_small_clusters_are_dissolved_into_unassigned() -> None:
    Z, _ = blobs(50, 3)
    fit = fit_themes(Z, ThemeConfig(outlier_quantile=0.0, min_size=40), n_themes=5)
    sizes = np.bincount(fit.raw_labels, minlength=5)
    assert (sizes < 40).any()                         # five centres for three blobs: some are slivers ...
    assert fit.kept.tolist() == (sizes >= 40).tolist()   # ... which are no theme
    small = np.isin(fit.raw_labels, np.flatnonzero(sizes < 40))
    assert (fit.labels[small] == UNASSIGNED).all() and (fit.labels[~small] == fit.raw_labels[~small]).all()


def test_renumber_orders_by_size_and_keeps_unassigned() -> None:
    labels, mapping = renumber(np.array([7, 7, 3, -1, 3, 3, 9]))
    assert labels.tolist() == [1, 1, 0, -1, 0, 0, 2] and mapping == {3: 0, 7: 1, 9: 2}


def test_default_theme_count_grows_with_the_corpus() -> None:
    assert default_n_themes(20_000) == 100
    assert default_n_themes(1_000_000) == 500
    assert default_n_themes(200) == 10 and default_n_themes(30) == 6
    assert default_n_themes(2000) < default_n_themes(8000) < default_n_themes(50_000)


def test_class_tfidf_is_bertopics_formula() -> None:
    # two classes; term 0 everywhere, term 1 only in class 0, term 2 only in class 1
    counts = sp.csr_matrix(np.array([[2, 3, 0], [1, 1, 0], [2, 0, 4], [0, 0, 1]], dtype=float))
    labels = np.array([0, 0, 1, -1])
    W = class_tfidf(counts, labels, 2)
    tf = np.array([[3, 4, 0], [2, 0, 4]], dtype=float)
    A = tf.sum() / 2
    want = tf / tf.sum(axis=1, keepdims=True) * np.log1p(A / tf.sum(axis=0))
    assert sp.issparse(W)
    np.testing.assert_allclose(W.toarray(), want)
    assert top_terms(W, ["ward", "insulin", "fall"], 2) == [["insulin", "ward"], ["fall", "ward"]]


def test_class_tfidf_sparse_is_the_dense_formula_bit_for_bit_and_ranks_terms_alike() -> None:
    rng = np.random.default_rng(3)
    dense_counts = rng.integers(1, 4, (400, 60)) * (rng.random((400, 60)) < 0.08)
    dense_counts[:, 7] = dense_counts[:, 8]  # equal weights: ties go to the earlier term either way
    counts = sp.csr_matrix(dense_counts)
    labels = rng.integers(-1, 12, 400)
    labels[labels == 5] = -1  # a class with no reports
    W = class_tfidf(counts, labels, 12)
    keep = labels >= 0
    tf = np.zeros((12, 60))
    np.add.at(tf, labels[keep], counts[keep].toarray())
    dense = tf / np.maximum(tf.sum(axis=1, keepdims=True), 1e-12) * np.log1p(
        (tf.sum() / 12) / np.maximum(tf.sum(axis=0), 1e-12))
    assert np.array_equal(W.toarray(), dense)
    vocab = [f"t{i}" for i in range(60)]
    assert top_terms(W, vocab, 6) == top_terms(dense, vocab, 6)
    assert top_terms(W, vocab, 6)[5] == []


def test_top_terms_do_not_repeat_a_phrase_and_its_words() -> None:
    W = np.array([[0.9, 0.8, 0.7, 0.1]])
    assert top_terms(W, ["pump", "infusion pump", "infusion", "alarm"], 3) == [["infusion pump", "alarm"]]


def test_excerpt_cuts_at_a_word() -> None:
    assert excerpt("one  two\nthree", 100) == "one two three"
    assert excerpt("alpha beta gamma delta", 12) == "alpha beta ..."


# --------------------------------------------------------------------------- emerging, prospectively


def _corpus_with_emerging(onset: int | None, n_months: int = 60, per_month: int = 80, seed: int = 0):
    """Reports in 8 steady themes; from ``onset`` a new theme grows 2, 3, 4, ... reports a month."""
    rng = np.random.default_rng(seed)
    dim = 16
    centres = normalize(rng.normal(size=(9, dim)))
    rows, month, planted = [], [], []
    for m in range(n_months):
        k = rng.poisson(per_month)
        y = rng.integers(0, 8, size=k)
        rows.append(centres[y] + 0.15 * rng.normal(size=(k, dim)))
        month += [m] * k
        planted += [False] * k
        if onset is not None and m >= onset:
            e = 2 + (m - onset)
            rows.append(centres[8] + 0.15 * rng.normal(size=(e, dim)))
            month += [m] * e
            planted += [True] * e
    Z = normalize(np.vstack(rows)).astype(np.float32)
    month = np.array(month)
    months = [str(p) for p in pd.period_range("2019-01", periods=n_months, freq="M")]
    ids = np.array([f"R{i}" for i in range(len(Z))])
    return Z, month, months, ids, np.array(planted)


#: The Farrington settings the emerging-theme tests run under: R's improved method with three years, and the
#: review's shipped settings (params.yaml: no trend, a 3-month window).
FARRINGTON = {"r_method": {}, "shipped": {"trend": False, "window": 3}}


def _signals(Z, month, months, ids, tested=None, n_init=1, farrington=None, **emerging):
    themes = ThemeConfig(outlier_quantile=0.0, n_init=n_init)
    cfg = EmergingConfig(farrington=FarringtonConfig(b=3, population_offset=True, **(farrington or {})), **emerging)
    final = fit_themes(Z, themes, seed=0).labels
    return prospective_signals(Z, month, months, ids, final, None, None, themes, cfg, seed=0, tested=tested)


@pytest.mark.parametrize("farrington", FARRINGTON)
def test_an_emerging_theme_is_flagged_within_three_months_and_ranked_first(farrington: str) -> None:
    Z, month, months, ids, planted = _corpus_with_emerging(onset=48, per_month=120)
    sig = _signals(Z, month, months, ids, n_init=3, farrington=FARRINGTON[farrington])  # the default ThemeConfig
    score = score_emerging(sig, set(ids[planted]), sorted({months[m] for m in month[planted]}))
    assert score["onset"] == "2023-01"
    assert score["first_flag"] is not None and score["months_to_flag"] <= 3, score
    assert score["rank_at_flag"] == 1
    assert score["false_alarms_per_month"]["median"] == 0


@pytest.mark.parametrize("farrington", FARRINGTON)
def test_no_change_flags_almost_nothing(farrington: str) -> None:
    Z, month, months, ids, _ = _corpus_with_emerging(onset=None)
    sig = _signals(Z, month, months, ids, farrington=FARRINGTON[farrington])
    per_month = sig[sig["flagged"]].groupby("month").size().reindex(sig["month"].unique(), fill_value=0)
    assert sig["month"].nunique() == 60 - 37
    assert per_month.median() == 0 and per_month.max() <= 1


@pytest.mark.parametrize("farrington", FARRINGTON)
def test_the_back_test_is_prospective(farrington: str) -> None:
    """Changing the reports after month t does not change any result of month t."""
    Z, month, months, ids, _ = _corpus_with_emerging(onset=48, per_month=60)
    a = _signals(Z, month, months, ids, tested=[44, 45], farrington=FARRINGTON[farrington])
    cut = month <= 45
    b = _signals(Z[cut], month[cut], months[:46], ids[cut], tested=[44, 45], farrington=FARRINGTON[farrington])
    assert list(a["month"].unique()) == [months[44], months[45]]
    pd.testing.assert_frame_equal(a.drop(columns=["_members", "final_theme"]),
                                  b.drop(columns=["_members", "final_theme"]))


def test_refits_on_a_sample_of_the_history_still_flag_the_emerging_theme_prospectively() -> None:
    from incident_lm.review.emerging import fit_sample

    rows = np.arange(10, 5000)
    assert fit_sample(rows, None, 0, 3) is rows and fit_sample(rows, 5000, 0, 3) is rows
    s = fit_sample(rows, 1000, 0, 3)
    assert len(s) == 1000 and np.all(np.diff(s) > 0) and np.isin(s, rows).all()
    assert np.array_equal(s, fit_sample(rows, 1000, 0, 3)) and not np.array_equal(s, fit_sample(rows, 1000, 0, 4))

    Z, month, months, ids, planted = _corpus_with_emerging(onset=48, per_month=120)
    sig = _signals(Z, month, months, ids, n_init=3, fit_sample=2000)  # the history holds 4,400 to 7,900 reports
    score = score_emerging(sig, set(ids[planted]), sorted({months[m] for m in month[planted]}))
    assert score["months_to_flag"] is not None and score["months_to_flag"] <= 3, score
    assert score["rank_at_flag"] == 1
    # every report of a tested month is in a theme or unassigned by the outlier rule, sampled or not
    assert (sig.groupby("month")["observed"].sum() > 0).all()
    a = _signals(Z, month, months, ids, tested=[50], fit_sample=2000)
    cut = month <= 50
    b = _signals(Z[cut], month[cut], months[:51], ids[cut], tested=[50], fit_sample=2000)
    pd.testing.assert_frame_equal(a.drop(columns=["_members", "final_theme"]),
                                  b.drop(columns=["_members", "final_theme"]))


def test_confirmation_by_another_seed_only_narrows_the_flags_and_keeps_the_emerging_theme() -> None:
    Z, month, months, ids, planted = _corpus_with_emerging(onset=48, per_month=120)
    plain = _signals(Z, month, months, ids, n_init=3)
    sig = _signals(Z, month, months, ids, n_init=3, confirm_seeds=1)
    # the primary refits and their tests are unchanged; only the flag needs the confirming refit too
    pd.testing.assert_frame_equal(plain.drop(columns=["flagged", "confirm_q", "top_terms", "_members"]),
                                  sig.drop(columns=["flagged", "confirm_q", "top_terms", "_members"]))
    assert plain["confirm_q"].isna().all()
    passed = sig["alarm"] & (sig["q"] <= 0.02)
    assert sig["confirm_q"].notna().equals(passed)                       # asked exactly where a theme passed
    assert sig["flagged"].equals(passed & (sig["confirm_q"] <= 0.02))
    assert not (sig["flagged"] & ~plain["flagged"]).any()
    score = score_emerging(sig, set(ids[planted]), sorted({months[m] for m in month[planted]}))
    assert score["months_to_flag"] is not None and score["months_to_flag"] <= 3, score
    assert score["rank_at_flag"] == 1


def test_a_theme_whose_reports_scatter_in_the_confirming_refit_is_not_confirmed() -> None:
    """_confirming_q follows the candidate's month-t reports into the other refit: to a theme that alarms (its
    q), to one that does not (inf), or nowhere (all unassigned there: inf)."""
    from incident_lm.review.emerging import _confirming_q

    n_months, t = 48, 47
    month = np.repeat(np.arange(n_months), 30)
    other = np.where(np.arange(len(month)) % 30 < 2, 0, 1)        # theme 0: 2 reports a month, theme 1: 28
    other[(month == t) & (np.arange(len(month)) % 30 < 12)] = 0    # theme 0 jumps to 12 at t
    hist = np.arange(len(month))
    population = np.bincount(month).astype(float)
    cfg = FarringtonConfig(b=3, population_offset=True)
    primary = np.where(np.arange(30) < 12, 5, 6)                     # primary theme 5 = the jump, 6 = the rest
    q = _confirming_q(primary, [5, 6], (other, np.array([True, True])), hist, month, t, population, cfg)
    assert np.isfinite(q[0]) and q[0] < 0.01                       # followed into theme 0, which alarms
    assert q[1] == np.inf                                            # into theme 1, steady: no alarm
    gone = np.where(month == t, UNASSIGNED, other)
    q = _confirming_q(primary, [5], (gone, np.array([True, True])), hist, month, t, population, cfg)
    assert q[0] == np.inf


def test_month_index_counts_months_from_the_first_date() -> None:
    idx, months = month_index(pd.Series(["2020-11-30", None, "2021-01-01", "2020-11-01"]))
    assert idx.tolist() == [0, -1, 2, 0] and months == ["2020-11", "2020-12", "2021-01"]


# --------------------------------------------------------------------------- queue


def test_novel_reports_head_the_queue_and_harm_orders_the_head() -> None:
    Z, y = blobs(200, 5)
    rng = np.random.default_rng(3)
    novel = normalize(rng.normal(size=(4, Z.shape[1])) * 3).astype(np.float32)
    Z = np.vstack([Z, novel])
    ids = np.array([f"R{i}" for i in range(len(Z))])
    fit = fit_themes(Z, ThemeConfig(outlier_quantile=0.0), n_themes=5)
    scores = novelty_scores(Z, fit, k=5)
    for name in ("theme_distance", "knn_density", "combined"):
        assert set(np.argsort(-scores[name])[:4]) == set(range(1000, 1004)), name
    harm = pd.Series(["1 No harm"] * len(Z))
    harm.iloc[1002] = "4 Severe"
    order, head = queue_order(scores["combined"], harm_severity(harm, len(Z)), flag_share=0.01)
    assert order[0] == 1002 and head.sum() == 10
    got = score_queue(order, ids, {f"R{i}" for i in range(1000, 1004)})
    assert got["in_top"] == 4 and got["recall_top"] == 1.0 and got["random_floor"] == pytest.approx(10 / 1004)


def test_rare_terms_are_shared_by_a_handful_not_by_one_or_by_many() -> None:
    common = ["patient fell on the ward and was reviewed"] * 3000
    texts = common + ["the therapy dog bit the patient"] * 5 + ["patinet fell on the wrad"]
    s = rare_term_scores(texts, rare_share=0.005)        # rare: 2 .. 15 reports
    assert (s[3000:3005] > 0).all() and s[3005] == 0 and (s[:3000] == 0).all()
    assert rare_term_scores(["a b", "c d"]).tolist() == [0.0, 0.0]    # nothing rare: no error


def test_density_against_a_sample_agrees_with_the_exact_one() -> None:
    Z, _ = blobs(150, 4)
    fit = fit_themes(Z, ThemeConfig(outlier_quantile=0.0), n_themes=4)
    exact = novelty_scores(Z, fit, k=10)["knn_density"]
    approx = novelty_scores(Z, fit, k=10, reference=300, seed=0)["knn_density"]
    assert np.corrcoef(exact, approx)[0, 1] > 0.8


def test_harm_severity_reads_grades_and_unknowns() -> None:
    sev = harm_severity(pd.Series(["5 Death", "1 No harm", None, "3 Moderate"]), 4)
    assert sev.tolist() == [5, 1, 0, 3]
    assert harm_severity(None, 3).tolist() == [0, 0, 0]
    assert harm_severity(pd.Series(["mild", "severe", "mild"]), 3).tolist() == [1, 2, 1]


# --------------------------------------------------------------------------- duplicates


def test_re_reports_are_mutual_neighbours_within_days() -> None:
    Z, _ = blobs(30, 4, spread=0.5)
    rng = np.random.default_rng(5)
    twins = normalize(Z[:5] + 0.01 * rng.normal(size=(5, Z.shape[1]))).astype(np.float32)
    Z2 = np.vstack([Z, twins])
    dates = pd.Series(pd.to_datetime("2021-01-01") + pd.to_timedelta(rng.integers(0, 900, len(Z2)), "D"))
    dates.iloc[120:125] = dates.iloc[:5].to_numpy() + np.timedelta64(1, "D")
    dates.iloc[124] = dates.iloc[4] + pd.Timedelta(days=30)     # same text, a month later: not a re-report
    pairs = find_duplicates(Z2, dates, DuplicateConfig(min_similarity=0.95, max_days=3))
    ids = np.array([f"R{i}" for i in range(len(Z2))])
    truth = pd.DataFrame({"a": [f"R{i}" for i in range(5)], "b": [f"R{120 + i}" for i in range(5)]})
    got = score_duplicates(pairs, ids, truth)
    assert got == {"found": 4, "planted": 5, "true_positives": 4, "precision": 1.0, "recall": 0.8}
    assert (pairs["days_apart"] <= 3).all() and (pairs["i"] < pairs["j"]).all()
    # blocked by cluster (as at scale), the same twins are found
    blocks = fit_themes(Z2, ThemeConfig(outlier_quantile=0.0), n_themes=4).raw_labels
    blocked = find_duplicates(Z2, dates, DuplicateConfig(min_similarity=0.95, block_above=10), blocks=blocks)
    assert score_duplicates(blocked, ids, truth)["true_positives"] == 4


# --------------------------------------------------------------------------- the criterion


def _compare(rows: dict[str, tuple[float, float, float]]) -> dict:
    return {"targets": ["category", "harm"], "representations": {
        name: {"category": {"macro_f1": f1, "v_measure": v, "precision_at_k": p}} for name, (f1, v, p) in rows.items()}}


def test_criterion_takes_the_best_clustering_within_the_probe_margin() -> None:
    cmp = _compare({"tfidf": (0.75, 0.14, 0.5), "fasttext_sif": (0.65, 0.36, 0.6), "bert": (0.53, 0.5, 0.4)})
    name, reason, rows = choose_representation(cmp, SelectConfig(probe_margin=0.15))
    assert name == "fasttext_sif" and "fasttext_sif" in reason and "0.15" in reason
    assert {r["representation"]: r["candidate"] for r in rows} == {"bert": False, "fasttext_sif": True,
                                                                    "tfidf": True}
    assert choose_representation(cmp, SelectConfig(probe_margin=0.05))[0] == "tfidf"
    assert choose_representation(cmp, SelectConfig(probe_margin=0.15), available={"tfidf", "bert"})[0] == "tfidf"
    with pytest.raises(DataError, match="review.select.target"):
        choose_representation(cmp, SelectConfig(target="setting"))


def test_truth_of_another_corpus_is_not_scored(tmp_path) -> None:
    from incident_lm.review.build import Truth

    (tmp_path / "novel.csv").write_text("RP01,type\nSYN1,dog\nSYN2,dog\n")
    (tmp_path / "duplicates.csv").write_text("RP01_a,RP01_b\nSYN3,SYN4\n")
    truth = Truth.read(tmp_path)
    assert truth.ids() == {"SYN1", "SYN2", "SYN3", "SYN4"}
    assert truth.matching({"SYN4", "X"}) is truth
    none = truth.matching({"123456", "123457"})          # e.g. VAERS ids with the synthetic default left on
    assert none.folder is None and none.novel is None and none.duplicates is None
    with pytest.raises(DataError, match="review.truth"):
        Truth.read(tmp_path / "absent")


def test_the_shipped_farrington_settings_are_the_tested_ones() -> None:
    """params.yaml's review.emerging.farrington is what FARRINGTON["shipped"] tests (beside b and the offset)."""
    import yaml

    from incident_lm.core.params import read_section
    from incident_lm.review.build import ReviewConfig

    root = Path(__file__).resolve().parents[1]
    cfg = read_section(ReviewConfig, yaml.safe_load((root / "params.yaml").read_text())["review"]).emerging.farrington
    shipped = FarringtonConfig(b=cfg.b, population_offset=cfg.population_offset, **FARRINGTON["shipped"])
    assert cfg == dataclasses.replace(shipped, **{f: getattr(cfg, f) for f in ("w", "n_periods", "past_excluded",
                                                                              "limit54", "alpha")})
