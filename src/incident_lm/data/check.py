"""Check every later stage's params against the prepared data, before anything is trained.

Label names are the usual mistake with a new export: a preset whose label roles differ from the defaults leaves
``split.stratify``, ``evaluate.targets`` and ``fasttext_supervised.targets`` naming columns that are not there,
and each stage would find out only when it runs (``fasttext_supervised`` after the language models). The
``check`` stage reads ``metrics/data.json`` (the label roles prepare kept, their values and counts, the dates)
and the params, and reports every problem at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_lm.core.errors import ParamsError

#: The params keys the check reads (also the ``check`` stage's declared params).
CHECKED_KEYS = ("split.method", "split.stratify", "split.time_cutoff", "evaluate.targets",
                "fasttext_supervised.targets", "review.select.target")


def _get(params: Mapping[str, Any], key: str, default: Any = None) -> Any:
    node: Any = params
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def _label_problem(key: str, role: Any, labels: Mapping[str, Mapping[str, int]]) -> str | None:
    """Why label role ``role`` (named by params ``key``) cannot be a target, or None."""
    if not isinstance(role, str):
        return f"{key}: {role!r} is not a label name"
    known = ", ".join(sorted(labels)) or "none"
    if role not in labels:
        return (f"{key}: label '{role}' is not in the prepared data (its labels: {known}); name one of them, or "
                f"map a column to '{role}' with data.labels.{role}")
    counts = {v: c for v, c in labels[role].items() if c}
    if len(counts) < 2:
        only = ", ".join(f"'{v}' ({c})" for v, c in counts.items()) or "no value"
        return (f"{key}: label '{role}' has a single class ({only}): nothing to predict or stratify by; drop it "
                f"from {key} or check data.labels.{role}")
    return None


def check_params(data: Mapping[str, Any], params: Mapping[str, Any]) -> list[str]:
    """Every problem of the later stages' params against the prepared data.

    Parameters
    ----------
    data : mapping
        ``metrics/data.json`` as written by prepare (``labels``: role -> value -> count; ``dates``;
        ``split_column``).
    params : mapping
        The whole params file.

    Returns
    -------
    list of str
        One line per problem, each naming the params key to fix; empty when all is well.
    """
    labels: Mapping[str, Mapping[str, int]] = data.get("labels") or {}
    problems: list[str] = []
    method = _get(params, "split.method", "stratified")
    if method == "stratified":
        stratify = _get(params, "split.stratify", "category")
        if stratify is not None and (p := _label_problem("split.stratify", stratify, labels)):
            problems.append(p + " (or null for an unstratified split)")
    elif method == "time":
        dates = data.get("dates") or {}
        if not dates.get("column"):
            problems.append("split.method: 'time' needs report dates: set data.date_column")
        elif dates.get("missing_or_unparsed"):
            problems.append(f"split.method: 'time' cannot place the {dates['missing_or_unparsed']} kept report(s) "
                            f"without a date (set split.method: stratified, or fix data.date_column / "
                            f"data.date_format)")
        cutoff, first, last = _get(params, "split.time_cutoff"), dates.get("first"), dates.get("last")
        if cutoff and first and last and not (str(first) < str(cutoff) <= str(last)):
            problems.append(f"split.time_cutoff: {cutoff} leaves one side empty: the kept reports run from {first} "
                            f"to {last}")
    elif method == "column" and not data.get("split_column"):
        problems.append("split.method: 'column' uses the export's own train/test column: set data.split_column")

    targets = _get(params, "evaluate.targets", [])
    if not isinstance(targets, list) or not targets:
        problems.append("evaluate.targets: expected a non-empty list of label names")
        targets = []
    for role in targets:
        if p := _label_problem("evaluate.targets", role, labels):
            problems.append(p)
    for role in _get(params, "fasttext_supervised.targets", []) or []:
        if p := _label_problem("fasttext_supervised.targets", role, labels):
            problems.append(p)
    review_target = _get(params, "review.select.target")
    if review_target is not None and review_target not in targets:
        problems.append(f"review.select.target: '{review_target}' is not one of evaluate.targets "
                        f"({', '.join(map(str, targets))}); the review chooses by a target the comparison scored")
    return problems


def check_or_raise(data: Mapping[str, Any], params: Mapping[str, Any], where: str = "params.yaml") -> dict[str, Any]:
    """:func:`check_params`, raising one :class:`ParamsError` listing every problem; else the stage's record."""
    problems = check_params(data, params)
    if problems:
        raise ParamsError(f"{where}: {len(problems)} problem(s) with the prepared data, found before any training:\n  "
                          + "\n  ".join(problems))
    return {"ok": True, "checked": list(CHECKED_KEYS)}
