"""R's argument matching for the two stateful formula functions, ``scale()`` and ``poly()``.

A call such as ``scale(x, center = FALSE)`` or ``poly(x, degree = 3, raw = TRUE)`` is matched
to the function's formal arguments as R's ``match.arg``/``matchArgs`` does: exact names first,
then the positional arguments, in order, to the formals left over.  Only the arguments whose
meaning glmmlite reproduces are accepted; everything else is refused with a message that says
why (the caller turns :class:`CallArgError` into a :class:`~glmmlite.errors.FormulaError`
that points at the argument in the formula).

The formals are R's (R 4.2):

* ``scale.default(x, center = TRUE, scale = TRUE)``;
* ``poly(x, ..., degree = 1, coefs = NULL, raw = FALSE, simple = FALSE)``: a positional
  argument after ``x`` goes into ``...``, and ``poly`` takes a single one of length 1 as the
  degree (more than one is ``polym``, polynomials in several variables).

This module works on a neutral description of the arguments (:class:`Given`), so it needs no
syntax tree: it has no imports from the rest of glmmlite.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

__all__ = ["Given", "CallArgError", "ScaleOptions", "PolyOptions", "match_scale", "match_poly",
           "POLY_MAX_DEGREE"]

#: the highest degree of poly() accepted
POLY_MAX_DEGREE = 20

_SCALE_FORMALS = ("x", "center", "scale")
_POLY_FORMALS = ("x", "degree", "coefs", "raw", "simple")
_POLY_REFUSED = {
    "coefs": "coefs = is what R's predict() writes into the call for new data; glmmlite keeps the "
             "fitted data's polynomial itself, so leave it out",
    "simple": "simple = is not supported (it only drops the attributes R needs for new data)",
}


@dataclass(frozen=True)
class Given:
    """One argument of a call as written.

    Attributes
    ----------
    name : str or None
        The name before ``=``, or None for a positional argument.
    constant : bool, float or None
        ``True``/``False`` for ``TRUE``/``FALSE`` (or R's ``T``/``F``), the number for a numeric
        literal, None for anything else (an expression on columns).
    literal : bool
        Whether the argument is a literal (``TRUE``, ``FALSE`` or a number), which cannot be
        the variable ``x`` (``T`` and ``F`` are names: there they are columns).
    pos : int
        0-based position in the formula text (of the name for a named argument).
    """

    name: str | None
    constant: bool | float | None
    literal: bool
    pos: int


class CallArgError(Exception):
    """An argument that cannot be matched; ``pos`` is where it is in the formula text."""

    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


@dataclass(frozen=True)
class ScaleOptions:
    """What a ``scale()`` call asks for.

    Attributes
    ----------
    x : int
        Index, among the call's arguments, of the variable.
    center, scale : bool
        R's ``center`` and ``scale`` (both TRUE by default).
    """

    x: int
    center: bool = True
    scale: bool = True


@dataclass(frozen=True)
class PolyOptions:
    """What a ``poly()`` call asks for.

    Attributes
    ----------
    x : int
        Index, among the call's arguments, of the variable.
    degree : int
        The degree, 1 to :data:`POLY_MAX_DEGREE`.
    raw : bool
        R's ``raw``: the powers ``x, x^2, ...`` instead of orthogonal polynomials.
    """

    x: int
    degree: int
    raw: bool = False


def _listing(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def _by_name(func: str, given: Sequence[Given], formals: Sequence[str],
             known: Sequence[str]) -> dict[str, int]:
    """Exact matching of the named arguments (R's first pass): formal -> index in ``given``.

    Raises
    ------
    CallArgError
        For a name given twice, an abbreviation (R would match it partially) or a name that is
        not among ``formals``.
    """
    out: dict[str, int] = {}
    for i, g in enumerate(given):
        if g.name is None:
            continue
        if g.name in out:
            raise CallArgError(g.pos, f"{func}(): argument {g.name!r} is given twice (R: formal "
                                      f"argument \"{g.name}\" matched by multiple actual arguments)")
        if g.name in formals:
            out[g.name] = i
            continue
        full = [f for f in known if f.startswith(g.name)]
        if len(full) == 1:
            raise CallArgError(g.pos, f"{func}(): write {full[0]} = in full, not {g.name} = "
                                      "(abbreviated argument names are not supported)")
        raise CallArgError(g.pos, f"{func}() has no argument {g.name!r}; the arguments glmmlite "
                                  f"accepts are {_listing(list(known))}")
    return out


def _logical(func: str, formal: str, g: Given) -> bool:
    if isinstance(g.constant, bool):
        return g.constant
    if g.constant is not None:
        hint = (" (a number for the centre or the scale is not supported: make the column "
                "first, e.g. d['xc'] = d['x'] - 10)" if func == "scale" else "")
        raise CallArgError(g.pos, f"{func}(): {formal} must be TRUE or FALSE, not a number{hint}")
    raise CallArgError(g.pos, f"{func}(): {formal} must be TRUE or FALSE (written as such, "
                              "or R's T / F), not an expression")


def _variable(func: str, given: Sequence[Given], index: int | None, end: int) -> int:
    if index is None:
        raise CallArgError(end, f"{func}() needs a variable, as {func}(x{', 2' if func == 'poly' else ''})")
    if given[index].literal:
        raise CallArgError(given[index].pos, f"{func}()'s first argument x must be a variable, "
                                             "not a constant")
    return index


def match_scale(given: Sequence[Given], end: int) -> ScaleOptions:
    """Match the arguments of ``scale(...)`` to ``scale.default(x, center = TRUE, scale = TRUE)``.

    Parameters
    ----------
    given : sequence of Given
        The arguments as written, in order.
    end : int
        Position of the call (for an error about a missing argument).

    Returns
    -------
    ScaleOptions

    Raises
    ------
    CallArgError
        For an unknown, abbreviated or repeated name, more than three arguments, no variable,
        or a ``center``/``scale`` that is not TRUE or FALSE.
    """
    slots = _by_name("scale", given, _SCALE_FORMALS, _SCALE_FORMALS)
    free = [f for f in _SCALE_FORMALS if f not in slots]
    positional = [i for i, g in enumerate(given) if g.name is None]
    if len(positional) > len(free):
        extra = given[positional[len(free)]]
        raise CallArgError(extra.pos, "scale() takes at most three arguments, x, center and scale "
                                      "(R: unused argument)")
    slots.update(zip(free, positional))
    x = _variable("scale", given, slots.get("x"), end)
    opts = {f: _logical("scale", f, given[slots[f]]) for f in ("center", "scale") if f in slots}
    return ScaleOptions(x, **opts)


def match_poly(given: Sequence[Given], end: int) -> PolyOptions:
    """Match the arguments of ``poly(...)`` to R's
    ``poly(x, ..., degree = 1, coefs = NULL, raw = FALSE, simple = FALSE)``.

    The degree is the one argument after ``x`` given by position (which R takes from ``...``)
    or ``degree =``; one of them must be there (R's default, degree 1, is not assumed).

    Parameters
    ----------
    given : sequence of Given
        The arguments as written, in order.
    end : int
        Position of the call (for an error about a missing argument).

    Returns
    -------
    PolyOptions

    Raises
    ------
    CallArgError
        For an unknown, abbreviated or repeated name, ``coefs =`` or ``simple =``, more than one
        positional argument after ``x`` (R's ``polym``), a degree given both ways (R silently
        takes the positional one) or missing, or a ``raw`` that is not TRUE or FALSE.
    """
    slots = _by_name("poly", given, _POLY_FORMALS, ("x", "degree", "raw"))
    for name in _POLY_REFUSED:
        if name in slots:
            raise CallArgError(given[slots[name]].pos, f"poly(): {_POLY_REFUSED[name]}")
    positional = [i for i, g in enumerate(given) if g.name is None]
    if "x" not in slots and positional:
        slots["x"] = positional.pop(0)
    x = _variable("poly", given, slots.get("x"), end)
    if len(positional) > 1:
        raise CallArgError(given[positional[1]].pos,
                           "poly() takes one positional argument after x, the degree; give raw "
                           "by name, as poly(x, 2, raw = TRUE) (R would read a further positional "
                           "argument as a second variable, polym)")
    if positional and "degree" in slots:
        raise CallArgError(given[slots["degree"]].pos,
                           "poly(): the degree is given twice, by position and as degree = "
                           "(R silently uses the positional one)")
    if not positional and "degree" not in slots:
        raise CallArgError(end, "poly() takes a variable and a degree, as poly(x, 2) or "
                                "poly(x, degree = 2) (add raw = TRUE for raw powers)")
    raw = _logical("poly", "raw", given[slots["raw"]]) if "raw" in slots else False
    return PolyOptions(x, _degree(given[positional[0] if positional else slots["degree"]]), raw)


def _degree(g: Given) -> int:
    value = g.constant
    if isinstance(value, bool) or value is None:
        raise CallArgError(g.pos, "poly()'s degree must be a number, as poly(x, 2)")
    if not (float(value).is_integer() and 1 <= value <= POLY_MAX_DEGREE):
        shown = str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else format(value, ".15g")
        raise CallArgError(g.pos, f"poly()'s degree must be a whole number from 1 to {POLY_MAX_DEGREE}, "
                                  f"not {shown}")
    return int(value)
