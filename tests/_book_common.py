"""Shared helpers for the book tests: the chapters listed in _toc.yml."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def toc_files() -> list[str]:
    """Every `file:` entry of _toc.yml (root first), in order, without suffix."""
    text = (ROOT / "_toc.yml").read_text()
    root = re.search(r"^root:\s*(\S+)", text, re.M).group(1)
    return [root] + re.findall(r"^\s*-\s*file:\s*(\S+)", text, re.M)


def chapters() -> list[Path]:
    """The chapter notebooks (MyST Markdown), in book order (the root page excluded)."""
    return [ROOT / f"{name}.md" for name in toc_files()[1:]]


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
