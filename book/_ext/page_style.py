"""Page styling for the book: code cells sized so 80 columns fit, figures that fit a phone.

Adds ``page_style_static/page_style.css`` to every page.
"""
from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "page_style_static"


def _add_static(app):
    app.config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("builder-inited", _add_static)
    app.add_css_file("page_style.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
