"""Issue 19: the package's layers (territory, survey, services, access → gaps, practices → analysis → report →
pipeline → cli), the import-linter contract of pyproject.toml, kept."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_layers_contract_is_kept() -> None:
    """In a child process: import-linter configures logging with ``dictConfig``, which disables every logger
    that exists (the package's too) in the process that runs it, and later tests read those loggers' records."""
    import subprocess
    import sys

    pytest.importorskip("importlinter.cli")
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename=sys.argv[1]))")
    run = subprocess.run([sys.executable, "-c", code, str(ROOT / "pyproject.toml")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 kept, 0 broken" in run.stdout


def test_the_contract_names_every_subpackage_in_its_layer() -> None:
    import tomllib

    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
    named = {m.strip().removeprefix("wecare_analysis.") for layer in contract["layers"] for m in layer.split(":")}
    packages = {p.name for p in (ROOT / "wecare_analysis").iterdir() if (p / "__init__.py").is_file()}
    assert packages - named <= {"demo"}, packages - named  # the demo data generators sit below every layer
    assert contract["layers"][3] == "wecare_analysis.analysis"


# --- function-level imports ---------------------------------------------------------------------------------------
# A function-level import of a package module is allowed only when it is kept for a stated reason (a comment
# ``# lazy: <reason>`` on the line above it, or above the run of imports it belongs to, or at its end) and when
# it does not hide an import cycle: moving it to module level must not make its target import, transitively at
# module level, the importing module.

PACKAGE = ROOT / "wecare_analysis"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _ancestors(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


def _targets(importer: str, node) -> set[str]:
    """The package modules that executing ``node`` inside ``importer`` needs fully initialised.

    A target's parent packages are run first, except the importer's own ancestors (already under way);
    ``from <ancestor> import <submodule>`` needs only the submodule."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            base = importer.split(".") if MODULES[importer].name == "__init__.py" else importer.split(".")[:-1]
            base = base[:len(base) - node.level + 1] + ([node.module] if node.module else [])
            module = ".".join(base)
        else:
            module = node.module or ""
        names = [f"{module}.{a.name}" for a in node.names]
        if not (module in _ancestors(importer) and all(n in MODULES for n in names)):
            names.append(module)
    found = {n for n in names if n in MODULES}
    for n in list(found):
        found |= _ancestors(n) - {n} - _ancestors(importer)
    return found


def _is_type_checking(test) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(module: str, node, in_function: bool, edges: set[str], found: list) -> None:
    """Add to ``edges`` the targets of the module-level imports under ``node``, to ``found`` the others."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            continue  # annotations only, never executed
        if isinstance(child, ast.Import | ast.ImportFrom):
            targets = _targets(module, child) - {module}
            if in_function and targets:
                found.append(child)
            elif not in_function:
                edges.update(targets)
        _walk(module, child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda),
              edges, found)


def _imports():
    """``(module-level graph, [(importer, line, targets, marked)] of function-level imports)``."""
    graph, local = {}, []
    for module, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        edges: set[str] = set()
        found: list = []
        _walk(module, ast.parse(text), False, edges, found)
        graph[module] = edges
        import_lines = {i for node in found for i in range(node.lineno, node.end_lineno + 1)}
        for node in found:
            above = node.lineno - 1
            while above in import_lines:  # one comment may open a run of imports
                above -= 1
            marked = "# lazy:" in lines[node.lineno - 1] or lines[above - 1].strip().startswith("# lazy:")
            local.append((module, node.lineno, _targets(module, node) - {module}, marked))
    return graph, local


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_every_function_level_import_is_marked_lazy_with_a_reason() -> None:
    _graph, local = _imports()
    unmarked = [f"{m}:{line}" for m, line, _t, marked in local if not marked]
    assert len(local) > 10 and not unmarked, unmarked


def test_no_function_level_import_hides_a_cycle() -> None:
    graph, local = _imports()
    hiding = [f"{m}:{line} -> {t}" for m, line, targets, _ in local for t in sorted(targets)
              if m in _reachable(graph, t)]
    assert not hiding, hiding


def test_the_cycle_check_sees_a_cycle() -> None:
    """The two rules above on a hand-made graph: a imports b at module level, b imports a in a function."""
    graph = {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": set()}
    assert "p.b" in _reachable(graph, "p.a") and "p.a" not in _reachable(graph, "p.c")
    assert _targets("wecare_analysis.pipeline.lifecycle", _parse("from wecare_analysis.pipeline import kernels")) \
        == {"wecare_analysis.pipeline.kernels"}
    assert _targets("wecare_analysis.survey.ingest", _parse("from wecare_analysis.territory import names")) \
        == {"wecare_analysis.territory.names", "wecare_analysis.territory"}
    assert _targets("wecare_analysis.survey.ingest", _parse("from .tidy import needs_table")) \
        == {"wecare_analysis.survey.tidy"}


def _parse(source: str):
    return ast.parse(source).body[0]


# --- one disclosure threshold ---------------------------------------------------------------------------------------


def test_the_disclosure_threshold_has_one_source() -> None:
    """``DISCLOSURE_K`` of the survey estimates is the package default of :mod:`wecare_analysis.disclosure`, not a
    second literal; no other module binds a threshold literal of its own."""
    from wecare_analysis.disclosure import DEFAULT_MIN_CELL
    from wecare_analysis.survey.estimate import DISCLOSURE_K

    assert DISCLOSURE_K == DEFAULT_MIN_CELL == 5
    literals = []
    for module, path in MODULES.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and type(node.value.value) is int:
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                literals += [f"{module}.{n}" for n in names if n.endswith(("_K", "MIN_CELL", "DISCLOSURE"))]
    assert literals == ["wecare_analysis.disclosure.DEFAULT_MIN_CELL"], literals


def test_disclosure_is_a_base_module() -> None:
    """The shared threshold sits below every layer: :mod:`wecare_analysis.disclosure` imports no layered package."""
    graph, _ = _imports()
    layered = ("territory", "survey", "services", "access", "gaps", "practices", "activities", "analysis", "report",
               "pipeline", "commands", "cli")
    reached = _reachable(graph, "wecare_analysis.disclosure")
    assert not [m for m in reached if m.split(".")[1:2] and m.split(".")[1] in layered], reached


# --- typed module joins ---------------------------------------------------------------------------------------------

JOIN_NAMES = {"assessment", "assessments", "offer", "transfer", "ctx", "analysis", "needs_ctx"}


def test_module_joins_are_typed() -> None:
    """Every function of the analysis, practices and report packages that takes one of the objects passed between
    modules (an assessment, an offer, a transfer, a context, the region analysis) says its type, never ``Any``."""
    untyped = []
    for module, path in MODULES.items():
        if module.split(".")[1:2] not in (["analysis"], ["practices"], ["report"]):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                untyped += [f"{module}.{node.name}({a.arg})" for a in args if a.arg in JOIN_NAMES
                            and (a.annotation is None or ast.unparse(a.annotation) in ("Any", "typing.Any"))]
    assert not untyped, untyped


def test_no_module_level_import_cycle() -> None:
    graph, _ = _imports()
    cycles = [f"{m} -> {t}" for m in graph for t in graph[m] if m in _reachable(graph, t)]
    assert not cycles, cycles
