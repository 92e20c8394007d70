"""Offer every executed chapter as a .ipynb download.

sphinx-book-theme only copies the executed notebook of a MyST Markdown chapter to
``_sources/`` (and shows the ".ipynb" entry of the download menu) when a launch
provider (Binder, JupyterHub, Colab, ...) is configured.  This book has none, so this
small extension does the copy itself and sets ``ipynb_source`` before the theme builds
its header buttons.
"""
from __future__ import annotations

from pathlib import Path
from shutil import copy2


def _add_ipynb(app, pagename, templatename, context, doctree):
    if doctree is None or not context.get("sourcename", "").endswith((".md", ".md.txt")):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return  # not a notebook page (e.g. a plain Markdown page)
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app):
    # priority < 500: run before sphinx-book-theme's header-button handler
    app.connect("html-page-context", _add_ipynb, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
