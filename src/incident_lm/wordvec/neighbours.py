"""The nearest-neighbour report of the word vectors: what a reviewer reads to judge them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from incident_lm.text.tokenize import tokenize
from incident_lm.wordvec.vectors import WordVectors

#: Probe words for the neighbour report: domain terms, a phrase, an acronym and misspellings.
DEFAULT_PROBES = ("fall", "insulin", "pump", "pressure ulcer", "dnacpr", "patinet", "medicaton",
                  "insullin")


def neighbours_table(wv: WordVectors, probes: Sequence[str], k: int = 10) -> list[dict[str, Any]]:
    """Nearest vocabulary words of each probe word or phrase.

    Returns
    -------
    list of dict: ``probe``, ``kind`` ("word", "out of vocabulary" or "phrase"), ``count``
    (training count, 0 if unseen) and ``neighbours`` [(word, cosine), ...].
    """
    counts = wv.word_counts()
    rows = []
    for probe in probes:
        tokens = tokenize(probe)
        if len(tokens) > 1:
            kind, count = "phrase", min(counts.get(t, 0) for t in tokens)
        else:
            count = counts.get(tokens[0], 0) if tokens else 0
            kind = "word" if count else "out of vocabulary"
        rows.append({"probe": probe, "kind": kind, "count": count,
                     "neighbours": wv.nearest_neighbours(probe, k)})
    return rows


def neighbours_markdown(wv: WordVectors, probes: Sequence[str], k: int = 10,
                        stats: dict[str, Any] | None = None) -> str:
    """The neighbour report as Markdown (see :func:`neighbours_table`)."""
    lines = [
        "# fastText nearest neighbours",
        "",
        f"Backend `{wv.backend}`, dimension {wv.dim}, vocabulary {len(wv.words):,} words"
        + (f", trained on {stats['n_train_docs']:,} training reports ({stats['n_train_tokens']:,} tokens)"
           if stats else "") + ".",
        "",
        f"The {k} vocabulary words with the highest cosine similarity to each probe. A word not in the "
        "vocabulary (too rare, or misspelt) gets its vector from its character n-grams; a phrase is the "
        "mean of its words' vectors. *count* is the probe's frequency in the training text (for a "
        "phrase, that of its rarest word).",
        "",
        "| probe | kind | count | nearest neighbours (cosine) |",
        "|---|---|---:|---|",
    ]
    for row in neighbours_table(wv, probes, k):
        nb = ", ".join(f"{w} ({s:.2f})" for w, s in row["neighbours"]) or "(zero vector)"
        lines.append(f"| {row['probe']} | {row['kind']} | {row['count']} | {nb} |")
    return "\n".join(lines) + "\n"

