"""Precision of the de-identifier on real public narratives, on the hand-labelled sample of its redactions
(``tests/fixtures/deid_real_precision.csv``, drawn by ``bench/deid_real_sample.py``), written to
``bench/results/deid_real_precision.json`` for the README's de-identification block.

The fixture holds keys only (file, report id, field, offsets, type, a hash of the matched string, the label):
the text is read from ``../shared/data`` at run time and never copied into the repository. Precision is over the
labelled spans the current de-identifier still redacts; labelled identifiers no longer redacted are counted as
lost. The sample is stratified (up to 40 spans per type), so its overall figure weighs rare types far above
their share of real redactions (on VAERS nearly all redactions are dates).

Usage: ``python bench/deid_real_precision.py [--out bench/results/deid_real_precision.json]``
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from incident_lm.deid import DeidConfig, Deidentifier  # noqa: E402
from tests.test_deid_real_precision import FIXTURE, fixture_rows, sha1_12, source_texts  # noqa: E402


def measure() -> dict:
    deid = Deidentifier(DeidConfig())
    found: dict[tuple[str, ...], list] = {}
    tp, n, lost, labelled = Counter(), Counter(), Counter(), Counter()
    stale = 0
    for row in fixture_rows():
        doc = (row["source"], row["file"], row["report_id"], row["field"])
        text = source_texts(row["source"], row["file"]).get((row["report_id"], row["field"]), "")
        s, e = int(row["start"]), int(row["end"])
        if sha1_12(text[s:e]) != row["sha1"]:
            stale += 1
            continue
        if doc not in found:
            found[doc] = deid.find(text)
        labelled[row["type"]] += 1
        if any(cs < e and s < ce for cs, ce, _ in found[doc]):
            n[row["type"]] += 1
            tp[row["type"]] += row["label"] == "identifier"
        elif row["label"] == "identifier":
            lost[row["type"]] += 1
    by_type = {t: {"labelled": labelled[t], "still_redacted": n[t], "identifiers": tp[t],
                   "precision": round(tp[t] / n[t], 4) if n[t] else None, "lost": lost[t]} for t in sorted(labelled)}
    total_n, total_tp = sum(n.values()), sum(tp.values())
    return {"fixture": str(FIXTURE.relative_to(ROOT)), "labelled": sum(labelled.values()), "stale_keys": stale,
            "by_type": by_type, "overall": {"still_redacted": total_n, "identifiers": total_tp,
                                            "precision": round(total_tp / total_n, 4) if total_n else None,
                                            "lost": sum(lost.values())}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "deid_real_precision.json"))
    args = ap.parse_args()
    result = measure()
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result["overall"]))


if __name__ == "__main__":
    main()
