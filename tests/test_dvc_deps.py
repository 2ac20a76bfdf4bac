"""The DAG follows the code: every project file a stage imports is one of its DVC deps, every path in its
command is declared, and the package's folders are layers that import only downwards, with no import circle.

A stage that imports a file it does not declare is silently stale when that file changes; these tests fail
instead. (``tests/test_pipeline.py`` checks the converse on a real run: changing one file of each layer
marks exactly the stages that declare it.)
"""

from __future__ import annotations

import ast
import modulefinder
import shlex
from functools import cache
from pathlib import Path

import pytest
import yaml

from incident_lm.represent import registry
from tests.conftest import ROOT

SRC = ROOT / "src"
PACKAGE = SRC / "incident_lm"

#: The layers of the package, lowest first; a folder may import only folders of a lower layer (and itself).
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("text",),
    ("deid",),
    ("data", "synthetic"),
    ("encoders", "wordvec"),
    ("represent", "lm"),
    ("evaluate",),
    ("review",),
    ("report",),
    ("audit", "search", "restore"),
]
RANK = {folder: i for i, layer in enumerate(LAYERS) for folder in layer}


@cache
def stages() -> list[dict]:
    """Every stage of dvc.yaml as DVC resolves it (foreach expanded, params interpolated)."""
    from dvc.repo import Repo

    with Repo(str(ROOT)) as repo:
        return [{"name": st.addressing, "cmd": st.cmd, "deps": [d.def_path for d in st.deps],
                 "outs": [o.def_path for o in st.outs]} for st in repo.index.stages]


def script_of(cmd: str) -> Path:
    words = shlex.split(cmd)
    assert words[0] == "python" and words[1].startswith("stages/"), cmd
    return ROOT / words[1]


def project_files(path: Path) -> set[Path]:
    """The incident_lm files ``path`` imports, directly or through others (function-level imports included)."""
    finder = modulefinder.ModuleFinder(path=[str(SRC)])
    finder.run_script(str(path))
    return {Path(m.__file__).resolve() for name, m in finder.modules.items()
            if name.startswith("incident_lm") and m.__file__}


def dynamic_imports(stage: dict) -> set[Path]:
    """What a stage imports by name at run time: the registry's module for a representation's type."""
    name = stage["name"]
    if not name.startswith("represent@"):
        return set()
    section = name.split("@", 1)[1]
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    specs = [(section, params.get(section))]
    # a fusion builds its parts by type name too
    specs += list(((params.get(section) or {}).get("parts") or {}).items())
    files: set[Path] = set()
    for name, spec in specs:
        module = registry.module_of(registry.type_of(name, spec))
        assert module, f"{name}: type is not a built-in representation"
        file = SRC / (module.replace(".", "/") + ".py")
        files |= {file.resolve()} | project_files(file)
    return files


def inert(path: Path) -> bool:
    """The package's root ``__init__.py`` holds only a docstring and ``__version__``: no stage depends on it."""
    if path.resolve() != (PACKAGE / "__init__.py").resolve():
        return False
    body = ast.parse(path.read_text()).body
    return all((isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
               or (isinstance(n, ast.Assign) and [ast.unparse(t) for t in n.targets] == ["__version__"])
               for n in body)


def covered(path: Path, declared: list[str]) -> bool:
    rel = path.resolve().relative_to(ROOT.resolve())
    return any(rel == Path(d) or Path(d) in rel.parents for d in declared)


@pytest.mark.parametrize("stage", stages(), ids=lambda s: s["name"])
def test_every_imported_project_file_is_a_dependency(stage: dict) -> None:
    script = script_of(stage["cmd"])
    assert covered(script, stage["deps"]), f"{stage['name']}: its own script is not a dep"
    files = project_files(script) | dynamic_imports(stage)
    assert files, f"{stage['name']}: found no project imports in {script}"
    missing = sorted(str(f.relative_to(ROOT)) for f in files if not covered(f, stage["deps"]) and not inert(f))
    assert not missing, f"{stage['name']} imports files that are not among its deps: {missing}"


@pytest.mark.parametrize("stage", stages(), ids=lambda s: s["name"])
def test_every_path_in_the_command_is_declared(stage: dict) -> None:
    """The stage reads and writes only what dvc.yaml says: each path argument is a dep or an output (or a
    folder of outputs), and the script hard-codes none (its paths come from the command)."""
    words = shlex.split(stage["cmd"])[2:]
    paths = [w for w in words if "/" in w or w in ("results",)]
    declared = stage["deps"] + stage["outs"]
    for p in paths:
        inside = any(p == d or p.startswith(d.rstrip("/") + "/") for d in declared)
        holds = any(o.startswith(p.rstrip("/") + "/") for o in stage["outs"] + stage["deps"])
        assert inside or holds, f"{stage['name']}: '{p}' in its command is neither a dep nor an output"


def test_stage_scripts_hard_code_no_artefact_path() -> None:
    roots = ("data/", "models/", "features/", "results/", "metrics/", "reports/", "plots/", "dvclive/")
    for script in sorted((ROOT / "stages").glob("*.py")):
        for node in ast.walk(ast.parse(script.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(roots):
                pytest.fail(f"{script.name}: hard-coded path {node.value!r} (pass it in the stage's cmd)")


def test_every_stage_script_is_a_stage() -> None:
    used = {script_of(s["cmd"]).name for s in stages()}
    optional = {"train_scratch_lm.py"}  # commented out in dvc.yaml: README "A BERT trained from scratch"
    assert {p.name for p in (ROOT / "stages").glob("*.py")} - used == optional


# --------------------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------------------
def _imports(path: Path) -> set[str]:
    """Modules of the package imported anywhere in ``path`` (not counting ``if TYPE_CHECKING:`` blocks)."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for child in node.body for n in ast.walk(child)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("incident_lm")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("incident_lm"):
            out |= {f"{node.module}.{a.name}" if _is_module(f"{node.module}.{a.name}") else node.module
                    for a in node.names}
    return out


def _is_module(name: str) -> bool:
    base = SRC / name.replace(".", "/")
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _module(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _graph() -> dict[str, set[str]]:
    files = {_module(p): p for p in PACKAGE.rglob("*.py")}
    # a module's own ancestor packages are already imported when it is: not an edge
    return {m: {i for i in _imports(p) if i in files and i != m and not m.startswith(i + ".")}
            for m, p in files.items()}


def _folder(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_folder_has_a_layer() -> None:
    folders = {_folder(m) for m in _graph()} - {""}
    assert folders <= set(RANK), f"folders without a layer in LAYERS: {sorted(folders - set(RANK))}"


def test_no_import_runs_up_a_layer_or_across_one() -> None:
    bad = []
    for module, imported in _graph().items():
        a = _folder(module)
        for target in imported:
            b = _folder(target)
            if a and b and a != b and RANK[b] >= RANK[a]:
                bad.append(f"{module} -> {target}")
    assert not bad, "imports that run up or across a layer: " + ", ".join(sorted(bad))


def test_no_import_circle() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                pytest.fail("import circle: " + " -> ".join(path[path.index(n):] + [n]))
            if n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_core_imports_no_torch_and_no_other_layer() -> None:
    for path in (PACKAGE / "core").rglob("*.py"):
        text = path.read_text()
        assert "import torch" not in text, path
    assert all(_folder(t) in ("core", "") for m, ts in _graph().items() if _folder(m) == "core" for t in ts)
