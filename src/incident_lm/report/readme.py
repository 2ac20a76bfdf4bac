"""Regenerate the README's generated blocks from the committed metrics (never typed by hand): the results table
(``metrics/compare.json``), the review figures (``metrics/review.json``), the run's cost per stage
(``metrics/cost/``), the report's plotting benchmark (``bench/results/report_libs.json``), the ``dvc exp``
variants (``bench/results/experiments_*.json``) and the label-noise analysis (``bench/results/label_noise.json``).

Usage: ``python -m incident_lm.report.readme [README.md [metrics/compare.json [metrics/cost/represent]]]``
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from incident_lm.core.io import read_json, write_text
from incident_lm.report.review import cost_table, review_table
from incident_lm.report.tables import finding_text, load_costs, per_class_table, results_table

START, END = "<!-- results:start -->", "<!-- results:end -->"
DEFAULTS = ("README.md", "metrics/compare.json", "metrics/cost/represent")


def render_block(summary: dict[str, Any], costs: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    return f"{START}\n{results_table(summary, costs)}{END}"


def replace_block(readme: str, summary: dict[str, Any], costs: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """``readme`` with the text between the results markers replaced by a fresh table."""
    return replace_named(readme, "results", results_table(summary, costs))


def current_block(readme: str) -> str:
    return named_block(readme, "results")


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def named_block(readme: str, name: str) -> str:
    """The text of block ``name``, markers included."""
    start, end = markers(name)
    if start not in readme or end not in readme:
        raise ValueError(f"README has no {start} ... {end} block")
    return start + readme.split(start, 1)[1].split(end, 1)[0] + end


def replace_named(readme: str, name: str, body: str) -> str:
    """``readme`` with block ``name`` holding ``body``."""
    old = named_block(readme, name)
    start, end = markers(name)
    return readme.replace(old, f"{start}\n{body}{end}", 1)


def eval_metrics(directory: str | Path) -> dict[str, Any]:
    """Every representation's ``metrics/eval/<name>.json``, by name."""
    return {p.stem: read_json(p) for p in sorted(Path(directory).glob("*.json"))}


def libraries_table(bench: Mapping[str, Any]) -> str:
    """The plotting candidates of ``bench/bench_report_libs.py`` side by side: page size, build and open time,
    external URLs left in the page, per number of points on the map."""
    rows = bench["rows"]
    points = sorted({r["points"] for r in rows})
    names = list(dict.fromkeys(r["candidate"] for r in rows))
    by = {(r["candidate"], r["points"]): r for r in rows}
    head = "| candidate | " + " | ".join(f"{p:,} points: page MB, open s" for p in points) + " | URLs in page |\n"
    lines = [head, "|---|" + "---|" * len(points) + "---|\n"]
    for name in names:
        cells, urls = [], set()
        for p in points:
            r = by.get((name, p), {})
            if "error" in r:
                cells.append("fails: " + str(r["error"]).split(":")[0])
            else:
                cells.append(f"{r.get('bytes', 0) / 1e6:.2f}, {r.get('open_s', float('nan')):.2f}")
                urls.add(r.get("external_urls", 0))
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {', '.join(map(str, sorted(urls))) or '–'} |\n")
    env = bench.get("environment", {})
    return "".join(lines) + (f"\nMeasured by `bench/bench_report_libs.py` ({env.get('cpus', '?')} CPUs, load "
                             f"{env.get('loadavg', '?')}); open = headless Chromium time less an empty page's.\n")


def _run_state(error: str | None) -> str:
    """"complete", or the stage DVC stopped at ("failed at `audit`")."""
    if not error:
        return "complete"
    m = re.search(r"failed to reproduce '([^']+)'", error)
    return f"failed at `{m.group(1)}`" if m else "failed"


def probe_line(probe: Mapping[str, Any]) -> str:
    """One sentence from ``bench/results/probe.json``: per corpus, each solver's summed fit time and whether the
    last solver always reached the lowest objective."""
    solvers, rows = probe["solvers"], probe["rows"]
    parts = []
    for root in dict.fromkeys(r["root"] for r in rows):
        at = [r for r in rows if r["root"] == root]
        secs = {s: sum(r["wall_s"] for r in at if r["solver"] == s) for s in solvers}
        n = max(r["n_train"] for r in at)
        parts.append(f"{n:,} training reports, " + " vs ".join(f"{s} {v:.0f} s" for s, v in secs.items())
                     + (f" ({secs[solvers[0]] / secs[solvers[-1]]:.1f}x)" if secs[solvers[-1]] else ""))
    last_best = all(r["objective_gap"] <= 1e-5 for r in rows if r["solver"] == solvers[-1])
    return ("Probe solver (`bench/bench_probe.py`, every representation and target fitted with each): "
            + "; ".join(parts) + f"; `{solvers[-1]}` "
            + ("reached the lowest objective in every fit" if last_best else "did not always reach the lowest objective")
            + ".\n")


def encoder_compute_line(bert: Mapping[str, Any]) -> str:
    """One sentence from ``bench/results/bert.json``'s ``compute`` record: per encoder setting, the arithmetic
    rate of its whole encoding (tokenising and pooling included) and its share of a bare matrix multiply in the
    same arithmetic on the same threads."""
    c = bert["compute"]
    ceiling = c["matmul_gflops_best"]
    parts = [f"{name.removeprefix('bert_')} {s['gflops']:.0f} GFLOP/s, {s['share_of_matmul']:.0%} of a bare "
             f"{s['against']} matrix multiply ({ceiling[s['against']]:.0f} GFLOP/s)"
             for name, s in c["settings"].items()]
    threads = bert.get("settings", {}).get("threads", 0)
    return (f"Encoder arithmetic (`bench/bench_bert.py`, {bert['texts']['n']:,} texts, {threads} "
            f"thread{'' if threads == 1 else 's'}, "
            f"{c['gflop_total']:,.0f} GFLOP of encoder work): " + "; ".join(parts) + ".\n")


def scale_table(scale: Mapping[str, Any], represent: Mapping[str, Any] | None = None,
                probe: Mapping[str, Any] | None = None) -> str:
    """The summary of ``bench/results/scale.json`` (``bench/bench_scale.py``): per run the whole ``dvc repro``
    wall time, its largest stage and the largest stage peak RSS; the stages growing faster than N^1.15; and the
    same-run ratios of ``bench/results/represent.json``."""
    runs, exps = scale["runs"], scale.get("exponents", {})
    lines = ["| corpus | reports | transformer rows | `dvc repro` wall min | largest stage (s) | "
             "largest stage peak RSS (MB) | run |\n", "|---|---|---|---|---|---|---|\n"]
    for r in runs:
        st = r["stages"]
        top = max(st, key=lambda s: st[s].get("wall_seconds", 0))
        mem = max(st, key=lambda s: st[s].get("peak_rss_mb", 0))
        lines.append(f"| {r['corpus']} | {r['n_reports']:,} | {'yes' if r['with_lm'] else 'no'} | "
                     f"{r['repro_wall_seconds'] / 60:.1f} | `{top}` ({st[top]['wall_seconds']:.0f}) | "
                     f"`{mem}` ({st[mem]['peak_rss_mb']:,.0f}) | {_run_state(r.get('error'))} |\n")
    sizes = sorted({r["n_reports"] for r in runs if r["corpus"] == "synthetic"})
    fast = sorted(((s, e) for s, e in exps.items() if (e.get("time_exponent") or 0) > 1.15),
                  key=lambda x: -x[1]["time_exponent"])
    heavy = sorted(((s, e) for s, e in exps.items() if (e.get("memory_exponent") or 0) > 1.15),
                   key=lambda x: -x[1]["memory_exponent"])
    text = "".join(lines) + (
        f"\nGrowth over the synthetic sizes {', '.join(f'{n:,}' for n in sizes)}: time faster than N^1.15 in "
        + (", ".join(f"`{s}` ({e['time_exponent']:.2f})" for s, e in fast) or "no stage")
        + "; memory faster than N^1.15 in "
        + (", ".join(f"`{s}` ({e['memory_exponent']:.2f})" for s, e in heavy) or "no stage") + ".\n")
    if represent:
        ratios = ", ".join(f"{name} {r['speed_ratio_ours_vs_raw']:.2f}x" for name, r in represent["results"].items()
                           if "speed_ratio_ours_vs_raw" in r)
        text += (f"Same run against raw scikit-learn doing the same fit, encode and write "
                 f"(`bench/bench_represent.py`, {represent['n_docs']:,} texts): {ratios} its speed.\n")
    if probe:
        text += probe_line(probe)
    return text


def _diff_ci(e: Mapping[str, Any], base: str) -> str:
    if f"vs_{base}_diff" not in e:
        return "–"
    lo, hi = e[f"vs_{base}_ci"]
    return f"{e[f'vs_{base}_diff']:+.3f} ({lo:+.3f}, {hi:+.3f})"


def is_baseline(row: Mapping[str, Any]) -> bool:
    """Whether an experiment record's row is its baseline (the committed run's row, already in the results table)."""
    return str(row["experiment"]).startswith("baseline")


def record_corpus(record: Mapping[str, Any]) -> str:
    """The corpus an experiment record ran on: ``default`` (the repository's own run) or the name in its
    ``corpus`` entry (``bench/experiments.py --corpus vaers``)."""
    corpus = record.get("corpus")
    return str(corpus.get("name")) if isinstance(corpus, Mapping) else "default"


def experiments_table(records: list[Mapping[str, Any]], with_baseline: bool = False) -> str:
    """Every ``dvc exp`` variant of ``bench/results/experiments_*.json`` (``bench/experiments.py``) in one table:
    per experiment its representation, the params it set, each target's probe macro-F1 and paired difference from
    the baseline, the primary target's V-measure and P@k, and the tuning stage's wall seconds. Baseline rows (the
    committed run's, already in the results table) are left out unless ``with_baseline`` (a copy's own baseline,
    e.g. on VAERS, in no other table); then a baseline row several records share (the same representation and
    figures) is written once, under the first record's name."""
    rows, seen = [], set()
    for d in records:
        for r in d["rows"]:
            if is_baseline(r):
                key = (d["representation"], json.dumps(r["row"], sort_keys=True))
                if not with_baseline or key in seen:
                    continue
                seen.add(key)
            rows.append((d, r))
    if not rows:
        return "No experiment has been run yet (`bench/experiments.py`).\n"
    targets = next((r.get("targets") for _, r in rows if r.get("targets")), None) or ["category"]
    base = next((r.get("baseline") for _, r in rows if r.get("baseline")), None) or "tfidf"
    lines = ["| experiment | row | params set | " + " | ".join(f"{t} macro-F1 | Δ vs {base} (95% CI)" for t in targets)
             + f" | {targets[0]} V-measure | {targets[0]} P@10 | tune_lm s |\n",
             "|---|---|---|" + "---|---|" * len(targets) + "---|---|---|\n"]
    for d, r in rows:
        cells = [f"{d['name']}: {r['experiment']}", f"`{d['representation']}`",
                 ", ".join(f"`{s}`" for s in r["set"]) or "committed params"]
        for t in targets:
            e = r["row"].get(t) or {}
            cells += [f"{e['macro_f1']:.3f}" if "macro_f1" in e else "–", _diff_ci(e, base)]
        e0 = r["row"].get(targets[0]) or {}
        tune = (r.get("costs") or {}).get("tune_lm")
        cells += [f"{e0['v_measure']:.3f}" if e0.get("v_measure") is not None else "–",
                  f"{e0['precision_at_k']:.3f}" if e0.get("precision_at_k") is not None else "–",
                  f"{tune:.0f}" if tune else "–"]
        lines.append("| " + " | ".join(cells) + " |\n")
    return "".join(lines)


def label_noise_table(d: Mapping[str, Any]) -> str:
    """``bench/results/label_noise.json`` (``bench/label_noise.py``): per target the noise ceiling, then each
    representation's probe macro-F1 against the coded and the written labels and its paired difference from the
    baseline against the written labels."""
    base, targets = d["baseline"], d["targets"]
    names = list(next(iter(targets.values()))["rows"])
    head = "| representation | " + " | ".join(
        f"{t} macro-F1, coded | {t} macro-F1, written | {t} Δ vs {base}, written (95% CI)" for t in targets)
    lines = [head + " |\n", "|---|" + "---|---|---|" * len(targets) + "\n"]
    ceil = ["**ceiling**: the written label itself"]
    for t in targets.values():
        c = t["ceiling"]
        ceil += [f"{c['macro_f1']:.3f} ({c['ci'][0]:.3f}–{c['ci'][1]:.3f})", "1.000", "–"]
    lines.append("| " + " | ".join(ceil) + " |\n")
    for name in names:
        cells = [f"`{name}`"]
        for t in targets.values():
            r = t["rows"].get(name)
            if r is None:
                cells += ["–"] * 3
                continue
            vs = r.get("vs_baseline_written")
            cells += [f"{r['macro_f1_coded']:.3f}", f"{r['macro_f1_written']:.3f}",
                      f"{vs['diff']:+.3f} ({vs['ci'][0]:+.3f}, {vs['ci'][1]:+.3f})" if vs else "baseline"]
        lines.append("| " + " | ".join(cells) + " |\n")
    noisy = ", ".join(f"{k} {t['noisy_share']:.1%}" for k, t in targets.items())
    return "".join(lines) + f"\nTest reports coded differently from their text: {noisy}.\n"


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else sys.argv[1:])
    readme_path, compare_path, cost_dir = args + list(DEFAULTS[len(args):])
    readme = Path(readme_path).read_text(encoding="utf-8")
    summary = read_json(compare_path)
    readme = replace_block(readme, summary, load_costs(cost_dir))
    readme = replace_named(readme, "finding", finding_text(summary))
    readme = replace_named(readme, "per-class", per_class_table(summary, eval_metrics(Path(compare_path).parent / "eval")))
    metrics_dir = Path(compare_path).parent
    if (metrics_dir / "review.json").exists():
        readme = replace_named(readme, "review", review_table(read_json(metrics_dir / "review.json")))
    readme = replace_named(readme, "cost", cost_table(Path(cost_dir).parent))
    if (metrics_dir / "deid.json").exists():
        real = Path(readme_path).parent / "bench" / "results" / "deid_real_precision.json"
        readme = replace_named(readme, "deid", deid_table(read_json(metrics_dir / "deid.json"),
                                                          read_json(real) if real.exists() else None))
    libs = Path(readme_path).parent / "bench" / "results" / "report_libs.json"
    if libs.exists():
        readme = replace_named(readme, "report-libs", libraries_table(read_json(libs)))
    bench = Path(readme_path).parent / "bench" / "results"
    if (bench / "scale.json").exists():
        rep, probe = bench / "represent.json", bench / "probe.json"
        readme = replace_named(readme, "scale", scale_table(read_json(bench / "scale.json"),
                                                            read_json(rep) if rep.exists() else None,
                                                            read_json(probe) if probe.exists() else None))
    bert = read_json(bench / "bert.json") if (bench / "bert.json").exists() else {}
    if "compute" in bert and "<!-- encoder-compute:start -->" in readme:
        readme = replace_named(readme, "encoder-compute", encoder_compute_line(bert))
    records = [read_json(p) for p in sorted(bench.glob("experiments_*.json"))]
    default = [d for d in records if record_corpus(d) == "default"]
    if default:
        readme = replace_named(readme, "experiments", experiments_table(default))
    vaers = [d for d in records if record_corpus(d) == "vaers"]
    if vaers and "<!-- experiments-vaers:start -->" in readme:
        readme = replace_named(readme, "experiments-vaers", experiments_table(vaers, with_baseline=True))
    if (bench / "label_noise.json").exists():
        readme = replace_named(readme, "label-noise", label_noise_table(read_json(bench / "label_noise.json")))
    write_text(readme_path, readme)



def _pct(x: Any) -> str:
    return "–" if x is None else f"{x:.3f}"


def deid_table(deid: Mapping[str, Any], real: Mapping[str, Any] | None = None) -> str:
    """The de-identification figures of ``metrics/deid.json``: recall per type on the synthetic corpus's
    planted identifiers, on the independent generated set, on the hand-written hard cases and on the two halves
    of the blind set, precision, eponyms redacted, the forms that still leak, the residual-risk scan, and
    (``real``, from ``bench/deid_real_precision.py``) precision on hand-labelled real redactions."""
    ind = deid.get("independent", {})
    sets = [(label, name, ind[key]) for key, label, name in (
        ("generated", "independent: generated forms", "Generated forms"),
        ("hard", "independent: hard cases", "Hard cases"),
        ("blind_heldout", "blind: held-out half", "Blind set, held-out half"),
        ("blind_dev", "blind: dev half", "Blind set, dev half")) if ind.get(key)]
    planted = deid.get("per_type") or {}
    types = list(dict.fromkeys([*planted, *(t for _, _, b in sets for t in b.get("by_type", {}))]))
    lines = ["| identifier type | planted by the generator | " + " | ".join(label for label, _, _ in sets) + " |\n",
             "|---|---|" + "---|" * len(sets) + "\n"]

    def cell(block: Mapping[str, Any], t: str, key: str = "recall") -> str:
        v = block.get(t)
        return "–" if not v else f"{_pct(v.get(key))} (n={v.get('n', v.get('n_truth', '?'))})"

    for t in types:
        lines.append(f"| {t} | {cell(planted, t)} | "
                     + " | ".join(cell(b.get("by_type", {}), t) for _, _, b in sets) + " |\n")
    ov = deid.get("overall") or {}

    def targets(block: Mapping[str, Any]) -> str:
        tg = block.get("targets", {})
        return ", ".join(f"{k.replace('_', ' ')} {v['value']} ({'met' if v['pass'] else '**not met**'}, target "
                         f"{v['target']})" for k, v in tg.items())

    def both(block: Mapping[str, Any]) -> str:
        o = block.get("overall", {})
        return f"{_pct(o.get('recall'))} / {_pct(o.get('precision'))}"

    lines.append(f"| **all** (recall / precision) | {_pct(ov.get('recall'))} / {_pct(ov.get('precision'))} | "
                 + " | ".join(both(b) for _, _, b in sets) + " |\n")
    out = "".join(lines) + "\n"
    for _, name, block in sets:
        out += (f"{name} ({block.get('n_cases')} cases, {block.get('n_identifiers')} identifiers): "
                f"{targets(block)}.\n")
    for _, name, block in sets:
        leaks = [f"`{f}` {v['recall']:.2f}" for f, v in sorted(block.get("by_form", {}).items(),
                                                                key=lambda kv: (kv[1]["recall"], kv[0]))
                 if v["recall"] < 1]
        out += f"\nForms that still leak ({name.lower()}, recall below 1): {', '.join(leaks) or 'none'}.\n"
    res = deid.get("residual")
    if res:
        out += (f"\nResidual-risk scan of the {res.get('n_reports')} kept reports: {res.get('hits')} identifier-"
                f"shaped hit(s).\n")
    if real:
        o = real["overall"]
        per = ", ".join(f"{t} {v['identifiers']}/{v['still_redacted']}" for t, v in real["by_type"].items()
                        if v["still_redacted"])
        out += (f"\nReal public narratives (VAERS, MAUDE; `{real['fixture']}`, {real['labelled']} hand-labelled "
                f"redactions): precision {_pct(o['precision'])} ({o['identifiers']} of {o['still_redacted']} still "
                f"redacted are identifiers: {per}); labelled identifiers no longer redacted: {o['lost']}.\n")
    return out


if __name__ == "__main__":
    main()
