"""The entry point: ``glmer(formula, data, family)`` runs the pipeline.

    formula.py      parse the formula
    modelframe.py   build y, weights, X and the grouping factors from the data
    model.py        GlmerModel: the frame, family, nAGQ and control settings, and the fit:
      remat.py        Z and the relative covariance factor Lambda(theta)
      pirls*.py       PIRLS and the Laplace deviance (agq.py: adaptive quadrature)
      deviance.py     the objective D(theta, beta)
      optimize.py     minimize it
      hessian.py      standard errors from its Hessian
    results.py      the fitted model, GlmerResult (it holds its GlmerModel)
"""
from __future__ import annotations


import pandas as pd

from .argcheck import reject_unknown
from .control import GlmerControl, as_control, check_nagq
from .errors import ArgumentError, caller_names
from .family import as_family
from .hessian import vcov_from_hessian as _vcov_from_hessian  # noqa: F401  (old name)
from .model import GlmerModel, check_convergence, fit_frame  # noqa: F401  (fit_frame: old entry)
from .modelframe import build_model_frame
from .results import GlmerResult

_defaults = GlmerControl()
SINGULAR_TOL = _defaults.singular_tol      # lme4's isSingular tolerance on diagonal theta
BOUNDARY_TOL = _defaults.boundary_tol      # lme4's boundary.tol: try the bound when this close
GRAD_TOL = _defaults.grad_tol              # lme4's check.conv.grad tolerance
_check_convergence = check_convergence     # old name

__all__ = ["glmer"]


#: lme4::glmer's other arguments (R's names and their Python spellings): what to do in glmmlite
LME4_ARGUMENTS: dict[str, str] = {
    "REML": ("a GLMM has no REML: glmer fits by maximum likelihood (lme4's glmer has no REML "
             "argument either; REML is lmer's); leave it out"),
    "subset": "select the rows first, e.g. gl.glmer(formula, data=d[d['trt'] == 'treat'])",
    "na.action": ("rows with a missing value in a column the model uses are dropped (R's na.omit, the "
                  "default) and a MissingValuesWarning says how many; for another rule, prepare the "
                  "rows first"),
    "verbose": "there is no progress output for a fit; m.optinfo tells how it went",
    "start": "a fit starts from lme4's values; for a new response from a fitted model use m.refit(y)",
    "devFunOnly": ("the deviance of a fitted model at other parameters is m.devfun_sdcor(params), "
                   "params on the sd/cor scale then the fixed effects (names: m.param_names_sdcor())"),
    "contrasts": "factors use treatment contrasts (R's contr.treatment); an ordered factor uses contr.poly",
    "mustart": "a fit starts from the GLM fit, as lme4's",
    "etastart": "a fit starts from the GLM fit, as lme4's",
}
for _r, _why in list(LME4_ARGUMENTS.items()):
    LME4_ARGUMENTS.setdefault(_r.replace(".", "_"), _why)
_GLMER_KEYWORDS = ("formula", "data", "family", "weights", "offset", "nAGQ", "data_name", "control")


def _lme4_arguments(fit):
    """glmer(..., REML=FALSE) and other lme4 arguments: an ArgumentError that says what they are
    in glmmlite; any other unknown keyword: one that lists those glmer takes."""
    import functools

    @functools.wraps(fit)
    def wrapper(*args, **kwargs):
        unknown = [k for k in kwargs if k not in _GLMER_KEYWORDS]
        hints = [f"{k}: {LME4_ARGUMENTS[k]}" for k in unknown if k in LME4_ARGUMENTS]
        if hints:
            raise ArgumentError("glmer() does not take lme4's " + "; ".join(hints))
        reject_unknown("glmer()", unknown, _GLMER_KEYWORDS)
        return fit(*args, **kwargs)
    return wrapper


@_lme4_arguments
def glmer(formula: str, data: pd.DataFrame, family="binomial", weights=None, offset=None,
          nAGQ: int = 1, data_name: str | None = None, control: GlmerControl | None = None) -> GlmerResult:
    """Fit a binomial generalized linear mixed model by maximum likelihood.

    The R equivalent is ``lme4::glmer(formula, data, family = binomial, nAGQ = 1)``.

    Parameters
    ----------
    formula : str
        An lme4 formula, e.g. ``"y ~ trt * sex + (1|id)"``.  The response may be 0/1,
        boolean, a two-level factor, ``cbind(successes, failures)`` or a proportion
        with ``weights`` = trials.  Terms may use ``factor(x)``, ``I(x^2)``, ``log(x)``
        (and ``log2``, ``log10``, ``log1p``, ``exp``, ``expm1``, ``sqrt``, ``abs``),
        ``offset(...)``, ``scale(x)`` and ``poly(x, degree)`` (orthogonal polynomials):
        these two take their numbers (mean and SD; R's alpha and norm2) from the fitted data
        and reuse them for new data, as R does.  Their arguments are R's, matched as R
        matches them: ``scale(x, center = TRUE, scale = TRUE)`` with TRUE or FALSE (or
        ``T``/``F``; ``center = FALSE`` divides by the root mean square, as R), and
        ``poly(x, degree, raw = FALSE)`` (``raw = TRUE``: the powers ``x, x^2, ...``); the
        columns are named as R names them (``poly(x, 2, raw = TRUE)1``).  The formula is
        parsed, never evaluated.
    data : pandas.DataFrame (or a dict of equal-length columns)
    family : "binomial" or :func:`glmmlite.binomial` (``link`` = logit, probit, cloglog)
    weights : array-like, pandas Series or column name, optional
        Prior weights: the number of trials when the response is a proportion.  A Series
        is matched to the data by its index.
    offset : array-like, pandas Series or column name, optional
    nAGQ : int
        1 (default) for the Laplace approximation; > 1 for adaptive Gauss-Hermite
        quadrature with that many points (one scalar random-effects term only).
    data_name : str, optional
        The name printed on the ``Data:`` line of the summary.
    control : GlmerControl, optional
        Tolerances and optimizer settings (R's ``glmerControl``); see :class:`glmmlite.GlmerControl`.

    Returns
    -------
    GlmerResult

    Examples
    --------
    >>> import glmmlite as gl
    >>> d = gl.simulate_article_data(seed=1, stream="r")
    >>> m = gl.glmer("y ~ trt * sex + (1|id)", data=d, family="binomial")
    >>> round(m.aic, 1)
    4193.8
    """
    fam = as_family(family)
    ctl = as_control(control)
    if data_name is not None and not isinstance(data_name, str):
        raise ArgumentError(f"data_name must be a string (the name printed on the summary's Data line), not {data_name!r}")
    nAGQ = check_nagq(nAGQ)
    frame = build_model_frame(formula, data, weights=weights, offset=offset)
    if data_name is None:
        data_name = caller_names([data])[0]
    model = GlmerModel(frame=frame, family=fam, nAGQ=int(nAGQ), control=ctl, data_name=data_name,
                       weights_name=weights if isinstance(weights, str) else None,
                       offset_argument=offset is not None,
                       inputs={"data": data, "weights": weights, "offset": offset})
    return model.fit()
