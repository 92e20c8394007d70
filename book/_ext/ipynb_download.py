"""Offer every executed chapter as a stand-alone .ipynb download; number exercises per chapter.

sphinx-book-theme only copies the executed notebook of a MyST Markdown chapter to
``_sources/`` (and shows the ".ipynb" entry of the download menu) when a launch provider
(Binder, JupyterHub, Colab, ...) is configured.  This book has none, so this extension writes
the download itself and sets ``ipynb_source`` before the theme builds its header buttons.

The download is the build's executed notebook (``_build/jupyter_execute/<page>.ipynb``),
turned into a notebook that a plain Jupyter shows and runs as the page reads
(:func:`standalone_notebook`):

* every ``{glue:...}`` role and ``glue`` directive is replaced by the value the build computed
  (taken from the notebook's own glue outputs), and those hidden glue outputs are dropped;
* MyST-only syntax becomes plain Markdown or HTML ``<details>``: exercises become
  "Exercise 12.1" headings, solutions and dropdowns ``<details>`` blocks, admonitions block
  quotes, R/Python tab sets (``book/_ext/rtabs.py``) the R code and R's printed output,
  cross-references and citations plain text, MyST comments and labels disappear;
* ``from myst_nb import glue`` becomes ``from glmmlite.notebook import glue`` (a shim that
  needs no myst-nb), so the notebook runs with glmmlite and a Jupyter kernel only;
* a first Markdown cell says in one line how to install glmmlite.

With ``hide_solutions = True`` (sphinx-exercise's option, the student edition) solutions
are left out of the download too.  ``scripts/course.py`` uses the same functions to build
the course's student and instructor notebooks.

Exercise numbers: sphinx-exercise numbers exercises across the whole book ("Exercise 30");
:func:`_number_per_chapter` renumbers them per chapter ("Exercise 12.1") from the chapter
number in the file name (``12-exercises-cbpp`` -> 12).
"""
from __future__ import annotations

import base64
import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INSTALL_LINE = ("**Install glmmlite** (not on PyPI yet) from a clone of its repository, "
                "then run this notebook in any folder: `pip install ./glmmlite ipykernel`")
GLUE_IMPORT = re.compile(r"^(\s*)from myst_nb import glue\b.*$", re.M)
GLUE_SHIM = r"\1from glmmlite.notebook import glue   # the book's myst_nb.glue, without myst-nb"
GLUE_PREFIX = "application/papermill.record/"
ADMONITIONS = {"note", "tip", "hint", "important", "warning", "caution", "attention", "danger",
               "error", "seealso", "admonition"}
LITERAL = {"code-block", "code", "sourcecode", "code-cell", "math", "literalinclude", "glue",
           "glue:figure", "glue:any", "glue:math", "glue:md", "bibliography", "tableofcontents",
           "raw", "eval-rst"}


# ------------------------------------------------------------------ parsing MyST blocks
@dataclass
class Fence:
    """A fenced block: a directive (``name`` set) or a plain code fence (``name`` None)."""

    marker: str
    name: str | None
    arg: str
    options: dict[str, str] = field(default_factory=dict)
    body: list = field(default_factory=list)   # nodes (str lines / Fence) or raw lines
    start: int = 0                              # first line (the opening fence)
    end: int = 0                                # one past the closing fence


_OPEN = re.compile(r"^(?P<fence>:{3,}|`{3,}|~{3,})\s*(?P<info>.*?)\s*$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}\s*(?P<arg>.*)$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")


def _closes(line: str, marker: str) -> bool:
    s = line.strip()
    return len(s) >= len(marker) and set(s) == {marker[0]}


def parse(lines: list[str], i: int = 0, close: str | None = None) -> tuple[list, int]:
    """Parse Markdown lines into text lines and (nested) :class:`Fence` nodes."""
    out: list = []
    while i < len(lines):
        line = lines[i]
        if close is not None and _closes(line, close):
            return out, i + 1
        m = _OPEN.match(line)
        if not m or (m["fence"][0] == ":" and not _DIRECTIVE.match(m["info"])):
            out.append(line)
            i += 1
            continue
        marker, info = m["fence"], m["info"]
        d = _DIRECTIVE.match(info)
        node = Fence(marker, d["name"] if d else None, d["arg"].strip() if d else info, start=i)
        i += 1
        if d:
            if i < len(lines) and lines[i].strip() == "---":      # YAML option block
                i += 1
                while i < len(lines) and lines[i].strip() != "---":
                    k, _, v = lines[i].partition(":")
                    node.options[k.strip()] = v.strip()
                    i += 1
                i += 1
            while i < len(lines) and (o := _OPTION.match(lines[i])):
                node.options[o["key"]] = o["value"].strip()
                i += 1
        if d and node.name not in LITERAL:
            node.body, i = parse(lines, i, close=marker)
        else:
            while i < len(lines) and not _closes(lines[i], marker):
                node.body.append(lines[i])
                i += 1
            i += 1
        node.end = min(i, len(lines))
        out.append(node)
    return out, i


# ------------------------------------------------------------------ glue values
def glue_values(nb: Any) -> dict[str, dict]:
    """name -> mime bundle (prefix removed) of every ``glue(...)`` output of an executed notebook."""
    values: dict[str, dict] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            meta = (out.get("metadata") or {}).get("scrapbook")
            if out.get("output_type") == "display_data" and meta:
                prefix = meta.get("mime_prefix", "")
                values[meta["name"]] = {k[len(prefix):] if k.startswith(prefix) else k: v
                                        for k, v in out.get("data", {}).items()}
    return values


def read_glue_json(path: Path) -> dict[str, dict]:
    """The glue values myst-nb writes next to an executed notebook (it drops them from the cells)."""
    import json

    if not path.is_file():
        return {}
    return {name: out.get("data", {}) for name, out in json.loads(path.read_text()).items()}


def _format_text(text: str, spec: str) -> str:
    from myst_nb.core.variables import format_plain_text

    return format_plain_text(text, spec)


# ------------------------------------------------------------------ rendering
@dataclass
class Context:
    """What rendering one notebook needs to know."""

    chapter: int | None = None
    glue: dict[str, dict] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)     # label or doc name -> text
    cites: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (authors, year)
    source_dir: Path | None = None
    hide_solutions: bool = False
    exercises: int = 0
    attachments: dict[str, dict] = field(default_factory=dict)
    exercise_hook: Any = None   # optional callable(ctx, Fence, number) -> str | None

    def exercise_number(self, label: str | None = None) -> str:
        self.exercises += 1
        number = f"{self.chapter}.{self.exercises}" if self.chapter else str(self.exercises)
        if label:
            self.labels[label] = f"Exercise {number}"
        return number


_ROLE = re.compile(r"\{(?P<role>[\w:.+-]+)\}`(?P<text>[^`]*)`")


def _role(m: re.Match, ctx: Context) -> str:
    role, text = m["role"], m["text"]
    if role.startswith("glue"):
        key, _, spec = text.partition(":")
        key = key.split("::")[-1].strip()
        bundle = ctx.glue.get(key)
        if bundle is None:
            raise KeyError(f"no glue value {key!r} in the executed notebook")
        kind = role.partition(":")[2]
        if kind == "md" and "text/markdown" in bundle:
            return bundle["text/markdown"]
        if kind == "math" and "text/latex" in bundle:
            return "$" + bundle["text/latex"].strip().strip("$") + "$"
        return _format_text(bundle.get("text/plain", ""), spec.strip())
    if role == "math":
        return f"${text}$"
    if role.startswith("cite"):
        keys = [k.strip() for k in text.split(",")]
        names = [ctx.cites.get(k, (k, "")) for k in keys]
        if role in ("cite:t", "cite:ts"):
            return "; ".join(f"{a} ({y})" if y else a for a, y in names)
        return "(" + "; ".join(f"{a} {y}".strip() for a, y in names) + ")"
    explicit = re.match(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", text, re.S)
    if explicit and explicit["title"]:
        return explicit["title"]
    target = explicit["target"] if explicit else text
    target = target.lstrip("~!")
    if role in ("ref", "numref", "doc", "eq", "any", "prf:ref", "term", "download"):
        name = target.split("/")[-1].removesuffix(".md").removesuffix(".ipynb")
        return ctx.labels.get(target, ctx.labels.get(name, target))
    return text


def _inline(line: str, ctx: Context) -> str:
    # leave inline code spans alone: roles are `{role}` followed by a code span
    return _ROLE.sub(lambda m: _role(m, ctx), line)


def _quote(text: str) -> str:
    return "\n".join(("> " + s) if s.strip() else ">" for s in text.strip("\n").split("\n"))


def _details(summary: str, body: str) -> str:
    return f"<details>\n<summary>{summary}</summary>\n\n{body.strip()}\n\n</details>"


def _attach(ctx: Context, key: str) -> str:
    bundle = ctx.glue[key]
    for mime in ("image/png", "image/jpeg", "image/svg+xml"):
        if mime in bundle:
            ext = mime.split("/")[1].split("+")[0]
            name = f"{key}.{ext}"
            data = bundle[mime]
            if mime == "image/svg+xml" and not isinstance(data, str):
                data = "".join(data)
            if mime == "image/svg+xml":
                data = base64.b64encode(data.encode()).decode()
            ctx.attachments[name] = {mime: data}
            return f"![{key}](attachment:{name})"
    return "```\n" + bundle.get("text/plain", "") + "\n```"


def render(nodes: list, ctx: Context) -> str:
    """Plain Markdown (with HTML ``<details>``) for parsed MyST nodes."""
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            if re.match(r"^\s*%", node):                    # MyST comment
                continue
            label = re.match(r"^\(([^()\s]+)\)=\s*$", node)
            if label:
                parts.append(f'<a id="{label[1]}"></a>')
                continue
            if node.strip() == "+++":
                continue
            parts.append(_inline(node, ctx))
            continue
        parts.append(_directive(node, ctx))
    text = "\n".join(parts)
    return re.sub(r"\n{3,}", "\n\n", text)


def _fence(lang: str, body: list[str] | str) -> str:
    body = body if isinstance(body, str) else "\n".join(body)
    return f"```{lang}\n{body.rstrip()}\n```"


def _directive(node: Fence, ctx: Context) -> str:
    name, arg = node.name, node.arg
    if name is None:                                         # a plain code fence
        return _fence(arg, node.body)
    if name == "exercise":
        number = ctx.exercise_number(node.options.get("label"))
        if ctx.exercise_hook is not None:
            custom = ctx.exercise_hook(ctx, node, number)
            if custom is not None:
                return custom
        title = f"Exercise {number}" + (f" ({_inline(arg, ctx)})" if arg else "")
        return f"\n### {title}\n\n{render(node.body, ctx).strip()}\n"
    if name == "solution":
        if ctx.hide_solutions:
            return ""
        ex = ctx.labels.get(arg, "the exercise")
        return "\n" + _details(f"<b>Solution to {ex}</b>", render(node.body, ctx)) + "\n"
    if name == "dropdown":
        return "\n" + _details(_inline(arg, ctx) or "Details", render(node.body, ctx)) + "\n"
    if name in ADMONITIONS:
        title = _inline(arg, ctx) if name == "admonition" else (arg or name.capitalize())
        if name == "seealso":
            title = arg or "See also"
        return "\n" + _quote(f"**{title}**\n\n{render(node.body, ctx).strip()}") + "\n"
    if name == "tab-set":
        items = [n for n in node.body if isinstance(n, Fence) and n.name == "tab-item"]
        out = []
        for item in items:
            content = render(item.body, ctx).strip()
            if not content:             # the Python tab: its cells follow as code cells
                continue
            if item.options.get("sync") == "r" or item.arg.strip() == "R":
                out.append("**R** (the article's code):\n\n" + content)
            else:
                out.append(f"**{_inline(item.arg, ctx)}**\n\n{content}")
        return "\n" + "\n\n".join(out) + "\n"
    if name == "tab-item":
        return f"\n**{_inline(arg, ctx)}**\n\n{render(node.body, ctx).strip()}\n"
    if name == "literalinclude":
        path = (ctx.source_dir / arg) if ctx.source_dir else Path(arg)
        text = path.read_text() if path.is_file() else f"(see {arg})"
        lead = "R prints:\n\n" if "r-output" in node.options.get("class", "") else ""
        return f"\n{lead}{_fence(node.options.get('language', ''), text)}\n"
    if name in ("code-block", "code", "sourcecode", "code-cell"):
        return _fence(arg, node.body)
    if name == "math":
        return "$$\n" + "\n".join(node.body).strip() + "\n$$"
    if name in ("glue", "glue:figure", "glue:any"):
        key = arg.split("::")[-1].strip()
        image = _attach(ctx, key)
        caption = render([l for l in node.body if isinstance(l, str)], ctx).strip()
        return f"\n{image}\n\n*{caption}*\n" if caption else f"\n{image}\n"
    if name == "glue:math":
        latex = ctx.glue[arg.strip()].get("text/latex", "").strip().strip("$")
        return f"$$\n{latex}\n$$"
    if name == "glue:md":
        return ctx.glue[arg.strip()].get("text/markdown", "")
    if name in ("figure", "image"):
        caption = render(node.body, ctx).strip() if name == "figure" else ""
        alt = node.options.get("alt", caption or arg)
        return f"\n![{alt}]({arg})\n" + (f"\n*{caption}*\n" if caption else "")
    if name == "bibliography":
        return "\n".join(f"* {a} ({y})." for a, y in ctx.cites.values())
    if name in ("tableofcontents", "raw", "eval-rst", "only"):
        return ""
    return render(node.body, ctx) if isinstance(node.body, list) else ""


def markdown(text: str, ctx: Context) -> str:
    """Convert one Markdown cell's MyST source into plain Markdown."""
    nodes, _ = parse(text.split("\n"))
    return render(nodes, ctx).strip("\n")


# ------------------------------------------------------------------ whole notebooks
def read_cites(bib: Path) -> dict[str, tuple[str, str]]:
    """bibtex key -> ("Ford", "2021") / ("Bates et al.", "2015"): enough for plain citations."""
    cites: dict[str, tuple[str, str]] = {}
    if not bib.is_file():
        return cites
    for entry in re.split(r"\n(?=@)", bib.read_text()):
        key = re.match(r"@\w+\{([^,\s]+),", entry.strip())
        if not key:
            continue
        author = re.search(r"author\s*=\s*\{(.*?)\},?\s*\n", entry, re.S)
        year = re.search(r"year\s*=\s*\{?(\d{4})", entry)
        names = [a.split(",")[0].strip().replace("{", "").replace("}", "")
                 for a in author[1].split(" and ")] if author else [key[1]]
        names = [re.sub(r'\\.\"?(\w)', r"\1", n).replace('"', "") for n in names]
        who = names[0] if len(names) == 1 else (
            f"{names[0]} and {names[1]}" if len(names) == 2 else f"{names[0]} et al.")
        cites[key[1]] = (who, year[1] if year else "")
    return cites


def chapter_number(name: str) -> int | None:
    """12 for ``12-exercises-cbpp`` (or a path to it), None for pages without a number."""
    m = re.match(r"^(\d+)-", Path(name).name)
    return int(m[1]) if m else None


def standalone_notebook(nb: Any, ctx: Context, install_line: bool = True) -> Any:
    """A copy of an executed MyST notebook that a plain Jupyter shows and runs as the page.

    Markdown cells become plain Markdown (glue values filled in from ``nb``'s own outputs),
    hidden glue outputs are dropped, the glue import points at glmmlite's shim, and a first
    cell says how to install glmmlite.
    """
    import nbformat

    nb = copy.deepcopy(nb)
    if not ctx.glue:
        ctx.glue = glue_values(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            ctx.attachments = {}
            cell.source = markdown(cell.source, ctx)
            if ctx.attachments:
                cell["attachments"] = dict(ctx.attachments)
            if not cell.source.strip():
                continue
        elif cell.cell_type == "code":
            cell.source = GLUE_IMPORT.sub(GLUE_SHIM, cell.source)
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("metadata") or {}).get("scrapbook", {}).get("mime_prefix")]
        cells.append(cell)
    if install_line:
        cells.insert(0, nbformat.v4.new_markdown_cell(INSTALL_LINE))
    nb.cells = cells
    for key in ("jupytext", "mystnb"):
        nb.metadata.pop(key, None)
    return nb


# ------------------------------------------------------------------ Sphinx
def _labels(app) -> dict[str, str]:
    env = app.env
    out: dict[str, str] = {}
    for docname, title in env.titles.items():
        out[docname] = out[docname.split("/")[-1]] = title.astext()
    for label, (_doc, _id, sectname) in env.domaindata.get("std", {}).get("labels", {}).items():
        if sectname:
            out[label] = sectname
    return out


def _add_ipynb(app, pagename, templatename, context, doctree):
    import nbformat

    if doctree is None or not context.get("sourcename", "").endswith((".md", ".md.txt")):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return  # not a notebook page (e.g. a plain Markdown page)
    nb = nbformat.read(executed, as_version=4)
    source = Path(app.srcdir) / f"{pagename}.md"
    ctx = Context(chapter=chapter_number(pagename), labels=_labels(app),
                  glue=read_glue_json(executed.with_suffix(".glue.json")),
                  cites=read_cites(Path(app.srcdir) / "book" / "references.bib"),
                  source_dir=source.parent, hide_solutions=bool(app.config.hide_solutions))
    out = standalone_notebook(nb, ctx)
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(out, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def _number_per_chapter(app, env):
    """Exercise numbers restart in every chapter: 12.1, 12.2, ... instead of 30, 31, ..."""
    for docname, kinds in env.toc_fignumbers.items():
        chapter = chapter_number(docname)
        numbers = kinds.get("exercise")
        if chapter is None or not numbers:
            continue
        for i, key in enumerate(sorted(numbers, key=lambda k: numbers[k]), start=1):
            numbers[key] = (chapter, i)
    return []


def setup(app):
    # priority < 500: run before sphinx-book-theme's header-button handler
    app.connect("html-page-context", _add_ipynb, priority=400)
    # after Sphinx's TocTreeCollector has assigned the figure numbers (priority 500)
    app.connect("env-get-updated", _number_per_chapter, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
