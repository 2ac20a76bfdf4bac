"""Similar-incident search: a new description in, the most similar past reports out.

The query goes through exactly the recipe the training text went through
(:func:`incident_lm.data.records.prepare_records`: de-identification on the raw text, cleaning, the
field label of the first free-text field), is embedded by the saved representation
(:func:`incident_lm.represent.registry.load`) and compared by cosine similarity with every report's
saved features. Nothing leaves the machine; the excerpts shown are the de-identified texts.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from incident_lm.core.artefacts import read_split
from incident_lm.core.errors import DataError
from incident_lm.core.params import load_section, read_section
from incident_lm.data.config import DataConfig
from incident_lm.data.records import RecordSpec, field_label_names, prepare_records
from incident_lm.deid import DeidConfig, Deidentifier
from incident_lm.represent.base import Representation
from incident_lm.represent.registry import load
from incident_lm.review.reports import stack_features
from incident_lm.review.themes import excerpt

RESULT_COLUMNS = ("rank", "id", "date", "category", "harm", "theme", "similarity", "excerpt")


def query_spec(cfg: DataConfig) -> RecordSpec:
    """How a typed description is read: as the export's first free-text field, labelled as it is."""
    first = cfg.text_fields[0]
    return RecordSpec(text_fields=(first,), field_labels=field_label_names([first], cfg.field_label_names,
                                                                           cfg.field_labels))


@dataclass
class Searcher:
    """Search the reports of one representation.

    Parameters
    ----------
    representation : Representation
        The fitted representation (``models/NAME``).
    matrix : (n_reports, dim) CSR matrix or ndarray
        L2-normalised features of every report (train then test rows).
    reports : DataFrame, n_reports rows in matrix order
        ``id``, ``date``, ``text`` and label columns (and ``theme`` when themes exist).
    spec : RecordSpec
        How a query's text is prepared.
    deid : Deidentifier
        The de-identifier of the ``deid`` params section.
    """

    representation: Representation
    matrix: np.ndarray | sp.csr_matrix
    reports: pd.DataFrame
    spec: RecordSpec
    deid: Deidentifier
    excerpt_chars: int = 240

    @classmethod
    def from_paths(cls, model_dir: str | Path, features_dir: str | Path, split_path: str | Path,
                   params_path: str | Path = "params.yaml", themes_path: str | Path | None = None) -> Searcher:
        """Load a saved representation, its features and the split reports (and report themes)."""
        for p in (model_dir, features_dir, split_path):
            if not Path(p).exists():
                raise FileNotFoundError(f"{p}: not found; run the pipeline first (dvc repro)")
        X, reports = stack_features(features_dir, read_split(split_path))
        if themes_path is not None and Path(themes_path).exists():
            themes = pd.read_parquet(themes_path).set_index("id")["theme"]
            reports["theme"] = reports["id"].astype(str).map(themes).fillna(-1).astype(int).to_numpy()
        data_cfg = DataConfig.from_section(load_section("data", params_path))
        deid_cfg = read_section(DeidConfig, load_section("deid", params_path))
        return cls(load(model_dir), normalize(X).astype(np.float32), reports, query_spec(data_cfg),
                   Deidentifier(deid_cfg))

    def prepare(self, texts: Sequence[str]) -> list[str]:
        """Raw descriptions -> the de-identified, cleaned, labelled texts the representation sees."""
        raw = pd.DataFrame({self.spec.text_fields[0]: pd.array(list(texts), dtype="str")})
        return prepare_records(raw, self.spec, self.deid).frame["text"].tolist()

    def embed(self, texts: Sequence[str]) -> np.ndarray | sp.csr_matrix:
        """Prepared texts -> L2-normalised ``(n, dim)`` vectors."""
        return normalize(self.representation.transform(list(texts)))

    def similarities(self, texts: Sequence[str]) -> np.ndarray:
        """``(n_queries, n_reports)`` cosine similarity of raw descriptions to every report."""
        Q = self.embed(self.prepare(texts))
        S = Q @ self.matrix.T
        return S.toarray() if sp.issparse(S) else np.asarray(S)

    def search(self, text: str, k: int = 10, exclude: Sequence[str] = ()) -> pd.DataFrame:
        """The ``k`` reports most similar to a raw description.

        Parameters
        ----------
        text : str
            A new incident description, as a reporter would write it.
        k : int
            Number of reports returned.
        exclude : sequence of str
            Report ids not to return (e.g. the query report itself).

        Returns
        -------
        DataFrame
            Columns :data:`RESULT_COLUMNS`, most similar first.
        """
        if not str(text).strip():
            raise ValueError("empty query: give an incident description")
        s = self.similarities([text])[0]
        if exclude:
            drop = self.reports["id"].astype(str).isin(set(map(str, exclude))).to_numpy()
            s = np.where(drop, -np.inf, s)
        k = min(k, len(s))
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.lexsort((top, -s[top]))]
        rows = self.reports.iloc[top]
        out = pd.DataFrame({
            "rank": np.arange(1, k + 1),
            "id": rows["id"].astype(str).to_numpy(),
            "date": pd.to_datetime(rows["date"]).dt.strftime("%Y-%m-%d").fillna("").to_numpy(),
            "category": rows["category"].to_numpy() if "category" in rows else "",
            "harm": rows["harm"].to_numpy() if "harm" in rows else "",
            "theme": rows["theme"].to_numpy() if "theme" in rows else -1,
            "similarity": s[top].round(4),
            "excerpt": [excerpt(t, self.excerpt_chars) for t in rows["text"]],
        })
        return out


def twin_retrieval(searcher: Searcher, queries: pd.DataFrame) -> dict:
    """For planted re-reports, the share whose original is the top hit, and query latency.

    Parameters
    ----------
    queries : DataFrame
        ``id`` (the re-report, excluded from its own results), ``twin`` (the original report's id) and
        ``text`` (the re-report's raw description).

    Returns
    -------
    dict
        ``queries``, ``twin_top1`` (share), ``twin_top10`` (share), ``latency_ms`` (median per query,
        after the first, which loads and warms the model) and ``first_query_ms``.
    """
    present = set(searcher.reports["id"].astype(str))
    queries = queries[queries["id"].astype(str).isin(present) & queries["twin"].astype(str).isin(present)]
    if queries.empty:
        raise DataError("no planted re-report is among the reports searched")
    top1 = top10 = 0
    times = []
    for row in queries.itertuples(index=False):
        t0 = time.perf_counter()
        hits = searcher.search(row.text, k=10, exclude=[str(row.id)])
        times.append(time.perf_counter() - t0)
        top1 += int(hits["id"].iloc[0] == str(row.twin))
        top10 += int(str(row.twin) in set(hits["id"]))
    n = len(queries)
    return {"queries": n, "twin_top1": top1 / n, "twin_top10": top10 / n,
            "first_query_ms": 1000 * times[0],
            "latency_ms": 1000 * float(np.median(times[1:])) if n > 1 else 1000 * times[0]}
