"""R and Python side by side: move tagged code cells into the Python tab of a tab set.

An executed code cell of a MyST notebook cannot sit inside a directive, so a step of the
book that shows the article's R code next to glmmlite's Python is written as a sphinx-design
tab set followed by the Python code cell(s), each tagged ``python-tab``::

    ::::{tab-set}
    :::{tab-item} Python
    :sync: python
    % the python-tab cell(s) below are moved here (book/_ext/rtabs.py)
    :::
    :::{tab-item} R
    :sync: r
    ```r
    summary(m, corr = FALSE)
    ```
    ```{literalinclude} r/out/ch03/fit.txt
    :language: text
    :class: r-output
    ```
    :::
    ::::

    ```{code-cell} ipython3
    :tags: [python-tab]
    print(m.summary(corr=False))
    ```

The convention:

* A tab set that has a tab item with ``:sync: python`` takes the code cells tagged
  ``python-tab`` that follow it directly (one or more, in order, nothing else in between)
  and appends them to that tab item's content. The item's own content is only a MyST
  comment (``% ...``), because sphinx-design wants every tab item to have content.
* The R tab item has ``:sync: r``. It holds the R code (a ```` ```r ```` fence, the same
  code as the chunk of ``book/r/chNN.R``) and R's printed output, included from
  ``book/r/out/chNN/<chunk>.txt`` (written by ``book/r/run_all.sh``) with
  ``literalinclude``, ``:language: text`` and ``:class: r-output``.  A chunk that prints nothing has no include.
* Every tab item carries a ``:sync:`` key, so one click on "R" or "Python" switches every
  tab set of the page (sphinx-design's default sync group).
* A tagged cell that does not follow such a tab set, or a Python tab that gets no cell, is a
  build warning (so ``-W`` fails).

Only the rendered page changes: in the notebook itself (and in tests) the tagged cells are
ordinary cells, run in order. A downloaded notebook gets the tab set as plain Markdown (see
/work/notes/h6-tabs.md).
"""
from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
TAG = "python-tab"
PY_SYNC = "python"


def _is_component(node: nodes.Node, name: str) -> bool:
    return isinstance(node, nodes.container) and node.get("design_component") == name


def _is_tagged_cell(node: nodes.Node) -> bool:
    if not (isinstance(node, nodes.container) and node.get("nb_element") == "cell_code"):
        return False
    return TAG in (node.get("cell_metadata") or {}).get("tags", [])


def _python_content(tab_set: nodes.Element) -> nodes.Element | None:
    """The content container of the tab item with ``:sync: python``, if any."""
    for item in tab_set.children:
        if not _is_component(item, "tab-item") or len(item.children) != 2:
            continue
        label, content = item.children
        if label.get("sync_id") == PY_SYNC and _is_component(content, "tab-content"):
            return content
    return None


class MoveCellsIntoPythonTab(SphinxTransform):
    """Runs after parsing, before sphinx-design turns tab sets into HTML inputs/labels."""

    default_priority = 500

    def apply(self, **kwargs) -> None:
        moved: set[int] = set()
        for tab_set in list(self.document.findall(lambda n: _is_component(n, "tab-set"))):
            content = _python_content(tab_set)
            if content is None:
                continue
            parent = tab_set.parent
            start = parent.index(tab_set) + 1
            cells = []
            for sibling in parent.children[start:]:
                if isinstance(sibling, nodes.comment):
                    continue
                if not _is_tagged_cell(sibling):
                    break
                cells.append(sibling)
            if not cells:
                LOGGER.warning(f"rtabs: the Python tab of this tab set gets no '{TAG}' code cell "
                               "(put the tagged cell right after the tab set)", location=tab_set)
                continue
            # drop the placeholder comment, keep anything else the author wrote
            content.children = [c for c in content.children if not isinstance(c, nodes.comment)]
            for cell in cells:
                parent.remove(cell)
                content += cell
                moved.add(id(cell))
        for cell in self.document.findall(_is_tagged_cell):
            if id(cell) not in moved:
                LOGGER.warning(f"rtabs: a '{TAG}' code cell does not follow a tab set with a "
                               "':sync: python' tab item", location=cell)


def _add_static(app) -> None:
    static = str(Path(__file__).with_name("rtabs_static"))
    if static not in app.config.html_static_path:
        app.config.html_static_path.append(static)


def setup(app):
    app.add_transform(MoveCellsIntoPythonTab)
    app.connect("config-inited", lambda app, config: _add_static(app))
    app.add_css_file("rtabs.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
