"""Write each inline ``<script>`` once per page.

Why: Sphinx 7.4's HTML builder re-adds, in ``prepare_writing``, every JavaScript asset
an extension registered after ``Builder.init()`` (``app.add_js_file`` during
``env-before-read-docs``, as sphinx-thebe and sphinx-togglebutton do).  The asset was
already given to the builder by ``app.add_js_file`` with ``filename=None``; the second
copy is re-added with ``filename=''``, so Sphinx's duplicate check (which compares
filenames) lets it through for *inline* scripts only.  sphinx-thebe's inline script
declares ``const THEBE_JS_URL``; the second copy then fails in the browser with
"Identifier 'THEBE_JS_URL' has already been declared" on every page.

This extension drops a script from a page's ``script_files`` when an earlier entry has
the same file name (``None`` and ``''`` taken as equal), priority and attributes.
"""
from __future__ import annotations


def _key(js) -> tuple:
    filename = getattr(js, "filename", js) or ""
    attrs = getattr(js, "attributes", {}) or {}
    return (str(filename), getattr(js, "priority", 500), tuple(sorted(attrs.items())))


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        key = _key(js)
        if key not in seen:
            seen.add(key)
            kept.append(js)
    if len(kept) != len(scripts):
        context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
