"""Checks of the arguments users pass: a fitted model where one is needed, True/False flags,
numbers, and keyword arguments a function does not know.  Each raises
:class:`~glmmlite.errors.ArgumentError` with a message that names the argument, so bad input
never ends in a traceback from deep inside numpy or pandas.

This module imports nothing of glmmlite but :mod:`glmmlite.errors`, so that every module (the
fitted result's too) can use it without an import cycle.
"""
from __future__ import annotations

import functools
import inspect
import math
import sys
from numbers import Real
from typing import Any, Callable, Iterable, TypeVar

import numpy as np

from .errors import ArgumentError

__all__ = ["check_bool", "check_positive", "check_fit", "describe", "type_name", "reject_unknown", "strict_keywords", "takes_fit",
           "takes_profile"]

F = TypeVar("F", bound=Callable[..., Any])


def type_name(value: Any) -> str:
    """The name of ``value``'s type as a user knows it: ``list``, ``numpy.ndarray``,
    ``polars.DataFrame`` (the top-level package and the class name, not ``DataFrame`` alone,
    which reads as pandas')."""
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__.split('.')[0]}.{t.__qualname__}"


def describe(value: Any) -> str:
    """A short description of a value for a message: its type, fully named, and a short repr."""
    if value is None:
        return "None"
    t = type(value)
    if t.__module__ != "builtins":
        return f"a {type_name(value)}"
    text = repr(value)
    return f"{t.__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def check_bool(value: Any, name: str, meaning: str = "") -> bool:
    """``value`` as a bool when it is True or False (numpy's too), else ArgumentError.

    Strings ("yes", "False"), numbers and None are refused: ``bool("False")`` is True, so
    taking any truthy value would quietly do the opposite of what was asked.
    """
    if not isinstance(value, (bool, np.bool_)):
        what = f" ({meaning})" if meaning else ""
        raise ArgumentError(f"{name} must be True or False{what}, not {value!r}")
    return bool(value)


def check_positive(value: Any, name: str) -> float:
    """``value`` as a float when it is a positive finite number, else ArgumentError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) or not (0 < value < math.inf):
        raise ArgumentError(f"{name} must be a positive number (e.g. 1e-4), not {value!r}")
    return float(value)


def reject_unknown(where: str, unknown: Iterable[str], accepted: Iterable[str], who: str = "it") -> None:
    """ArgumentError for keyword arguments that ``where`` does not use, naming those it accepts."""
    unknown = list(unknown)
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        ok = ", ".join(accepted)
        hint = f"; {who} accepts {ok}" if ok else f"; {who} takes no further keyword arguments"
        raise ArgumentError(f"{where} got unexpected keyword argument(s) {names}{hint}")


def _keyword_names(func: Callable) -> tuple[list[str], bool]:
    """The names ``func`` takes by keyword, and whether it takes ``**kwargs``."""
    params = inspect.signature(func).parameters.values()
    names = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return names, any(p.kind is p.VAR_KEYWORD for p in params)


def strict_keywords(func: F) -> F:
    """Decorator: an unknown keyword argument of ``func`` is an ArgumentError that names the
    accepted ones (instead of Python's bare TypeError)."""
    names, var_kw = _keyword_names(func)
    shown = [n for n in names if n not in ("self", "m")]
    where = func.__qualname__.replace(".__init__", "")

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not var_kw:
            reject_unknown(f"{where}()", [k for k in kwargs if k not in names], shown)
        return func(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def _is_instance(obj: Any, module: str, cls: str) -> bool:
    """``isinstance(obj, glmmlite.<module>.<cls>)`` without importing that module: if it is not
    loaded, no object of its classes exists.  (Importing it here would make an import cycle:
    the fitted result's own modules use these checks.)"""
    mod = sys.modules.get(f"{__package__}.{module}")
    return mod is not None and isinstance(obj, getattr(mod, cls))


def check_fit(m: Any, where: str, protocol: tuple[str, ...] = ()) -> None:
    """ArgumentError unless ``m`` is a fitted model (a :class:`~glmmlite.GlmerResult`), or an
    object with every method named in ``protocol`` (the duck-typed interface some functions,
    e.g. :func:`~glmmlite.profile`, document)."""
    if _is_instance(m, "results", "GlmerResult") or (protocol and all(hasattr(m, a) for a in protocol)):
        return
    if isinstance(m, str):
        hint = f"; pass the model object itself (e.g. {where}(m)), not its name as a string"
    elif _is_instance(m, "model", "GlmerModel"):
        hint = "; this is the model before fitting: call its .fit() first (or use gl.glmer(...))"
    else:
        hint = ""
    raise ArgumentError(f"{where}() needs a fitted model, the result of gl.glmer(...), as its first argument; "
                        f"got {describe(m)}{hint}")


def takes_fit(func: F | None = None, *, protocol: tuple[str, ...] = ()) -> Any:
    """Decorator of the public functions whose first argument is a fitted model: anything else
    (None, a string, a data frame) is an ArgumentError naming the function, and so is an unknown
    keyword argument (as :func:`strict_keywords`).  ``@takes_fit(protocol=(...))`` also lets
    through objects with those methods.
    """
    if func is None:
        return lambda f: takes_fit(f, protocol=protocol)
    checked = strict_keywords(func)
    first = next(iter(inspect.signature(func).parameters))

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_fit(args[0] if args else kwargs.get(first), func.__name__, protocol)
        return checked(*args, **kwargs)
    return wrapper


def takes_profile(func: F) -> F:
    """As :func:`takes_fit`, for functions of a :class:`~glmmlite.Profile`."""
    @functools.wraps(func)
    def wrapper(prof: Any = None, *args: Any, **kwargs: Any) -> Any:
        if not _is_instance(prof, "inference.profile", "Profile"):
            raise ArgumentError(f"{func.__name__}() needs a likelihood profile, the result of gl.profile(m) "
                                f"or m.profile(), as its first argument; got {describe(prof)}")
        return func(prof, *args, **kwargs)
    return wrapper  # type: ignore[return-value]
