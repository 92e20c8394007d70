"""Every chapter's downloaded .ipynb runs on its own, as a reader gets it from the web page.

The notebooks are copied from a built book's ``_build/html/_sources/`` into a temporary
folder outside the repository and executed in a fresh virtual environment that has only
glmmlite (installed from the repository, not editable), ipykernel and nbclient.  Their
Markdown must show no MyST-only syntax (glue roles, exercise/solution fences, tab sets).

The book is the session's one build (``book_html`` in conftest.py: a fresh _build/html is
reused).  The venv uses pip's cache, so it takes well under a minute after the first run.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from test_book import chapters

pytestmark = pytest.mark.book

CHAPTERS = chapters()
LEFTOVERS = ("{glue", "{exercise", "{solution", ":::", "{tab-", "{dropdown", "{admonition",
             "{doc}", "{ref}", "{cite", "{literalinclude")


@pytest.fixture(scope="session")
def downloads(book_html, tmp_path_factory) -> Path:
    """The chapters' .ipynb downloads, copied into a folder outside the repository."""
    folder = tmp_path_factory.mktemp("downloads")
    assert ROOT not in folder.parents
    for ch in CHAPTERS:
        src = book_html / "_sources" / "book" / f"{ch.stem}.ipynb"
        assert src.is_file(), f"no download for {ch.stem}"
        shutil.copyfile(src, folder / src.name)
    return folder


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory) -> Path:
    """A new venv with glmmlite (normal, non-editable install of the repository) + kernel."""
    venv = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    build_dir = tmp_path_factory.mktemp("pip-build")
    src = build_dir / "glmmlite"   # a copy, so pip's build files never land in the repository
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".venv", "_build", ".git", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis"))
    proc = subprocess.run([str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q",
                           str(src), "ipykernel", "nbclient"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    listed = subprocess.run([str(py), "-m", "pip", "list", "--format=freeze"],
                            capture_output=True, text=True, check=True).stdout
    names = {line.split("==")[0].lower() for line in listed.splitlines()}
    assert "glmmlite" in names
    assert not names & {"myst-nb", "jupyter-book", "jupytext", "sphinx"}, sorted(names)
    # not editable: the package is imported from site-packages, not from the repository
    where = subprocess.run([str(py), "-c", "import glmmlite; print(glmmlite.__file__)"],
                           capture_output=True, text=True, check=True, cwd=build_dir).stdout
    assert "site-packages" in where and str(ROOT) not in where, where
    return py


def _make_datasets():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_datasets", ROOT / "scripts" / "make_datasets.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_packaged_calibration_matches_the_report():
    """glmmlite/data/calibration.json (chapter 6's numbers) is up to date with the study's
    report: run `.venv/bin/python scripts/make_datasets.py` after benchmarks/calibration.py."""
    import glmmlite as gl

    md = (ROOT / "benchmarks" / "calibration_results.md").read_text()
    assert gl.datasets.calibration() == _make_datasets().calibration(md), \
        "glmmlite/data/calibration.json is stale: run .venv/bin/python scripts/make_datasets.py"
    small = gl.datasets.calibration(sd=0.03)
    assert small["nsim"] > 0 and 0 <= small["singular_pct"] <= 100
    assert "sd_(Intercept)|id" in small["coverage"]


def test_every_chapter_has_a_download(downloads):
    assert sorted(p.stem for p in downloads.glob("*.ipynb")) == sorted(c.stem for c in CHAPTERS)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_download_has_plain_markdown(downloads, chapter):
    nb = nbformat.read(downloads / f"{chapter.stem}.ipynb", as_version=4)
    nbformat.validate(nb)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "pip install" in first.source, "no install line"
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            left = [s for s in LEFTOVERS if s in cell.source]
            assert not left, f"MyST syntax {left} left in:\n{cell.source[:800]}"
            assert not re.search(r"^\s*%", cell.source, re.M), "MyST comment left"
        if cell.cell_type == "code":
            assert not re.search(r"^\s*(from|import) myst_nb", cell.source, re.M), \
                "still imports myst_nb"
    if int(chapter.name[:2]) >= 2:
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        n = chapter.name[:2].lstrip("0")
        assert f"Exercise {n}.1" in text, "exercises not numbered per chapter"
        assert "<details>" in text, "solutions are not in <details> blocks"


RUNNER = r"""
import re, sys, time, traceback, nbformat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(p):
    nb = nbformat.read(p, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(  # the fresh venv's kernel runs the notebook
        f"import sys; assert sys.prefix == {sys.prefix!r}, sys.prefix"))
    t0 = time.time()
    try:
        NotebookClient(nb, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str(p.parent)}}).execute()
    except CellExecutionError as e:
        # the failing cell (its first lines) and the end of the traceback
        cell = next((c for c in nb.cells if c.cell_type == "code" and any(
            o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        src = "\n".join(cell.source.splitlines()[:25]) if cell is not None else "?"
        tb = ANSI.sub("", str(e)).strip().splitlines()
        return (f"{p.name}: {e.ename}: {e.evalue}\n  in the cell:\n{src}\n  traceback (end):\n"
                + "\n".join(tb[-30:]))
    except Exception:
        return f"{p.name}: " + "\n".join(traceback.format_exc().splitlines()[-30:])
    print(f"{p.name}: ran in {time.time() - t0:.0f} s", flush=True)
    return None


paths = sorted(Path(sys.argv[1]).glob("*.ipynb"))
with ThreadPoolExecutor(max_workers=int(sys.argv[2])) as pool:
    bad = [r for r in pool.map(run, paths) if r]
sep = "\n" + "=" * 78 + "\n"
print(sep.join([f"{len(bad)} of {len(paths)} notebooks failed"] + bad) if bad
      else f"all {len(paths)} notebooks ran")
sys.exit(1 if bad else 0)
"""


def test_downloads_run_in_a_fresh_venv(downloads, fresh_venv, tmp_path):
    """Execute every downloaded notebook with the fresh venv's kernel, in a folder of its own.

    On failure the message lists every failing notebook: its error, the failing cell and the
    end of the traceback (nothing cut off across notebooks)."""
    script = tmp_path / "run.py"
    script.write_text(RUNNER)
    work = tmp_path / "reader"
    shutil.copytree(downloads, work)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{fresh_venv.parent}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_PATH"] = str(fresh_venv.parent.parent / "share" / "jupyter")
    env["MPLBACKEND"] = "Agg"
    jobs = str(os.environ.get("BOOK_TEST_JOBS", os.cpu_count() or 1))
    proc = subprocess.run([str(fresh_venv), str(script), str(work), jobs], cwd=work, env=env,
                          capture_output=True, text=True)
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout + "\n" + proc.stderr[-3000:]
