"""Reading and validating exports: malformed inputs, atomic outputs, chunking, leaks, ground-truth scoring."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from incident_lm.core.errors import DataError
from incident_lm.data.load import ReadStats, detect_encoding, iter_csv, read_header
from incident_lm.data.prepare import label_mapping
from incident_lm.text.normalise import parse_dates
from tests.test_presets import FIXTURES, prepare

ROOT = Path(__file__).resolve().parents[1]
NRLS = FIXTURES / "nrls_small.csv"
HEADER = NRLS.read_text(encoding="utf-8").splitlines()[0]
GOOD_ROW = ('N{0:04d},2023-01-05,2023-01-06,Acute,PSI,Medication,Omitted,Adult,1 No harm,,,'
            '"Report number {0} about an omitted insulin dose on the ward.",Review.,Staffing.,ORG1')


def nrls_csv(path: Path, n: int = 40, extra: list[str] | None = None, encoding: str = "utf-8") -> Path:
    """An NRLS-format CSV with ``n`` good rows, then the raw ``extra`` lines."""
    lines = [HEADER] + [GOOD_ROW.format(i) for i in range(n)] + (extra or [])
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def good_run(tmp_path: Path) -> dict[str, str]:
    """A first, successful run whose outputs later failing runs must leave untouched."""
    prepare(tmp_path, {"source": str(nrls_csv(tmp_path / "good.csv")), "preset": "nrls", "min_label_count": 1})
    outs = [tmp_path / "data" / "prepared" / "reports.parquet", tmp_path / "metrics" / "data.json",
            tmp_path / "metrics" / "deid.json"]
    return {str(p): digest(p) for p in outs}


def assert_unchanged(before: dict[str, str]) -> None:
    for path, h in before.items():
        assert digest(Path(path)) == h, f"{path} was modified by a failed run"
    leftovers = [p for p in Path(next(iter(before))).parent.iterdir() if p.name.startswith(".")]
    assert leftovers == [], "temporary files left behind"


# --- malformed inputs --------------------------------------------------------------------------------------
def test_missing_column_names_file_column_preset_and_key(tmp_path: Path, good_run: dict[str, str]) -> None:
    bad = tmp_path / "no_in07.csv"
    pd.read_csv(NRLS, dtype=str).drop(columns=["IN07"]).to_csv(bad, index=False)
    with pytest.raises(DataError) as exc:
        prepare(tmp_path, {"source": str(bad), "preset": "nrls"})
    msg = str(exc.value)
    for part in ("no_in07.csv", "column 'IN07' not found", "preset 'nrls'",
                 "data.columns.text_fields or data.text_fields"):
        assert part in msg
    assert_unchanged(good_run)


def test_missing_label_column_names_the_labels_key(tmp_path: Path) -> None:
    bad = tmp_path / "no_pd09.csv"
    pd.read_csv(NRLS, dtype=str).drop(columns=["PD09"]).to_csv(bad, index=False)
    with pytest.raises(DataError, match=r"column 'PD09' not found \(preset 'nrls', set data\.labels\.harm"):
        prepare(tmp_path, {"source": str(bad), "preset": "nrls"})


def test_bad_rows_are_counted_with_line_numbers(tmp_path: Path) -> None:
    extra = ['N9001,2023-01-05,x,Acute,PSI,Medication,Omitted,Adult,1 No harm,,,"bad "quote" inside",a,b,ORG1',
             "N9002,too,few,fields"]
    src = nrls_csv(tmp_path / "some_bad.csv", n=300, extra=extra + [GOOD_ROW.format(999)])
    df, m, _ = prepare(tmp_path, {"source": str(src), "preset": "nrls", "max_bad_row_fraction": 0.01})
    assert m["rows_dropped"]["unreadable"] == 2
    assert [(b["line"], b["reason"][:17]) for b in m["unreadable_rows"]["first"]] == [
        (302, "',' expected afte"), (303, "wrong field count")]
    assert len(df) == 301 and "N0999" in set(df["id"])  # the good row after the bad ones is read


def test_too_many_bad_rows_fail_and_keep_earlier_outputs(tmp_path: Path, good_run: dict[str, str]) -> None:
    extra = [f"N9{i:03d},only,four,fields" for i in range(5)]
    src = nrls_csv(tmp_path / "many_bad.csv", n=20, extra=extra)
    with pytest.raises(DataError) as exc:
        prepare(tmp_path, {"source": str(src), "preset": "nrls", "max_bad_row_fraction": 0.01})
    msg = str(exc.value)
    assert "data.max_bad_row_fraction" in msg and "many_bad.csv line 22: wrong field count" in msg
    assert_unchanged(good_run)


def test_a_stray_quote_does_not_swallow_the_rest_of_the_file(tmp_path: Path) -> None:
    stray = 'N8000,2023-01-05,x,Acute,PSI,Medication,Omitted,Adult,1 No harm,,,"unterminated text,a,b,ORG1'
    lines = [HEADER, GOOD_ROW.format(1), stray] + [GOOD_ROW.format(i) for i in range(2, 200)]
    (tmp_path / "stray.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    stats = ReadStats("stray.csv", "utf-8")
    header = read_header(tmp_path / "stray.csv", "utf-8")
    chunks = list(iter_csv(tmp_path / "stray.csv", "utf-8", header, ["RP01", "IN07"], 50, stats))
    ids = pd.concat(chunks)["RP01"].tolist()
    assert ids == ["N0001"] + [f"N{i:04d}" for i in range(2, 200)]
    assert [b.line for b in stats.bad] == [3]


def test_wrong_encoding_is_detected_or_named(tmp_path: Path, good_run: dict[str, str]) -> None:
    row = GOOD_ROW.format(1).replace("omitted insulin", "omitted insulin (£5 café)")
    src = nrls_csv(tmp_path / "cp1252.csv", n=5, extra=[row.replace("N0001", "N0100")], encoding="cp1252")
    assert detect_encoding(src, "auto") == "cp1252"
    with pytest.raises(DataError) as exc:
        prepare(tmp_path, {"source": str(src), "preset": "nrls", "encoding": "utf-8"})
    msg = str(exc.value)
    assert "cp1252.csv" in msg and "not valid utf-8" in msg and "data.encoding" in msg and "line 7" in msg
    assert_unchanged(good_run)
    df, m, _ = prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1})
    assert m["encoding"][str(src)] == "cp1252"
    assert "(£5 café)" in df.set_index("id").loc["N0100", "text"]


def test_utf8_bom_is_handled(tmp_path: Path) -> None:
    src = tmp_path / "bom.csv"
    src.write_bytes(b"\xef\xbb\xbf" + NRLS.read_bytes())
    assert detect_encoding(src, "auto") == "utf-8-sig"
    df, m, _ = prepare(tmp_path, {"source": str(src), "preset": "nrls", "encoding": "utf-8"})
    assert df["id"].iloc[0] == "N0001"


@pytest.mark.parametrize(("content", "expected"), [(b"", "file is empty"), (HEADER.encode() + b"\n", "no data rows")])
def test_empty_file_is_a_clear_error(tmp_path: Path, good_run: dict[str, str], content: bytes, expected: str) -> None:
    (tmp_path / "empty.csv").write_bytes(content)
    with pytest.raises(DataError) as exc:
        prepare(tmp_path, {"source": str(tmp_path / "empty.csv"), "preset": "nrls"})
    assert "empty.csv" in str(exc.value) and expected in str(exc.value) and "data.source" in str(exc.value)
    assert_unchanged(good_run)


def test_all_empty_text_names_the_text_columns(tmp_path: Path, good_run: dict[str, str]) -> None:
    df = pd.read_csv(NRLS, dtype=str, keep_default_na=False)
    df[["IN07", "IN10", "IN11"]] = ["", " ", ""]
    df.to_csv(tmp_path / "blank.csv", index=False)
    with pytest.raises(DataError) as exc:
        prepare(tmp_path, {"source": str(tmp_path / "blank.csv"), "preset": "nrls"})
    msg = str(exc.value)
    assert "blank.csv" in msg and "empty text" in msg and "IN07, IN10, IN11" in msg and "data.text_fields" in msg
    assert_unchanged(good_run)


def test_missing_source_and_bad_params_are_clear(tmp_path: Path) -> None:
    from incident_lm.core.params import ParamsError

    with pytest.raises(FileNotFoundError, match="data.source"):
        prepare(tmp_path, {"source": str(tmp_path / "nope.csv"), "preset": "nrls"})
    with pytest.raises(ParamsError, match="data.preset"):
        prepare(tmp_path, {"source": str(NRLS), "preset": "datix"})
    with pytest.raises(ParamsError, match="data.min_text_words"):
        prepare(tmp_path, {"source": str(NRLS), "min_text_words": "three"})
    with pytest.raises(ParamsError, match="unknown key.*data.text_field\\b"):
        prepare(tmp_path, {"source": str(NRLS), "text_field": ["IN07"]})
    with pytest.raises(ParamsError, match="deid.gazeteer"):
        prepare(tmp_path, {"source": str(NRLS)}, {"gazeteer": False})
    with pytest.raises(ParamsError, match="deid.targets.recall"):
        prepare(tmp_path, {"source": str(NRLS)}, {"targets": {"recall": 0.9}})
    with pytest.raises(ParamsError, match="deid.types"):
        prepare(tmp_path, {"source": str(NRLS)}, {"types": ["DATE", "SHOE_SIZE"]})


def test_stage_script_exits_2_with_the_message(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    args = ["--params", str(params), "--out", "data/prepared/reports.parquet", "--data-metrics", "metrics/data.json",
            "--deid-metrics", "metrics/deid.json", "--cost", "metrics/cost/prepare.json"]
    params.write_text(yaml.safe_dump({"data": {"source": str(tmp_path / "absent.csv")}, "deid": {}}))
    res = subprocess.run([sys.executable, str(ROOT / "stages" / "prepare.py"), *args],
                         cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 2
    assert "absent.csv: input not found" in res.stderr
    assert not (tmp_path / "metrics" / "cost" / "prepare.json").exists()  # nothing written for a failed run
    params.write_text(yaml.safe_dump({"data": {"source": str(NRLS), "min_label_count": 1,
                                               "max_bad_date_fraction": 0.2}, "deid": {}}))
    res = subprocess.run([sys.executable, str(ROOT / "stages" / "prepare.py"), *args],
                         cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "data" / "prepared" / "reports.parquet").exists()
    assert json.loads((tmp_path / "metrics" / "deid.json").read_text())["truth"] is None
    assert "timing:" in res.stderr
    cost = json.loads((tmp_path / "metrics" / "cost" / "prepare.json").read_text())
    assert cost["stage"] == "prepare" and cost["deid_reports_per_second"] > 0 and cost["wall_seconds"] > 0
    assert "reports_per_second" not in json.loads((tmp_path / "metrics" / "deid.json").read_text())


# --- sources, chunking, formats ------------------------------------------------------------------------------
def test_chunked_reading_gives_the_same_result(tmp_path: Path) -> None:
    dup = GOOD_ROW.format(3).replace("N0003", "N0500")  # duplicate text in a later chunk
    src = nrls_csv(tmp_path / "chunks.csv", n=25, extra=[dup])
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    small, ms, _ = prepare(tmp_path / "a", {"source": str(src), "chunksize": 3, "min_label_count": 1})
    big, mb, _ = prepare(tmp_path / "b", {"source": str(src), "chunksize": 1000, "min_label_count": 1})
    pd.testing.assert_frame_equal(small, big)
    assert ms["rows_dropped"]["duplicate_text"] == mb["rows_dropped"]["duplicate_text"] == 1
    assert "N0500" not in set(small["id"])


def test_max_rows_limits_reading(tmp_path: Path) -> None:
    src = nrls_csv(tmp_path / "many.csv", n=50)
    df, m, _ = prepare(tmp_path, {"source": str(src), "max_rows": 7, "chunksize": 3, "min_label_count": 1})
    assert m["rows_read"] == 7 and len(df) == 7


def test_directory_and_glob_sources_read_yearly_files_in_order(tmp_path: Path) -> None:
    d = tmp_path / "raw"
    d.mkdir()
    rows = pd.read_csv(nrls_csv(tmp_path / "all.csv", n=10), dtype=str, keep_default_na=False)
    rows.iloc[5:].to_csv(d / "nrls_2023.csv", index=False)
    rows.iloc[:5].to_csv(d / "nrls_2022.csv", index=False)
    df, m, _ = prepare(tmp_path, {"source": str(d), "min_label_count": 1})
    assert df["id"].tolist() == [f"N{i:04d}" for i in range(10)]
    assert [Path(f).name for f in m["files_read"]] == ["nrls_2022.csv", "nrls_2023.csv"]
    df2, _, _ = prepare(tmp_path, {"source": str(d / "nrls_202*.csv"), "min_label_count": 1})
    pd.testing.assert_frame_equal(df, df2)


def test_parquet_input(tmp_path: Path) -> None:
    src = tmp_path / "export.parquet"
    pd.read_csv(NRLS, dtype=str, keep_default_na=False).to_parquet(src, index=False)
    from_pq, _, _ = prepare(tmp_path, {"source": str(src), "min_label_count": 1, "chunksize": 4})
    from_csv, _, _ = prepare(tmp_path, {"source": str(NRLS), "min_label_count": 1})
    pd.testing.assert_frame_equal(from_pq, from_csv)


# --- helpers --------------------------------------------------------------------------------------------------
def test_label_mapping_merges_case_and_rare_values() -> None:
    from collections import Counter

    mapping, rare = label_mapping(Counter({"Injury": 30, "injury": 2, "Death": 3, "Malfunction": 25}), 5)
    assert mapping == {"Injury": "Injury", "injury": "Injury", "Death": "Other", "Malfunction": "Malfunction"}
    assert rare == ["Death"]


def test_parse_dates_formats() -> None:
    s = pd.Series(["2023-04-01", "01/04/2023", "", "garbage", "IN01: 2023-05-06"], dtype="str")
    out = parse_dates(s, "IN01", None, dayfirst=True)
    assert out.tolist()[:2] == [pd.Timestamp(2023, 4, 1), pd.Timestamp(2023, 4, 1)]
    assert out.isna().tolist() == [False, False, True, True, False]
    assert str(out.dtype) == "datetime64[ns]"
    assert parse_dates(pd.Series(["2023-04-01 14:30"], dtype="str"), "d", "%Y-%m-%d").iloc[0] == pd.Timestamp(2023, 4, 1)


# --- de-identification inside the stage --------------------------------------------------------------------------
def planted_truth(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    """The planted fixture's truth with offsets found in the raw field text (values are listed by hand)."""
    raw = pd.read_csv(FIXTURES / "nrls_planted.csv", dtype=str, keep_default_na=False).set_index("RP01")
    truth = pd.read_csv(FIXTURES / "nrls_planted_truth.csv", dtype=str, keep_default_na=False)
    starts = [raw.at[r.RP01, r.field].index(r.value) for r in truth.itertuples()]
    truth["start"] = starts
    truth["end"] = [s + len(v) for s, v in zip(starts, truth["value"], strict=True)]
    path = tmp_path / "identifiers.csv"
    truth[["RP01", "field", "start", "end", "type", "value"]].to_csv(path, index=False)
    return path, truth


def test_no_planted_identifier_survives_in_outputs(tmp_path: Path) -> None:
    truth_path, truth = planted_truth(tmp_path)
    df, m, deid = prepare(tmp_path, {"source": str(FIXTURES / "nrls_planted.csv"), "min_label_count": 1,
                                     "field_labels": True}, {"truth": str(truth_path)})
    outputs = "\n".join(df["text"]) + json.dumps(m) + json.dumps(deid)
    outputs += (tmp_path / "data" / "prepared" / "reports.parquet").read_bytes().decode("latin-1")
    for value in truth["value"]:
        assert value not in outputs, value
        assert value.replace(" ", "") not in outputs
    # the clinical content and the roles survive
    text = df.set_index("id").loc["P001", "text"]
    assert "missed her 08:00 insulin on Elizabeth Ward" in text and "Staff nurse [PERSON]" in text
    assert deid["leaked_truth_values"] == {"checked_in_kept_reports": len(truth), "leaked": 0, "leaked_by_type": {}}


def test_deid_metrics_with_ground_truth(tmp_path: Path) -> None:
    truth_path, truth = planted_truth(tmp_path)
    extra = pd.DataFrame([{"RP01": "P004", "field": "IN11", "start": 0, "end": 11, "type": "PERSON",
                           "value": "Observation"}])  # a deliberately unfindable truth span
    pd.concat([pd.read_csv(truth_path), extra]).to_csv(truth_path, index=False)
    _, _, deid = prepare(tmp_path, {"source": str(FIXTURES / "nrls_planted.csv"), "min_label_count": 1},
                         {"truth": str(truth_path), "targets": {"name_recall": 0.95}})
    assert deid["truth"] == str(truth_path)
    assert deid["docs_scored"] == 4
    person = deid["per_type"]["PERSON"]
    n_person = int((truth["type"] == "PERSON").sum()) + 1
    assert person["n_truth"] == n_person and person["fn"] == 1 and person["recall"] == round(
        (n_person - 1) / n_person, 4)
    for t in ("NHS_NUMBER", "DATE", "PHONE", "POSTCODE", "EMAIL", "HOSPITAL_NUMBER"):
        assert deid["per_type"][t]["recall"] == 1.0, t
    assert deid["per_type"]["URL"]["fp"] == 1  # a URL that the truth does not list
    assert deid["targets"]["name_recall"]["pass"] is False  # 10/11 < 0.95
    assert deid["targets"]["structured_recall"]["pass"] is True
    assert set(deid["overall"]) == {"recall", "precision", "tp", "fn", "fp", "n_truth", "n_pred"}


def test_enforced_targets_fail_the_stage(tmp_path: Path) -> None:
    truth_path, _ = planted_truth(tmp_path)
    with pytest.raises(DataError, match="deid.enforce_targets"):
        prepare(tmp_path, {"source": str(FIXTURES / "nrls_planted.csv"), "min_label_count": 1},
                {"truth": str(truth_path), "targets": {"precision": 0.999}, "enforce_targets": True})


def test_raw_csv_round_trip_of_fixture_is_clean() -> None:
    """The fixtures themselves parse without bad rows (so the tests above measure the code, not typos)."""
    for path in (NRLS, FIXTURES / "nrls_planted.csv", FIXTURES / "lfpse_small.csv", FIXTURES / "generic_small.csv",
                 FIXTURES / "vaers" / "1990VAERSDATA.csv", FIXTURES / "vaers" / "1990VAERSVAX.csv"):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        assert len({len(r) for r in rows}) == 1, path


# --- residual-risk scan of the kept text (no ground truth needed) ------------------------------------------

LEFTOVER_ROWS = [  # identifiers a de-identifier restricted to dates leaves in: the scan must see them
    'N9001,2023-01-05,2023-01-06,Acute,PSI,Medication,Omitted,Adult,1 No harm,,,'
    '"Wrong wristband, NHS number 943 476 5919 on it, found on the ward.",Review.,Staffing.,ORG1',
    'N9002,2023-01-05,2023-01-06,Acute,PSI,Medication,Omitted,Adult,1 No harm,,,'
    '"Relative emailed j.smith@nhs.net to complain about the omitted dose.",Review.,Staffing.,ORG1',
]


def test_residual_scan_finds_leftovers_in_the_prepared_text(tmp_path: Path) -> None:
    src = nrls_csv(tmp_path / "left.csv", n=30, extra=LEFTOVER_ROWS)
    df, _, deid = prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1},
                          {"types": ["DATE"], "truth": None})
    res = deid["residual"]
    assert res["n_reports"] == len(df) == 32
    assert res["by_type"]["NHS_NUMBER"] == 1 and res["by_type"]["EMAIL"] == 1 and res["hits"] == 2
    assert res["pass"] is True and res["max_residual"] is None  # reported, not enforced, by default
    assert {it["id"] for it in res["sample"]} == {"N9001", "N9002"}
    shown = json.dumps(res["sample"])
    assert "5919" not in shown and "smith@" not in shown  # the sample is masked


def test_residual_scan_passes_a_clean_prepared_file(tmp_path: Path) -> None:
    src = nrls_csv(tmp_path / "clean.csv", n=30, extra=LEFTOVER_ROWS)
    _, _, deid = prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1},
                         {"truth": None, "max_residual": 0})
    assert deid["residual"]["hits"] == 0 and deid["residual"]["pass"] is True


def test_residual_scan_above_the_limit_fails_and_keeps_earlier_outputs(tmp_path: Path,
                                                                        good_run: dict[str, str]) -> None:
    src = nrls_csv(tmp_path / "left.csv", n=30, extra=LEFTOVER_ROWS)
    with pytest.raises(DataError) as exc:
        prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1},
                {"types": ["DATE"], "truth": None, "max_residual": 1})
    msg = str(exc.value)
    assert "deid.max_residual = 1" in msg and "NHS_NUMBER 1" in msg and "EMAIL 1" in msg
    assert "N9001" in msg and "5919" not in msg
    assert_unchanged(good_run)


# --- encodings, columns and dates that would be read wrongly --------------------------------------------------
def test_mixed_utf8_and_cp1252_lines_fail_unless_read_per_line(tmp_path: Path, good_run: dict[str, str]) -> None:
    src = tmp_path / "mixed.csv"
    rows = [GOOD_ROW.format(i) for i in range(30)]
    rows[3] = rows[3].replace("ward.", "ward café.")  # UTF-8
    body = ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")
    odd = GOOD_ROW.format(99).replace("ward.", "ward (£5 café).").encode("cp1252")
    src.write_bytes(body + odd + b"\n")
    with pytest.raises(DataError) as exc:
        prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1})
    msg = str(exc.value)
    assert "mixed.csv" in msg and "line(s) are not valid UTF-8 (lines 32)" in msg and "data.mixed_encoding" in msg
    assert_unchanged(good_run)
    df, m, _ = prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1,
                                  "mixed_encoding": "per_line"})
    text = df.set_index("id")["text"]
    assert "café." in text["N0003"] and "(£5 café)" in text["N0099"]
    assert m["encoding_fallback_lines"]["count"] == 1
    assert m["encoding_fallback_lines"]["first"] == {str(src): [32]}


def test_duplicated_csv_columns_are_named(tmp_path: Path, good_run: dict[str, str]) -> None:
    src = nrls_csv(tmp_path / "dup.csv")
    lines = src.read_text().splitlines()
    lines[0] = lines[0].replace("IN10", "IN07")
    src.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"dup.csv: duplicated column name\(s\): 'IN07' at columns 12, 13"):
        prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1})
    assert_unchanged(good_run)


def _nrls_parquet(path: Path, **replace: object) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = pd.read_csv(nrls_csv(path.with_suffix(".csv")), dtype=str, keep_default_na=False)
    table = pa.Table.from_pandas(df, preserve_index=False)
    for col, values in replace.items():
        table = table.set_column(table.schema.get_field_index(col), col, pa.array(values))
    pq.write_table(table, path)
    return path


def test_parquet_columns_of_the_wrong_type_are_named(tmp_path: Path, good_run: dict[str, str]) -> None:
    src = _nrls_parquet(tmp_path / "typed.parquet", IN07=[i % 2 == 0 for i in range(40)],
                        IN01=list(range(1_600_000_000, 1_600_000_040)))
    with pytest.raises(DataError) as exc:
        prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1})
    msg = str(exc.value)
    assert "typed.parquet" in msg and "text column 'IN07' is bool" in msg
    assert "date column 'IN01' is int64" in msg and "epoch" in msg and "data.date_column" in msg
    assert_unchanged(good_run)


def test_a_truncated_parquet_file_is_named(tmp_path: Path, good_run: dict[str, str]) -> None:
    src = _nrls_parquet(tmp_path / "cut.parquet")
    src.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises(DataError, match=r"cut.parquet: not a readable Parquet file .*truncated"):
        prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1})
    assert_unchanged(good_run)


def _dated_csv(path: Path, dates: list[str]) -> Path:
    rows = [GOOD_ROW.format(i).replace("2023-01-05", d, 1) for i, d in enumerate(dates)]
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def test_dates_that_do_not_parse_fail_above_the_limit(tmp_path: Path, good_run: dict[str, str]) -> None:
    src = _dated_csv(tmp_path / "d.csv", ["05/01/2023"] * 40)
    with pytest.raises(DataError) as exc:
        prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1})
    msg = str(exc.value)
    assert "d.csv: date column 'IN01': none of the 40" in msg and "'%Y-%m-%d'" in msg and "data.date_format" in msg
    assert_unchanged(good_run)
    src = _dated_csv(tmp_path / "d.csv", ["2023-01-05"] * 36 + ["unknown", "31/02/2023", "2023-02-30", ""])
    with pytest.raises(DataError, match=r"3 of 39 date value\(s\) \(7.7%\).*data.max_bad_date_fraction = 0.05"):
        prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1,
                           "max_bad_date_fraction": 0.05})
    assert_unchanged(good_run)
    _, m, _ = prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1,
                                 "max_bad_date_fraction": 0.1})
    d = m["dates"]
    assert (d["empty"], d["unparsed"], d["missing_or_unparsed"]) == (1, 3, 4)
    assert d["unparsed_examples"] == ["unknown", "##/##/####", "####-##-##"]  # digits masked in metrics


def test_day_month_order_must_be_known(tmp_path: Path, good_run: dict[str, str]) -> None:
    cols = {"columns": {"id": "RP01", "date": "IN01", "text_fields": ["IN07"]}, "min_label_count": 1}
    generic = {"preset": "generic", **cols}
    ambiguous = _dated_csv(tmp_path / "amb.csv", ["07/04/2016", "03/02/2016"] * 20)
    with pytest.raises(DataError, match=r"40 numeric date\(s\) such as 7/4/2016 could be day or month first.*"
                                        r"data.dayfirst"):
        prepare(tmp_path, {**generic, "source": str(ambiguous)})
    assert_unchanged(good_run)
    df, m, _ = prepare(tmp_path, {**generic, "source": str(ambiguous), "dayfirst": True})
    assert df["date"].iloc[0] == pd.Timestamp("2016-04-07") and m["dates"]["order_evidence"]["ambiguous"] == 40
    df, _, _ = prepare(tmp_path, {**generic, "source": str(ambiguous), "dayfirst": False})
    assert df["date"].iloc[0] == pd.Timestamp("2016-07-04")
    # LFPSE exports are read day first; month-first evidence with ambiguous dates is an error
    us = _dated_csv(tmp_path / "us.csv", ["12/25/2016", "07/04/2016"] * 20)
    lfpse = {**cols, "preset": "lfpse", "source": str(us), "labels": {"category": None, "harm": None}}
    with pytest.raises(DataError, match=r"20 month-first date\(s\).*data.dayfirst: false"):
        prepare(tmp_path, lfpse)
    df, _, _ = prepare(tmp_path, {**lfpse, "dayfirst": False})
    assert df["date"].iloc[1] == pd.Timestamp("2016-07-04")
    both = _dated_csv(tmp_path / "both.csv", ["25/12/2016", "12/25/2016", "07/04/2016"] * 14)
    with pytest.raises(DataError, match=r"both day-first \(14.*month-first \(14.*data.date_format"):
        prepare(tmp_path, {**generic, "source": str(both), "dayfirst": True})
