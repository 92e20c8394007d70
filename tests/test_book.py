"""Execute every chapter of the book, top to bottom, as a student would in Jupyter.

Each chapter (a MyST Markdown notebook under book/) is read with myst-nb's reader and run with
nbclient in its own kernel, with book/ as working directory. The Python code of the chapter's
hidden exercise solutions is appended and run after the chapter, so the solutions are tested
too. Static checks: _toc.yml lists every chapter file, every chapter from 2 on has exercises
with hidden solutions, and R code sits next to the Python steps.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

# --- the chapters listed in _toc.yml (also used by test_browser.py) ---
ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def toc_files() -> list[str]:
    """Every `file:` entry of _toc.yml (root first), in order, without suffix."""
    text = (ROOT / "_toc.yml").read_text()
    root = re.search(r"^root:\s*(\S+)", text, re.M).group(1)
    return [root] + re.findall(r"^\s*-\s*file:\s*(\S+)", text, re.M)


# pages of the table of contents that are not numbered chapter notebooks
NON_CHAPTER_PAGES = ("book/summary", "book/r-to-python")


def chapters() -> list[Path]:
    """The chapter notebooks (MyST Markdown), in book order (the root page and the closing
    summary page, plain Markdown, excluded)."""
    return [ROOT / f"{name}.md" for name in toc_files()[1:] if name not in NON_CHAPTER_PAGES]


def chapter_title(path: Path) -> str:
    """The first '# ' heading of a chapter."""
    for line in path.read_text().splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise AssertionError(f"{path.name} has no '# ' title")


SOLUTION_RE = re.compile(r"^(:{3,})\{solution\}.*?^\1\s*$", re.M | re.S)
PY_FENCE_RE = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def solution_code(path: Path) -> list[str]:
    """The Python code blocks inside the chapter's {solution} directives, in order."""
    out = []
    for block in SOLUTION_RE.finditer(path.read_text()):
        out += [m.group(1) for m in PY_FENCE_RE.finditer(block.group(0))]
    return out


pytestmark = pytest.mark.book
CHAPTERS = chapters()


def test_toc_lists_every_chapter():
    listed = {ROOT / f"{name}.md" for name in toc_files()}
    on_disk = set(BOOK.glob("*.md"))
    assert on_disk == listed, f"not in _toc.yml: {sorted(on_disk - listed)}; missing: {sorted(listed - on_disk)}"
    assert len(CHAPTERS) == 13
    for i, path in enumerate(CHAPTERS, start=1):
        assert chapter_title(path).startswith(f"{i}. "), path.name


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_structure(path):
    text = path.read_text()
    assert text.startswith("---\njupytext:"), "not a MyST notebook (jupytext header missing)"
    number = int(path.name[:2])
    if number >= 2:
        n_ex = len(re.findall(r"^:::\{exercise\}", text, re.M))
        n_sol = len(re.findall(r"^:{3,}\{solution\}", text, re.M))
        assert n_ex >= 2 and n_sol == n_ex, f"{n_ex} exercises, {n_sol} solutions"
        assert len(re.findall(r"^:class: dropdown", text, re.M)) >= n_sol, "solutions must be hidden"
        assert solution_code(path), "no solution code to test"
    if number >= 2 and number != 11:  # chapter 11 compares with stored lme4 numbers
        assert re.search(r"^:::\{dropdown\} R.*?\n```r\n", text, re.M | re.S) or \
            re.search(r"^:::\{tab-item\} R\n:sync: r\n```r\n", text, re.M), \
            "no R code (an R tab, or a collapsed block) next to the Python steps"


def _notebook(path):
    from myst_nb.core.read import read_myst_markdown_notebook

    nb = read_myst_markdown_notebook(path.read_text(), path=str(path))
    for i, code in enumerate(solution_code(path), start=1):
        cell = nbformat.v4.new_code_cell(code)
        cell.metadata["tags"] = [f"solution-{i}"]
        nb.cells.append(cell)
    return nb


def _execute(path):
    """Run one chapter (plus its solutions) in a fresh kernel; return the executed notebook."""
    from nbclient import NotebookClient

    nb = _notebook(path)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(BOOK)}})
    client.execute()          # raises CellExecutionError on the first failing cell
    return nb


@pytest.fixture(scope="session")
def executed():
    """Execute all chapters, BOOK_TEST_JOBS at a time (default: one per CPU core).

    Each chapter still runs in its own kernel, top to bottom; running two kernels at once
    only halves the wall-clock time on a 2-core machine.
    """
    from concurrent.futures import ThreadPoolExecutor

    jobs = int(os.environ.get("BOOK_TEST_JOBS", os.cpu_count() or 1))
    results = {}

    def run(path):
        try:
            return path, _execute(path), None
        except Exception as exc:  # reported by the chapter's own test
            return path, None, exc

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for path, nb, exc in pool.map(run, CHAPTERS):
            results[path] = (nb, exc)
    return results


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_executes(executed, path):
    nb, exc = executed[path]
    if exc is not None:
        raise exc
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", out
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                assert "Traceback" not in out.get("text", ""), out["text"]
