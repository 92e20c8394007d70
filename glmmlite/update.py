"""R's ``update(m, . ~ . - trt:sex)``: refit a model with a changed formula or arguments.

:func:`update_formula` follows R's ``update.formula``: a ``.`` on the left of ``~`` stands for
the old response, a ``.`` on the right for the old right-hand side, and terms are then added
with ``+`` and removed with ``-`` -- random-effect terms too (``. ~ . - (1 | id) + (1 | day)``).
The result is written as R simplifies it (``terms.formula``): a random-effect term counts as a
variable, so it keeps its place among the main effects, interactions follow, then offsets,
and ``- 1`` when there is no intercept (``y ~ trt + sex + (1 | id) + day + trt:sex``).
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from .control import as_control, check_nagq
from .errors import ArgumentError, FormulaError, caller_names
from .family import as_family
from .modelframe import build_model_frame
from .formula import BinOp, Paren, _Encoder, _has_bar, _unparen, deparse, parse_expression

__all__ = ["update_formula", "update"]

_DOT = re.compile(r"(?<![A-Za-z0-9._`])\.(?![A-Za-z0-9._`])")


def _split_tilde(text: str, what: str) -> tuple[str, str]:
    if text.count("~") != 1:
        raise FormulaError(f"{what} {text!r} must have exactly one '~' (as '. ~ . - trt:sex')")
    lhs, rhs = text.split("~")
    return lhs.strip(), rhs.strip()


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _signed_terms(tree: Any) -> list[tuple[str, Any]]:
    """The top-level ``+``/``-`` chain of ``tree`` as (sign, operand), left to right (a loop:
    a long formula is a deep left spine)."""
    items: list[tuple[str, Any]] = []
    node = tree
    while isinstance(node, BinOp) and node.op in ("+", "-"):
        items.append((node.op, node.right))
        node = node.left
    items.append(("+", node))
    return items[::-1]


def update_formula(old: str, new: str) -> str:
    """R's ``update.formula(old, new)`` for a glmer formula.

    Parameters
    ----------
    old : str
        The model's formula, e.g. ``"y ~ trt * sex + (1 | id)"``.
    new : str
        The change, e.g. ``". ~ . - trt:sex"``, ``"~ . + x"`` (the response kept) or
        ``"y2 ~ ."``.

    Returns
    -------
    str
        The new formula, e.g. ``"y ~ trt + sex + (1 | id)"``.

    Examples
    --------
    >>> update_formula("y ~ trt * sex + (1 | id)", ". ~ . - trt:sex")
    'y ~ trt + sex + (1 | id)'
    >>> update_formula("y ~ trt + (1 | id)", "~ . - (1 | id) + (1 | day) + sex")
    'y ~ trt + (1 | day) + sex'
    """
    if not isinstance(new, str):
        raise ArgumentError(f"the formula update must be a string such as '. ~ . - trt:sex', not {new!r}")
    old_lhs, old_rhs = _split_tilde(old, "the model's formula")
    lhs, rhs = _split_tilde(new, "the formula update") if "~" in new else (".", new.strip())
    lhs = old_lhs if lhs in ("", ".") else _DOT.sub(f"({old_lhs})", lhs)
    if not rhs:
        raise FormulaError(f"the formula update {new!r} has nothing after '~' (use '.' for the old terms)")
    rhs = _DOT.sub(lambda _: old_rhs, rhs) if _DOT.search(rhs) else rhs
    items = _signed_terms(parse_expression(rhs))
    random: list[str] = []          # the random terms left, to check what is removed and what stays
    pieces: list[str] = []          # the right side again, each random term as a placeholder name
    holders: dict[str, str] = {}    # normalized random term -> placeholder
    for sign, node in items:
        inner = _unparen(node)
        if isinstance(node, Paren) and _has_bar(inner):
            text = deparse(inner)
            key = _norm(text)
            if sign == "+":
                if key not in map(_norm, random):
                    random.append(text)
            else:
                hit = [r for r in random if _norm(r) == key]
                if not hit:
                    raise FormulaError(f"the formula update removes ({text}), which is not a random-effect term "
                                       f"of {old!r}; its random-effect terms: "
                                       f"{', '.join('(' + r + ')' for r in random) or 'none'}")
                random.remove(hit[0])
            holder = holders.setdefault(key, f".glmmliteRE{len(holders)}")
            pieces.append(f"{sign} {holder}" if pieces or sign == "-" else holder)
        else:
            pieces.append(f"{sign} {deparse(node)}" if pieces or sign == "-" else deparse(node))
    if not random:
        raise FormulaError(f"the formula update {new!r} leaves no random-effect term; a GLMM needs one such as (1 | g)")
    # R's simplification (terms.formula): a random term is a variable like any other, so it keeps
    # its place among the main effects; offsets come after the terms, "- 1" last
    joined = " ".join(pieces)
    enc = _Encoder(joined, allow_offset=True)
    terms = enc.termset(enc.encode(parse_expression(joined)))
    back = {h: "(" + next(r for r in random if _norm(r) == k) + ")" for k, h in holders.items()
            if any(_norm(r) == k for r in random)}
    labels = []
    for label in terms.labels:
        parts = label.split(":")
        if any(p in holders.values() for p in parts) and len(parts) > 1:
            raise FormulaError(f"the formula update puts a random-effect term into an interaction ({label})")
        labels.append(back.get(label, label))
    rhs_out = " + ".join(labels + [f"offset({deparse(o)})" for o in enc.offsets])
    return f"{lhs} ~ {rhs_out or '1'}" + ("" if terms.intercept else " - 1")


def update(m: Any, formula: str | None = None, data: Any = None, **changes: Any) -> Any:
    """Refit ``m`` with a changed formula, data or arguments (R's ``update(m, ...)``).

    Parameters
    ----------
    m : GlmerResult
    formula : str, optional
        A formula or a change of it, as :func:`update_formula` takes (``". ~ . - trt:sex"``).
    data : DataFrame, optional
        New data (default: the data the model was fitted to, all its rows).
    **changes
        Other arguments of :func:`glmmlite.glmer`: ``family``, ``weights``, ``offset``,
        ``nAGQ``, ``control``, ``data_name``.

    Returns
    -------
    GlmerResult
    """
    allowed = ("family", "weights", "offset", "nAGQ", "control", "data_name")
    unknown = [k for k in changes if k not in allowed]
    if unknown:
        raise ArgumentError(f"update() got unexpected keyword argument(s) {', '.join(map(repr, unknown))}; "
                            f"it accepts formula, data, {', '.join(allowed)}")
    inputs = m.model.inputs
    if data is None and inputs.get("data") is None:
        raise ArgumentError("this model does not know the data it was fitted to (it was not made by "
                            "gl.glmer); give data=")
    new_formula = m.formula if formula is None else update_formula(m.formula, formula)
    kw = {"family": m.family, "weights": inputs.get("weights"), "offset": inputs.get("offset"),
          "nAGQ": m.nAGQ, "control": m.control, "data_name": m.data_name if data is None else None}
    kw.update(changes)
    data = inputs["data"] if data is None else data
    if kw["data_name"] is not None and not isinstance(kw["data_name"], str):
        raise ArgumentError(f"data_name must be a string (the name printed on the summary's Data line), "
                            f"not {kw['data_name']!r}")
    # glmer's steps on the model's own class (importing glmmlite.fit here would make an import cycle)
    frame = build_model_frame(new_formula, data, weights=kw["weights"], offset=kw["offset"])
    model = dataclasses.replace(
        m.model, frame=frame, family=as_family(kw["family"]), nAGQ=check_nagq(kw["nAGQ"]),
        control=as_control(kw["control"]),
        data_name=kw["data_name"] if kw["data_name"] is not None else caller_names([data])[0],
        weights_name=kw["weights"] if isinstance(kw["weights"], str) else None,
        offset_argument=kw["offset"] is not None,
        inputs={"data": data, "weights": kw["weights"], "offset": kw["offset"]})
    return model.fit()
