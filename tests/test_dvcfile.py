"""Optional dvc.yaml blocks: switched on by name, everything else left as written."""

from __future__ import annotations

import pytest
import yaml

from bench.dvcfile import block_names, enable_blocks
from incident_lm.core.params import load_section
from incident_lm.represent.registry import build
from tests.conftest import ROOT

TEXT = """stages:
  a: {cmd: echo a}
  # >>> b: why b is optional
  # b:
  #   cmd: echo b
  # <<< b
  # >>> c: another
  # c: {cmd: echo c}
  # <<< c
  # an ordinary comment
"""


def test_enable_one_block_leaves_the_others_commented() -> None:
    out = enable_blocks(TEXT, ["b"])
    assert yaml.safe_load(out)["stages"] == {"a": {"cmd": "echo a"}, "b": {"cmd": "echo b"}}
    assert "  # c: {cmd: echo c}" in out and "  # an ordinary comment" in out
    assert block_names(out) == ["c"]


def test_enable_nothing_is_the_identity_up_to_the_final_newline() -> None:
    assert enable_blocks(TEXT, []) == TEXT


def test_unknown_block_is_named() -> None:
    with pytest.raises(KeyError, match="no optional block named \\['d'\\].*'b', 'c'"):
        enable_blocks(TEXT, ["d"])


def test_the_repository_optional_blocks() -> None:
    """dvc.yaml's optional blocks parse once enabled, and fusion_lm's params build a fusion reading tune_lm's model."""
    text = (ROOT / "dvc.yaml").read_text()
    assert {"bert_scratch", "train_scratch_lm", "fusion_lm"} <= set(block_names(text))
    dag = yaml.safe_load(enable_blocks(text, block_names(text)))
    reps = dag["vars"][0]["reps"]
    assert reps["fusion_lm"]["model"] == "models/lm/bert_tuned"
    assert "train_scratch_lm" in dag["stages"] and "bert_scratch" in reps
    section = dict(load_section("fusion_lm", ROOT / "params.yaml"))
    assert section["parts"]["bert_tuned"]["model"] == reps["fusion_lm"]["model"]
    rep = build("fusion_lm", section)
    assert type(rep).__name__ == "FusionRepresentation" and set(rep.parts) == {"tfidf", "bert_tuned"}
