"""The supervised fastText classifier: an extra downstream baseline, scored like every probe.

One classifier per target is trained on the training split's tokenised text (the shared tokeniser) and
predicts the test split; its predictions have the probe's columns, so the ``compare`` stage tests it
against TF-IDF like any representation, and its scores come from
:func:`~incident_lm.evaluate.probe.classification_scores`. It always uses the fastText library (gensim
has no supervised mode).
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from incident_lm.core.io import temp_dir
from incident_lm.core.params import param
from incident_lm.evaluate.probe import check_target, classification_scores, floors
from incident_lm.text.tokenize import tokenize
from incident_lm.wordvec.train import zero_filled_malloc

log = logging.getLogger(__name__)

LABEL_PREFIX = "__label__"
PREDICTION_COLUMNS = ("target", "id", "y_true", "y_pred")


@dataclass(frozen=True)
class FastTextClassifierConfig:
    """The ``fasttext_supervised`` params section: one fastText classifier per target.

    ``bucket``, ``thread`` and ``seed`` as for the word vectors (one thread: the same seed gives the
    same model); ``n_boot`` and ``seed`` also drive the bootstrap interval of macro-F1, as in ``evaluate``.
    """

    targets: tuple[str, ...] = ("category", "harm")
    epoch: int = param(25, min=1)
    lr: float = param(0.5, min=1e-9)
    word_ngrams: int = param(2, min=1)
    dim: int = param(50, min=1)
    bucket: int = param(200_000, min=0)
    thread: int = param(1, min=1)
    seed: int = param(0, min=0)
    n_boot: int = param(1000, min=10)


class LabelCodec:
    """Reversible mapping between label strings and fastText ``__label__`` tokens.

    Whitespace runs become underscores; if two labels then collide, later ones (in sorted
    order) get ``~2``, ``~3``... so that decoding always gives back the original string.
    """

    def __init__(self, labels: Iterable[str]):
        self.to_token: dict[str, str] = {}
        self.from_token: dict[str, str] = {}
        for label in sorted(set(map(str, labels))):
            base = LABEL_PREFIX + (re.sub(r"\s+", "_", label.strip()) or "_")
            token, n = base, 2
            while token in self.from_token:
                token, n = f"{base}~{n}", n + 1
            self.to_token[label] = token
            self.from_token[token] = label

    def encode(self, label: str) -> str:
        return self.to_token[str(label)]

    def decode(self, token: str) -> str:
        return self.from_token[token]


def train_classifier(texts: Sequence[str], labels: Sequence[str], cfg: FastTextClassifierConfig
                     ) -> tuple[Any, LabelCodec]:
    """Train a fastText classifier on ``texts`` with one label each.

    Returns the fastText model and the :class:`LabelCodec` to decode its predictions.
    """
    import fasttext

    labels = [str(y) for y in labels]
    codec = LabelCodec(labels)
    with temp_dir("fasttext-sup-") as tmp:
        path = Path(tmp) / "train.txt"
        with path.open("w", encoding="utf-8") as fh:
            for text, label in zip(texts, labels, strict=True):
                fh.write(f"{codec.encode(label)} {' '.join(tokenize(text or ''))}\n")
        with zero_filled_malloc():
            model = fasttext.train_supervised(
                input=str(path), epoch=cfg.epoch, lr=cfg.lr, wordNgrams=cfg.word_ngrams, dim=cfg.dim,
                bucket=cfg.bucket, thread=cfg.thread, seed=cfg.seed, verbose=0, loss="softmax")
    return model, codec


def predict_classifier(model: Any, codec: LabelCodec, texts: Sequence[str], fallback: str) -> np.ndarray:
    """Most likely label of each text, shape ``(n_texts,)`` str; ``fallback`` where fastText has none."""
    lines = [" ".join(tokenize(t or "")) for t in texts]
    labels, _ = model.predict(lines, k=1)
    return np.array([codec.decode(lab[0]) if len(lab) else fallback for lab in labels], dtype=object)


def supervised_baseline(train: pd.DataFrame, test: pd.DataFrame, cfg: FastTextClassifierConfig
                        ) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """Train a fastText classifier per target on ``train`` and predict ``test``.

    Labels are read as strings (as the evaluate stage does), so missing labels are a class.

    Parameters
    ----------
    train, test : DataFrame
        With ``id``, ``text`` and each target column.

    Returns
    -------
    (predictions, metrics, cost)
        ``predictions`` has the columns ``target, id, y_true, y_pred`` (all str), one row per test
        report and target; ``metrics`` is in the evaluate stage's layout (``probe`` per target:
        :func:`~incident_lm.evaluate.probe.classification_scores`, floors, accuracy, classes);
        ``cost`` holds training seconds per target.
    """
    frames, probe, cost = [], {}, {}
    for target in cfg.targets:
        y_train = train[target].astype(str).to_numpy(dtype=object)
        y_test = test[target].astype(str).to_numpy(dtype=object)
        check_target(y_train, target, "train")
        majority = Counter(y_train.tolist()).most_common(1)[0][0]
        t0 = time.perf_counter()
        model, codec = train_classifier(train["text"].tolist(), y_train.tolist(), cfg)
        cost[f"{target}_train_seconds"] = round(time.perf_counter() - t0, 3)
        y_pred = predict_classifier(model, codec, test["text"].tolist(), fallback=majority)
        scores = classification_scores(y_test, y_pred, n_boot=cfg.n_boot, seed=cfg.seed)
        scores.update(floors(y_train, y_test, seed=cfg.seed))
        scores.update(accuracy=float(np.mean(y_test.astype(str) == y_pred.astype(str))),
                      n_classes=len(codec.to_token))
        probe[target] = scores
        log.info("supervised fastText %s: macro-F1 %.3f (majority floor %.3f)", target, scores["macro_f1"],
                 scores["floor_majority_macro_f1"])
        frames.append(pd.DataFrame({"target": target, "id": test["id"].astype(str).to_numpy(),
                                    "y_true": y_test.astype(str), "y_pred": y_pred.astype(str)}))
    predictions = (pd.concat(frames, ignore_index=True) if frames
                   else pd.DataFrame({c: pd.Series(dtype=str) for c in PREDICTION_COLUMNS}))
    metrics = {"n_train": len(train), "n_test": len(test), "probe": probe}
    return predictions[list(PREDICTION_COLUMNS)], metrics, cost
