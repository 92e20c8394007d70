"""Progress bars for long operations (profiles, bootstraps, simulation studies).

A thin wrapper over :mod:`tqdm`, which draws a widget in Jupyter notebooks (with ipywidgets)
and a text bar in terminals.  Every long operation in glmmlite takes a
``progress`` argument that is passed to :func:`progress_iter` as ``enabled``:

* ``False`` -- never show a bar;
* ``True``  -- always show one;
* ``None``  -- (the default) show one only when the work turns out to be long:
  the bar appears after :data:`AUTO_DELAY` seconds, so quick calls stay silent.
"""
from __future__ import annotations

from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")

#: Seconds after which an automatic (``enabled=None``) bar appears.
AUTO_DELAY = 2.0


def _tqdm_class():
    """tqdm's notebook widget when ipywidgets is there to draw it, else the text bar.

    (``tqdm.auto`` warns "IProgress not found" in a notebook without ipywidgets.)
    """
    try:
        from IPython import get_ipython
        in_notebook = get_ipython() is not None and "IPKernelApp" in get_ipython().config
    except Exception:  # IPython missing or not running
        in_notebook = False
    if in_notebook:
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm
            return tqdm
        except ImportError:
            pass
    from tqdm.std import tqdm
    return tqdm


def progress_iter(
    iterable: Iterable[T],
    total: int | None = None,
    desc: str | None = None,
    enabled: bool | None = None,
    *,
    unit: str = "it",
    leave: bool | None = None,
) -> Iterator[T]:
    """Iterate over ``iterable``, drawing a progress bar if asked to.

    Parameters
    ----------
    iterable : iterable
        What to iterate over.
    total : int, optional
        Number of items (taken from ``len(iterable)`` when it has one).
    desc : str, optional
        Label shown in front of the bar (e.g. ``"profile"``, ``"bootstrap"``).
    enabled : bool or None
        ``True`` always shows the bar, ``False`` never does, ``None`` shows it only
        once the loop has been running for :data:`AUTO_DELAY` seconds.
    unit : str
        The unit of one item (``"refit"``, ``"fit"``, ...).
    leave : bool, optional
        Keep the finished bar on screen.  Defaults to ``True`` for an explicit
        ``enabled=True`` and ``False`` for an automatic bar.

    Returns
    -------
    iterator
        Yields the items of ``iterable`` unchanged.

    Examples
    --------
    >>> sum(progress_iter(range(3), enabled=False))
    3
    """
    if enabled is False:
        return iter(iterable)
    tqdm = _tqdm_class()

    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    auto = enabled is None
    return iter(
        tqdm(
            iterable,
            total=total,
            desc=desc,
            unit=unit,
            delay=AUTO_DELAY if auto else 0.0,
            leave=(not auto) if leave is None else leave,
            dynamic_ncols=True,
        )
    )


class ProgressBar:
    """A manually advanced bar, for loops whose length is not known in advance.

    Use as a context manager; ``update(n)`` advances it.  With ``enabled=False``
    every method is a no-op.

    Parameters
    ----------
    total : int, optional
        Expected number of steps (may be ``None``).
    desc : str, optional
        Label in front of the bar.
    enabled : bool or None
        As in :func:`progress_iter`.
    unit : str
        The unit of one step.
    """

    def __init__(self, total: int | None = None, desc: str | None = None,
                 enabled: bool | None = None, unit: str = "it") -> None:
        self._bar = None
        if enabled is not False:
            tqdm = _tqdm_class()

            auto = enabled is None
            self._bar = tqdm(total=total, desc=desc, unit=unit,
                             delay=AUTO_DELAY if auto else 0.0,
                             leave=not auto, dynamic_ncols=True)

    def update(self, n: int = 1) -> None:
        """Advance the bar by ``n`` steps."""
        if self._bar is not None:
            self._bar.update(n)

    def set_postfix_str(self, s: str) -> None:
        """Show ``s`` after the bar (e.g. the parameter being profiled)."""
        if self._bar is not None:
            self._bar.set_postfix_str(s, refresh=False)

    def close(self) -> None:
        """Close the bar (idempotent)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
