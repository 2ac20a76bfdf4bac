"""bench/label_noise.py: probe predictions rescored against the labels the synthetic text was written from."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from label_noise import score  # noqa: E402


def _preds(ids: list[str], coded: list[str], pred: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"target": "category", "id": ids, "y_true": coded, "y_pred": pred})


def test_a_classifier_naming_the_written_label_scores_the_ceiling_and_owns_none_of_its_errors() -> None:
    ids = [f"R{i}" for i in range(8)]
    written = ["a", "a", "a", "a", "b", "b", "b", "b"]
    coded = ["a", "a", "a", "b", "b", "b", "b", "a"]  # two reports coded differently from their text
    truth = pd.DataFrame({"RP01": ids, "category": written, "harm": "x"})
    other = ["a", "a", "b", "b", "b", "b", "b", "b"]  # one error of its own (R2), matches coded R3, written R7
    out = score({"tfidf": _preds(ids, coded, written), "other": _preds(ids, coded, other)}, truth, n_boot=50)
    cat = out["category"]
    assert cat["noisy_share"] == pytest.approx(0.25) and cat["ceiling"]["accuracy"] == pytest.approx(0.75)
    oracle, row = cat["rows"]["tfidf"], cat["rows"]["other"]
    assert oracle["macro_f1_written"] == pytest.approx(1.0)
    assert oracle["macro_f1_coded"] == pytest.approx(cat["ceiling"]["macro_f1"])
    assert oracle["errors"] == 2 and oracle["errors_on_noisy_labels_predicting_written"] == pytest.approx(1.0)
    # other's errors against the coded labels: R2 (its own) and R7 (the label's: it predicts the written b)
    assert row["errors"] == 2 and row["errors_on_noisy_labels_predicting_written"] == pytest.approx(0.5)
    assert row["accuracy_written"] == pytest.approx(6 / 8)
    assert row["vs_baseline_written"]["diff"] < 0 and "vs_baseline_written" not in oracle
    assert list(cat["rows"]) == ["tfidf", "other"]  # best against the written labels first
    assert "harm" not in out  # no harm predictions given


def test_ids_missing_from_the_written_labels_stop_with_the_reason() -> None:
    truth = pd.DataFrame({"RP01": ["R0"], "category": ["a"], "harm": ["x"]})
    with pytest.raises(SystemExit, match="1 test ids .*'R1'.*labels_true.csv"):
        score({"tfidf": _preds(["R0", "R1"], ["a", "b"], ["a", "b"])}, truth, n_boot=10)
