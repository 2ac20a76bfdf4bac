"""Unit tests for incident_lm.core.params: typed getters, the dataclass reader, errors naming file and key."""

from __future__ import annotations

import dataclasses
import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml

from incident_lm.core.params import (
    ParamsError,
    Section,
    as_plain,
    load_params,
    load_section,
    param,
    read_section,
)
from tests.conftest import ROOT

SRC = "cfg/params.yaml"


@pytest.fixture
def sec() -> Section:
    return Section(
        {
            "n": 5,
            "zero": 0,
            "ratio": 0.25,
            "whole": 3,
            "name": "tfidf",
            "flag": True,
            "items": ["a", "b"],
            "pair": ("x", 1),
            "nothing": None,
            "inner": {"k": 10, "deeper": {"m": "v"}},
            "empty_inner": None,
        },
        "evaluate",
        SRC,
    )


def write_yaml(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


# --- loading ---------------------------------------------------------------

def test_load_params_reads_whole_file(tmp_path: Path) -> None:
    p = write_yaml(tmp_path / "params.yaml", {"a": {"x": 1}, "b": {"y": [1, 2]}})
    assert load_params(p) == {"a": {"x": 1}, "b": {"y": [1, 2]}}


def test_load_params_empty_file_is_empty_dict(tmp_path: Path) -> None:
    p = tmp_path / "params.yaml"
    p.write_text("", encoding="utf-8")
    assert load_params(p) == {}


def test_load_params_missing_file_names_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ParamsError, match="not found") as exc:
        load_params(missing)
    assert str(missing) in str(exc.value)


def test_load_params_top_level_must_be_mapping(tmp_path: Path) -> None:
    p = write_yaml(tmp_path / "params.yaml", [1, 2, 3])
    with pytest.raises(ParamsError, match="top level must be a mapping") as exc:
        load_params(p)
    assert str(p) in str(exc.value)


def test_load_section_returns_section_with_name_and_source(tmp_path: Path) -> None:
    p = write_yaml(tmp_path / "params.yaml", {"tfidf": {"min_df": 3}, "count": {}})
    s = load_section("tfidf", p)
    assert isinstance(s, Section)
    assert s.name == "tfidf"
    assert s.source == str(p)
    assert s.int("min_df") == 3
    assert dict(s) == {"min_df": 3}


def test_load_section_missing_section_names_it_and_file(tmp_path: Path) -> None:
    p = write_yaml(tmp_path / "params.yaml", {"tfidf": {"min_df": 3}})
    with pytest.raises(ParamsError, match="missing section 'split'") as exc:
        load_section("split", p)
    assert str(p) in str(exc.value)


def test_load_section_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="not found"):
        load_section("tfidf", tmp_path / "absent.yaml")


def test_load_section_null_section_is_empty(tmp_path: Path) -> None:
    p = tmp_path / "params.yaml"
    p.write_text("deid:\n", encoding="utf-8")
    s = load_section("deid", p)
    assert len(s) == 0
    assert s.int("x", 7) == 7


def test_load_section_non_mapping_section_raises(tmp_path: Path) -> None:
    p = write_yaml(tmp_path / "params.yaml", {"split": [1, 2]})
    with pytest.raises(ParamsError, match="'split' must be a mapping, got list") as exc:
        load_section("split", p)
    assert str(p) in str(exc.value)


# --- mapping protocol --------------------------------------------------------

def test_mapping_protocol(sec: Section) -> None:
    assert sec["n"] == 5
    assert "n" in sec
    assert len(sec) == 11
    assert list(sec)[:2] == ["n", "zero"]
    assert sec.to_dict()["name"] == "tfidf"
    assert "evaluate" in repr(sec)


def test_membership_and_get_of_missing_key_follow_mapping_contract(sec: Section) -> None:
    assert "missing" not in sec
    assert sec.get("missing", 3) == 3


def test_to_dict_is_a_copy(sec: Section) -> None:
    d = sec.to_dict()
    d["n"] = 99
    assert sec["n"] == 5


def test_section_copies_input_data() -> None:
    data = {"a": 1}
    s = Section(data, "x")
    data["a"] = 2
    assert s["a"] == 1


def test_getitem_missing_names_file_and_dotted_key(sec: Section) -> None:
    with pytest.raises(ParamsError) as exc:
        sec["absent"]
    msg = str(exc.value)
    assert SRC in msg
    assert "'evaluate.absent'" in msg


def test_params_error_is_value_error() -> None:
    assert issubclass(ParamsError, ValueError)


def test_key_with_and_without_section_name() -> None:
    assert Section({}, "a.b").key("c") == "a.b.c"
    assert Section({}, "").key("c") == "c"


def test_error_message_includes_value(sec: Section) -> None:
    err = sec.error("n", "is wrong")
    assert isinstance(err, ParamsError)
    assert str(err) == f"{SRC}: 'evaluate.n' = 5: is wrong"
    assert "<missing>" in str(sec.error("absent", "needed"))


def test_non_mapping_data_raises() -> None:
    with pytest.raises(ParamsError, match="'tfidf' must be a mapping, got int"):
        Section(3, "tfidf", SRC)  # type: ignore[arg-type]


# --- int ------------------------------------------------------------------

def test_int_present_and_default(sec: Section) -> None:
    assert sec.int("n") == 5
    assert sec.int("absent", 42) == 42
    assert sec.int("absent", None) is None


def test_int_missing_without_default_names_key(sec: Section) -> None:
    with pytest.raises(ParamsError, match=r"'evaluate\.absent'"):
        sec.int("absent")


@pytest.mark.parametrize("key", ["ratio", "name", "flag", "items", "nothing"])
def test_int_rejects_non_integers(sec: Section, key: str) -> None:
    with pytest.raises(ParamsError, match="expected an integer") as exc:
        sec.int(key)
    assert f"'evaluate.{key}'" in str(exc.value)
    assert SRC in str(exc.value)


def test_int_min(sec: Section) -> None:
    assert sec.int("n", min=5) == 5
    with pytest.raises(ParamsError, match="must be >= 6") as exc:
        sec.int("n", min=6)
    assert "'evaluate.n' = 5" in str(exc.value)
    with pytest.raises(ParamsError, match="must be >= 1"):
        sec.int("zero", min=1)


def test_int_default_is_also_checked_against_min(sec: Section) -> None:
    with pytest.raises(ParamsError, match="must be >= 1"):
        sec.int("absent", 0, min=1)


# --- float ----------------------------------------------------------------

def test_float_accepts_ints_and_returns_float(sec: Section) -> None:
    v = sec.float("whole")
    assert v == 3.0 and isinstance(v, float)
    assert sec.float("ratio") == 0.25
    assert sec.float("absent", 1.5) == 1.5
    assert sec.float("absent", None) is None


@pytest.mark.parametrize("key", ["name", "flag", "items"])
def test_float_rejects_non_numbers(sec: Section, key: str) -> None:
    with pytest.raises(ParamsError, match="expected a number") as exc:
        sec.float(key)
    assert f"'evaluate.{key}'" in str(exc.value)


def test_float_bounds(sec: Section) -> None:
    assert sec.float("ratio", min=0.25, max=0.25) == 0.25
    with pytest.raises(ParamsError, match="must be >= 0.5"):
        sec.float("ratio", min=0.5)
    with pytest.raises(ParamsError, match="must be <= 0.1") as exc:
        sec.float("ratio", max=0.1)
    assert "'evaluate.ratio' = 0.25" in str(exc.value)


# --- str / bool / list ---------------------------------------------------------

def test_str(sec: Section) -> None:
    assert sec.str("name") == "tfidf"
    assert sec.str("absent", "dflt") == "dflt"
    with pytest.raises(ParamsError, match="expected a string"):
        sec.str("n")


def test_bool(sec: Section) -> None:
    assert sec.bool("flag") is True
    assert sec.bool("absent", False) is False
    with pytest.raises(ParamsError, match="expected true or false") as exc:
        sec.bool("zero")  # 0 is not a bool
    assert "'evaluate.zero'" in str(exc.value)
    with pytest.raises(ParamsError, match="expected true or false"):
        sec.bool("name")


def test_list(sec: Section) -> None:
    assert sec.list("items") == ["a", "b"]
    out = sec.list("pair")
    assert out == ["x", 1] and isinstance(out, list)
    assert sec.list("absent", []) == []
    assert sec.list("absent", None) is None
    with pytest.raises(ParamsError, match="expected a list"):
        sec.list("name")  # a string is not a list


def test_list_returns_copy(sec: Section) -> None:
    out = sec.list("items")
    out.append("c")
    assert sec.list("items") == ["a", "b"]


def test_explicit_null_with_non_null_default_is_rejected(sec: Section) -> None:
    # A key that is present but null does not silently fall back to the default.
    with pytest.raises(ParamsError, match="expected an integer"):
        sec.int("nothing", 3)


# --- choice -----------------------------------------------------------------------

def test_choice(sec: Section) -> None:
    assert sec.choice("name", ["count", "tfidf"]) == "tfidf"
    assert sec.choice("absent", ["a", "b"], "b") == "b"


def test_choice_invalid_lists_options_and_key(sec: Section) -> None:
    with pytest.raises(ParamsError) as exc:
        sec.choice("name", ["stratified", "time"])
    msg = str(exc.value)
    assert "must be one of stratified, time" in msg
    assert "'evaluate.name' = 'tfidf'" in msg
    assert SRC in msg


def test_choice_invalid_default_raises(sec: Section) -> None:
    with pytest.raises(ParamsError, match="must be one of a, b"):
        sec.choice("absent", ["a", "b"], "c")


def test_choice_non_string_raises(sec: Section) -> None:
    with pytest.raises(ParamsError, match="expected a string"):
        sec.choice("n", ["5"])


# --- sub-sections ------------------------------------------------------------------

def test_sub_section_has_dotted_name_and_same_source(sec: Section) -> None:
    inner = sec.sub("inner")
    assert inner.name == "evaluate.inner"
    assert inner.source == SRC
    assert inner.int("k") == 10
    deeper = inner.sub("deeper")
    assert deeper.name == "evaluate.inner.deeper"
    assert deeper.str("m") == "v"


def test_sub_section_errors_name_nested_key(sec: Section) -> None:
    with pytest.raises(ParamsError) as exc:
        sec.sub("inner").int("absent")
    assert "'evaluate.inner.absent'" in str(exc.value)
    assert SRC in str(exc.value)
    with pytest.raises(ParamsError, match=r"'evaluate\.inner\.deeper\.m' = 'v': expected an integer"):
        sec.sub("inner").sub("deeper").int("m")


def test_sub_missing_without_default_raises(sec: Section) -> None:
    with pytest.raises(ParamsError, match=r"missing key 'evaluate\.probe'"):
        sec.sub("probe")


def test_sub_missing_with_default(sec: Section) -> None:
    probe = sec.sub("probe", {})
    assert len(probe) == 0 and probe.name == "evaluate.probe"
    assert probe.float("C", 1.0) == 1.0
    given = sec.sub("probe", {"C": 2})
    assert given.float("C") == 2.0


def test_sub_null_is_empty_section(sec: Section) -> None:
    s = sec.sub("empty_inner")
    assert len(s) == 0
    assert s.int("x", 1) == 1


def test_sub_non_mapping_raises_naming_dotted_key(sec: Section) -> None:
    with pytest.raises(ParamsError, match="'evaluate.name' must be a mapping, got str"):
        sec.sub("name")


# --- the dataclass reader ----------------------------------------------------------

@dataclass(frozen=True)
class Inner:
    k: int = param(10, min=1)
    name: str | None = None


@dataclass(frozen=True)
class Outer:
    required: str = param()
    n: int = param(5, min=0, max=9)
    ratio: float = param(0.5, min=0.0, max=1.0)
    flag: bool = False
    mode: Literal["fast", "slow"] = "fast"
    level: str = param("low", choices=("low", "high"))
    words: tuple[str, ...] = ("a",)
    sizes: tuple[int, ...] = param((), item_min=2)
    when: str | None = param(None, date=True)
    table: dict[str, int] = param(default_factory=dict)
    inner: Inner = param(default_factory=Inner)
    anything: Any = None
    hidden: tuple[str, ...] = dataclasses.field(default=(), metadata={"internal": True})

    def __post_init__(self) -> None:
        if self.flag and self.n == 0:
            raise ValueError("n: must be > 0 when flag is true")

    def check(self, section: Section) -> None:
        if self.mode == "slow" and self.ratio > 0.9:
            raise section.error("ratio", "too high for slow mode")


def read(data: dict) -> Outer:
    return read_section(Outer, Section(data, "outer", SRC))


def test_reader_defaults_and_typed_values() -> None:
    assert read({"required": "x"}) == Outer(required="x")
    cfg = read({"required": "x", "n": 3, "ratio": 1, "flag": True, "mode": "fast", "level": "high",
                "words": ["p", "q"], "sizes": [2, 3], "when": datetime.date(2023, 1, 2), "table": {"a": 1},
                "inner": {"k": 2, "name": "z"}, "anything": [1, {"x": None}]})
    assert cfg.ratio == 1.0 and isinstance(cfg.ratio, float) and cfg.words == ("p", "q") and cfg.sizes == (2, 3)
    assert cfg.when == "2023-01-02" and cfg.inner == Inner(k=2, name="z") and cfg.table == {"a": 1}
    assert read({"required": "x", "when": "2024-02-29", "inner": None}).inner == Inner()


@pytest.mark.parametrize(("data", "key", "message"), [
    ({}, "outer.required", "missing key"),
    ({"required": 3}, "outer.required", "expected a string"),
    ({"required": "x", "n": 10}, "outer.n", "must be <= 9"),
    ({"required": "x", "n": -1}, "outer.n", "must be >= 0"),
    ({"required": "x", "n": 2.5}, "outer.n", "expected an integer"),
    ({"required": "x", "n": True}, "outer.n", "expected an integer"),
    ({"required": "x", "ratio": "half"}, "outer.ratio", "expected a number"),
    ({"required": "x", "flag": "yes"}, "outer.flag", "true or false"),
    ({"required": "x", "mode": "medium"}, "outer.mode", "must be one of fast, slow"),
    ({"required": "x", "level": "mid"}, "outer.level", "must be one of low, high"),
    ({"required": "x", "words": "p"}, "outer.words", "expected a list"),
    ({"required": "x", "words": ["p", 3]}, "outer.words.1", "expected a string"),
    ({"required": "x", "sizes": [2, 1]}, "outer.sizes.1", "must be >= 2"),
    ({"required": "x", "when": "2023-13-01"}, "outer.when", "expected a date YYYY-MM-DD"),
    ({"required": "x", "table": {"a": "b"}}, "outer.table.a", "expected an integer"),
    ({"required": "x", "inner": {"k": 0}}, "outer.inner.k", "must be >= 1"),
    ({"required": "x", "inner": {"kk": 1}}, "outer.inner.kk", "unknown key"),
    ({"required": "x", "inner": 3}, "outer.inner", "must be a mapping"),
    ({"required": "x", "extra": 1}, "outer.extra", "unknown key"),
    ({"required": "x", "hidden": ["a"]}, "outer.hidden", "unknown key"),  # internal: not a params key
    ({"required": "x", "flag": True, "n": 0}, "outer.n", "must be > 0 when flag is true"),  # __post_init__
    ({"required": "x", "mode": "slow", "ratio": 0.95}, "outer.ratio", "too high for slow mode"),  # check()
])
def test_reader_errors_name_the_full_key_and_file(data: dict, key: str, message: str) -> None:
    with pytest.raises(ParamsError, match=message) as exc:
        read(data)
    assert f"'{key}'" in str(exc.value) and SRC in str(exc.value)


def test_reader_unknown_key_lists_the_accepted_ones() -> None:
    with pytest.raises(ParamsError) as exc:
        read({"required": "x", "ration": 0.5})
    assert "accepted in 'outer'" in str(exc.value) and "ratio" in str(exc.value) and "hidden" not in str(exc.value)


def test_reader_ignore_leaves_keys_to_the_caller() -> None:
    cfg = read_section(Outer, Section({"required": "x", "mine": 1, "n": 7}, "outer"), ignore=("mine", "n"))
    assert cfg.n == 5  # an ignored field keeps its default


def test_as_plain_is_json_ready() -> None:
    plain = as_plain(Outer(required="x", words=("p",)))
    assert plain["words"] == ["p"] and plain["inner"] == {"k": 10, "name": None}
    json.dumps(plain)


def test_every_params_section_reads_with_the_one_reader() -> None:
    """The committed params.yaml: every stage's section goes through read_section without error."""
    from incident_lm.data.config import DataConfig
    from incident_lm.data.split import SplitConfig
    from incident_lm.deid import DeidConfig
    from incident_lm.evaluate.compare import CompareConfig
    from incident_lm.evaluate.fasttext_classifier import FastTextClassifierConfig
    from incident_lm.evaluate.protocol import EvalConfig
    from incident_lm.lm.config import ScratchConfig, TuneConfig
    from incident_lm.synthetic import SyntheticConfig
    from incident_lm.wordvec.train import FastTextParams

    path = ROOT / "params.yaml"
    for name, cls in [("deid", DeidConfig), ("split", SplitConfig), ("compare", CompareConfig),
                      ("fasttext_supervised", FastTextClassifierConfig), ("evaluate", EvalConfig),
                      ("fasttext", FastTextParams), ("synthetic", SyntheticConfig)]:
        read_section(cls, load_section(name, path))
    DataConfig.from_section(load_section("data", path))
    assert TuneConfig.from_section(load_section("tune_lm", path)).phases == ("mlm", "simcse")
    ScratchConfig.from_section(load_section("scratch_lm", path))
