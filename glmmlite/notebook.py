"""Stand-ins for the book's notebook helpers, so a chapter runs in a plain Jupyter.

The book's chapters call ``myst_nb.glue`` to hand computed numbers to their text.  A chapter
downloaded as ``.ipynb`` already has those numbers written into its text, and imports
:func:`glue` from here instead, so it runs with glmmlite and a Jupyter kernel only.
"""
from __future__ import annotations

from typing import Any

__all__ = ["glue"]


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Show ``variable`` if ``display`` is true, as ``myst_nb.glue`` does in a notebook.

    Parameters
    ----------
    name : str
        The key the book's text uses for the value (unused here: the downloaded notebook's
        text already shows the value).
    variable : object
        The value.
    display : bool
        Show the value as a cell output (``myst_nb.glue``'s default); ``False`` shows nothing.
    """
    if not display:
        return
    try:
        from IPython.display import display as ipy_display
    except ImportError:  # pragma: no cover - plain Python without IPython
        print(variable)
    else:
        ipy_display(variable)
