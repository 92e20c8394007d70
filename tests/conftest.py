"""Shared fixtures: the lme4 1.1-31 reference outputs in tests/lme4/.

``tests/lme4/`` holds every reference file the tests and the book read, with the R
scripts that made them (``tests/lme4/r/``) and their README.  Set
``GLMMLITE_REFERENCE`` to a folder of the same files to test against another copy.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
REF = Path(os.environ.get("GLMMLITE_REFERENCE") or Path(__file__).resolve().parent / "lme4")


def _need_ref() -> None:
    if not REF.is_dir():  # pragma: no cover - the folder is part of the repository
        pytest.fail(f"lme4 reference folder not found at {REF} (tests/lme4 is part of the "
                    "repository; GLMMLITE_REFERENCE, if set, must name such a folder)")


def load_json(name: str) -> dict:
    _need_ref()
    with open(REF / name) as fh:
        return json.load(fh)


def load_csv(name: str) -> pd.DataFrame:
    _need_ref()
    return pd.read_csv(REF / name)


@pytest.fixture(scope="session")
def ref_dir() -> Path:
    _need_ref()
    return REF


@pytest.fixture(scope="session")
def seed_data() -> pd.DataFrame:
    return load_csv("seed_data.csv")


@pytest.fixture(scope="session")
def cbpp_data() -> pd.DataFrame:
    return load_csv("cbpp.csv")


# --- H7: one built book per test session (tests/test_browser.py, test_notebooks_standalone.py) ---
def _book_sources() -> list[Path]:
    files = [ROOT / "_config.yml", ROOT / "_toc.yml", ROOT / "requirements.txt"]
    files += [p for p in (ROOT / "book").rglob("*") if p.is_file()
              and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts]
    files += list((ROOT / "glmmlite").rglob("*.py"))
    files += list((ROOT / "glmmlite" / "data").glob("*"))
    return files


def book_build_is_fresh(html: Path) -> bool:
    """A successful build (``.build-ok`` written by scripts/book.sh) newer than every source."""
    stamp = html / ".build-ok"
    if not stamp.is_file():
        return False
    return stamp.stat().st_mtime > max(p.stat().st_mtime for p in _book_sources())


@pytest.fixture(scope="session")
def book_html(tmp_path_factory) -> Path:
    """The built book's HTML folder: BOOK_HTML, a fresh _build/html, or a new build."""
    import re
    import subprocess
    import time

    if os.environ.get("BOOK_HTML"):
        return Path(os.environ["BOOK_HTML"])
    if book_build_is_fresh(ROOT / "_build" / "html"):
        return ROOT / "_build" / "html"
    out = tmp_path_factory.mktemp("book")
    t0 = time.time()
    env = {**os.environ, "BOOK_OUT": str(out), "SKIP_INSTALL": "1"}
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "book.sh")], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"book build failed:\n{log[-6000:]}"
    assert not re.search(r"(WARNING|ERROR|CRITICAL):", log), log[-6000:]
    print(f"book built in {time.time() - t0:.0f} s")
    return out / "_build" / "html"
