"""VAERS public data files: ``{YEAR}VAERSDATA.csv`` joined with ``{YEAR}VAERSVAX.csv`` on VAERS_ID.

Labels are derived, not read: ``harm`` from the outcome flags (worst wins) and ``category`` from the
vaccine types of the report (``"Multiple"`` when a report names several types).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from incident_lm.core.errors import DataError
from incident_lm.data.load import ReadStats, detect_encoding, iter_csv, read_header, resolve_sources
from incident_lm.data.presets import VAERS_HARM, VAERS_NON_SERIOUS

DATA_GLOB = "*VAERSDATA.csv"
_YEAR_RE = re.compile(r"(\d{4})VAERSDATA\.csv$", re.I)
MULTIPLE = "Multiple"
UNKNOWN = "Unknown"


def year_of(path: Path) -> int | None:
    """Report year from a ``{YEAR}VAERSDATA.csv`` file name (None for other names)."""
    m = _YEAR_RE.search(path.name)
    return int(m.group(1)) if m else None


def data_files(source: str | Path, years: list[int] | None = None) -> list[tuple[Path, Path]]:
    """(DATA file, VAX file) pairs under ``source`` (a directory, a DATA file or a glob), sorted by year.

    Raises DataError when a DATA file has no VAX file beside it or no file matches ``years``.
    """
    src = Path(str(source))
    files = resolve_sources(source, "csv", DATA_GLOB if src.is_dir() else None)
    files = [f for f in files if f.name.upper().endswith("VAERSDATA.CSV")]
    if not files:
        raise DataError(f"{source}: no {{YEAR}}VAERSDATA.csv files (preset 'vaers', set data.source to the "
                        f"folder of the VAERS files)")
    if years:
        wanted = set(years)
        files = [f for f in files if year_of(f) in wanted]
        if not files:
            raise DataError(f"{source}: no VAERSDATA file for data.years = {sorted(wanted)}")
    pairs = []
    for f in files:
        vax = f.with_name(re.sub(r"VAERSDATA", "VAERSVAX", f.name, flags=re.I))
        if not vax.exists():
            raise DataError(f"{f}: no matching {vax.name} beside it (preset 'vaers' joins DATA and VAX "
                            f"files on VAERS_ID; check data.source)")
        pairs.append((f, vax))
    return pairs


def vax_categories(vax_files: list[Path], encoding: str, chunksize: int = 200_000) -> tuple[dict[str, str],
                                                                                             list[ReadStats]]:
    """VAERS_ID -> vaccine type (``"Multiple"`` for several distinct types) from VAX files.

    Returns the mapping and the per-file read statistics.
    """
    types: dict[str, set[str]] = {}
    all_stats = []
    for path in vax_files:
        enc = detect_encoding(path, encoding)
        header = read_header(path, enc)
        for col in ("VAERS_ID", "VAX_TYPE"):
            if col not in header:
                raise DataError(f"{path}: column '{col}' not found (preset 'vaers'; the VAX file must have "
                                f"VAERS_ID and VAX_TYPE)")
        stats = ReadStats(str(path), enc)
        for chunk in iter_csv(path, enc, header, ["VAERS_ID", "VAX_TYPE"], chunksize, stats):
            for vid, vt in zip(chunk["VAERS_ID"].str.strip(), chunk["VAX_TYPE"].str.strip(), strict=True):
                if vt:
                    types.setdefault(vid, set()).add(vt)
        all_stats.append(stats)
    return {k: (next(iter(v)) if len(v) == 1 else MULTIPLE) for k, v in types.items()}, all_stats


def harm_from_flags(df: pd.DataFrame) -> pd.Series:
    """Ordinal harm from VAERS outcome flags ('Y' = set); worst wins.

    ``"5 Death"`` (DIED) > ``"4 Life-threatening"`` (L_THREAT) > ``"3 Disability"`` (DISABLE) >
    ``"2 Hospitalised"`` (HOSPITAL or X_STAY) > ``"1 ER/doctor visit"`` (ER_VISIT, ER_ED_VISIT,
    OFC_VISIT) > ``"0 Non-serious"``. Flags missing from ``df`` count as unset.
    """
    out = np.full(len(df), VAERS_NON_SERIOUS, dtype=object)
    decided = np.zeros(len(df), dtype=bool)
    for flags, level in VAERS_HARM:
        hit = np.zeros(len(df), dtype=bool)
        for f in flags:
            if f in df.columns:
                hit |= (df[f].astype("str").str.strip().str.upper() == "Y").to_numpy()
        new = hit & ~decided
        out[new] = level
        decided |= hit
    return pd.Series(out, index=df.index, dtype="str")


def category_from_vax(ids: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """Vaccine-type category per report id (``"Unknown"`` when the VAX files do not list it)."""
    return pd.Series([mapping.get(i, UNKNOWN) for i in ids], index=ids.index, dtype="str")
