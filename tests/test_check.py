"""The check stage: every later stage's params against the prepared data, all problems at once, before any
training; and an export's own train/test split carried through prepare and split."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from incident_lm.core.errors import DataError, ParamsError
from incident_lm.data.check import CHECKED_KEYS, check_or_raise, check_params
from incident_lm.data.split import split_reports
from tests.test_data import GOOD_ROW, HEADER, assert_unchanged, good_run  # noqa: F401 - fixture
from tests.test_presets import prepare

ROOT = Path(__file__).resolve().parents[1]
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text())
DATA = {"labels": {"category": {"Medication": 50, "Falls": 40}, "harm": {"1 No harm": 70, "2 Low harm": 20}},
        "dates": {"column": "IN01", "missing_or_unparsed": 0, "first": "2019-01-03", "last": "2023-12-30"},
        "split_column": None}


def with_(params: dict, **changes: object) -> dict:
    out = json.loads(json.dumps(params))
    for key, value in changes.items():
        node = out
        *path, last = key.split("__")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def test_the_default_params_agree_with_the_default_labels() -> None:
    assert check_params(DATA, PARAMS) == []
    assert check_or_raise(DATA, PARAMS) == {"ok": True, "checked": list(CHECKED_KEYS)}


def test_every_problem_is_reported_at_once_with_its_key() -> None:
    """The generic preset's labels with the default params: three stages would each fail later, one by one."""
    data = {**DATA, "labels": {"event_type": {"Device": 30, "Labelling": 25}, "unit": {"ICU": 55}}}
    params = with_(PARAMS, review__select__target="category")
    problems = check_params(data, params)
    assert len(problems) == 5, problems
    text = "\n".join(problems)
    for key in ("split.stratify", "evaluate.targets", "fasttext_supervised.targets"):
        assert f"{key}: label 'category' is not in the prepared data (its labels: event_type, unit)" in text
    assert "evaluate.targets: label 'harm'" in text and "fasttext_supervised.targets: label 'harm'" in text
    with pytest.raises(ParamsError) as exc:
        check_or_raise(data, params)
    assert "5 problem(s)" in str(exc.value) and "before any training" in str(exc.value)
    # pointing them at the export's labels clears them, but a single-class label cannot be a target
    fixed = with_(params, split__stratify="event_type", evaluate__targets=["event_type", "unit"],
                  fasttext_supervised__targets=["event_type"], review__select__target="event_type")
    assert check_params(data, fixed) == [
        "evaluate.targets: label 'unit' has a single class ('ICU' (55)): nothing to predict or stratify by; drop it "
        "from evaluate.targets or check data.labels.unit"]


@pytest.mark.parametrize(("changes", "data", "expected"), [
    ({"split__method": "time"}, {"dates": {"column": None}}, "split.method: 'time' needs report dates"),
    ({"split__method": "time"}, {"dates": {"column": "IN01", "missing_or_unparsed": 3}},
     "cannot place the 3 kept report(s) without a date"),
    ({"split__method": "time", "split__time_cutoff": "2025-01-01"}, {},
     "split.time_cutoff: 2025-01-01 leaves one side empty: the kept reports run from 2019-01-03 to 2023-12-30"),
    ({"split__method": "column"}, {}, "split.method: 'column' uses the export's own train/test column"),
    ({"review__select__target": "setting"}, {}, "review.select.target: 'setting' is not one of evaluate.targets"),
    ({"evaluate__targets": []}, {}, "evaluate.targets: expected a non-empty list"),
])
def test_split_and_review_params_are_checked(changes: dict, data: dict, expected: str) -> None:
    problems = check_params({**DATA, **data}, with_(PARAMS, **changes))
    assert any(expected in p for p in problems), problems


def test_the_stage_fails_before_writing_and_writes_the_same_record_when_all_is_well(tmp_path: Path) -> None:
    (tmp_path / "data.json").write_text(json.dumps({**DATA, "labels": {"unit": {"ICU": 3, "A&E": 4}}}))
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(PARAMS))
    args = [sys.executable, str(ROOT / "stages" / "check.py"), "--params", "params.yaml", "--data-metrics",
            "data.json", "--out", "check.json"]
    res = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 2 and "split.stratify: label 'category'" in res.stderr
    assert not (tmp_path / "check.json").exists()
    (tmp_path / "data.json").write_text(json.dumps(DATA))
    subprocess.run(args, cwd=tmp_path, check=True, capture_output=True)
    first = (tmp_path / "check.json").read_bytes()
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(with_(PARAMS, evaluate__targets=["category"])))
    subprocess.run(args, cwd=tmp_path, check=True, capture_output=True)
    assert (tmp_path / "check.json").read_bytes() == first  # nothing downstream reruns for a passing check


# --- an export's own split --------------------------------------------------------------------------------
def _own_split_csv(path: Path, values: list[str]) -> Path:
    header = HEADER + ",Set"
    rows = [GOOD_ROW.format(i) + f",{v}" for i, v in enumerate(values)]
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_an_exports_own_split_is_kept_and_used(tmp_path: Path) -> None:
    values = ["Train"] * 30 + [" training"] * 2 + ["TEST"] * 6 + ["Holdout"] * 2
    src = _own_split_csv(tmp_path / "own.csv", values)
    df, m, _ = prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1, "split_column": "Set"})
    assert m["split_column"] == {"column": "Set", "counts": {"test": 8, "train": 32}}
    assert "split" not in m["labels"]
    assert df["split"].tolist() == ["train"] * 32 + ["test"] * 8
    out = split_reports(df, method="column")
    assert out["split"].tolist() == df["split"].tolist()
    with pytest.raises(ParamsError, match="data.split_column"):
        split_reports(df.drop(columns="split"), method="column")


@pytest.mark.parametrize(("values", "expected"), [
    (["train"] * 30 + ["validation"] * 5 + ["test"] * 5, r"neither train nor test: 'validation' \(5\)"),
    (["train"] * 40, r"no kept report is 'test'"),
])
def test_a_bad_split_column_is_named(tmp_path: Path, good_run: dict[str, str], values: list[str],  # noqa: F811
                                     expected: str) -> None:
    src = _own_split_csv(tmp_path / "own.csv", values)
    with pytest.raises(DataError, match=r"own.csv: split column 'Set': .*" + expected):
        prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1, "split_column": "Set"})
    assert_unchanged(good_run)
    with pytest.raises(DataError, match=r"column 'Sets' not found .*set data.split_column"):
        prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1, "split_column": "Sets"})


def test_split_is_still_a_reserved_label_name_with_a_pointer(tmp_path: Path) -> None:
    src = _own_split_csv(tmp_path / "own.csv", ["train"] * 40)
    with pytest.raises(ParamsError, match=r"reserved .*data.split_column"):
        prepare(tmp_path, {"source": str(src), "preset": "nrls", "labels": {"split": "Set"}})


def test_planted_truth_that_names_no_report_is_an_error(tmp_path: Path) -> None:
    src = _own_split_csv(tmp_path / "own.csv", ["train"] * 40)
    truth = tmp_path / "truth.csv"
    pd.DataFrame({"RP01": ["S1"], "field": ["IN07"], "start": [0], "end": [7], "type": ["PERSON"],
                  "value": ["Ann Lee"]}).to_csv(truth, index=False)
    with pytest.raises(DataError, match=r"deid.truth = .*truth.csv.*none of its 1 document ids.*deid.truth: null"):
        prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1}, {"truth": str(truth)})


def test_generate_writes_no_corpus_when_the_source_is_a_real_export(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(HEADER + "\n")
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"data": {"source": str(export)}, "synthetic": {}}))
    subprocess.run([sys.executable, str(ROOT / "stages" / "generate.py"), "--out", "data/raw/synthetic"],
                   cwd=tmp_path, check=True, capture_output=True)
    out = tmp_path / "data" / "raw" / "synthetic"
    assert [p.name for p in out.iterdir()] == ["README.txt"]
    assert "a real export" in (out / "README.txt").read_text()


def test_a_field_without_a_human_label_gets_no_column_name_prefix() -> None:
    from incident_lm.data.records import field_label_names

    assert field_label_names(["narrative"], {}, True) is None  # generic preset: no "narrative: " in every text
    assert field_label_names(["IN07", "IN10"], {"IN07": "What happened"}, True) == ("What happened", "")
    assert field_label_names(["IN07"], {"IN07": "What happened"}, False) is None
