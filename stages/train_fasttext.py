"""Stage train_fasttext: incident-domain fastText word vectors on the training split (params ``fasttext``),
and their nearest-neighbour report."""

import argparse
import sys

from incident_lm.core import stage
from incident_lm.core.artefacts import read_split
from incident_lm.core.errors import DataError
from incident_lm.core.io import atomic_dir, write_json, write_text
from incident_lm.core.params import load_section, read_section
from incident_lm.wordvec.neighbours import neighbours_markdown
from incident_lm.wordvec.train import FastTextParams, train_word_vectors
from incident_lm.wordvec.vectors import save_word_vectors


def main(args: argparse.Namespace) -> dict:
    params = read_section(FastTextParams, load_section("fasttext", args.params))
    train = read_split(args.input, "train", columns=["id", "text"])
    if train.empty:
        raise DataError(f"{args.input}: no training reports; rerun the split stage")
    wv, stats = train_word_vectors(train["text"].fillna("").tolist(), params, verbose=sys.stderr.isatty())
    with atomic_dir(args.out) as tmp:
        fp = save_word_vectors(wv, tmp, {"backend": params.backend, "params": params.to_dict(),
                                         "vocab_size": stats["vocab_size"], "n_train_docs": stats["n_train_docs"],
                                         "n_train_tokens": stats["n_train_tokens"]})
    write_text(args.report, neighbours_markdown(wv, params.probe_words, params.neighbours, stats))
    write_json(args.metrics, {"backend": params.backend, "model": params.model, "dim": params.dim,
                              **{k: stats[k] for k in ("n_train_docs", "n_train_tokens", "vocab_size")},
                              "model_size_bytes": fp["bytes"]})
    return {k: stats[k] for k in ("train_seconds", "train_words_per_second")}


if __name__ == "__main__":
    ap = stage.parser(__doc__)
    ap.add_argument("--input", required=True, help="split reports (train rows used)")
    ap.add_argument("--out", required=True, help="model folder")
    ap.add_argument("--report", required=True, help="nearest-neighbour report (Markdown)")
    ap.add_argument("--metrics", required=True, help="vocabulary and model size (JSON)")
    stage.run("train_fasttext", main, ap)
