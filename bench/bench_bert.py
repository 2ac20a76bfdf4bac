"""Benchmark the ``bert`` representation against a plain transformers loop and sentence-transformers, same run.

Measures embedding throughput (docs/s) on realistic incident-like texts (median ~45 words, long
tail), for: a plain loop (tokenise each batch in input order with padding and truncation, forward,
mask-mean pool), sentence-transformers' ``encode`` of the same model in float32 (truncating at
``--max-length``, where ours also encodes the overflow windows of long texts), our representation in
float32, in bfloat16 (the default) and with int8 quantisation.
Repeats are interleaved and the best and median of each are reported (the machine may be shared).
Also reports the quality cost of bfloat16 and int8 (cosine to float32; optionally a downstream probe on the
MAUDE reports in ``shared/data``) and, with ``--tune-steps``, the training speed of ``tune_lm`` in float32 and
in bfloat16 mixed precision.

Usage (from the repository root)::

    python bench/bench_bert.py --n 1000 --threads 2 --repeats 3 --downstream --tune-steps 8

Writes ``bench/results/bert.json``.
"""

from __future__ import annotations

import argparse
import glob
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import environment, loadavg

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FALLBACK = ("patient was found on the floor by staff nurse informed doctor reviewed and obs were stable "
            "wrong dose of insulin given delay in transfer to ward no bed available swab count incorrect "
            "relative shouted at staff security called syringe driver alarm infusion stopped")
PLACEHOLDERS = ["[PERSON]", "[NHS_NUMBER]", "[DATE]", "[HOSPITAL]", "[PHONE]"]


def narrative_words() -> list[str]:
    """Words of real adverse-event narratives (VAERS 1990-96, MAUDE) if present, else a fixed vocabulary."""
    words: list[str] = []
    try:
        import pandas as pd

        for f in sorted(glob.glob(str(SHARED / "vaers-1990-1996" / "*VAERSDATA.csv")))[:3]:
            col = pd.read_csv(f, encoding="latin-1", usecols=["SYMPTOM_TEXT"])["SYMPTOM_TEXT"]
            words += " ".join(col.dropna().astype(str)).split()
        maude = SHARED / "maude-device-events" / "combined_df.csv"
        if maude.exists():
            col = pd.read_csv(maude, usecols=["Event Description"])["Event Description"]
            words += " ".join(col.dropna().astype(str)).split()
    except (ImportError, OSError, ValueError):
        words = []
    if len(words) < 10_000:
        words = FALLBACK.split() * 500
    return words


def realistic_texts(n: int, seed: int = 0, median_words: float = 45, sigma: float = 0.6) -> list[str]:
    """``n`` texts with log-normal word counts (median ``median_words``), cut from real narratives,
    with de-identification placeholders sprinkled in like the pipeline's de-identified text."""
    words = narrative_words()
    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.lognormal(np.log(median_words), sigma, n).astype(int), 3, 600)
    texts = []
    for length in lengths:
        start = int(rng.integers(0, len(words) - length))
        piece = words[start:start + length]
        for _ in range(rng.poisson(1.0)):
            piece.insert(int(rng.integers(0, len(piece) + 1)), PLACEHOLDERS[int(rng.integers(len(PLACEHOLDERS)))])
        texts.append(" ".join(piece))
    return texts


class PlainLoop:
    """The baseline: the usual transformers recipe, batches in input order, padded and truncated."""

    def __init__(self, model_dir: str, max_length: int, batch_size: int):
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        self.model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
        self.max_length, self.batch_size = max_length, batch_size

    def transform(self, texts: list[str]) -> np.ndarray:
        out = []
        with self.torch.inference_mode():
            for s in range(0, len(texts), self.batch_size):
                enc = self.tok(texts[s:s + self.batch_size], padding=True, truncation=True,
                               max_length=self.max_length, return_tensors="pt")
                hidden = self.model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).float()
                out.append(((hidden * mask).sum(1) / mask.sum(1)).numpy())
        return np.vstack(out).astype(np.float32)


class SentenceTransformersEncode:
    """sentence-transformers' own ``encode`` of the same model, float32, truncating at ``max_length``."""

    def __init__(self, model_dir: str, max_length: int, batch_size: int):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_dir, device="cpu")
        self.model.max_seq_length = max_length
        self.batch_size = batch_size

    def transform(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False,
                                 normalize_embeddings=False)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def downstream(reps: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """5-fold macro-F1 of a logistic-regression probe on MAUDE event type, per representation."""
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    path = SHARED / "maude-device-events" / "combined_df.csv"
    if not path.exists():
        return {"skipped": f"{path} not found"}
    df = pd.read_csv(path, usecols=["Event Description", "Event Type"]).dropna()
    df = df.drop_duplicates("Event Description")
    y = df["Event Type"].astype(str).str.replace("\xa0", " ").str.replace("Event Type", "").str.strip()
    keep = y.map(y.value_counts()) >= 10
    texts, y = df["Event Description"][keep].tolist(), y[keep].to_numpy()
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    result: dict[str, Any] = {"n": len(texts), "classes": {str(k): int(v) for k, v in zip(*np.unique(y, return_counts=True),
                                                                                          strict=True)}}
    for name, rep in reps.items():
        X = rep.transform(texts)
        clf = LogisticRegression(max_iter=2000, C=1.0)
        scores = cross_val_score(clf, X, y, cv=cv, scoring="f1_macro")
        result[name] = {"macro_f1": round(float(scores.mean()), 4), "sd": round(float(scores.std()), 4)}
    return result


def tune_speed(texts: list[str], steps: int, threads: int, bf16: bool = False) -> dict[str, Any]:
    """Steps/second of both tune_lm phases (MLM, then SimCSE) at the default batch settings.

    Runs the stage's own recipe (``incident_lm.lm.recipes.tune``) on the bundled model, on CPU, with the
    settings' defaults except ``steps`` per phase, 64 held-out reports and ``bf16``.
    """
    import tempfile

    import torch

    from incident_lm.core.params import Section
    from incident_lm.lm.config import TuneConfig
    from incident_lm.lm.recipes import tune

    cfg = TuneConfig.from_section(Section({"threads": threads, "eval_max_reports": 64, "phases": ["mlm", "simcse"],
                                           "bf16": bf16,
                                           "mlm": {"steps": steps}, "simcse": {"steps": steps}}, "tune_lm"))
    mlm, simcse = cfg.phase("mlm"), cfg.phase("simcse")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        m, cost = tune(cfg, texts, Path(tmp) / "tuned", torch.device("cpu"))
        total = time.perf_counter() - t0
    return {"steps": steps, "threads": threads, "bf16": bf16, "mlm_batch_size": mlm.batch_size, "mlm_max_length": mlm.max_length,
            "mlm_steps_per_second": cost["phases"]["mlm"]["steps_per_second"], "simcse_batch_size": simcse.batch_size,
            "simcse_max_length": simcse.max_length,
            "simcse_steps_per_second": cost["phases"]["simcse"]["steps_per_second"],
            "mlm_eval_blocks": m["mlm"]["eval_blocks"], "total_seconds": round(total, 1)}


def matmul_gflops(rows: int, inner: int, cols: int, dtype: Any, repeats: int = 20) -> float:
    """Best GFLOP/s of a bare ``(rows, inner) @ (inner, cols)`` matrix multiply in ``dtype`` on the current
    threads: the ceiling an encoder's Linear layers of that shape can reach on this CPU."""
    import torch

    gen = torch.Generator().manual_seed(0)
    if dtype == torch.int8:  # the int8 kernel the int8 setting's Linear layers call (int32 accumulation)
        a = torch.randint(-127, 128, (rows, inner), generator=gen, dtype=torch.int8)
        b = torch.randint(-127, 128, (inner, cols), generator=gen, dtype=torch.int8)
        mm = torch._int_mm
    else:
        a = torch.randn(rows, inner, generator=gen).to(dtype)
        b = torch.randn(inner, cols, generator=gen).to(dtype)
        mm = torch.matmul
    for _ in range(3):
        mm(a, b)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        mm(a, b)
        best = min(best, time.perf_counter() - t0)
    return 2 * rows * inner * cols / best / 1e9


def compute_use(rep: Any, texts: list[str], throughput: dict[str, Any], batch_size: int) -> dict[str, Any]:
    """How much of the CPU's matrix-multiply speed each setting's end-to-end encoding (tokenising and pooling
    included) turns into encoder arithmetic.

    The encoder's floating-point work is counted from its config over the windows ours encodes (padded as
    encoded, to a multiple of ``PAD_MULTIPLE`` tokens): per token and layer ``2 * (4 H^2 + 2 H I)`` for the
    Linear layers and ``4 H T`` for attention over a window of ``T`` tokens. The ceiling is a bare matrix
    multiply of the feed-forward layer's shape for one batch of full windows, best of 20, on the same threads,
    in each setting's arithmetic: float32, bfloat16, and int8 with int32 accumulation (``torch._int_mm``).
    """
    import torch

    from incident_lm.represent.bert import PAD_MULTIPLE

    cfg = rep._encoder.config
    h, inner, layers = cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers
    windows, _ = rep.windows(texts)
    lengths = np.array([len(w) for w in windows], dtype=np.float64)
    padded = np.minimum(-(-lengths // PAD_MULTIPLE) * PAD_MULTIPLE, rep.max_length)
    flops = float(layers * (2 * (4 * h * h + 2 * h * inner) * padded.sum() + 4 * h * (padded ** 2).sum()))
    rows = batch_size * rep.max_length
    ceiling = {"float32": matmul_gflops(rows, h, inner, torch.float32),
               "bfloat16": matmul_gflops(rows, h, inner, torch.bfloat16),
               "int8": matmul_gflops(rows, h, inner, torch.int8)}
    out: dict[str, Any] = {"windows": len(windows), "tokens_padded": int(padded.sum()),
                           "gflop_total": round(flops / 1e9, 2),
                           "matmul_shape": [rows, h, inner],
                           "matmul_gflops_best": {k: round(v, 1) for k, v in ceiling.items()}, "settings": {}}
    for name, dtype in (("bert_float32", "float32"), ("bert_bfloat16", "bfloat16"), ("bert_int8", "int8")):
        if name in throughput:
            seconds = min(throughput[name]["seconds"])
            gflops = flops / seconds / 1e9
            out["settings"][name] = {"gflops": round(gflops, 1), "against": dtype,
                                     "share_of_matmul": round(gflops / ceiling[dtype], 3)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="texts to embed per measurement")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--stride", type=int, default=32)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--downstream", action="store_true", help="probe on MAUDE event type (float, int8, bfloat16)")
    ap.add_argument("--tune-steps", type=int, default=0, help="also time tune_lm phases with this many steps")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "bert.json"))
    args = ap.parse_args()

    from incident_lm.encoders.hf import default_model_dir, ensure_offline

    ensure_offline()
    import torch

    from incident_lm.represent import build

    torch.set_num_threads(args.threads)
    texts = realistic_texts(args.n)
    machine = environment(("numpy", "torch", "transformers", "tokenizers", "sklearn"))
    load_before = loadavg()
    settings = {"max_length": args.max_length, "stride": args.stride, "batch_size": args.batch_size,
              "threads": args.threads}
    systems: dict[str, Any] = {
        "plain_transformers_loop": PlainLoop(str(default_model_dir()), args.max_length, args.batch_size),
        "bert_float32": build("bert", settings).fit([]),
        "bert_int8": build("bert", {**settings, "quantize": True}).fit([]),
        "bert_bfloat16": build("bert", {**settings, "dtype": "bfloat16"}).fit([]),
    }
    try:
        systems["sentence_transformers_encode"] = SentenceTransformersEncode(str(default_model_dir()),
                                                                             args.max_length, args.batch_size)
    except ImportError:
        print("sentence-transformers not installed: its encode is not measured", file=sys.stderr)
    tokens = systems["bert_float32"]._tokenizer(texts, add_special_tokens=False)["input_ids"]
    n_tokens = np.array([len(t) for t in tokens])
    for rep in systems.values():
        rep.transform(texts[:16])  # warm-up
    times: dict[str, list[float]] = {k: [] for k in systems}
    cpu: dict[str, list[float]] = {k: [] for k in systems}
    outputs: dict[str, np.ndarray] = {}
    for r in range(args.repeats):
        for name, rep in systems.items():
            t0, c0 = time.perf_counter(), time.process_time()
            outputs[name] = rep.transform(texts)
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
            print(f"repeat {r + 1}: {name:26s} {args.n / times[name][-1]:7.1f} docs/s", file=sys.stderr)
    throughput = {name: {"docs_per_second_best": round(args.n / min(t), 1),
                         "docs_per_second_median": round(args.n / statistics.median(t), 1),
                         "seconds": [round(x, 2) for x in t],
                         # robust to a shared machine when threads == 1 (no spin-waiting)
                         "docs_per_cpu_second_best": round(args.n / min(cpu[name]), 1)}
                  for name, t in times.items()}
    base = throughput["plain_transformers_loop"]["docs_per_second_best"]
    st = throughput.get("sentence_transformers_encode", {}).get("docs_per_second_median")
    for name in ("bert_float32", "bert_int8", "bert_bfloat16"):
        throughput[name]["ratio_to_plain_best"] = round(throughput[name]["docs_per_second_best"] / base, 3)
        if st:  # medians of interleaved repeats: the figure against sentence-transformers
            throughput[name]["ratio_to_sentence_transformers_median"] = round(
                throughput[name]["docs_per_second_median"] / st, 3)
    compute = compute_use(systems["bert_bfloat16"], texts, throughput, args.batch_size)
    cos_q = cosines(outputs["bert_float32"], outputs["bert_int8"])
    cos_h = cosines(outputs["bert_float32"], outputs["bert_bfloat16"])
    short = n_tokens <= args.max_length - 2
    cos_plain = cosines(outputs["bert_float32"][short], outputs["plain_transformers_loop"][short])
    result: dict[str, Any] = {
        "machine": {**machine, "cpu_count": machine["cpus"], "threads": args.threads, "torch": torch.__version__,
                    "loadavg_before": load_before},
        "texts": {"n": args.n, "words_median": int(np.median([len(t.split()) for t in texts])),
                  "words_p95": int(np.percentile([len(t.split()) for t in texts], 95)),
                  "tokens_median": int(np.median(n_tokens)), "tokens_p95": int(np.percentile(n_tokens, 95)),
                  "tokens_max": int(n_tokens.max()),
                  "share_longer_than_window": round(float((~short).mean()), 4),
                  "tokens_dropped_by_truncation": round(float(np.maximum(n_tokens - (args.max_length - 2), 0).sum()
                                                              / n_tokens.sum()), 4)},
        "settings": {**settings, "repeats": args.repeats},
        "throughput": throughput,
        "compute": compute,
        "int8_quality": {"cosine_to_float_mean": round(float(cos_q.mean()), 5),
                         "cosine_to_float_min": round(float(cos_q.min()), 5),
                         "cosine_to_float_p01": round(float(np.percentile(cos_q, 1)), 5),
                         "model_bytes_float32": systems["bert_float32"].model_size_bytes,
                         "model_bytes_int8": systems["bert_int8"].model_size_bytes},
        "bfloat16_quality": {"cosine_to_float_mean": round(float(cos_h.mean()), 5),
                             "cosine_to_float_min": round(float(cos_h.min()), 5),
                             "cosine_to_float_p01": round(float(np.percentile(cos_h, 1)), 5),
                             "model_bytes_bfloat16": systems["bert_bfloat16"].model_size_bytes},
        "float32_vs_plain_on_single_window_texts": {"cosine_min": round(float(cos_plain.min()), 6)},
    }
    if args.downstream:
        result["downstream_maude_event_type"] = downstream({k: systems[k] for k in (
            "bert_float32", "bert_int8", "bert_bfloat16")})
    if args.tune_steps:
        tune_texts = realistic_texts(2000, seed=1)
        result["tune_lm_speed"] = tune_speed(tune_texts, args.tune_steps, args.threads)
        result["tune_lm_speed_bf16"] = tune_speed(tune_texts, args.tune_steps, args.threads, bf16=True)
        result["tune_lm_speed_bf16"]["speedup_vs_float32"] = {
            k: round(result["tune_lm_speed_bf16"][k] / result["tune_lm_speed"][k], 3)
            for k in ("mlm_steps_per_second", "simcse_steps_per_second")}
    result["machine"]["loadavg_after"] = loadavg()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
