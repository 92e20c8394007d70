"""The book's course edition: student and instructor notebooks, autograder, student web book.

    python scripts/course.py build [--out _build/course] [--no-web] [--jobs N] [--chapters 3,12]
    python scripts/course.py grade NOTEBOOK.ipynb [--out _build/course]

(``bash scripts/course.sh`` and ``bash scripts/course.sh grade NOTEBOOK.ipynb`` call these.)

Everything comes from the chapter sources in ``book/`` (MyST notebooks).  An exercise is
written once, in the chapter::

    :::{exercise} 2 points
    :label: ch3-ex-aic
    Compute AIC ... and store them in `aic_by_hand` and `bic_by_hand`.
    % answer: aic_by_hand, bic_by_hand
    % check: abs(aic_by_hand - m.aic) < 1e-6 * abs(m.aic)
    :::

    ::::{solution} ch3-ex-aic
    :class: dropdown
    ```python
    ... the model solution's code ...
    ```
    The written model answer (and, for open-ended tasks, a **Rubric**).
    ::::

``% ...`` lines are MyST comments: the web book does not show them.  ``% answer:`` names the
variables the student's answer cell must set (the student notebook gets ``name = ...``
placeholders); every ``% check:`` line is a Python expression that must be true for a correct
answer, written against the chapter's own objects (no stored numbers), with a tolerance that
accepts any correct method.  An exercise with checks is graded automatically (its points are
split over its checks); one without is graded by hand from the model answer and rubric.

Outputs (``--out``, default ``_build/course``):

* ``student/<chapter>.ipynb``: the chapter with solutions removed, an answer cell per exercise
  (``...`` placeholders) and a Markdown answer cell where a written answer is asked for;
  per-chapter numbering (Exercise 12.1) and points.  No outputs: students run it.
* ``instructor/<chapter>.ipynb``: the answer key, executed: every solution's code with its
  output, the written model answer, points, checks and rubrics.
* ``instructor/otter/<chapter>.ipynb``: the same in otter-grader's assignment format
  (``# BEGIN QUESTION`` ... raw cells; ``otter assign`` input) and
  ``instructor/autograder/<chapter>-autograder.zip``, what ``otter run`` grades with.
* ``student/html/``: the web book with solutions hidden (sphinx-exercise's
  ``hide_solutions``), unless ``--no-web``.

Grading uses otter-grader's ``otter run`` (no Docker, no database, no network): it runs the
submitted notebook top to bottom in a local kernel and then the hidden checks.  The last
line printed is ``score: X/Y`` (automatically graded points; hand-graded points are listed
before it).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
sys.path.insert(0, str(BOOK / "_ext"))
import ipynb_download as conv  # noqa: E402  (book/_ext/ipynb_download.py: MyST -> plain Markdown)

POINTS_RE = re.compile(r"(\d+)\s*points?\b")
PLACEHOLDER_CODE = "# your code here\n..."
WRITTEN_PROMPT = "*Your answer (a few sentences):* ..."


# ------------------------------------------------------------------ reading exercises
@dataclass
class Exercise:
    label: str
    number: str
    points: int
    text: str                       # MyST source of the exercise body (comments removed)
    answers: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    solution_code: list[str] = field(default_factory=list)
    solution_text: list[str] = field(default_factory=list)   # MyST source pieces, in order
    written: bool = False

    @property
    def auto(self) -> bool:
        return bool(self.checks)

    @property
    def qname(self) -> str:
        return "ex" + self.number.replace(".", "_")


def toc_chapters() -> list[Path]:
    """The toc's chapter notebooks (MyST notebooks: a jupytext header), in book order; plain
    Markdown pages (the summary, the R-to-Python table) have no code to run or grade."""
    text = (ROOT / "_toc.yml").read_text()
    files = [ROOT / f"{name}.md" for name in re.findall(r"^\s*-\s*file:\s*(\S+)", text, re.M)]
    return [p for p in files if p.read_text().startswith("---\njupytext:")]


def _lines(node: conv.Fence, lines: list[str]) -> str:
    return "\n".join(lines[node.start:node.end])


def _exercise(node: conv.Fence, lines: list[str], number: str) -> Exercise:
    body: list[str] = []
    answers, checks = [], []
    for raw in lines[node.start + 1:node.end - 1]:
        s = raw.strip()
        if s.startswith(":label:") or (s.startswith(":") and re.match(r"^:[\w-]+:", s) and not body):
            continue
        m = re.match(r"^%\s*(answer|check|written)\s*:?\s*(.*)$", s)
        if m:
            if m[1] == "answer":
                answers += [a.strip() for a in m[2].split(",") if a.strip()]
            elif m[1] == "check":
                checks.append(m[2].strip())
            continue
        body.append(raw)
    pts = POINTS_RE.search(node.arg)
    return Exercise(node.options.get("label", number), number, int(pts[1]) if pts else 1,
                    "\n".join(body).strip(), answers, checks)


def _solution(node: conv.Fence, lines: list[str], ex: Exercise) -> None:
    """Split a solution's body into code (```python fences) and written answer."""
    text: list[str] = []
    for child in node.body:
        if isinstance(child, conv.Fence) and child.name is None and child.arg.startswith("python"):
            if "".join(text).strip():
                ex.solution_text.append("\n".join(text).strip())
            text = []
            ex.solution_code.append("\n".join(child.body).rstrip())
        elif isinstance(child, conv.Fence):
            text.append(_lines(child, lines))
        elif not re.match(r"^:[\w-]+:", child.strip()):
            text.append(child)
    if "\n".join(text).strip():
        ex.solution_text.append("\n".join(text).strip())
    ex.written = ex.written or bool(ex.solution_text)


def _tag(cell, *tags: str, **course) -> None:
    cell.metadata.setdefault("tags", [])
    cell.metadata["tags"] += list(tags)
    if course:
        cell.metadata["course"] = course


def chapter_master(path: Path) -> tuple[nbformat.NotebookNode, list[Exercise]]:
    """The chapter as one notebook: text and code, then per exercise its cells (tagged)."""
    from myst_nb.core.read import read_myst_markdown_notebook

    nb = read_myst_markdown_notebook(path.read_text(), path=str(path))
    chapter = conv.chapter_number(path.stem)
    exercises: list[Exercise] = []
    by_label: dict[str, Exercise] = {}
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            cells.append(cell)
            continue
        lines = cell.source.split("\n")
        nodes, _ = conv.parse(lines)
        pending: list[str] = []
        pos = 0

        def flush(upto: int) -> None:
            chunk = "\n".join(lines[pos:upto]).strip("\n")
            if chunk.strip():
                cells.append(nbformat.v4.new_markdown_cell(chunk))

        for node in nodes:
            if not isinstance(node, conv.Fence) or node.name not in ("exercise", "solution"):
                continue
            flush(node.start)
            pos = node.end
            if node.name == "exercise":
                number = f"{chapter}.{len(exercises) + 1}" if chapter else str(len(exercises) + 1)
                ex = _exercise(node, lines, number)
                exercises.append(ex)
                by_label[ex.label] = ex
                pts = f"{ex.points} point" + ("s" if ex.points != 1 else "")
                kind = "graded automatically" if ex.auto else "graded by hand"
                c = nbformat.v4.new_markdown_cell(
                    f"### Exercise {ex.number} ({pts}, {kind})\n\n{ex.text}")
                _tag(c, "exercise", label=ex.label, number=ex.number, points=ex.points,
                     auto=ex.auto)
                cells.append(c)
            else:
                ex = by_label.get(node.arg.strip())
                if ex is None:
                    raise SystemExit(f"{path.name}: solution {node.arg!r} has no exercise before it")
                _solution(node, lines, ex)
                for code in ex.solution_code:
                    c = nbformat.v4.new_code_cell(code)
                    _tag(c, "solution", label=ex.label)
                    cells.append(c)
                if ex.solution_text:
                    c = nbformat.v4.new_markdown_cell(
                        "**Model answer.** " + "\n\n".join(ex.solution_text))
                    _tag(c, "model-answer", label=ex.label)
                    cells.append(c)
                if ex.checks:
                    share = ex.points / len(ex.checks)
                    lines_ = "\n".join(f"* `{chk}`" for chk in ex.checks)
                    c = nbformat.v4.new_markdown_cell(
                        f"**Autograder checks** ({share:g} point(s) each; hidden from "
                        f"students):\n\n{lines_}")
                    _tag(c, "checks", label=ex.label)
                    cells.append(c)
        flush(len(lines))
    nb.cells = cells
    return nb, exercises


# ------------------------------------------------------------------ executing
def _execute(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


def _render(nb: nbformat.NotebookNode, chapter: int | None, exercises: list[Exercise],
            glue: dict) -> nbformat.NotebookNode:
    labels = {ex.label: f"Exercise {ex.number}" for ex in exercises}
    ctx = conv.Context(chapter=chapter, glue=glue, labels={**_doc_titles(), **labels},
                       cites=conv.read_cites(BOOK / "references.bib"), source_dir=BOOK)
    ctx.exercises = 10_000      # no directive is left to number; keep numbers out of the way
    out = conv.standalone_notebook(nb, ctx)
    return out


_TITLES: dict[str, str] = {}


def _doc_titles() -> dict[str, str]:
    if not _TITLES:
        for path in [BOOK / "index.md", *toc_chapters()]:
            for line in path.read_text().splitlines():
                if line.startswith("# "):
                    _TITLES[path.stem] = line[2:].strip()
                    break
        for path in toc_chapters():
            lines = path.read_text().splitlines()
            for i, line in enumerate(lines[:-1]):
                m = re.match(r"^\(([^()\s]+)\)=\s*$", line)
                if m:
                    nxt = lines[i + 1]
                    title = re.sub(r"^#+\s*", "", nxt) if nxt.startswith("#") else \
                        re.sub(r"^:::+\{\w+\}\s*", "", nxt)
                    _TITLES[m[1]] = title.strip() or m[1]
    return _TITLES


# ------------------------------------------------------------------ the editions
def student_notebook(key: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The answer key without solutions: placeholders where the answers go, no outputs."""
    nb = nbformat.from_dict(json.loads(json.dumps(key)))
    cells = []
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if any(t in tags for t in ("solution", "model-answer", "checks")):
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
        if "exercise" in tags:
            info = cell.metadata["course"]
            ex = info.get("_ex")
            answers = info.get("answers", [])
            code = "\n".join(f"{a} = ..." for a in answers) if answers else PLACEHOLDER_CODE
            c = nbformat.v4.new_code_cell(code)
            _tag(c, "answer", label=info["label"])
            cells.append(c)
            if info.get("written"):
                m = nbformat.v4.new_markdown_cell(WRITTEN_PROMPT)
                _tag(m, "answer", label=info["label"])
                cells.append(m)
        cell.metadata.get("course", {}).pop("_ex", None)
    nb.cells = cells
    return nb


def otter_master(key: nbformat.NotebookNode, name: str, exercises: list[Exercise]) -> nbformat.NotebookNode:
    """The answer key in otter-grader's assignment format (``otter assign`` input)."""
    nb = nbformat.from_dict(json.loads(json.dumps(key)))
    by_label = {ex.label: ex for ex in exercises}
    raw = nbformat.v4.new_raw_cell
    config = (f"# ASSIGNMENT CONFIG\nname: {name}\ninit_cell: false\ncheck_all_cell: false\n"
              "export_cell: false\nrun_tests: false\nsolutions_pdf: false\ngenerate: true\n")
    cells = [raw(config)]
    open_label = None

    def close():
        nonlocal open_label
        if open_label is None:
            return
        ex = by_label[open_label]
        cells.append(raw("# END SOLUTION"))
        if ex.auto:
            cells.append(raw("# BEGIN TESTS"))
            share = ex.points / len(ex.checks)
            for chk in ex.checks:
                code = (f'""" # BEGIN TEST CONFIG\npoints: {share:g}\nhidden: true\n'
                        f'""" # END TEST CONFIG\nassert bool({chk}), {chk!r}')
                cells.append(nbformat.v4.new_code_cell(code))
            cells.append(raw("# END TESTS"))
        cells.append(raw("# END QUESTION"))
        open_label = None

    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "checks" in tags:
            continue
        if "exercise" in tags:
            close()
            ex = by_label[cell.metadata["course"]["label"]]
            cells.append(raw(f"# BEGIN QUESTION\nname: {ex.qname}\npoints: {ex.points}\n"
                             f"manual: {'false' if ex.auto else 'true'}"))
            cells.append(cell)
            cells.append(raw("# BEGIN SOLUTION"))
            open_label = ex.label
            continue
        if open_label is not None and not ({"solution", "model-answer"} & set(tags)):
            close()
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    close()
    nb.cells = cells
    return nb


def build_chapter(path: Path, out: Path) -> dict:
    t0 = time.time()
    master, exercises = chapter_master(path)
    with tempfile.TemporaryDirectory(prefix="course-run-") as tmp:   # any folder works
        _execute(master, Path(tmp))
    glue = conv.glue_values(master)
    key = _render(master, conv.chapter_number(path.stem), exercises, glue)
    by_label = {ex.label: ex for ex in exercises}
    for cell in key.cells:
        info = cell.metadata.get("course")
        if info and info.get("label") in by_label:
            ex = by_label[info["label"]]
            info.update(answers=ex.answers, written=ex.written)
    name = path.stem
    key.metadata["otter"] = {"assignment_name": name}    # otter run checks a submission's name
    (out / "instructor").mkdir(parents=True, exist_ok=True)
    (out / "student").mkdir(parents=True, exist_ok=True)
    nbformat.write(key, out / "instructor" / f"{name}.ipynb")
    nbformat.write(student_notebook(key), out / "student" / f"{name}.ipynb")
    auto = [ex for ex in exercises if ex.auto]
    if auto:
        otter_dir = out / "instructor" / "otter"
        otter_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(otter_master(key, name, exercises), otter_dir / f"{name}.ipynb")
        with tempfile.TemporaryDirectory(prefix="course-otter-") as tmp:
            dist = Path(tmp) / "dist"
            proc = subprocess.run([_otter(), "assign", str(otter_dir / f"{name}.ipynb"), str(dist)],
                                  capture_output=True, text=True)
            zips = list((dist / "autograder").glob("*.zip"))
            if proc.returncode != 0 or not zips:
                raise SystemExit(f"otter assign failed for {name}:\n{proc.stdout}\n{proc.stderr}")
            (out / "instructor" / "autograder").mkdir(exist_ok=True)
            shutil.copyfile(zips[0], out / "instructor" / "autograder" / f"{name}-autograder.zip")
    return {"chapter": name, "exercises": len(exercises), "auto": len(auto),
            "points": sum(ex.points for ex in exercises),
            "auto_points": sum(ex.points for ex in auto), "seconds": round(time.time() - t0, 1)}


def _otter() -> str:
    exe = Path(sys.executable).with_name("otter")
    return str(exe) if exe.exists() else "otter"


def build_web(out: Path) -> None:
    """The web book with solutions hidden (sphinx-exercise ``hide_solutions``)."""
    import yaml   # PyYAML, a jupyter-book dependency

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    sphinx = config.setdefault("sphinx", {})
    sphinx.setdefault("config", {})["hide_solutions"] = True
    # jupyter-book resolves local_extensions' paths relative to the config file: make them absolute
    sphinx["local_extensions"] = {name: str(ROOT / path)
                                  for name, path in (sphinx.get("local_extensions") or {}).items()}
    config = yaml.safe_dump(config, sort_keys=False)
    work = out / ".web"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cfg = work / "_config.yml"
    cfg.write_text(config)
    ipython = _quiet_profile()
    env = {**os.environ, "IPYTHONDIR": str(ipython)}
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(ROOT), "--config", str(cfg), "--path-output",
                           str(work), "-W", "-n", "--keep-going"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    shutil.rmtree(ipython, ignore_errors=True)
    log = proc.stdout + proc.stderr
    if proc.returncode != 0 or re.search(r"(WARNING|ERROR|CRITICAL):", log):
        raise SystemExit(f"student web book: build failed or warned:\n{log[-5000:]}")
    target = out / "student" / "html"
    shutil.rmtree(target, ignore_errors=True)
    shutil.move(str(work / "_build" / "html"), str(target))
    shutil.rmtree(work, ignore_errors=True)


def _quiet_profile() -> Path:
    """A throw-away IPYTHONDIR whose kernels log nothing that is not about the book
    (scripts/ipython_kernel_config.py, as in book.sh)."""
    ipython = Path(tempfile.mkdtemp(prefix="course-ipython-"))
    (ipython / "profile_default").mkdir()
    shutil.copy(ROOT / "scripts" / "ipython_kernel_config.py",
                ipython / "profile_default" / "ipython_kernel_config.py")
    return ipython


def _quiet_kernels() -> None:
    """The kernels of this process's notebook runs use :func:`_quiet_profile` (unless the
    caller set IPYTHONDIR)."""
    if os.environ.get("IPYTHONDIR"):
        return
    os.environ["IPYTHONDIR"] = str(_quiet_profile())


def build(out: Path, web: bool, jobs: int, only: list[str] | None) -> None:
    t0 = time.time()
    _quiet_kernels()
    chapters = toc_chapters()
    if only:
        chapters = [p for p in chapters if any(p.stem.startswith(o.zfill(2)) for o in only)]
    else:
        for sub in ("student", "instructor"):
            shutil.rmtree(out / sub, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    def one(path: Path):
        try:
            return build_chapter(path, out)
        except BaseException as exc:  # report every failing chapter, not only the first
            msg = str(exc)
            if getattr(exc, "ename", None):                 # nbclient's CellExecutionError
                cell = msg.split("------------------")[1] if "------------------" in msg else ""
                msg = f"{exc.ename}: {exc.evalue}\nin the cell:{cell}"
            return {"chapter": path.stem, "error": f"{type(exc).__name__}: {msg[-3000:]}"}

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        rows = list(pool.map(one, chapters))
    failed = [r for r in rows if "error" in r]
    for r in failed:
        print(f"course: {r['chapter']} failed:\n{r['error']}\n", file=sys.stderr)
    if failed:
        raise SystemExit(f"course: {len(failed)} chapter(s) failed: "
                         + ", ".join(r["chapter"] for r in failed))
    if web:
        build_web(out)
    summary = {"chapters": rows, "points": sum(r["points"] for r in rows),
               "auto_points": sum(r["auto_points"] for r in rows)}
    (out / "instructor" / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    for r in rows:
        print(f"{r['chapter']:34s} {r['exercises']:2d} exercises ({r['auto']} autograded), "
              f"{r['points']:3d} points ({r['auto_points']} automatic)  {r['seconds']:6.1f} s")
    print(f"course: student and instructor notebooks in {out}"
          + (f"; student web book in {out / 'student' / 'html'}" if web else "")
          + f" ({time.time() - t0:.0f} s)")


# ------------------------------------------------------------------ grading
def grade(notebook: Path, out: Path) -> int:
    _quiet_kernels()
    notebook = notebook.resolve()
    stem = notebook.stem
    zips = {p.name.removesuffix("-autograder.zip"): p
            for p in (out / "instructor" / "autograder").glob("*-autograder.zip")}
    name = next((n for n in zips if stem == n or stem.startswith(n)), None)
    if name is None:
        print(f"grade: no autograder for {notebook.name} in {out / 'instructor' / 'autograder'} "
              "(run `bash scripts/course.sh` first; chapters without checks are graded by hand)",
              file=sys.stderr)
        return 2
    master = nbformat.read(out / "instructor" / "otter" / f"{name}.ipynb", as_version=4)
    manual = [(m["name"], m["points"]) for c in master.cells if c.cell_type == "raw"
              for m in [_question(c.source)] if m and m["manual"]]
    with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
        work = Path(tmp)
        sub = work / f"{name}.ipynb"
        shutil.copyfile(notebook, sub)
        proc = subprocess.run([_otter(), "run", "-a", str(zips[name]), "-o", str(work), str(sub)],
                              capture_output=True, text=True, cwd=work)
        results = work / "results.json"
        if not results.is_file():
            print(proc.stdout[-3000:], proc.stderr[-3000:], file=sys.stderr)
            print("grade: otter run wrote no results", file=sys.stderr)
            return 1
        tests = json.loads(results.read_text())["tests"]
    score = total = 0.0
    for t in tests:
        if t.get("max_score") is None:
            continue
        score += t.get("score") or 0
        total += t["max_score"]
        print(f"{t['name']:10s} {t.get('score') or 0:g}/{t['max_score']:g}")
    for qname, pts in manual:
        print(f"{qname:10s} graded by hand: {pts} points (model answer and rubric in the "
              "instructor notebook)")
    print(f"score: {score:g}/{total:g}")
    return 0


def _question(source: str) -> dict | None:
    if not source.startswith("# BEGIN QUESTION"):
        return None
    get = lambda k: re.search(rf"^{k}:\s*(\S+)", source, re.M)  # noqa: E731
    return {"name": get("name")[1], "points": float(get("points")[1]),
            "manual": get("manual") is not None and get("manual")[1] == "true"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd")
    b = sub.add_parser("build")
    b.add_argument("--out", type=Path, default=ROOT / "_build" / "course")
    b.add_argument("--no-web", action="store_true", help="skip the student web book")
    b.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    b.add_argument("--chapters", default="", help="comma-separated chapter numbers (default: all)")
    g = sub.add_parser("grade")
    g.add_argument("notebook", type=Path)
    g.add_argument("--out", type=Path, default=ROOT / "_build" / "course")
    args = ap.parse_args(argv)
    if args.cmd == "grade":
        return grade(args.notebook, args.out)
    if args.cmd in (None, "build"):
        if args.cmd is None:
            args = b.parse_args([])
        only = [c.strip() for c in args.chapters.split(",") if c.strip()]
        build(args.out.resolve(), not args.no_web, args.jobs, only or None)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
