"""Each preset on small hand-written fixtures, and on the real VAERS and MAUDE files when present."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from incident_lm.core.params import load_section
from incident_lm.data.prepare import run
from incident_lm.data.presets import HARM_LEVELS, normalise_harm

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).parents[1] / ".." / "shared" / "data"
VAERS_DIR = SHARED / "vaers-1990-1996"
MAUDE_CSV = SHARED / "maude-device-events" / "combined_df.csv"


def prepare(tmp_path: Path, data: dict[str, Any], deid: dict[str, Any] | None = None
            ) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """Run the prepare stage on ``data``/``deid`` params inside ``tmp_path``; return its three outputs."""
    params = tmp_path / "params.yaml"
    # the fixtures are ten-row files with one unparseable date on purpose (1 in 10 is above the 0.05 default);
    # the date-limit tests set data.max_bad_date_fraction themselves
    data = {"max_bad_date_fraction": 0.2, **data}
    params.write_text(yaml.safe_dump({"data": data, "deid": deid or {}}))
    out = tmp_path / "data" / "prepared" / "reports.parquet"
    dm, deidm = tmp_path / "metrics" / "data.json", tmp_path / "metrics" / "deid.json"
    run(load_section("data", params), load_section("deid", params), out, dm, deidm)
    return pd.read_parquet(out), json.loads(dm.read_text()), json.loads(deidm.read_text())


def test_nrls_preset(tmp_path: Path) -> None:
    df, m, deid = prepare(tmp_path, {"source": str(FIXTURES / "nrls_small.csv"), "preset": "nrls",
                                     "min_label_count": 2, "field_labels": True})
    assert list(df.columns) == ["id", "date", "text", "category", "harm", "setting"]
    assert str(df["date"].dtype) == "datetime64[ns]"
    assert all(df[c].map(type).eq(str).all() for c in ("id", "text", "category", "harm", "setting"))
    # N0006 duplicates N0001, N0007 is too short, N0008 empty, the 9th row has no id
    assert df["id"].tolist() == ["N0001", "N0002", "N0003", "N0004", "N0005", "N0010"]
    assert m["rows_read"] == 10 and m["rows_kept"] == 6
    assert m["rows_dropped"] == {"unreadable": 0, "missing_id": 1, "empty_text": 1, "too_short": 1,
                                 "duplicate_text": 1, "duplicate_id": 0}
    first = df.iloc[0]["text"]
    assert first.startswith("What happened: Insulin dose omitted at 08:00 for Mr [PERSON] (NHS [NHS_NUMBER]).")
    assert "\nAction to prevent recurrence: Review of drug round timings." in first
    assert "\nApparent causes: Staffing shortfall" in first
    assert "John Smith" not in first and "5919" not in first
    # N0005 has only IN07: no empty labelled sections
    assert "Action to prevent" not in df.set_index("id").loc["N0005", "text"]
    # labels: counts below min_label_count=2 merged into Other
    assert m["labels"]["category"] == {"Medication": 2, "Other": 2, "Patient accident": 2}
    assert set(df["harm"]) == {"1 No harm", "Other"}
    assert df.set_index("id").loc["N0010", "date"] is pd.NaT
    assert m["dates"]["missing_or_unparsed"] == 1
    assert m["preset"] == "nrls" and m["encoding"][str(FIXTURES / "nrls_small.csv")] == "utf-8"
    assert m["redactions"]["NHS_NUMBER"] == 2 and m["redactions"]["PERSON"] == 4  # both copies of N0001
    assert deid["truth"] is None and deid["redactions"]["DATE"] == 1
    assert set(m["text_words"]) == {"min", "p5", "p25", "median", "p75", "p95", "max"}


def test_lfpse_preset_maps_harm_and_optional_roles(tmp_path: Path) -> None:
    df, m, _ = prepare(tmp_path, {"source": str(FIXTURES / "lfpse_small.csv"), "preset": "lfpse",
                                  "min_label_count": 1, "dayfirst": True})
    assert list(df.columns) == ["id", "date", "text", "category", "harm", "setting", "psychological_harm"]
    assert df["harm"].tolist() == ["1 No harm", "2 Low", "3 Moderate", "1 No harm", "5 Death"]
    assert df["category"].tolist() == ["Incident", "Incident", "Outcome", "Risk", "Incident"]
    assert df["date"].iloc[0] == pd.Timestamp(2024, 1, 5)
    assert "Dr [PERSON]" in df["text"].iloc[1]
    assert m["text_fields"] == ["Describe what happened", "What was done immediately", "Why did it happen"]


def test_lfpse_columns_can_be_overridden(tmp_path: Path) -> None:
    csv = tmp_path / "export.csv"
    src = pd.read_csv(FIXTURES / "lfpse_small.csv", dtype=str, keep_default_na=False)
    src.rename(columns={"Event ID": "Reference", "Describe what happened": "Description",
                        "Physical harm": "Harm (physical)"}).to_csv(csv, index=False)
    df, m, _ = prepare(tmp_path, {"source": str(csv), "preset": "lfpse", "min_label_count": 1,
                                  "columns": {"id": "Reference", "text_fields": ["Description"]},
                                  "labels": {"harm": "Harm (physical)", "psychological_harm": None}})
    assert df["id"].tolist() == ["L-001", "L-002", "L-003", "L-004", "L-005"]
    assert "psychological_harm" not in df.columns
    assert df["harm"].iloc[4] == "5 Death"
    assert m["text_fields"] == ["Description"]


def test_generic_preset_strips_column_prefixes_and_merges_case(tmp_path: Path) -> None:
    df, m, _ = prepare(tmp_path, {"source": str(FIXTURES / "generic_small.csv"), "preset": "generic",
                                  "columns": {"id": "ref", "date": "when", "text_fields": ["narrative"]},
                                  "labels": {"category": "Event Type", "setting": "unit"}, "min_label_count": 1})
    assert df["category"].tolist() == ["Device", "Labelling", "Communication", "Device"]
    assert df["setting"].tolist() == ["ICU", "Ward 3", "Ward 5", "ICU"]
    assert df["date"].iloc[3] == pd.Timestamp(2024, 5, 4)
    assert m["preset"] == "generic"


def test_generic_preset_needs_text_columns(tmp_path: Path) -> None:
    from incident_lm.core.params import ParamsError

    with pytest.raises(ParamsError, match=r"data\.columns\.text_fields or data\.text_fields"):
        prepare(tmp_path, {"source": str(FIXTURES / "generic_small.csv"), "preset": "generic"})


def test_vaers_preset_on_a_fixture_in_the_real_layout(tmp_path: Path) -> None:
    df, m, _ = prepare(tmp_path, {"source": str(FIXTURES / "vaers"), "preset": "vaers", "min_label_count": 1})
    assert list(df.columns) == ["id", "date", "text", "category", "harm"]
    assert df["id"].tolist() == ["025001", "025002", "025003", "025004", "025005"]  # leading zeros kept
    assert df["harm"].tolist() == ["0 Non-serious", "5 Death", "1 ER/doctor visit", "3 Disability",
                                   "2 Hospitalised"]
    assert df["category"].tolist() == ["DTP", "Multiple", "MMR", "FLU3", "MMR"]
    assert df["date"].iloc[0] == pd.Timestamp(1990, 7, 2)
    assert m["encoding"][str(FIXTURES / "vaers" / "1990VAERSDATA.csv")] == "latin-1"


def test_vaers_without_vax_file_is_a_clear_error(tmp_path: Path) -> None:
    from incident_lm.core.errors import DataError

    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "1990VAERSDATA.csv").write_bytes((FIXTURES / "vaers" / "1990VAERSDATA.csv").read_bytes())
    with pytest.raises(DataError, match="1990VAERSVAX.csv"):
        prepare(tmp_path, {"source": str(tmp_path / "v"), "preset": "vaers"})


def test_normalise_harm() -> None:
    assert [normalise_harm(v) for v in ("No physical harm", "Low physical harm", "Moderate psychological harm",
                                        "Severe physical harm", "Fatal", "3", "1 No harm", "Weird")] == [
        "1 No harm", "2 Low", "3 Moderate", "4 Severe", "5 Death", "3 Moderate", "1 No harm", "Weird"]
    assert len(HARM_LEVELS) == 5


@pytest.mark.skipif(not VAERS_DIR.exists(), reason="shared VAERS data not present")
def test_vaers_preset_on_real_data(tmp_path: Path) -> None:
    df, m, _ = prepare(tmp_path, {"source": str(VAERS_DIR), "preset": "vaers", "years": [1990, 1991],
                                  "min_label_count": 20})
    assert m["files_read"] == [str(VAERS_DIR / "1990VAERSDATA.csv"), str(VAERS_DIR / "1991VAERSDATA.csv")]
    assert 10_000 < m["rows_kept"] <= m["rows_read"]
    assert df["id"].str.fullmatch(r"\d{6}").all()
    assert df["id"].is_unique
    harm = m["labels"]["harm"]
    assert set(harm) == {"0 Non-serious", "1 ER/doctor visit", "2 Hospitalised", "3 Disability",
                         "4 Life-threatening", "5 Death"}
    # non-serious reports dominate, deaths are a small minority
    assert max(harm, key=harm.get) == "0 Non-serious"
    assert 0 < harm["5 Death"] < 0.1 * m["rows_kept"]
    cats = m["labels"]["category"]
    assert {"DTP", "MMR", "Multiple"} <= set(cats)
    assert df["date"].between(pd.Timestamp(1990, 1, 1), pd.Timestamp(1992, 1, 31)).all()
    assert m["rows_dropped"]["unreadable"] == 0


@pytest.mark.skipif(not MAUDE_CSV.exists(), reason="shared MAUDE data not present")
def test_maude_as_messy_generic_input(tmp_path: Path) -> None:
    df, m, _ = prepare(tmp_path, {"source": str(MAUDE_CSV), "preset": "generic",
                                  "columns": {"id": "MDRFOI ID", "date": "Event Date",
                                              "text_fields": ["Event Description", "Manufacturer Narrative"]},
                                  "labels": {"category": "Event Type"}, "date_format": "%m/%d/%Y",
                                  "min_label_count": 5})
    assert m["rows_read"] == 1995
    # "Event Type\xa0 Injury" -> "Injury": no value keeps the column-name prefix or the non-breaking space
    assert not df["category"].str.contains("Event Type|\xa0").any()
    assert {"Injury", "Death"} <= set(df["category"])
    # duplicated descriptions (multi-device reports, swapped narrative columns) are dropped and counted
    assert m["rows_dropped"]["duplicate_text"] > 100
    assert m["duplicates"]["total"] == m["rows_dropped"]["duplicate_text"] + m["rows_dropped"]["duplicate_id"]
    assert df["date"].notna().mean() > 0.95
    assert df.set_index("id").loc["20112651", "date"] == pd.Timestamp(2024, 8, 12)
    years = df["date"].dropna().dt.year
    assert years.between(2000, 2024).all() and years.eq(2024).mean() > 0.9  # month first: 08/12/2024 is August
    assert not df["text"].str.contains("\xa0").any()
