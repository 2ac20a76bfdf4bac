"""Every registered representation is a scikit-learn transformer: clone, Pipeline, cross-validation,
grid search, repr and get/set_params; and a bad hyperparameter is the estimator's own error, translated by
the registry into a params error.

The cheap types (count, tfidf, tfidf with LSA, fasttext_pooled on a tiny fastText model trained here) run
on synthetic reports and, when ``../shared`` holds it, on real VAERS 1990 report text; bert runs on a
handful of short texts, float and int8.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from incident_lm.core.errors import ParamsError
from incident_lm.represent import (
    InvalidParameterError,
    Representation,
    available,
    build,
    get_class,
    params_errors,
    register,
    registry,
)
from incident_lm.synthetic import SyntheticConfig, generate_corpus
from incident_lm.wordvec.train import FastTextParams, train_word_vectors
from incident_lm.wordvec.vectors import save_word_vectors

ROOT = Path(__file__).resolve().parents[1]
VAERS_CSV = ROOT.parent / "shared" / "data" / "vaers-1990-1996" / "1990VAERSDATA.csv"

# A handful of short texts for bert (two classes, four each).
TINY_TEXTS = [
    "Patient found on the floor beside the bed, no injury.",
    "Unwitnessed fall in the bathroom at night.",
    "Slipped on a wet floor and fell, hip pain.",
    "Fell while walking with a frame, bruising.",
    "Wrong dose of insulin given before breakfast.",
    "Antibiotic dose omitted on the drug round.",
    "Warfarin given twice in error.",
    "Controlled drug not signed for by two nurses.",
]
TINY_LABELS = np.array(["fall"] * 4 + ["medication"] * 4)


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Data:
    texts: list[str]
    labels: np.ndarray

    @property
    def majority(self) -> float:
        return float(pd.Series(self.labels).value_counts(normalize=True).iloc[0])


def synthetic_data() -> Data:
    reports = generate_corpus(SyntheticConfig(n_reports=400)).reports
    top = reports["IN05_LVL1"].value_counts().index[:4]
    labels = reports["IN05_LVL1"].where(reports["IN05_LVL1"].isin(top), "other")  # no class too small for CV
    return Data(reports["IN07"].fillna("").tolist(), labels.to_numpy(dtype=str))


def vaers_data() -> Data:
    """300 reports spread over the 1990 file; label: the report says the patient died or was hospitalised."""
    if not VAERS_CSV.is_file():
        pytest.skip(f"shared VAERS data not present ({VAERS_CSV})")
    df = pd.read_csv(VAERS_CSV, encoding="latin-1", dtype=str, usecols=["SYMPTOM_TEXT", "DIED", "HOSPITAL"])
    df = df.iloc[::7].head(300)
    serious = (df["DIED"] == "Y") | (df["HOSPITAL"] == "Y")
    return Data(df["SYMPTOM_TEXT"].fillna("").tolist(), np.where(serious, "serious", "not serious"))


_DATA: dict[str, Data] = {}


def get_data(name: str) -> Data:
    if name not in _DATA:
        _DATA[name] = {"synthetic": synthetic_data, "vaers": vaers_data,
                       "tiny": lambda: Data(list(TINY_TEXTS), TINY_LABELS)}[name]()
    return _DATA[name]


@pytest.fixture(scope="module")
def fasttext_dirs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """A tiny fastText model trained on a corpus's texts, one per corpus, made when first asked for."""
    root = tmp_path_factory.mktemp("ft")
    made: dict[str, str] = {}

    def get(corpus: str) -> str:
        if corpus not in made:
            p = FastTextParams(dim=16, epoch=3, min_count=2, bucket=5_000, thread=1, seed=1)
            wv, stats = train_word_vectors(get_data(corpus).texts, p)
            save_word_vectors(wv, root / corpus, {"params": p.to_dict(), **stats})
            made[corpus] = str(root / corpus)
        return made[corpus]

    return get


# --------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Case:
    """One estimator to check: its type, non-default params, the hyperparameter to grid-search, a bad value."""

    type_name: str
    params: dict[str, Any]
    shown: str                       # what repr shows of a non-default parameter
    grid: tuple[str, list[Any]]
    bad: tuple[str, Any]
    cv: int = 2

    def make(self, model_dir: str | None = None) -> Representation:
        params = dict(self.params)
        if self.type_name == "fasttext_pooled":
            params["model_dir"] = model_dir
        return get_class(self.type_name)(**params)


# One torch thread: on two busy cores, more threads make these tiny batches several times slower.
BERT = {"max_length": 32, "stride": 8, "batch_size": 8, "threads": 1}
CASES = {
    "count": Case("count", {"min_df": 2, "binary": True}, "binary=True", ("binary", [False, True]), ("min_df", 0)),
    "tfidf": Case("tfidf", {"min_df": 2, "ngram_max": 1}, "ngram_max=1", ("ngram_max", [1, 2]),
                  ("max_df", 1.5)),
    "tfidf_lsa": Case("tfidf", {"min_df": 2, "lsa_components": 16}, "lsa_components=16",
                      ("lsa_components", [8, 16]), ("lsa_components", 0)),
    "fasttext_pooled": Case("fasttext_pooled", {"pooling": "tfidf"}, "pooling='tfidf'",
                            ("pooling", ["mean", "sif"]), ("pooling", "max")),
    "fusion": Case("fusion", {"parts": {"tfidf": {"type": "tfidf", "min_df": 2},
                                        "lsa": {"type": "tfidf", "min_df": 2, "lsa_components": 8}},
                              "weights": {"tfidf": 0.7, "lsa": 0.3}, "center": False}, "center=False",
                   ("center", [False, True]), ("center", "yes")),
    "bert": Case("bert", {**BERT, "quantize": False}, "max_length=32", ("pooling", ["mean", "cls"]),
                 ("pooling", "max")),
    "bert_int8": Case("bert", {**BERT, "quantize": True}, "quantize=True", ("pooling", ["mean", "cls"]),
                      ("quantize", "yes")),
}
CHEAP = ["count", "tfidf", "tfidf_lsa", "fasttext_pooled", "fusion"]
DATA_OF = {name: "tiny" if CASES[name].type_name == "bert" else "synthetic" for name in CASES}
RUNS = [(name, corpus) for name in CHEAP for corpus in ("synthetic", "vaers")] + [("bert", "tiny"),
                                                                                   ("bert_int8", "tiny")]


@pytest.fixture(scope="module", autouse=True)
def _restore_torch_threads():
    """bert's ``threads`` sets torch's thread count for the process: put it back after this module."""
    import torch

    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def pipeline(rep: Representation) -> Pipeline:
    return Pipeline([("rep", rep), ("clf", LogisticRegression(max_iter=2000))])


def test_every_registered_type_has_a_case() -> None:
    assert {c.type_name for c in CASES.values()} == set(available())
    assert set(available()) == set(registry.BUILTINS)


# --------------------------------------------------------------------------- estimator API
@pytest.mark.parametrize("name", list(CASES))
def test_clone_has_equal_params_and_is_unfitted(name: str, fasttext_dirs) -> None:
    case, data = CASES[name], get_data(DATA_OF[name])
    rep = case.make(fasttext_dirs("synthetic"))
    rep.fit(data.texts)
    check_is_fitted(rep)
    copy = clone(rep)
    assert type(copy) is type(rep) and copy is not rep
    assert copy.get_params(deep=False) == rep.get_params(deep=False)
    assert {k: copy.get_params()[k] for k in case.params} == case.params
    with pytest.raises(NotFittedError):
        check_is_fitted(copy)
    with pytest.raises(NotFittedError, match="not fitted"):
        copy.transform(data.texts[:2])
    check_is_fitted(rep)  # cloning leaves the original fitted
    if case.type_name != "bert":  # (bert learns nothing from the texts; loading it again is slow)
        a, b = rep.transform(data.texts[:5]), copy.fit(data.texts).transform(data.texts[:5])
        assert type(a) is type(b)
        np.testing.assert_allclose(a.toarray() if sp.issparse(a) else a, b.toarray() if sp.issparse(b) else b,
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(CASES))
def test_repr_shows_non_default_params(name: str, fasttext_dirs) -> None:
    case = CASES[name]
    rep = case.make(fasttext_dirs("synthetic"))
    text = repr(rep)
    assert text.startswith(type(rep).__name__ + "(") and case.shown in text
    default = get_class(case.type_name)()
    assert repr(default) == type(rep).__name__ + "()"


@pytest.mark.parametrize("name", list(CASES))
def test_get_and_set_params_deep(name: str, fasttext_dirs) -> None:
    case = CASES[name]
    rep = case.make(fasttext_dirs("synthetic"))
    assert get_tags(rep).input_tags.string is True
    pipe = pipeline(rep)
    deep = pipe.get_params(deep=True)
    assert deep["rep"] is rep
    for key, value in rep.get_params(deep=True).items():
        assert deep[f"rep__{key}"] == value
    assert rep.get_params(deep=True) == rep.get_params(deep=False)  # no nested estimators
    param, values = case.grid
    assert pipe.set_params(**{f"rep__{param}": values[0]}) is pipe
    assert getattr(rep, param) == values[0] and pipe.get_params()[f"rep__{param}"] == values[0]
    assert rep.set_params(**{param: values[1]}) is rep and rep.get_params()[param] == values[1]
    with pytest.raises(ValueError, match="Invalid parameter"):
        rep.set_params(no_such_param=1)
    # set_params stores a value unchecked (the scikit-learn convention); fit refuses it, naming the argument
    bad_param, bad_value = case.bad
    rep.set_params(**{bad_param: bad_value})
    with pytest.raises(InvalidParameterError) as exc:
        pipe.fit(TINY_TEXTS, TINY_LABELS)
    assert exc.value.param == bad_param


# --------------------------------------------------------------------------- Pipeline, CV, grid search
@pytest.mark.parametrize(("name", "corpus"), RUNS)
def test_pipeline_cross_validation_and_grid_search(name: str, corpus: str, fasttext_dirs) -> None:
    case, data = CASES[name], get_data(corpus)
    model_dir = fasttext_dirs(corpus) if case.type_name == "fasttext_pooled" else None
    pipe = pipeline(case.make(model_dir))
    texts, labels = data.texts, data.labels

    fitted = pipe.fit(texts, labels)
    assert fitted is pipe
    pred = pipe.predict(texts[:20])
    assert pred.shape == (min(20, len(texts)),) and set(pred) <= set(labels)
    assert pipe.predict_proba(texts[:3]).shape == (min(3, len(texts)), len(set(labels)))

    cv = StratifiedKFold(case.cv, shuffle=True, random_state=0)
    scores = cross_val_score(pipeline(case.make(model_dir)), texts, labels, cv=cv, error_score="raise")
    assert scores.shape == (case.cv,) and np.all((scores >= 0) & (scores <= 1))
    if corpus == "synthetic" and name != "fasttext_pooled":  # the words carry the category (the tiny
        assert scores.mean() > data.majority + 0.1, (scores, data.majority)  # fastText model learnt little)

    param, values = case.grid
    unfitted = pipeline(case.make(model_dir))
    search = GridSearchCV(unfitted, {f"rep__{param}": values}, cv=cv, error_score="raise").fit(texts, labels)
    assert len(search.cv_results_["params"]) == len(values)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_params_[f"rep__{param}"]
    assert best in values
    assert search.best_estimator_.named_steps["rep"].get_params()[param] == best
    check_is_fitted(search.best_estimator_.named_steps["rep"])
    assert set(search.predict(texts[:5])) <= set(labels)
    with pytest.raises(NotFittedError):  # the search fitted clones, not the estimator it was given
        check_is_fitted(unfitted.named_steps["rep"])


# --------------------------------------------------------------------------- errors: the estimator's, then the registry's
@pytest.mark.parametrize("name", list(CASES))
def test_estimator_error_names_its_argument_not_the_params_file(name: str, fasttext_dirs) -> None:
    case = CASES[name]
    param, value = case.bad
    rep = case.make(fasttext_dirs("synthetic")).set_params(**{param: value})
    for call in (rep.check_params, lambda: rep.fit(TINY_TEXTS)):
        with pytest.raises(InvalidParameterError) as exc:
            call()
        err = exc.value
        assert isinstance(err, ValueError) and isinstance(err, TypeError)
        assert (err.param, err.value) == (param, value) and err.reason
        assert str(err) == f"{type(rep).__name__}: {param} = {value!r}: {err.reason}"
        assert "params.yaml" not in str(err) and "." + param not in str(err)


@pytest.mark.parametrize("name", list(CASES))
def test_registry_translates_into_a_params_error_naming_section_key(name: str, fasttext_dirs) -> None:
    case = CASES[name]
    param, value = case.bad
    params = {"type": case.type_name, **case.make(fasttext_dirs("synthetic")).get_params(deep=False), param: value}
    with pytest.raises(ParamsError) as exc:
        build("my_section", params)
    assert str(exc.value).startswith(f"params.yaml: 'my_section.{param}' = {value!r}: ")
    assert isinstance(exc.value.__cause__, InvalidParameterError) and exc.value.__cause__.param == param
    assert not isinstance(exc.value, InvalidParameterError)
    # and around fit, as the represent stage does, with the params file named
    rep = case.make(fasttext_dirs("synthetic")).set_params(**{param: value})
    with pytest.raises(ParamsError, match=rf"^other\.yaml: 'sec\.{param}' = "), params_errors("sec", "other.yaml"):
        rep.fit(TINY_TEXTS)


def test_fit_time_errors_are_translated_too(tmp_path: Path) -> None:
    rep = build("fasttext_mean", {"type": "fasttext_pooled", "model_dir": str(tmp_path / "missing")})
    with pytest.raises(ParamsError, match=r"'fasttext_mean\.model_dir'.*train_fasttext"), \
            params_errors("fasttext_mean"):
        rep.fit(TINY_TEXTS)
    # other errors pass through untouched
    with pytest.raises(TypeError, match="single string") as exc, params_errors("count"):
        build("count", {"min_df": 1}).fit("one text")
    assert not isinstance(exc.value, ParamsError)


def test_registry_translates_a_custom_estimators_error() -> None:
    class Custom(Representation):
        def __init__(self, width: int = 2):
            self.width = width

        def check_params(self) -> None:
            self._check_int("width", 1)

        def fit(self, X: Any, y: Any = None) -> Custom:
            self.check_params()
            self.n_ = len(self.check_texts(X))
            return self

        def transform(self, X: Any) -> np.ndarray:
            self.check_fitted()
            return np.zeros((len(self.check_texts(X)), self.width), dtype=np.float32)

    try:
        register("unit_test_sklearn_custom")(Custom)
        with pytest.raises(ParamsError, match=r"^params\.yaml: 'mine\.width' = 0: expected an integer >= 1$"):
            build("mine", {"type": "unit_test_sklearn_custom", "width": 0})
        with pytest.raises(InvalidParameterError, match=r"^Custom: width = 0: expected an integer >= 1$"):
            Custom(width=0).fit(["a"])
        scores = cross_val_score(pipeline(build("mine", {"type": "unit_test_sklearn_custom"})), TINY_TEXTS,
                                 TINY_LABELS, cv=2, error_score="raise")
        assert scores.shape == (2,)
    finally:
        registry._REGISTRY.pop("unit_test_sklearn_custom", None)
