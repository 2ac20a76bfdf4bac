"""Scoring redactions against planted ground truth, and finding identifier values left in text.

Used by the prepare stage (``metrics/deid.json``) and by the artefact audit (:mod:`incident_lm.audit`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from incident_lm.core.errors import DataError
from incident_lm.deid.config import PRIORITY, STRUCTURED, DeidTargets


def value_pattern(value: str) -> re.Pattern[str]:
    """``value`` as a case-insensitive pattern with no letter or digit either side, any white space run
    matching any other ("6/6" does not match inside "136/69")."""
    parts = [re.escape(p) for p in value.split()]
    return re.compile(r"(?<![0-9A-Za-z])" + r"\s+".join(parts) + r"(?![0-9A-Za-z])", re.IGNORECASE)


def contains_value(text: str, value: str) -> bool:
    """Whether ``value`` occurs in ``text`` as a whole (see :func:`value_pattern`)."""
    if not value.strip() or value.split()[0].lower() not in text.lower():
        return False
    return value_pattern(value).search(text) is not None



#: The default recall and precision targets (those of :class:`~incident_lm.deid.config.DeidTargets`).
DEFAULT_TARGETS: dict[str, float] = asdict(DeidTargets())


def score_redactions(pred: pd.DataFrame, truth: pd.DataFrame,
                     targets: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Recall and precision of predicted identifier spans against ground-truth spans.

    A truth span is found (TP) when a predicted span of the same type overlaps it; a predicted span
    is correct when it overlaps a truth span of the same type. Type-agnostic overlap is also reported.

    Parameters
    ----------
    pred, truth : DataFrame
        Columns ``doc`` (report id), ``field`` (source column), ``start``, ``end`` (character offsets
        into that field's raw text) and ``type``. Only documents present in ``pred_docs`` of the
        prediction frame's ``attrs`` (when given) are scored; otherwise all truth rows are.
    targets : mapping, optional
        ``structured_recall``, ``name_recall``, ``precision`` thresholds (defaults: 0.99, 0.95, 0.9).

    Returns
    -------
    dict
        ``per_type`` {type: {recall, precision, tp, fn, fp, n_truth, n_pred}}, ``overall`` (same keys,
        type-strict), ``any_type`` (type-agnostic recall/precision), ``targets`` with pass/fail.
    """
    targets = {**DEFAULT_TARGETS, **(targets or {})}
    cols = ["doc", "field", "start", "end", "type"]
    for name, df in (("pred", pred), ("truth", truth)):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError(f"score_redactions: {name} lacks columns {missing}")
    pred = pred[cols].astype({"doc": str, "field": str, "start": int, "end": int, "type": str})
    truth = truth[cols].astype({"doc": str, "field": str, "start": int, "end": int, "type": str})
    scored_docs = pred.attrs.get("docs")
    if scored_docs is not None:
        truth = truth[truth["doc"].isin(set(map(str, scored_docs)))]

    def group(df: pd.DataFrame) -> dict[tuple[str, str], list[tuple[int, int, str]]]:
        out: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
        for d, f, s, e, t in df.itertuples(index=False, name=None):
            out.setdefault((d, f), []).append((s, e, t))
        return out

    P, T = group(pred), group(truth)

    def overlaps(a: tuple[int, int, str], bs: list[tuple[int, int, str]], same_type: bool) -> bool:
        return any(a[0] < b[1] and b[0] < a[1] and (not same_type or a[2] == b[2]) for b in bs)

    types = sorted(set(truth["type"]) | set(pred["type"]), key=lambda t: (PRIORITY.get(t, 99), t))
    tp_t: Counter[str] = Counter()
    n_t: Counter[str] = Counter()
    tp_p: Counter[str] = Counter()
    n_p: Counter[str] = Counter()
    any_t = any_p = 0
    for key, spans in T.items():
        ps = P.get(key, [])
        for sp in spans:
            n_t[sp[2]] += 1
            tp_t[sp[2]] += overlaps(sp, ps, True)
            any_t += overlaps(sp, ps, False)
    for key, spans in P.items():
        ts = T.get(key, [])
        for sp in spans:
            n_p[sp[2]] += 1
            tp_p[sp[2]] += overlaps(sp, ts, True)
            any_p += overlaps(sp, ts, False)

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    per_type = {}
    for t in types:
        per_type[t] = {"recall": ratio(tp_t[t], n_t[t]), "precision": ratio(tp_p[t], n_p[t]),
                       "tp": int(tp_t[t]), "fn": int(n_t[t] - tp_t[t]), "fp": int(n_p[t] - tp_p[t]),
                       "n_truth": int(n_t[t]), "n_pred": int(n_p[t])}
    nt, np_ = sum(n_t.values()), sum(n_p.values())
    tpt, tpp = sum(tp_t.values()), sum(tp_p.values())
    overall = {"recall": ratio(tpt, nt), "precision": ratio(tpp, np_), "tp": tpt, "fn": nt - tpt,
               "fp": np_ - tpp, "n_truth": nt, "n_pred": np_}
    any_type = {"recall": ratio(any_t, nt), "precision": ratio(any_p, np_)}

    s_types = [t for t in STRUCTURED if n_t[t]]
    s_recall = ratio(sum(tp_t[t] for t in s_types), sum(n_t[t] for t in s_types))
    min_s = min((per_type[t]["recall"] for t in s_types), default=None)
    name_recall = per_type.get("PERSON", {}).get("recall")
    checks = {
        "structured_recall": {"target": targets["structured_recall"], "value": s_recall,
                              "min_per_type": min_s,
                              "pass": min_s is None or min_s >= targets["structured_recall"]},
        "name_recall": {"target": targets["name_recall"], "value": name_recall,
                        "pass": name_recall is None or name_recall >= targets["name_recall"]},
        "precision": {"target": targets["precision"], "value": overall["precision"],
                      "pass": overall["precision"] is None or overall["precision"] >= targets["precision"]},
    }
    checks_all = all(c["pass"] for c in checks.values())
    return {"per_type": per_type, "overall": overall, "any_type": any_type,
            "targets": {**checks, "all_pass": checks_all}}


def spans_frame(rows: Iterable[tuple[str, str, int, int, str]]) -> pd.DataFrame:
    """A DataFrame with columns doc, field, start, end, type from (doc, field, start, end, type) tuples."""
    return pd.DataFrame(list(rows), columns=["doc", "field", "start", "end", "type"])


def load_truth(path: str | Path, id_column: str | None = "RP01") -> pd.DataFrame:
    """Ground-truth identifier spans as columns ``doc, field, start, end, type, value`` (all str but offsets).

    The report id column may be called ``doc``, ``id``, ``id_column`` or ``RP01``.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: ground truth not found (set deid.truth to the identifiers CSV, or "
                                f"null for real data)")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    doc_col = next((c for c in ("doc", "id", id_column, "RP01") if c and c in df.columns), None)
    missing = [c for c in ("field", "start", "end", "type") if c not in df.columns]
    if doc_col is None or missing:
        raise DataError(f"{path}: ground truth needs columns RP01 (or id), field, start, end, type "
                        f"(missing {missing or ['RP01']}); check deid.truth")
    out = df.rename(columns={doc_col: "doc"})
    out["start"] = out["start"].astype(int)
    out["end"] = out["end"].astype(int)
    if "value" not in out.columns:
        out["value"] = ""
    return out[["doc", "field", "start", "end", "type", "value"]]
