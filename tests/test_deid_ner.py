"""The opt-in NER model of de-identification (``deid.ner``), tested with a tiny spaCy pipeline built here (an
entity ruler with made-up PERSON patterns), never with a downloaded model.

Tests that need spaCy skip without it, and fail under ``CI=true`` (``requirements.txt`` pins it). The tests of
``deid.ner: null`` and of most errors need no spaCy at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from incident_lm.core.errors import ParamsError
from incident_lm.deid import Deidentifier
from incident_lm.deid.ner import NERNames

ROOT = Path(__file__).resolve().parents[1]
#: Made up, and unknown to the rules' gazetteer: the rules leave "moved by Quillfeather" alone.
NAME = "Quillfeather"
PATTERNS = [
    {"label": "PERSON", "pattern": NAME},
    {"label": "PERSON", "pattern": [{"ORTH": "Marie"}, {"ORTH": "Curie"}]},  # an eponym ("Marie Curie nurse")
    {"label": "PERSON", "pattern": [{"ORTH": NAME}, {"ORTH": "03/04/2023"}]},  # an entity running into a date
    {"label": "PERSON", "pattern": [{"ORTH": NAME}, {"LOWER": "on"}, {"ORTH": "03/04/2023"}]},
    {"label": "PERSON", "pattern": [{"ORTH": "943"}, {"ORTH": "476"}, {"ORTH": "5919"}]},  # an NHS number
]


def require_spacy() -> ModuleType:
    """spaCy, or a skip (a failure under ``CI=true``, where requirements.txt installs it)."""
    try:
        import spacy
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but spaCy is not installed: requirements.txt pins spacy==3.8.18")
        pytest.skip("spaCy is not installed (pip install spacy==3.8.18)")
    return spacy


def build(path: Path, patterns: list[dict], name: str = "ner_test", before: str | None = None) -> Path:
    """A blank English pipeline with an entity ruler holding ``patterns`` (and ``before`` added first), saved."""
    spacy = require_spacy()
    nlp = spacy.blank("en")
    if before:
        nlp.add_pipe(before)
    nlp.add_pipe("entity_ruler").add_patterns(patterns)
    nlp.meta.update({"name": name, "version": "0.1.0"})
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("ner") / "ner_test-0.1.0", PATTERNS, before="sentencizer")


@pytest.fixture(scope="module")
def rules() -> Deidentifier:
    return Deidentifier()


def with_ner(model: Path, guard: bool = True) -> Deidentifier:
    return Deidentifier({"ner": str(model), "ner_guard": guard})


# --- what the model adds, and what the guard stops ---------------------------------------------------------------
@pytest.mark.parametrize("guard", [True, False])
def test_a_name_only_the_model_finds_is_redacted_as_whole_words(model: Path, rules: Deidentifier,
                                                                 guard: bool) -> None:
    d = with_ner(model, guard)
    text = f"The bed was moved by {NAME} after the fall."
    assert rules.redact(text) == (text, [])
    assert d.redact(text) == ("The bed was moved by [PERSON] after the fall.", [(21, 33, "PERSON")])
    # the model tags "Quillfeather" only (spaCy splits the hyphen): the span grows to the whole word
    text = f"The bed was moved by {NAME}-Smythe after the fall."
    assert rules.find(text) == []
    assert d.redact(text)[0] == "The bed was moved by [PERSON] after the fall."


def test_the_guard_keeps_an_eponym_that_unguarded_pooling_redacts(model: Path, rules: Deidentifier) -> None:
    text = "Referred to Marie Curie nurse for support."
    assert rules.redact(text) == (text, [])
    assert with_ner(model, guard=True).redact(text) == (text, [])
    assert with_ner(model, guard=False).redact(text)[0] == "Referred to [PERSON] nurse for support."


@pytest.mark.parametrize("guard", [True, False])
@pytest.mark.parametrize(("text", "expected"), [
    # the rules' name and date; the model's entity "Quillfeather 03/04/2023" neither swallows the date nor,
    # merged with the rules' name, loses to it and un-redacts the name
    ("Seen by Dr Quillfeather 03/04/2023.", [(11, 23, "PERSON"), (24, 34, "DATE")]),
    ("Discussed with Quillfeather on 03/04/2023 at handover.", [(31, 41, "DATE")]),
    ("NHS 943 476 5919 checked at handover.", [(4, 16, "NHS_NUMBER")]),
])
def test_model_spans_never_override_structured_identifiers(model: Path, rules: Deidentifier, guard: bool,
                                                           text: str, expected: list) -> None:
    assert rules.find(text) == expected
    assert with_ner(model, guard).find(text) == expected


def test_batches_give_what_single_texts_give_with_one_model_call(model: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    d = with_ner(model)
    texts = [f"The bed was moved by {NAME} after the fall.", None, "", "Seen by Dr Patel on 03/04/2023.",
             "Referred to Marie Curie nurse.", f"NHS 943 476 5919, {NAME} informed."]
    one_by_one = [d.redact(t) for t in texts]
    calls = []
    pipe = d.ner.nlp.pipe
    monkeypatch.setattr(d.ner.nlp, "pipe", lambda *a, **k: calls.append(1) or pipe(*a, **k))
    clean, spans = d.redact_many(texts)
    assert list(zip(clean, spans, strict=True)) == one_by_one
    assert len(calls) == 1
    assert d.find_many([t or "" for t in texts]) == [s for _, s in one_by_one]


def test_the_pipeline_is_loaded_once_and_runs_only_its_entity_components(model: Path) -> None:
    a, b = with_ner(model), Deidentifier({"ner": os.path.join(model, "..", model.name), "ner_guard": False})
    assert a.ner is not None and b.ner is not None
    assert a.ner.nlp is b.ner.nlp
    assert a.ner.nlp.component_names == ["sentencizer", "entity_ruler"]
    assert a.ner.components == ["entity_ruler"] and a.ner.nlp.pipe_names == ["entity_ruler"]


def test_metrics_name_the_model_never_its_path(model: Path) -> None:
    info = with_ner(model).ner_info()
    assert info["on"] is True and info["guard"] is True
    m = info["model"]
    assert (m["name"], m["version"], m["folder"]) == ("en_ner_test", "0.1.0", model.name)
    assert m["components"] == ["entity_ruler"]
    assert str(model.parent) not in json.dumps(info)


def test_prepare_uses_the_model_and_records_it(model: Path, tmp_path: Path) -> None:
    from tests.test_data import GOOD_ROW, nrls_csv

    row = GOOD_ROW.format(9000).replace("Report number 9000 about", f"Bed moved by {NAME}, report about")
    src = nrls_csv(tmp_path / "x.csv", n=12, extra=[row])
    from tests.test_presets import prepare

    df, _, deid = prepare(tmp_path, {"source": str(src), "preset": "nrls", "min_label_count": 1},
                          {"truth": None, "ner": str(model)})
    text = df.set_index("id").loc["N9000", "text"]
    assert "Bed moved by [PERSON], report about" in text and NAME not in text
    assert deid["ner"]["on"] is True and deid["ner"]["model"]["name"] == "en_ner_test"
    assert str(tmp_path) not in json.dumps(deid["ner"])


# --- deid.ner: null -------------------------------------------------------------------------------------------------
#: The rules' output before deid.ner existed (written out from that commit's Deidentifier).
TODAY = [
    ("Seen by Dr Patel on 03/04/2023, NHS 943 476 5919.",
     "Seen by Dr [PERSON] on [DATE], NHS [NHS_NUMBER].", [(11, 16, "PERSON"), (20, 30, "DATE"), (36, 48, "NHS_NUMBER")]),
    ("Quillfeather moved the bed; pt fell at 14:30.", "Quillfeather moved the bed; pt fell at 14:30.", []),
    ("Referred to Marie Curie nurse, known Parkinson's disease.",
     "Referred to Marie Curie nurse, known Parkinson's disease.", []),
    ("Staff nurse Jane Smith informed the family at SW1A 1AA.",
     "Staff nurse [PERSON] informed the family at [POSTCODE].", [(12, 22, "PERSON"), (46, 54, "POSTCODE")]),
    ("The bed was moved by Quillfeather-Smythe after the fall.",
     "The bed was moved by Quillfeather-Smythe after the fall.", []),
    ("SMITH, John (MRN 1234567) found on floor",
     "[PERSON] (MRN [HOSPITAL_NUMBER]) found on floor", [(0, 11, "PERSON"), (17, 24, "HOSPITAL_NUMBER")]),
]


def test_ner_null_gives_the_rules_output_unchanged() -> None:
    for d in (Deidentifier(), Deidentifier({"ner": None})):
        assert d.ner is None and d.ner_info() == {"on": False}
        for text, clean, spans in TODAY:
            assert d.redact(text) == (clean, spans), text
        assert d.redact_many([t for t, _, _ in TODAY] + [None]) == ([c for _, c, _ in TODAY] + [""],
                                                                    [s for _, _, s in TODAY] + [[]])


def test_ner_null_is_the_default_and_never_imports_spacy() -> None:
    code = """
import sys
import incident_lm.data.prepare
from incident_lm.core.params import load_section, read_section
from incident_lm.deid import DeidConfig, Deidentifier
cfg = read_section(DeidConfig, load_section("deid", "params.yaml"))
d = Deidentifier(cfg)
d.redact_many(["Seen by Dr Patel", None, "moved by Quillfeather"])
d.find_many(["NHS 943 476 5919"])
print(cfg.ner, cfg.ner_guard, DeidConfig().ner, d.ner_info(), "spacy" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == "None True None {'on': False} False", out.stdout + out.stderr


# --- errors name deid.ner -------------------------------------------------------------------------------------------
def test_a_missing_directory_or_a_package_name_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for value in (str(tmp_path / "nowhere"), "en_core_web_sm"):
        with pytest.raises(ParamsError, match=r"deid\.ner = .*: no such directory"):
            Deidentifier({"ner": value})


def test_a_directory_that_is_not_a_pipeline_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParamsError, match=r"deid\.ner = .*: not a spaCy pipeline directory: no config\.cfg or "
                                          r"meta\.json"):
        Deidentifier({"ner": str(tmp_path / "empty")})
    inner = tmp_path / "pkg" / "en_core_web_sm-3.8.0"  # the package folder instead of the pipeline inside it
    inner.mkdir(parents=True)
    (inner / "config.cfg").write_text("")
    with pytest.raises(ParamsError, match=r"deid\.ner = .*no config\.cfg or meta\.json \(its subfolder "
                                          r"'en_core_web_sm-3\.8\.0' has one\)"):
        Deidentifier({"ner": str(tmp_path / "pkg")})


def test_without_spacy_the_error_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for f in ("config.cfg", "meta.json"):
        (tmp_path / f).write_text("{}")
    monkeypatch.setitem(sys.modules, "spacy", None)  # import spacy raises ImportError
    with pytest.raises(ParamsError, match=r"deid\.ner = .*spaCy is not installed \(pip install spacy==3\.8\.18\)"):
        Deidentifier({"ner": str(tmp_path)})


def test_a_pipeline_without_a_person_entity_component_is_refused(tmp_path: Path) -> None:
    orgs = build(tmp_path / "orgs", [{"label": "ORG", "pattern": "Acme"}])
    with pytest.raises(ParamsError, match=r"deid\.ner = .*no NER component with a PERSON label"):
        Deidentifier({"ner": str(orgs)})
    spacy = require_spacy()
    spacy.blank("en").to_disk(tmp_path / "blank")
    with pytest.raises(ParamsError, match=r"deid\.ner = .*no NER component with a PERSON label"):
        Deidentifier({"ner": str(tmp_path / "blank")})
    with pytest.raises(ParamsError, match=r"deid\.ner = .*no NER component with a PERSON label"):
        NERNames(spacy.blank("en"))


def test_a_pipeline_spacy_cannot_load_is_refused(tmp_path: Path) -> None:
    require_spacy()
    (tmp_path / "config.cfg").write_text("[nlp\nnot a config")
    (tmp_path / "meta.json").write_text("{}")
    with pytest.raises(ParamsError, match=r"deid\.ner = .*spaCy could not load the pipeline"):
        Deidentifier({"ner": str(tmp_path)})


@pytest.mark.parametrize(("section", "message"), [
    ({"ner": ""}, r"'deid\.ner' = '': expected the path of a local spaCy pipeline directory"),
    ({"ner": 3}, r"'deid\.ner' = 3: expected a string"),
    ({"ner_guard": "yes"}, r"'deid\.ner_guard' = 'yes': expected true or false"),
])
def test_bad_values_name_their_key(section: dict, message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        Deidentifier(section)
