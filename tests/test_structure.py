"""The package's structure: every module imports on its own, the import graph has no cycles,
and the public namespace is what ``__all__`` says (issue 13).

The import graph is read from the source (``ast``): every ``import`` in a module counts,
those inside functions too (a function-level import that goes back up the graph is a
cycle waiting to happen, only deferred); imports under ``if TYPE_CHECKING:`` do not.
``from . import name`` counts as an import of the package itself when ``name`` is not a
submodule, since it runs the package's ``__init__``.
"""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

import tolerances as tol

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "glmmlite"


# ------------------------------------------------------------------ the graph from the source
def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Every Import / ImportFrom node, skipping ``if TYPE_CHECKING:`` bodies."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def import_edges(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The glmmlite modules that module ``name`` imports."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [mod]
            targets += [f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in modules]
            if all(f"{mod}.{a.name}" in modules for a in node.names) and mod != "" and not node.module:
                targets.remove(mod)   # `from . import sub`: only the submodules
        for t in targets:
            # the deepest glmmlite module that t names
            while t and t not in modules:
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: import_edges(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _path_in(graph: dict[str, set[str]], comp: list[str]) -> str:
    """One cycle through the component, for the failure message: a -> b -> ... -> a."""
    start = comp[0]
    members = set(comp)
    prev = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & members):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return " -> ".join(reversed(path)) + " -> " + start
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return ", ".join(comp)  # pragma: no cover


# ------------------------------------------------------------------ the tests
def test_the_graph_reader_sees_cycles():
    """The checker itself: a two-module cycle through a function-level import is found."""
    g = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    assert cycles(g) == [["a", "b"]]
    modules = {"glmmlite": PKG / "__init__.py", "glmmlite.x": PKG / "x.py", "glmmlite.y": PKG / "y.py"}
    tree_src = "def f():\n    from .y import g\n    from . import h\n"
    path = ROOT / "tests" / "_structure_probe.py"
    try:
        path.write_text(tree_src)
        edges = import_edges("glmmlite.x", path, modules)
    finally:
        path.unlink()
    assert edges == {"glmmlite.y", "glmmlite"}


def test_import_graph_has_no_cycles():
    graph = import_graph()
    found = cycles(graph)
    detail = []
    for comp in found:
        members = set(comp)
        detail.append("a cycle: " + _path_in(graph, comp))
        detail += [f"    {v} imports {', '.join(sorted(graph[v] & members))}" for v in comp]
    assert not found, "import cycles in glmmlite:\n" + "\n".join(detail)


def test_every_module_imports_alone():
    """Each module imported with only what it needs: the package's ``__init__`` is replaced by
    an empty package, so no module relies on the order in which ``__init__`` loads the others."""
    names = sorted(n for n in all_modules() if n != "glmmlite")
    script = textwrap.dedent(f"""
        import importlib, sys, traceback, types
        sys.path.insert(0, {str(ROOT)!r})
        bad = []
        for name in {names!r}:
            for k in [k for k in sys.modules if k == "glmmlite" or k.startswith("glmmlite.")]:
                del sys.modules[k]
            pkg = types.ModuleType("glmmlite")
            pkg.__path__ = [{str(PKG)!r}]
            sys.modules["glmmlite"] = pkg
            try:
                importlib.import_module(name)
            except Exception:
                bad.append(name + ": " + traceback.format_exc(limit=-3))
        print("\\n".join(bad))
        sys.exit(1 if bad else 0)
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


def test_package_attributes_are_not_shadowed_modules():
    """``import glmmlite.inference.profile`` is the module; ``glmmlite.profile`` (and confint,
    bootstrap, anova) is the function, with no module of the same name beside it (issue 13, 7)."""
    r = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import importlib, inspect
        import glmmlite
        for name in ("profile", "confint", "bootstrap", "anova"):
            assert inspect.isfunction(getattr(glmmlite, name)), name
            try:
                importlib.import_module("glmmlite." + name)
            except ModuleNotFoundError:
                pass
            else:
                raise AssertionError("glmmlite.%s is both a module and a function" % name)
            mod = importlib.import_module("glmmlite.inference." + name)
            assert inspect.ismodule(mod), name
            assert inspect.isfunction(getattr(glmmlite, name)), name + " overwritten by its module"
        import glmmlite.inference.profile as p
        assert inspect.ismodule(p) and p.profile is glmmlite.profile
    """)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr


def test_subpackage_attributes_are_their_modules():
    """No package re-exports a function under the name of one of its own submodules."""
    import importlib
    for name, path in all_modules().items():
        if path.name != "__init__.py":
            continue
        pkg = importlib.import_module(name)
        for sub in (p.stem for p in path.parent.glob("*.py") if p.stem != "__init__"):
            if hasattr(pkg, sub):
                importlib.import_module(f"{name}.{sub}")
                assert isinstance(getattr(pkg, sub), types.ModuleType), \
                    f"{name}.{sub} is {getattr(pkg, sub)!r}, which hides the module {name}.{sub}"


def test_star_import_gives_no_modules():
    """``from glmmlite import *`` must not overwrite the user's ``optimize``, ``glm``, ``deviance``."""
    import glmmlite
    ns: dict = {}
    exec("from glmmlite import *", ns)
    mods = sorted(k for k, v in ns.items() if isinstance(v, types.ModuleType))
    assert mods == []
    for name in ("optimize", "glm", "deviance", "fit", "results", "summary", "plots"):
        assert name not in ns, name
    for name in ("glmer", "profile", "confint", "bootMer", "anova", "plot_profile", "GlmerResult"):
        assert ns[name] is getattr(glmmlite, name)
    assert set(glmmlite.__all__) <= set(dir(glmmlite))


@pytest.mark.parametrize("name", ["glmmlite.inference.profile", "glmmlite.lme4_print", "glmmlite.rformat",
                                  "glmmlite.rprint", "glmmlite.html_print", "glmmlite.summary"])
def test_module_sizes(name):
    """About 500 lines at most for the modules split in issue 13 (a faithful port may run longer)."""
    n = len(all_modules()[name].read_text(encoding="utf-8").splitlines())
    assert n <= tol.MODULE_LINES_MAX, f"{name} has {n} lines"


#: the test files of the inference and printing code (issue 13, 12: the profile-speed test)
TIMED_FREE = ("test_profile_confint.py", "test_anova.py", "test_plots.py", "test_printing.py",
              "test_summary_vs_lme4.py", "test_structure.py")


def test_no_test_asserts_wall_clock_time():
    """Speed belongs in benchmarks/fit.py, not in tests a slow machine fails (issue 13, 12)."""
    offenders = []
    for p in sorted(ROOT / "tests" / f for f in TIMED_FREE):
        src = p.read_text(encoding="utf-8")
        tree = ast.parse(src)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("perf_counter", "monotonic") \
                    and isinstance(node.value, ast.Name) and node.value.id == "time":
                offenders.append(f"{p.name}:{node.lineno}")
    assert not offenders, offenders
    bench = (ROOT / "benchmarks" / "fit.py").read_text(encoding="utf-8")
    assert '"confint_seed"' in bench
