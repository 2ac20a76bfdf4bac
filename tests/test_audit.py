"""The governance audit: planted identifiers are found wherever an artefact can hold text, and only there."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from incident_lm.audit import Auditor, distinctive_tokens, main, pickle_strings
from incident_lm.deid.score import contains_value

RAW = pd.DataFrame({
    "RP01": ["A1", "A2", "A3"],
    "IN07": ["Seen by Arjun Lindqvist on 6/6 after a fall.", "BP 136/69, fall in bay 2, Dr Smith informed.",
             "Email m.hassan3@example.nhs.uk about the fall."],
    "IN10": ["Smith to review.", "", None],
})
_PLANTED = [("A1", "PERSON", "Arjun Lindqvist"), ("A1", "DATE", "6/6"), ("A2", "PERSON", "Smith"),
            ("A3", "EMAIL", "m.hassan3@example.nhs.uk")]
TRUTH = pd.DataFrame([
    {"RP01": doc, "field": "IN07", "start": (s := RAW.set_index("RP01").loc[doc, "IN07"].find(v)),
     "end": s + len(v), "type": typ, "value": v} for doc, typ, v in _PLANTED])


def test_truth_spans_match_values() -> None:
    for doc, fld, s, e, value in TRUTH[["RP01", "field", "start", "end", "value"]].itertuples(index=False):
        assert RAW.set_index("RP01").loc[doc, fld][s:e] == value


def test_contains_value_needs_whole_words() -> None:
    assert contains_value("seen on 6/6.", "6/6")
    assert not contains_value("BP 136/69", "6/6")
    assert contains_value("ARJUN  LINDQVIST mrn", "Arjun Lindqvist")
    assert not contains_value("Arjunlindqvist", "Arjun Lindqvist")
    assert not contains_value("anything", "")


def test_distinctive_tokens_are_only_inside_identifier_spans() -> None:
    dist = distinctive_tokens(RAW, TRUTH, "RP01", ["IN07", "IN10"])
    # "smith" is also outside a span (IN10 of A1); "6" is too short; "nhs" and "example" only in the email
    assert dist == {"arjun": "PERSON", "lindqvist": "PERSON", "hassan3": "EMAIL", "example": "EMAIL",
                    "nhs": "EMAIL"}


def _auditor() -> Auditor:
    truth = TRUTH.rename(columns={"RP01": "doc"})
    return Auditor(truth, distinctive_tokens(RAW, TRUTH, "RP01", ["IN07", "IN10"]), exempt_tokens={"example"})


def _write_clean_artefacts(root: Path) -> None:
    (root / "data").mkdir()
    pd.DataFrame({"id": ["A1", "A2", "A3"],
                  "text": ["Seen by [PERSON] on [DATE] after a fall.", "BP 136/69, fall in bay 2, Dr [PERSON]",
                           "Email [EMAIL] about the fall."]}).to_parquet(root / "data" / "reports.parquet")
    (root / "models").mkdir()
    (root / "models" / "vocab.pkl").write_bytes(pickle.dumps({"vocabulary_": {"fall": 0, "bay": 1}}))
    np.savez(root / "models" / "state.npz", words=np.array(["fall", "bay"]), idf=np.ones(2))
    np.save(root / "models" / "vectors.npy", np.zeros((2, 3), dtype=np.float32))
    (root / "models" / "tokenizer.json").write_text(json.dumps({"model": {"vocab": {"example": 0, "fall": 1}}}))
    (root / "metrics").mkdir()
    (root / "metrics" / "m.json").write_text(json.dumps({"macro_f1": 0.6, "labels": ["Falls"]}))
    (root / "reports").mkdir()
    (root / "reports" / "r.md").write_text("# Neighbours of fall\n\nslip, trip\n")


def test_clean_artefacts_pass(tmp_path: Path) -> None:
    _write_clean_artefacts(tmp_path)
    res = _auditor().scan(["data", "models", "metrics", "reports", "absent"], tmp_path)
    assert res.clean, res.findings
    assert res.files_skipped == {"models/vectors.npy": "numeric arrays: float32"}
    assert set(res.files_scanned) == {"data/reports.parquet", "models/vocab.pkl", "models/state.npz",
                                      "models/tokenizer.json", "metrics/m.json", "reports/r.md"}


@pytest.mark.parametrize("plant", ["parquet", "pickle", "npz", "json", "markdown", "tokenizer"])
def test_each_kind_of_leak_is_found(tmp_path: Path, plant: str) -> None:
    _write_clean_artefacts(tmp_path)
    if plant == "parquet":  # a value left in its own report
        df = pd.read_parquet(tmp_path / "data" / "reports.parquet")
        df.loc[0, "text"] = "Seen by [PERSON] on 6/6 after a fall."
        df.to_parquet(tmp_path / "data" / "reports.parquet")
        expected = ("data/reports.parquet", "value", "DATE")
    elif plant == "pickle":
        (tmp_path / "models" / "vocab.pkl").write_bytes(pickle.dumps({"vocabulary_": {"fall": 0, "lindqvist": 1}}))
        expected = ("models/vocab.pkl", "token", "PERSON")
    elif plant == "npz":
        np.savez(tmp_path / "models" / "state.npz", words=np.array(["fall", "arjun"]), idf=np.ones(2))
        expected = ("models/state.npz", "token", "PERSON")
    elif plant == "json":
        (tmp_path / "metrics" / "m.json").write_text(json.dumps({"examples": ["hassan3 called"]}))
        expected = ("metrics/m.json", "token", "EMAIL")
    elif plant == "markdown":
        (tmp_path / "reports" / "r.md").write_text("# Neighbours of fall\n\nLINDQVIST, slip\n")
        expected = ("reports/r.md", "token", "PERSON")
    else:  # a tokenizer vocabulary may hold base-model words ("example"), not words learnt from the data
        (tmp_path / "models" / "tokenizer.json").write_text(json.dumps({"model": {"vocab": {"example": 0,
                                                                                           "nhs": 1}}}))
        expected = ("models/tokenizer.json", "token", "EMAIL")
    res = _auditor().scan(["data", "models", "metrics", "reports"], tmp_path)
    assert not res.clean
    assert [(f.file, f.kind, f.type) for f in res.findings] == [expected]
    assert "lindqvist" not in json.dumps(res.to_dict()).lower()  # the audit itself masks what it finds


def test_unknown_file_types_are_not_passed_silently(tmp_path: Path) -> None:
    _write_clean_artefacts(tmp_path)
    (tmp_path / "models" / "weights.xyz").write_bytes(b"\x00\x01")
    res = _auditor().scan(["models"], tmp_path)
    assert not res.clean and res.files_unscanned == {"models/weights.xyz": "unknown format '.xyz'"}


def test_pickle_strings_reads_without_unpickling() -> None:
    class Boom:
        def __reduce__(self):  # would run on unpickling
            return (pytest.fail, ("unpickled",))

    data = pickle.dumps({"word": Boom(), "other": ["lindqvist"]})
    assert {"word", "other", "lindqvist"} <= set(pickle_strings(data))


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_strings_reads_string_arrays_not_numeric_buffers(protocol: int) -> None:
    # float32 values whose bytes hold the letters "3an" between bytes that are not UTF-8: read leniently, the
    # buffer of a numeric array yields a token that is in no text
    floats = np.frombuffer(b"\xff3an\xfe\xfd\xfc\xfb" * 50, dtype="<f4")
    names = np.array(["lindqvist", "hassan3"])  # full-width items: no NUL between them in the buffer
    data = pickle.dumps({"idf_": floats, "classes_": names, "codes": np.array([b"arjun", b"nhs"])}, protocol=protocol)
    strings = list(pickle_strings(data))
    tokens = {t for s in strings for t in s.lower().split()}
    assert {"lindqvist", "hassan3", "arjun", "nhs"} <= tokens
    assert not any("3an" in s for s in strings)


def test_cli_exit_status_and_masked_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    RAW.to_csv(tmp_path / "raw.csv", index=False)
    TRUTH.to_csv(tmp_path / "truth.csv", index=False)
    _write_clean_artefacts(tmp_path)
    monkeypatch.chdir(tmp_path)
    # IN11 is absent from this raw file: the CLI's default fields are the NRLS ones, so name them
    args = ["--raw", "raw.csv", "--truth", "truth.csv", "--text-fields", "IN07", "IN10", "--out", "audit.json",
            "--roots", "data", "models", "metrics", "reports"]
    assert main(args) == 0
    assert json.loads((tmp_path / "audit.json").read_text())["clean"] is True
    (tmp_path / "reports" / "r.md").write_text("Arjun Lindqvist")
    assert main(args) == 1
    out = json.loads((tmp_path / "audit.json").read_text())
    assert out["n_findings"] == 2 and out["findings_by_type"] == {"PERSON": 2}


def test_cli_reads_truth_from_params_and_skips_without_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    RAW.assign(IN11="").to_csv(tmp_path / "raw.csv", index=False)
    TRUTH.to_csv(tmp_path / "truth.csv", index=False)
    _write_clean_artefacts(tmp_path)
    (tmp_path / "reports" / "r.md").write_text("Arjun Lindqvist")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text("data: {source: raw.csv}\ndeid: {truth: truth.csv}\n")
    assert main(["--roots", "reports"]) == 1
    (tmp_path / "params.yaml").write_text("data: {source: raw.csv}\ndeid: {truth: null}\n")
    capsys.readouterr()
    assert main(["--roots", "reports", "--out", "audit.json"]) == 0  # nothing planted to search for ...
    assert "the residual-risk scan is the audit" in capsys.readouterr().out
    out = json.loads((tmp_path / "audit.json").read_text())
    assert out["truth"] is None and out["residual"]["hits"] == 0 and out["residual"]["n_files"] == 1


def test_without_truth_the_residual_scan_audits_every_artefact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    _write_clean_artefacts(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text("data: {source: raw.csv}\ndeid: {truth: null, max_residual: 1}\n")
    args = ["--roots", "data", "models", "metrics", "reports", "--out", "audit.json"]
    assert main(args) == 0
    # leftovers of two kinds in two artefacts: a report table and a metrics file
    pd.DataFrame({"id": ["B1"], "text": ["Wrong band: NHS 943-476-5919 on the wrist"]}).to_parquet(
        tmp_path / "data" / "leak.parquet")
    (tmp_path / "metrics" / "x.json").write_text(json.dumps({"note": "ring ward on 07700 900123"}))
    assert main(args) == 1  # two hits, above deid.max_residual = 1
    res = json.loads((tmp_path / "audit.json").read_text())["residual"]
    assert res["by_file"] == {"data/leak.parquet": {"NHS_NUMBER": 1}, "metrics/x.json": {"PHONE": 1}}
    assert res["pass"] is False and res["hits"] == 2
    assert {it["id"] for it in res["sample"]} == {"B1", "metrics/x.json json"}
    assert "5919" not in json.dumps(res["sample"]) and "900123" not in json.dumps(res["sample"])
    (tmp_path / "params.yaml").write_text("data: {source: raw.csv}\ndeid: {truth: null}\n")
    assert main(args) == 0  # no limit: counted and sampled, not failed


def test_svg_geometry_is_not_scanned_but_text_in_a_page_is(tmp_path: Path) -> None:
    from incident_lm.audit import residual_audit
    page = ('<html><body><svg><g id="patch_1"><path d="M 0 538.568577 L 675.549062 538.568577 z"/>'
            '<g transform="translate(0 -421.369881)"></g></svg><p>{}</p></body></html>')
    (tmp_path / "clean.html").write_text(page.format("Fall in bay 3"))
    (tmp_path / "leak.html").write_text(page.format("ring NOK on 07700 900123"))
    assert residual_audit(["clean.html"], base=tmp_path)["hits"] == 0
    assert residual_audit(["leak.html"], base=tmp_path)["by_type"]["PHONE"] == 1
