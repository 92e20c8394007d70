"""Exceptions and warnings raised by glmmlite.

Every error a user can trigger with bad input is a :class:`GlmmliteError`
(a ``ValueError``), so ``except ValueError`` keeps working.  Messages name the
formula part, the column and the offending values, and say what would fix it.
"""
from __future__ import annotations

__all__ = [
    "GlmmliteError", "FormulaError", "DataError", "ResponseError", "FamilyError", "NewDataError",
    "ArgumentError", "GlmmliteWarning", "SingularFitWarning", "ConvergenceWarning",
    "MissingValuesWarning", "RankDeficiencyWarning", "SeparationWarning", "ScaleWarning",
    "ProfileWarning",
]


class GlmmliteError(ValueError):
    """Base class of every error glmmlite raises on bad input."""


class FormulaError(GlmmliteError):
    """The formula cannot be parsed or does not describe a binomial GLMM."""


class DataError(GlmmliteError):
    """The data do not fit the formula (unknown column, bad values, ...)."""


class ResponseError(DataError):
    """The response is not binomial (0/1, two levels, cbind counts, proportions)."""


class FamilyError(GlmmliteError):
    """Unknown family or link."""


class NewDataError(DataError):
    """``newdata`` given to ``predict`` does not fit the model."""


class ArgumentError(GlmmliteError):
    """An argument of a method has a bad value (``nsim``, ``level``, ``parm``, ...)."""


class GlmmliteWarning(UserWarning):
    """Base class of glmmlite's warnings."""


class SingularFitWarning(GlmmliteWarning):
    """A variance parameter is on its boundary (lme4's "boundary (singular) fit")."""


class ConvergenceWarning(GlmmliteWarning):
    """The optimizer stopped where the gradient is not small or the Hessian is not positive definite."""


class MissingValuesWarning(GlmmliteWarning):
    """Rows with missing values in the model's columns were dropped (R's ``na.omit``)."""


class RankDeficiencyWarning(GlmmliteWarning):
    """Aliased fixed-effect columns were dropped."""


class SeparationWarning(GlmmliteWarning):
    """Huge coefficients: the data may be (quasi-)completely separated."""


class ScaleWarning(GlmmliteWarning):
    """Numeric predictors on very different scales (lme4's ``check.scaleX`` warning)."""


class ProfileWarning(GlmmliteWarning):
    """A profile could not be computed or interpolated everywhere (NaN points,
    non-monotone zeta, an interval end that was not reached)."""


def user_stacklevel() -> int:
    """The ``stacklevel`` for ``warnings.warn`` that points at the user's line.

    Counts the frames inside the glmmlite package above the caller, so a warning shows
    the line of ``gl.glmer(...)`` however deep inside the package it is raised.
    """
    import os
    import sys
    pkg = os.path.dirname(os.path.abspath(__file__))
    f = sys._getframe(1)
    level = 1
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(pkg + os.sep):  # subpackages too
        f = f.f_back
        level += 1
    return level


def caller_names(objects) -> list[str | None]:
    """Names the calling code bound to each object (R deparses the call instead): the
    data frame on the summary's ``Data:`` line, the models' row labels in ``anova``.

    Looks in the first frame outside glmmlite (so that wrappers such as a method
    ``m.anova(m2)`` still find the user's names), locals first, then globals.
    """
    import inspect
    frame = inspect.currentframe()
    try:
        while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("glmmlite"):
            frame = frame.f_back
        if frame is None:
            return [None] * len(objects)
        scopes = [frame.f_locals, frame.f_globals]
        out: list[str | None] = []
        for mod in objects:
            found = None
            for scope in scopes:
                for k, v in scope.items():
                    if v is mod and not k.startswith("_") and k != "self":
                        found = k
                        break
                if found:
                    break
            out.append(found)
        return out
    finally:
        del frame
