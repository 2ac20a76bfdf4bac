"""Write ``bench/results.md`` from the JSON records in ``bench/results/`` (never by hand).

Usage (from the repository root)::

    python bench/write_results.py [--results bench/results] [--out bench/results.md]

Each benchmark script writes its JSON; this gathers them into one page: the growth of every stage with the
number of reports (``scale.json``, from ``bench/bench_scale.py``), the same-run ratios against the raw
libraries (``represent.json``, ``fasttext.json``, ``bert.json``), corpus generation and the GPU runs, each with
the machine and load it was measured under. A record that is missing is listed as not yet run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _load(results: Path, name: str) -> dict[str, Any] | None:
    path = results / name
    return json.loads(path.read_text()) if path.exists() else None


def _fmt(x: Any, digits: int = 1) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def _machine(m: dict[str, Any] | None) -> str:
    if not m:
        return "machine not recorded"
    pk = m.get("packages") or {}
    libs = ", ".join(f"{k} {v}" for k, v in pk.items() if v)
    load = m.get("loadavg") or m.get("loadavg_before")
    return (f"{m.get('cpus') or m.get('cpu_count')} CPUs, {m.get('processor') or m.get('platform', '')}, "
            f"Python {m.get('python')}" + (f", load {load}" if load else "") + (f"; {libs}" if libs else ""))


def _short_error(error: str | None) -> str:
    """DVC's last line, less the command: "failed to reproduce 'audit'"."""
    if not error:
        return ""
    return error.replace("ERROR: ", "").split(": failed to run")[0].split(": [Errno")[0]


def scale_section(d: dict[str, Any] | None) -> list[str]:
    out = ["## Growth with the number of reports (`bench/bench_scale.py`)", ""]
    if not d:
        return out + ["Not yet run.", ""]
    runs = d["runs"]
    out += ["Each run is `dvc repro report` on a fresh copy of the repository; stage figures are the stages' own "
            "cost records (wall seconds, peak RSS of the stage's process). Sizes without the transformer rows "
            "leave `bert`, `bert_tuned` and `tune_lm` out.", "",
            "| corpus | reports | transformer rows | dvc repro wall s | sum of stage wall s | load before → after | "
            "finished | commit | failed |", "|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        head = (r.get("machine") or {}).get("git_head") or ""
        out.append(f"| {r['corpus']} | {_fmt(r['n_reports'])} | {'yes' if r['with_lm'] else 'no'} | "
                   f"{_fmt(r['repro_wall_seconds'], 0)} | {_fmt(r['stage_seconds_sum'], 0)} | "
                   f"{r.get('loadavg_before')} → {r.get('loadavg_after')} | {r.get('finished', '')} | {head[:8]} | "
                   f"{_short_error(r.get('error'))}{' (resumed)' if r.get('resumed') else ''} |")
    synthetic = [r for r in runs if r["corpus"] == "synthetic"]
    stages = sorted({s for r in runs for s in r["stages"]})
    exps = d.get("exponents", {})
    cols = [f"{r['corpus']} {_fmt(r['n_reports'])}" for r in runs]
    out += ["", "Wall seconds (peak RSS MB) per stage, and the fitted growth exponents over the synthetic sizes "
            "(time ~ N^a, memory ~ N^b; RSS includes the ~250 MB the Python libraries take at start):", "",
            "| stage | " + " | ".join(cols) + " | time exp. a | memory exp. b |",
            "|---|" + "---|" * (len(cols) + 2)]
    for s in stages:
        cells = []
        for r in runs:
            rec = r["stages"].get(s)
            cells.append(f"{_fmt(rec.get('wall_seconds'), 1)} ({_fmt(rec.get('peak_rss_mb'), 0)})" if rec else "")
        e = exps.get(s, {})
        out.append(f"| `{s}` | " + " | ".join(cells) + f" | {_fmt(e.get('time_exponent'), 2)} | "
                   f"{_fmt(e.get('memory_exponent'), 2)} |")
    over = [s for s in stages if (exps.get(s, {}).get("time_exponent") or 0) > 1.15
            or (exps.get(s, {}).get("memory_exponent") or 0) > 1.15]
    out += ["", f"Stages growing faster than N^1.15 in time or memory: {', '.join(f'`{s}`' for s in over) or 'none'}"
            f" (synthetic sizes measured: {', '.join(_fmt(r['n_reports']) for r in synthetic) or 'none'}).", ""]
    out += parts_table(runs, exps)
    reviewed = [r for r in runs if r.get("review")]
    if reviewed:
        out += ["What the review stage found in each run (`metrics/review.json` of the copy; emerging themes are the "
                "prospective monthly back-test's flags, #12):", "",
                "| corpus | reports | representation | themes | unassigned | months tested | "
                "themes flagged a month: median / mean / max | queue flagged | re-report pairs |",
                "|---|---|---|---|---|---|---|---|---|"]
        for r in reviewed:
            v = r["review"]
            f = v.get("flagged_per_month") or {}
            out.append(f"| {r['corpus']} | {_fmt(r['n_reports'])} | {v.get('representation')} | {_fmt(v.get('n_themes'))} "
                       f"| {_fmt(v.get('unassigned_share'), 3)} | {_fmt(v.get('months_tested'))} | "
                       f"{_fmt(f.get('median'), 1)} / {_fmt(f.get('mean'), 2)} / {_fmt(f.get('max'))} | "
                       f"{_fmt(v.get('queue_flagged'))} | {_fmt(v.get('duplicate_pairs'))} |")
        out.append("")
    for r in runs:
        out += compare_table(r)
    if runs:
        out += [f"Machine of the last run: {_machine(runs[-1].get('machine'))}.", ""]
    return out


def parts_table(runs: list[dict[str, Any]], exponents: dict[str, Any]) -> list[str]:
    """Where the time goes inside the stages that record their parts (``*_s`` in their cost records: the review's
    themes, emerging-theme back-test, queue..., each evaluation's probe, retrieval and clustering), per run, with
    each part's growth exponent over the synthetic sizes that recorded it (``bench_scale.fit_exponents``)."""
    with_parts = [r for r in runs if any(st.get("parts") for st in r["stages"].values())]
    if not with_parts:
        return []
    rows = sorted({(s, part) for r in with_parts for s, st in r["stages"].items() for part in st.get("parts", {})})
    cols = [f"{r['corpus']} {_fmt(r['n_reports'])}" for r in with_parts]
    out = ["Where the time goes inside a stage (wall seconds of its parts, from its cost record; runs that recorded "
           "them):", "", "| stage | part | " + " | ".join(cols) + " | time exp. |", "|---|---|" + "---|" * (len(cols) + 1)]
    for stage, part in rows:
        vals = [r["stages"].get(stage, {}).get("parts", {}).get(part) for r in with_parts]
        exp = exponents.get(stage, {}).get("parts", {}).get(part)
        out.append(f"| `{stage}` | {part.removesuffix('_s')} | " + " | ".join(_fmt(v, 1) for v in vals)
                   + f" | {_fmt(exp, 2)} |")
    return out + [""]


def compare_table(run: dict[str, Any]) -> list[str]:
    """Every representation of one scale run against the baseline (its copy's ``metrics/compare.json``)."""
    cmp = run.get("compare")
    if not cmp or run["corpus"] == "synthetic":  # the default corpus's table is the README's, from metrics/
        return []
    base, targets = cmp.get("baseline", "tfidf"), cmp.get("targets") or []
    out = [f"Representations on {run['corpus']} ({_fmt(run['n_reports'])} reports, `dvc repro` of the copy; probe "
           f"macro-F1 with its 95% CI, Δ the paired bootstrap difference from `{base}` on the same test reports):", "",
           "| representation | " + " | ".join(f"{t} macro-F1 (CI) | {t} Δ vs {base} (CI) | {t} V-measure | {t} P@k"
                                            for t in targets) + " |",
           "|---|" + "---|---|---|---|" * len(targets)]
    for name, row in cmp.get("representations", {}).items():
        cells = [f"`{name}`"]
        for t in targets:
            e = row.get(t) or {}
            ci = e.get("macro_f1_ci") or [None, None]
            dci = e.get(f"vs_{base}_ci") or [None, None]
            cells += [f"{_fmt(e.get('macro_f1'), 3)} ({_fmt(ci[0], 3)}–{_fmt(ci[1], 3)})",
                      f"{e[f'vs_{base}_diff']:+.3f} ({dci[0]:+.3f}, {dci[1]:+.3f})" if f"vs_{base}_diff" in e else "–",
                      _fmt(e.get("v_measure"), 3), _fmt(e.get("precision_at_k"), 3)]
        out.append("| " + " | ".join(cells) + " |")
    return out + [""]


def ratio_section(rep: dict | None, ft: dict | None, bert: dict | None) -> list[str]:
    out = ["## Against the raw libraries, same run", "",
           "| what | ours | raw library | ratio (ours speed / raw) | measured on |", "|---|---|---|---|---|"]
    if rep:
        for name, r in rep["results"].items():
            if "speed_ratio_ours_vs_raw" in r:
                out.append(f"| {name}: fit, encode, write ({_fmt(rep['n_docs'])} texts) | "
                           f"{r['ours_seconds_median']:.3f} s | {r['raw_sklearn_seconds_median']:.3f} s "
                           f"(scikit-learn) | {r['speed_ratio_ours_vs_raw']:.2f}x | {rep['texts']} |")
    if ft:
        tr = ft.get("transform", {})
        for name in ("fasttext_mean", "fasttext_tfidf", "fasttext_sif"):
            if name in tr:
                out.append(f"| {name}: report vectors | {_fmt(tr[name]['docs_per_second'], 0)} docs/s | "
                           f"{_fmt(tr['fasttext_get_sentence_vector']['docs_per_second_with_tokenize'], 0)} docs/s "
                           f"(fastText get_sentence_vector) | "
                           f"{tr[name]['speedup_vs_get_sentence_vector_with_tokenize']:.2f}x | "
                           f"{ft['corpus']['source']} |")
        vs = ft.get("training_vs_raw")
        if vs:
            out.append(f"| fastText training, {vs['thread']} thread(s), {vs['epoch']} epochs | "
                       f"{vs['ours_seconds_median']:.1f} s | {vs['raw_seconds_median']:.1f} s (fastText "
                       f"train_unsupervised on the same tokenised file) | {vs['speed_ratio_ours_vs_raw']:.2f}x | "
                       f"{ft['corpus']['source']} |")
    if bert:
        tp = bert["throughput"]
        plain = tp["plain_transformers_loop"]["docs_per_second_best"]
        st = tp.get("sentence_transformers_encode")
        for name in ("bert_float32", "bert_bfloat16", "bert_int8"):
            if name in tp:
                out.append(f"| `bert` {name.split('_')[1]} embedding (best) | "
                           f"{_fmt(tp[name]['docs_per_second_best'])} docs/s | {_fmt(plain)} docs/s (plain "
                           f"transformers float32 loop) | {tp[name]['ratio_to_plain_best']:.2f}x | "
                           f"{bert['texts']['n']} texts |")
                if st and "ratio_to_sentence_transformers_median" in tp[name]:
                    out.append(f"| `bert` {name.split('_')[1]} embedding (median) | "
                               f"{_fmt(tp[name]['docs_per_second_median'])} docs/s | "
                               f"{_fmt(st['docs_per_second_median'])} docs/s (sentence-transformers encode, float32) "
                               f"| {tp[name]['ratio_to_sentence_transformers_median']:.2f}x | "
                               f"{bert['texts']['n']} texts |")
    compute = (bert or {}).get("compute")
    if compute:
        ceiling = compute["matmul_gflops_best"]
        out += ["", f"Encoder arithmetic: {_fmt(compute['gflop_total'], 0)} GFLOP over {_fmt(compute['windows'])} "
                f"windows ({_fmt(compute['tokens_padded'])} tokens as padded); ceiling: a bare matrix multiply of "
                f"the feed-forward shape {' x '.join(map(str, compute['matmul_shape']))}, best of 20, same threads.",
                "", "| setting | encoder GFLOP/s, end to end | bare matrix multiply GFLOP/s | share |",
                "|---|---|---|---|"]
        for name, s in compute["settings"].items():
            out.append(f"| `bert` {name.split('_')[1]} | {_fmt(s['gflops'])} | {_fmt(ceiling[s['against']])} "
                       f"({s['against']}) | {s['share_of_matmul']:.0%} |")
    out += ["", f"Machines: represent: {_machine((rep or {}).get('machine'))}; fastText: "
                f"{_machine((ft or {}).get('machine'))}; BERT: {_machine((bert or {}).get('machine'))}.", ""]
    return out


def precision_section(bert: dict | None) -> list[str]:
    """What float32, bfloat16 and int8 BERT cost in agreement and downstream quality, and the tuning speed."""
    out = ["## BERT precision: quality and training speed", ""]
    if not bert:
        return out + ["Not measured yet: `python bench/bench_bert.py --downstream --tune-steps 8`.", ""]
    down = bert.get("downstream_maude_event_type", {})
    out += ["| precision | cosine to float32 (mean / min) | MAUDE event-type probe macro-F1 (5-fold) | model bytes |",
            "|---|---|---|---|",
            f"| float32 | 1 / 1 | {_fmt(down.get('bert_float32', {}).get('macro_f1'), 3)} | "
            f"{_fmt(bert.get('int8_quality', {}).get('model_bytes_float32'))} |"]
    for name, key, size in (("bfloat16", "bfloat16_quality", "model_bytes_bfloat16"),
                            ("int8", "int8_quality", "model_bytes_int8")):
        q = bert.get(key)
        if q:
            out.append(f"| {name} | {q['cosine_to_float_mean']:.5f} / {q['cosine_to_float_min']:.5f} | "
                       f"{_fmt(down.get(f'bert_{name}', {}).get('macro_f1'), 3)} | {_fmt(q.get(size))} |")
    fp, bf = bert.get("tune_lm_speed"), bert.get("tune_lm_speed_bf16")
    if fp and bf:
        out += ["", "| tune_lm phase | float32 steps/s | bfloat16 mixed precision steps/s | speed-up |", "|---|---|---|---|"]
        for phase in ("mlm", "simcse"):
            k = f"{phase}_steps_per_second"
            out.append(f"| {phase} (batch {fp[f'{phase}_batch_size']}, {fp[f'{phase}_max_length']} tokens) | "
                       f"{_fmt(fp[k], 3)} | {_fmt(bf[k], 3)} | {bf['speedup_vs_float32'][k]:.2f}x |")
    return out + ["", f"Machine: {_machine(bert.get('machine'))}.", ""]


def other_section(synth: dict | None, gpu: list[tuple[str, dict]]) -> list[str]:
    out = ["## Corpus generation and GPU runs", ""]
    if synth:
        out += ["| synthetic reports | seconds | reports/s | peak RSS MiB |", "|---|---|---|---|"]
        out += [f"| {_fmt(r['n_reports'])} | {_fmt(r['seconds'])} | {_fmt(r['reports_per_second'], 0)} | "
                f"{_fmt(r['peak_rss_mib'], 0)} |" for r in synth["runs"]]
        out.append("")
    for name, g in gpu:
        env = g.get("env", {})
        out.append(f"- `{name}`: {g.get('status')} on {env.get('gpu_name', 'a GPU')} (torch {env.get('torch')}); "
                   f"summary: " + json.dumps({t: v.get("macro_f1") for t, v in g.get("summary", {}).items()}))
    return out + [""]


def fusion_section(d: dict[str, Any] | None) -> list[str]:
    out = ["## Fusion weight on held-out training reports (`bench/fusion_weights.py`)", ""]
    if not d:
        return out + ["Not yet run.", ""]
    targets = d["targets"]
    out += [f"TF-IDF fused with `{d['dense']}`; fitted on {d['n_fit']:,} training reports, scored on "
            f"{d['n_heldout']:,} held out from the training split (the test split is not used). Criterion: "
            f"{d['criterion']}. Chosen dense weight: **{d['chosen_dense_weight']}**.", "",
            "| dense weight | " + " | ".join(f"{t} probe macro-F1" for t in targets) + " | V-measure |",
            "|---|" + "---|" * (len(targets) + 1)]
    for r in d["rows"]:
        out.append(f"| {r['dense_weight']} | " + " | ".join(f"{r[f'{t}_macro_f1']:.3f}" for t in targets)
                   + f" | {r['v_measure']:.3f} |")
    return out + ["", _machine(d.get("machine")), ""]


def probe_section(d: dict[str, Any] | None) -> list[str]:
    out = ["## Probe solver (`bench/bench_probe.py`)", ""]
    if not d:
        return out + ["Not yet run.", ""]
    solvers = d["solvers"]
    out += [f"The evaluate stage's probe (C = {d['probe']['C']}, max_iter = {d['probe']['max_iter']}) fitted with "
            "each solver on the same features; every solver minimises the same penalised objective, so the "
            "objective gap (relative to the lowest reached) says how far each stopped from the optimum. Agreement: "
            f"share of test predictions equal to `{solvers[0]}`'s.", "",
            "| corpus | representation | target | N train | " + " | ".join(
                f"{s} s (iter.) | {s} gap | {s} macro-F1" for s in solvers) + " | agreement | speed-up |",
            "|---|---|---|---|" + "---|---|---|" * len(solvers) + "---|---|"]
    groups: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
    for r in d["rows"]:
        groups.setdefault((r["root"], r["representation"], r["target"]), {})[r["solver"]] = r
    for (root, rep, target), by in groups.items():
        first, last = by.get(solvers[0]), by.get(solvers[-1])
        cells = " | ".join(
            f"{b['wall_s']:.1f} ({b['n_iter']}{'!' if b['hit_max_iter'] else ''}) | {b['objective_gap']:.1e} | "
            f"{b['macro_f1']:.3f}" if (b := by.get(s)) else "– | – | –" for s in solvers)
        speed = f"{first['wall_s'] / last['wall_s']:.1f}x" if first and last and last["wall_s"] else "–"
        out.append(f"| {'default' if root == '.' else root} | {rep} | {target} | {_fmt(next(iter(by.values()))['n_train'])} "
                   f"| {cells} | {last['agree_with_first']:.3f} | {speed} |" if last else "")
    totals = []
    for root in dict.fromkeys(r["root"] for r in d["rows"]):
        secs = {s: sum(r["wall_s"] for r in d["rows"] if r["root"] == root and r["solver"] == s) for s in solvers}
        totals.append(f"{'default' if root == '.' else root}: " + ", ".join(f"{s} {v:.0f} s" for s, v in secs.items()))
    return out + ["", "All rows together: " + "; ".join(totals) + ". `!`: stopped at max_iter. "
                  + _machine(d.get("machine")), ""]


def experiments_section(d: dict[str, Any]) -> list[str]:
    rep, rows = d["representation"], d["rows"]
    targets = rows[0].get("targets") or []
    base = rows[0].get("baseline") or "tfidf"
    out = [f"## Experiments `{d['name']}`: `{rep}` under other params (`bench/experiments.py`)", "",
           f"Each row is a `dvc exp run` of the pipeline's own stages (represent, evaluate, compare) with the params "
           f"shown; Δ is the paired bootstrap difference from `{base}` on the same test reports. Costs are the stages' "
           f"wall seconds in that run (tune_lm, the representation's represent stage) and the whole `dvc exp run`'s "
           f"(empty where the table was made from experiments run earlier).", "",
           "| experiment | params set | " + " | ".join(f"{t} macro-F1 (95% CI) | Δ vs {base} (95% CI)" for t in targets)
           + f" | {targets[0] if targets else ''} V-measure ± sd | ARI ± sd | P@k | tune_lm s | `{rep}` represent s "
           "| run s |",
           "|---|---|" + "---|---|" * len(targets) + "---|---|---|---|---|---|"]

    def pm(e: dict[str, Any], key: str) -> str:  # mean ± sd over the clustering seeds (older records: no sd)
        return "–" if e.get(key) is None else _fmt(e[key], 3) + (
            f" ± {e[key + '_std']:.3f}" if e.get(key + "_std") is not None else "")

    for r in rows:
        cells = [r["experiment"], ", ".join(f"`{s}`" for s in r["set"]) or "–"]
        for t in targets:
            e = r["row"].get(t) or {}
            ci = e.get(f"vs_{base}_ci") or [None, None]
            own = e.get("macro_f1_ci")
            cells += [_fmt(e.get("macro_f1"), 3) + (f" ({own[0]:.3f}–{own[1]:.3f})" if own else ""),
                      f"{e[f'vs_{base}_diff']:+.3f} ({ci[0]:+.3f}, {ci[1]:+.3f})" if f"vs_{base}_diff" in e else "–"]
        e0 = r["row"].get(targets[0]) or {} if targets else {}
        costs = r.get("costs") or {}
        cells += [pm(e0, "v_measure"), pm(e0, "ari"), _fmt(e0.get("precision_at_k"), 3),
                  _fmt(costs.get("tune_lm"), 0), _fmt(costs.get(f"represent/{rep}"), 0), _fmt(r.get("seconds"), 0)]
        out.append("| " + " | ".join(cells) + " |")
    return out + [""] + per_class_section(d, base) + [_machine(d.get("machine")), ""]


def per_class_section(d: dict[str, Any], base: str) -> list[str]:
    """Per target, each class's probe F1 for the baseline and every row of an experiment record (records made since
    ``bench/experiments.py`` kept them): where a row gains or loses against the baseline."""
    basef = d.get("baseline_per_class_f1") or {}
    rows = [r for r in d["rows"] if r.get("per_class_f1")]
    if not basef or not rows:
        return []
    out = []
    for target, classes in basef.items():
        out += [f"Per-class probe F1, {target} (`{base}` beside each row):", "",
                f"| class | `{base}` | " + " | ".join(r["experiment"] for r in rows) + " |",
                "|---|---|" + "---|" * len(rows)]
        for c, f in sorted(classes.items(), key=lambda kv: -kv[1]):
            out.append(f"| {c} | {f:.3f} | " + " | ".join(
                _fmt(r["per_class_f1"].get(target, {}).get(c), 3) for r in rows) + " |")
        out.append("")
    return out


def label_noise_section(d: dict[str, Any] | None) -> list[str]:
    out = ["## Probe error against the labels the text was written from (`bench/label_noise.py`)", ""]
    if not d:
        return out + ["Not yet run.", ""]
    base = d["baseline"]
    out += ["The synthetic generator writes each report from one category and harm grade, then codes the label a "
            "reporter would pick (`synthetic.label_noise` of categories moved to a neighbouring one; harm graded "
            "up or down by each organisation's bias). The same test predictions of the committed run, rescored "
            "against the written labels. Ceiling: macro-F1 against the coded labels of a classifier that always "
            "names the written label. \"label's errors\": share of a representation's errors (against the coded "
            "labels) where the coded label is noise and the prediction is the written label.", ""]
    for target, t in d["targets"].items():
        c = t["ceiling"]
        out += [f"**{target}** ({t['n_test']:,} test reports, {t['noisy_share']:.1%} coded differently from the "
                f"text): ceiling macro-F1 {c['macro_f1']:.3f} ({c['ci'][0]:.3f}–{c['ci'][1]:.3f}), accuracy "
                f"{c['accuracy']:.3f}.", "",
                f"| representation | macro-F1, coded labels | macro-F1, written labels | Δ vs {base}, written "
                "(95% CI) | label's errors |", "|---|---|---|---|---|"]
        for name, r in t["rows"].items():
            vs = r.get("vs_baseline_written")
            out.append(f"| `{name}` | {r['macro_f1_coded']:.3f} | {r['macro_f1_written']:.3f} | "
                       + (f"{vs['diff']:+.3f} ({vs['ci'][0]:+.3f}, {vs['ci'][1]:+.3f})" if vs else "baseline")
                       + f" | {r['errors_on_noisy_labels_predicting_written']:.2f} |")
        out.append("")
    return out + [_machine(d.get("machine")), ""]


def deid_ner_section(d: dict[str, Any] | None) -> list[str]:
    out = ["## Offline NER beside the name rules (`bench/deid_ner_candidates.py`)", ""]
    if not d:
        return out + ["Not yet run.", ""]
    variants = d["variants"]
    out += [f"Question: {d['question']} spaCy {d['environment'].get('spacy')} with "
            f"`{d['model_provenance']['package']}` {d['model_provenance']['version']} (installed beside the project "
            "for this measurement only; presidio's only PERSON recogniser is the same model). The blind held-out "
            "half is scored in aggregate only. Each cell: strict PERSON recall / PERSON precision / eponyms "
            "redacted.", "",
            "| variant | " + " | ".join(f"{s} ({d['sets'][s][next(iter(variants))]['n_names']} names)"
                                       for s in d["sets"]) + " |",
            "|---|" + "---|" * len(d["sets"])]
    for v, what in variants.items():
        cells = [f"{v}: {what}"]
        for s in d["sets"].values():
            r = s[v]
            cells.append(f"{r['recall']:.3f} / {r['person_precision']:.2f} / {r['eponyms_redacted']}")
        out.append("| " + " | ".join(cells) + " |")
    fx, sample = d["real_fixture"], d["real_sample"]
    judged = sample.get("judged", {})
    out += ["", f"Real public narratives: on the hand-checked fixture ({fx['n_texts']} texts) precision of all "
            "redactions " + ", ".join(f"{v} {fx[v]['precision']:.3f}" for v in variants if v in fx)
            + f"; on a random {sample['n_texts']:,} VAERS/MAUDE texts, PERSON spans added beyond the rules: "
            + ", ".join(f"{v} {n}" for v, n in sample["person_spans_beyond_rules"].items())
            + (", of which hand-judged names: " + ", ".join(
                f"{v} {j['names']} of {j['n_judged']}" for v, j in judged.items()) if judged else "") + ".",
            f"Throughput on one thread ({d['throughput_1_thread']['n_texts']:,} real texts): rules "
            f"{d['throughput_1_thread']['rules']['texts_per_s_cpu']:,.0f} texts/s; with the NER component "
            f"{d['throughput_1_thread']['slowdown_ner_only']:.0f}x slower, with the full spaCy pipeline "
            f"{d['throughput_1_thread']['slowdown_full_pipeline']:.0f}x. Installed size of spaCy and the model: "
            f"{d['install_size']['spacy_stack_with_model_mib']:.0f} MiB.", "", f"Reading: {d['reading']}", ""]
    return out


def review_dev_section(d: dict[str, Any] | None) -> list[str]:
    out = ["## Emerging-theme settings on development corpora (`bench/review_dev.py`)", ""]
    if not d:
        return out + ["Not yet run.", ""]
    if d.get("question"):
        out += [f"Measured: {d['question']}.", ""]
    out += [f"Synthetic seeds {', '.join(map(str, d['seeds']))} (development corpora: the reported corpus's seed, "
            "`synthetic.seed` in params.yaml, is not among them)"
            + (f", with {', '.join(f'`{a}`' for a in d['set'])}" if d.get("set") else "")
            + "; each run is `dvc repro compare` on a fresh copy, then the review stage's back-test scored at "
              "each Benjamini-Hochberg level. Targets: flagged within 3 months of onset, rank 1, false alarms a "
              "month median 0 and max <= 1.", "",
            "| seed | settings | BH level | months to flag | rank when flagged | false alarms a month: median / max / "
            "mean |",
            "|---|---|---|---|---|---|"]
    if d.get("variants"):
        out[-4] += (" Rows with other settings rerun the back-test on the same run's inputs (same theme space "
                    "and truth: a paired comparison).")
    for run in d["runs"]:
        scored = [("as run", level, m) for level, m in run["levels"].items() if not level.startswith("variant:")]
        for key, v in run["levels"].items():
            if key.startswith("variant:"):
                name = f"{key.removeprefix('variant:')}: " + ", ".join(f"`{a}`" for a in v.get("set", []))
                scored += [(name, level, m) for level, m in v.items() if level not in ("set", "seconds")]
        for name, level, m in scored:
            out.append(f"| {run['seed']} | {name} | {level} | {_fmt(m['months_to_flag'])} | "
                       f"{_fmt(m['rank_at_flag'])} | {_fmt(m['false_alarms_median'])} / "
                       f"{_fmt(m['false_alarms_max'])} / {_fmt(m['false_alarms_mean'], 2)} |")
    return out + ["", _machine(d.get("machine")), ""]


def deid_blind_section(d: dict[str, Any] | None) -> list[str]:
    out = ["## De-identification on the blind set (`bench/deid_blind.py`)", ""]
    if not d:
        return out + ["Not yet run.", ""]
    out += ["Strict recall on the blind set, written without sight of the rules, in two halves split by a hash of "
            "each text. Rules may be changed on the dev half's misses only; the held-out half's misses are never "
            "read, so its row is the measurement of forms nobody wrote patterns for. Targets: structured >= 0.99, "
            "names >= 0.95, precision >= 0.95, no eponym redacted.", "",
            "| measurement | rules | half | structured recall | name recall | precision | eponyms redacted |",
            "|---|---|---|---|---|---|---|"]
    for r in d["runs"]:
        for half in ("blind_heldout", "blind_dev"):
            t = r[half]["targets"]
            out.append(f"| {r['label']} | `{r['rules']}` | {half.split('_')[1]} ({r[half]['n_identifiers']} ids) | "
                       f"{_fmt(t['structured_recall']['value'], 3)} | {_fmt(t['name_recall']['value'], 3)} | "
                       f"{_fmt(t['precision']['value'], 3)} | {t['eponyms']['value']} |")
    return out + [""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=str(ROOT / "bench" / "results"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.md"))
    args = ap.parse_args()
    res = Path(args.results)
    gpu = [(p.name, json.loads(p.read_text())) for p in sorted(res.glob("gpu_*.json"))]
    lines = ["# Benchmark results", "",
             "Written by `python bench/write_results.py` from the JSON records beside it in `bench/results/`; each "
             "benchmark script's docstring says how it measures. Absolute times on a shared machine are noise "
             "beside the ratios, which compare contenders in the same run.", ""]
    lines += scale_section(_load(res, "scale.json"))
    lines += ratio_section(_load(res, "represent.json"), _load(res, "fasttext.json"), _load(res, "bert.json"))
    lines += precision_section(_load(res, "bert.json"))
    lines += probe_section(_load(res, "probe.json"))
    lines += fusion_section(_load(res, "fusion_weights.json"))
    lines += label_noise_section(_load(res, "label_noise.json"))
    lines += deid_blind_section(_load(res, "deid_blind.json"))
    lines += deid_ner_section(_load(res, "deid_ner_candidates.json"))
    dev = sorted(res.glob("review_dev*.json"))
    lines += [line for path in dev for line in review_dev_section(json.loads(path.read_text()))] if dev \
        else review_dev_section(None)
    for path in sorted(res.glob("experiments_*.json")):
        lines += experiments_section(json.loads(path.read_text()))
    lines += other_section(_load(res, "synthetic.json"), gpu)
    Path(args.out).write_text("\n".join(lines).rstrip() + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
