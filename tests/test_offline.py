"""No network, ever: the bert representation and the tune_lm / train_scratch_lm stages run with sockets cut."""

from __future__ import annotations

import json
import runpy
import socket
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT

TEXTS = [
    "Patient [PERSON] found on the floor beside the bed, no injury noted.",
    "Wrong dose of insulin given; doctor informed and glucose monitored hourly.",
    "Delay in transfer to the ward because no bed was available overnight.",
    "Relative shouted at staff in the waiting area; security called.",
    "Swab count incorrect after surgery; x-ray showed no retained item.",
    "Syringe driver alarm ignored, infusion stopped early, reported to pharmacy.",
]


class NetworkUsed(OSError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Make every outgoing connection raise, and record the attempts."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args[1:] if len(args) > 1 else args)
        raise NetworkUsed(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def test_the_guard_works(no_network: list[object]) -> None:
    with pytest.raises(NetworkUsed):
        socket.create_connection(("example.invalid", 443), timeout=1)
    with pytest.raises(NetworkUsed), socket.socket() as s:
        s.connect(("127.0.0.1", 9))
    assert len(no_network) == 2


def test_bert_representation_offline_without_the_env_flag(no_network: list[object], monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    # Our code must not rely on the caller's environment: it sets the offline flags itself.
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    from incident_lm.represent import build, load

    rep = build("bert", {"quantize": True}).fit(TEXTS)
    X = rep.transform(TEXTS)
    rep.save(tmp_path / "bert")
    np.testing.assert_array_equal(load(tmp_path / "bert").transform(TEXTS), X)
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1" and not no_network


STAGE_ARGS = {
    "tune_lm.py": ["--input", "data/split/reports.parquet", "--out", "models/lm/bert_tuned",
                   "--metrics", "metrics/tune_lm.json", "--live", "dvclive/tune_lm", "--cost", "metrics/cost/tune_lm.json"],
    "train_scratch_lm.py": ["--input", "data/split/reports.parquet", "--out", "models/lm/bert_scratch",
                            "--metrics", "metrics/scratch_lm.json", "--live", "dvclive/scratch_lm",
                            "--cost", "metrics/cost/train_scratch_lm.json"],
}


def run_stage(script: str, params: dict, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "data" / "split").mkdir(parents=True)
    n = len(TEXTS) * 3
    df = pd.DataFrame({"id": range(n), "date": pd.Timestamp("2024-01-01"), "text": TEXTS * 3,
                       "category": ["fall"] * n, "harm": ["low"] * n,
                       "split": (["train"] * 5 + ["test"]) * 3})
    df.to_parquet(workdir / "data" / "split" / "reports.parquet")
    (workdir / "params.yaml").write_text(yaml.safe_dump(params))
    monkeypatch.chdir(workdir)
    monkeypatch.setattr(sys, "argv", [script, *STAGE_ARGS[script]])
    try:
        runpy.run_path(str(ROOT / "stages" / script), run_name="__main__")
    except SystemExit as exc:  # stage.run exits 2 on a known error
        raise AssertionError(f"{script} exited with {exc.code}") from exc


def test_tune_lm_stage_runs_offline(no_network: list[object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    params = {"tune_lm": {"base_model": None, "seed": 0, "threads": None, "device": "cpu", "eval_fraction": 0.2,
                          "mlm": {"steps": 2, "batch_size": 4, "max_length": 32, "warmup": 1},
                          "simcse": {"steps": 2, "batch_size": 4, "max_length": 32}}}
    run_stage("tune_lm.py", params, tmp_path, monkeypatch)
    metrics = json.loads((tmp_path / "metrics" / "tune_lm.json").read_text())
    assert metrics["n_reports"] == 15 and metrics["mlm"]["steps"] == 2
    for key in ("eval_loss_before", "eval_loss_after", "pseudo_perplexity_before", "pseudo_perplexity_after"):
        assert metrics["mlm"][key] > 0
    assert metrics["simcse"]["train_loss_last"] is not None
    cost = json.loads((tmp_path / "metrics" / "cost" / "tune_lm.json").read_text())
    assert cost["device"] == "cpu" and cost["model_size_bytes"] > 0 and cost["phases"]["mlm"]["steps_per_second"] > 0
    plots = tmp_path / "dvclive" / "tune_lm" / "plots" / "metrics"
    for name in ("mlm/train_loss", "mlm/eval_loss", "simcse/train_loss"):
        rows = (plots / f"{name}.tsv").read_text().splitlines()
        assert rows[0].split("\t")[0] == "step" and len(rows) >= 3
    from incident_lm.represent import build

    rep = build("bert_tuned", {"type": "bert", "model": "models/lm/bert_tuned"}).fit([])
    assert rep.transform(TEXTS[:2]).shape == (2, 384)
    assert not no_network


def test_scratch_stage_runs_offline(no_network: list[object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    params = {"scratch_lm": {"seed": 0, "device": "cpu",
                             "model": {"vocab_size": 200, "min_frequency": 1, "hidden_size": 32, "layers": 1,
                                       "heads": 2, "intermediate_size": 64, "max_length": 32},
                             "phases": ["mlm", "simcse"],
                             "mlm": {"steps": 3, "lr": 1.0e-3, "batch_size": 4, "max_length": 32, "warmup": 1},
                             "simcse": {"steps": 0, "max_length": 32}}}
    run_stage("train_scratch_lm.py", params, tmp_path, monkeypatch)
    metrics = json.loads((tmp_path / "metrics" / "scratch_lm.json").read_text())
    assert metrics["vocab_size"] <= 202 and metrics["mlm"]["steps"] == 3 and metrics["simcse"]["steps"] == 0
    assert (tmp_path / "models" / "lm" / "bert_scratch" / "tokenizer.json").exists()
    assert not no_network


def test_stage_rejects_unknown_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="exited with 2"):
        run_stage("tune_lm.py", {"tune_lm": {"mlm": {"stepz": 1}}}, tmp_path, monkeypatch)
