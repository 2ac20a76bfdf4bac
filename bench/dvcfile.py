"""Optional blocks of ``dvc.yaml``: commented-out stages and representations a README recipe switches on.

Used by ``bench/experiments.py --enable`` and the tests of the README recipes; the pipeline itself never imports
it (so it is no DVC dependency of any stage).

A block is the lines between ``# >>> NAME: ...`` and ``# <<< NAME``; :func:`enable_blocks` removes one ``# `` from
each of its lines (keeping the indent) and drops the two marker lines, so the block joins the DAG.

>>> enable_blocks("a: 1\\n# >>> x: why\\n# b: 2\\n# <<< x\\n", ["x"])
'a: 1\\nb: 2\\n'
"""

from __future__ import annotations

from collections.abc import Iterable


def block_names(text: str) -> list[str]:
    """Names of the optional blocks in ``text``, in order of first appearance."""
    names: list[str] = []
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("# >>> "):
            name = stripped.removeprefix("# >>> ").split(":", 1)[0].strip()
            if name not in names:
                names.append(name)
    return names


def enable_blocks(text: str, names: Iterable[str]) -> str:
    """``text`` with the optional blocks named in ``names`` uncommented; a name with no block is a ``KeyError``."""
    wanted = set(names)
    missing = wanted - set(block_names(text))
    if missing:
        raise KeyError(f"dvc.yaml has no optional block named {sorted(missing)} (blocks: {block_names(text)})")
    out: list[str] = []
    inside: str | None = None
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("# >>> "):
            name = stripped.removeprefix("# >>> ").split(":", 1)[0].strip()
            if name in wanted:
                inside = name
                continue
        if inside is not None and stripped.startswith("# <<< "):
            inside = None
            continue
        if inside is not None:
            line = line[:len(line) - len(stripped)] + stripped.removeprefix("# ")
        out.append(line)
    return "\n".join(out) + "\n"
