"""Encoder plumbing: pooling, and model folders checked clearly (the int8 layer: tests/test_bert.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from incident_lm.encoders.hf import ModelDirError, fingerprint, resolve_model_dir
from incident_lm.encoders.pooling import pool, weighted_mean_pool


def test_pooling_modes() -> None:
    hidden = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
    mask = torch.tensor([[1, 1, 0], [1, 0, 0]])
    assert torch.equal(pool(hidden, mask, "cls"), hidden[:, 0])
    assert torch.allclose(pool(hidden, mask, "mean")[0], hidden[0, :2].mean(0))
    with pytest.raises(ValueError, match="pooling must be one of"):
        pool(hidden, mask, "max")
    ones = torch.ones(2, 3)
    assert torch.allclose(weighted_mean_pool(hidden, mask, ones), pool(hidden, mask, "mean"))
    w = torch.tensor([[3.0, 1.0, 9.0], [2.0, 5.0, 5.0]])   # masked positions never count
    assert torch.allclose(weighted_mean_pool(hidden, mask, w)[0], (3 * hidden[0, 0] + hidden[0, 1]) / 4)
    assert torch.allclose(weighted_mean_pool(hidden, mask, w)[1], hidden[1, 0])
    assert torch.equal(weighted_mean_pool(hidden, mask, torch.zeros(2, 3)), torch.zeros(2, 4))


def test_model_folder_errors_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ModelDirError, match="no such model directory; run the tune_lm stage"):
        resolve_model_dir(tmp_path / "bert_tuned")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelDirError, match="no config.json"):
        resolve_model_dir(tmp_path / "empty")
    (tmp_path / "empty" / "config.json").write_text("{}")
    with pytest.raises(ModelDirError, match="no weights"):
        resolve_model_dir(tmp_path / "empty")
    bundled = resolve_model_dir(None)
    assert resolve_model_dir("default") == bundled and len(fingerprint(bundled)["sha256"]) == 64
