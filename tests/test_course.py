"""The course edition: `bash scripts/course.sh` on a clean copy of the repository.

One session fixture copies the repository's files (what a clean clone of the current tree
holds: tracked and untracked, not ignored) into a temporary folder, points its `.venv` at
this repository's, and runs `bash scripts/course.sh` there (SKIP_INSTALL=1); COURSE_DIR=<dir>
reuses a course already built into <dir> instead.  Then:

* both editions exist, one notebook per chapter;
* no solution code and no check appears in a student notebook, and every exercise has an
  answer cell and per-chapter numbering;
* every instructor notebook is executed, every solution cell has outputs, every exercise has
  a written model answer and points;
* the student web book hides solutions;
* grading the instructor key gives full marks and an untouched student notebook 0
  (`bash scripts/course.sh grade ...`, last line `score: X/Y`).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from test_book import chapters

pytestmark = pytest.mark.book

CHAPTERS = chapters()
# graded in the test: the assignment chapter and one chapter of the article's part
GRADED = ["03-fit-model", "12-exercises-cbpp"]


@pytest.fixture(scope="session")
def clone(tmp_path_factory) -> Path:
    if os.environ.get("COURSE_DIR"):   # grading an existing build: the repository itself
        return ROOT
    dest = tmp_path_factory.mktemp("clone") / "glmmlite"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


@pytest.fixture(scope="session")
def course(clone) -> Path:
    if os.environ.get("COURSE_DIR"):   # an existing build (bash scripts/course.sh's output folder)
        return Path(os.environ["COURSE_DIR"])
    env = {**os.environ, "SKIP_INSTALL": "1"}
    env.pop("COURSE_OUT", None)
    proc = subprocess.run(["bash", "scripts/course.sh"], cwd=clone, env=env,
                          capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    out = clone / "_build" / "course"
    assert (out / "student").is_dir() and (out / "instructor").is_dir(), log[-3000:]
    return out


def _nb(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


def _tagged(nb, tag):
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


def test_one_notebook_per_chapter(course):
    for edition in ("student", "instructor"):
        names = sorted(p.stem for p in (course / edition).glob("*.ipynb"))
        assert names == sorted(c.stem for c in CHAPTERS), edition


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_student_notebook_has_no_solutions(course, chapter):
    key = _nb(course / "instructor" / f"{chapter.stem}.ipynb")
    student = _nb(course / "student" / f"{chapter.stem}.ipynb")
    text = "\n".join(c.source for c in student.cells)
    solutions = _tagged(key, "solution")
    for cell in solutions:
        for line in cell.source.splitlines():
            line = line.strip()
            # every non-trivial solution line is absent (short lines such as "plt.show()"
            # or "print(m)" may also be chapter code)
            if len(line) > 30 and not line.startswith("#") and line not in _chapter_code(key):
                assert line not in text, f"solution code in the student notebook: {line}"
    assert not _tagged(student, "solution") and not _tagged(student, "model-answer")
    assert "**Model answer.**" not in text and "**Rubric**" not in text
    for cell in _tagged(key, "checks"):
        for check in re.findall(r"^\* `(.+)`$", cell.source, re.M):
            assert check not in text, f"autograder check in the student notebook: {check}"
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    exercises = _tagged(student, "exercise")
    assert len(exercises) == len(_tagged(key, "exercise"))
    n = int(chapter.name[:2])
    for i, cell in enumerate(exercises, start=1):
        assert cell.source.startswith(f"### Exercise {n}.{i} ("), cell.source[:80]
        assert re.search(r"\(\d+ points?", cell.source)
    answers = [c for c in _tagged(student, "answer") if c.cell_type == "code"]
    assert len(answers) == len(exercises)
    assert all("..." in c.source for c in answers)


def _chapter_code(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code"
                     and "solution" not in c.metadata.get("tags", []))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_instructor_notebook_is_executed(course, chapter):
    key = _nb(course / "instructor" / f"{chapter.stem}.ipynb")
    code = [c for c in key.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code), "not every cell was executed"
    for c in code:
        for out in c.get("outputs", []):
            assert out.get("output_type") != "error", out
    labels = [c.metadata["course"]["label"] for c in _tagged(key, "exercise")]
    for label in labels:
        sols = [c for c in _tagged(key, "solution") if c.metadata["course"]["label"] == label]
        assert sols, f"{label}: no solution code"
        assert any(c.get("outputs") for c in sols), f"{label}: the solution shows no output"
        answer = [c for c in _tagged(key, "model-answer")
                  if c.metadata["course"]["label"] == label]
        assert answer and len(answer[0].source) > 60, f"{label}: no written model answer"
    if int(chapter.name[:2]) >= 2:
        assert labels, "no exercises"


def test_assignment_has_objectives_rubric_and_open_tasks(course):
    key = _nb(course / "instructor" / "12-exercises-cbpp.ipynb")
    text = "\n".join(c.source for c in key.cells)
    assert "Learning objectives" in text and "**Rubric**" in text
    # at least one open-ended, hand-graded task with a rubric in each part of the book
    for part in (range(1, 10), range(10, 14)):
        found = False
        for ch in CHAPTERS:
            if int(ch.name[:2]) not in part:
                continue
            nb = _nb(course / "instructor" / f"{ch.stem}.ipynb")
            for cell in _tagged(nb, "exercise"):
                answer = [c for c in _tagged(nb, "model-answer")
                          if c.metadata["course"]["label"] == cell.metadata["course"]["label"]]
                if ("Open-ended" in cell.source and not cell.metadata["course"]["auto"]
                        and answer and "**Rubric**" in answer[0].source):
                    found = True
        assert found, f"no open-ended task with a rubric in chapters {part.start}-{part.stop - 1}"


def test_student_web_book_hides_solutions(course):
    html = course / "student" / "html"
    page = (html / "book" / "12-exercises-cbpp.html").read_text()
    assert "Exercise 12.1" in page
    assert "solution-content" not in page and "Solution to" not in page


def _grade(clone: Path, notebook: Path) -> tuple[float, float, str]:
    env = {**os.environ, "SKIP_INSTALL": "1"}
    if os.environ.get("COURSE_DIR"):
        env["COURSE_OUT"] = os.environ["COURSE_DIR"]
    else:
        env.pop("COURSE_OUT", None)
    proc = subprocess.run(["bash", "scripts/course.sh", "grade", str(notebook)], cwd=clone,
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"score: ([\d.]+)/([\d.]+)", last)
    assert m, last
    return float(m[1]), float(m[2]), proc.stdout


@pytest.mark.parametrize("name", GRADED)
def test_grading(clone, course, name):
    full, total, log = _grade(clone, course / "instructor" / f"{name}.ipynb")
    assert total > 0 and full == total, log
    zero, total2, log = _grade(clone, course / "student" / f"{name}.ipynb")
    assert total2 == total and zero == 0, log


def test_grading_a_filled_in_student_notebook(clone, course, tmp_path):
    """A student notebook with exercise 3.1 answered correctly (the key's code in its answer
    cell) and 3.2 answered wrongly gets exactly exercise 3.1's points."""
    name = "03-fit-model"
    key = _nb(course / "instructor" / f"{name}.ipynb")
    sub = _nb(course / "student" / f"{name}.ipynb")
    exercises = _tagged(sub, "exercise")
    right, wrong = (c.metadata["course"] for c in exercises[:2])
    assert right["auto"] and wrong["auto"]
    solution = "\n".join(c.source for c in _tagged(key, "solution")
                         if c.metadata["course"]["label"] == right["label"])
    for cell in _tagged(sub, "answer"):
        if cell.cell_type != "code":
            continue
        if cell.metadata["course"]["label"] == right["label"]:
            cell.source = solution
        elif cell.metadata["course"]["label"] == wrong["label"]:
            cell.source = "\n".join(f"{v} = 0.5" for v in wrong["answers"])
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(sub, path)
    score, total, log = _grade(clone, path)
    assert score == right["points"] and total > score, log
