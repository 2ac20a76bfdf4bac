"""Shared fixtures: paths, and a small copy of the repository where the DVC pipeline runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BIN = Path(sys.executable).parent

#: Where :func:`copy_repo` writes a tiny BERT into each copy (relative to the copy's root; see :func:`tiny_bert`).
TINY_BERT = "tests/fixtures/tiny-bert"
#: Its hidden size, so the width of every vector made from it.
TINY_BERT_DIM = 32

# Small settings so the whole pipeline runs in a few minutes on two cores. The transformer stages run on a tiny
# BERT (same tokenizer and code path as the bundled MiniLM, 2 layers of width 32): encoding the reports with the
# real MiniLM took over half of each end-to-end run, and its quality is tested on its own (tests/test_bert.py).
SMALL_PARAMS: dict[str, dict] = {
    "synthetic": {"n_reports": 1500},
    "fasttext": {"epoch": 3, "bucket": 20000, "dim": 32},
    "fasttext_supervised": {"epoch": 5, "bucket": 20000, "n_boot": 100},
    "bert": {"model": TINY_BERT},
    "tune_lm": {"base_model": TINY_BERT, "eval_max_reports": 16,
                "mlm": {"steps": 4, "head_warmup": 2, "warmup": 1}, "simcse": {"steps": 2}},
    "evaluate": {"n_boot": 100, "cluster": {"seeds": 2, "silhouette_sample": 500}},
    "compare": {"n_boot": 100},
    # PCA maps: t-SNE is tested on its own (tests/test_report.py) and would add seconds to every report rerun
    "report": {"map": {"points": 400, "small_points": 150, "method": "pca"}},
}


def merge(base: dict, update: dict) -> dict:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PATH"] = f"{BIN}{os.pathsep}{e.get('PATH', '')}"
    e.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", DVC_NO_ANALYTICS="1",
             GIT_AUTHOR_NAME="incident-lm tests", GIT_AUTHOR_EMAIL="tests@example.invalid",
             GIT_COMMITTER_NAME="incident-lm tests", GIT_COMMITTER_EMAIL="tests@example.invalid")
    return e


def sh(cmd: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run a command in ``cwd`` with the venv on PATH; on failure show its output."""
    res = subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True)
    if check and res.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout[-4000:]}\n"
                             f"{res.stderr[-4000:]}")
    return res


_TINY_BERT_CACHE: list[Path] = []


def tiny_bert() -> Path:
    """A BERT with the bundled MiniLM's tokenizer and 2 layers of width :data:`TINY_BERT_DIM`, its weights drawn
    with a fixed seed (the same model in every run), saved once per test session as a local model directory."""
    if not _TINY_BERT_CACHE:
        import tempfile

        import torch
        from transformers import BertConfig, BertModel

        from incident_lm.encoders.hf import TOKENIZER_FILES, default_model_dir

        out = Path(tempfile.mkdtemp(prefix="tiny-bert-"))
        base = default_model_dir()
        for name in TOKENIZER_FILES:
            if (base / name).is_file():
                shutil.copy2(base / name, out / name)
        vocab = sum(1 for _ in (base / "vocab.txt").open(encoding="utf-8"))
        config = BertConfig(vocab_size=vocab, hidden_size=TINY_BERT_DIM, num_hidden_layers=2, num_attention_heads=2,
                            intermediate_size=2 * TINY_BERT_DIM, max_position_embeddings=512)
        torch.manual_seed(0)
        BertModel(config).save_pretrained(out)
        _TINY_BERT_CACHE.append(out)
    return _TINY_BERT_CACHE[0]


def copy_repo(dest: Path, params: dict | None = None) -> Path:
    """Copy the tracked and untracked-but-not-ignored files of this repository into ``dest``,
    apply ``params`` over params.yaml, and commit it as a fresh git repository. Where ``params`` name the tiny
    BERT (:data:`TINY_BERT`), it is written into the copy first."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    for generated in ("metrics", "dvc.lock"):
        target = dest / generated
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    if params and TINY_BERT in json.dumps(params):
        shutil.copytree(tiny_bert(), dest / TINY_BERT)
    if params:
        p = yaml.safe_load((dest / "params.yaml").read_text())
        (dest / "params.yaml").write_text(yaml.safe_dump(merge(p, params), sort_keys=False))
    sh(["git", "init", "-q", "-b", "main"], dest)
    sh(["git", "add", "-A"], dest)
    sh(["git", "commit", "-q", "-m", "copy for tests"], dest)
    return dest


@pytest.fixture(scope="session")
def pipeline_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small copy of the repository on which ``dvc repro`` has run once."""
    repo = copy_repo(tmp_path_factory.mktemp("pipeline"), SMALL_PARAMS)
    sh(["dvc", "repro"], repo)
    return repo
