"""The entry point: ``glmer(formula, data, family)`` runs the pipeline.

    formula.py      parse the formula
    modelframe.py   build y, weights, X and the grouping factors from the data
    remat.py        Z and the relative covariance factor Lambda(theta)
    pirls*.py       PIRLS and the Laplace deviance (agq.py: adaptive quadrature)
    deviance.py     the objective D(theta, beta)
    optimize.py     minimize it
    hessian.py      standard errors from its Hessian
    results.py      the fitted model, GlmerResult
"""
from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import pandas as pd

from .deviance import DevianceFunction
from .errors import (ArgumentError, ConvergenceWarning, SeparationWarning, SingularFitWarning, caller_names,
                     user_stacklevel)
from .family import Binomial, as_family
from .glm import glm_irls
from .hessian import hessian_from_gradient, hessian_from_values
from .modelframe import ModelFrame, build_model_frame
from .optimize import minimize_deviance

SINGULAR_TOL = 1e-4      # lme4's isSingular tolerance on diagonal theta
BOUNDARY_TOL = 1e-5      # lme4's boundary.tol: try the bound when this close
GRAD_TOL = 2e-3          # lme4's check.conv.grad tolerance


def glmer(formula: str, data: pd.DataFrame, family="binomial", weights=None, offset=None,
          nAGQ: int = 1, data_name: str | None = None) -> "GlmerResult":
    """Fit a binomial generalized linear mixed model by maximum likelihood.

    The R equivalent is ``lme4::glmer(formula, data, family = binomial, nAGQ = 1)``.

    Parameters
    ----------
    formula : str
        An lme4 formula, e.g. ``"y ~ trt * sex + (1|id)"``.  The response may be 0/1,
        boolean, a two-level factor, ``cbind(successes, failures)`` or a proportion
        with ``weights`` = trials.
    data : pandas.DataFrame
    family : "binomial" or :func:`glmmlite.binomial` (``link`` = logit, probit, cloglog)
    weights : array-like or column name, optional
        Prior weights: the number of trials when the response is a proportion.
    offset : array-like or column name, optional
    nAGQ : int
        1 (default) for the Laplace approximation; > 1 for adaptive Gauss-Hermite
        quadrature with that many points (one scalar random-effects term only).
    data_name : str, optional
        The name printed on the ``Data:`` line of the summary.

    Returns
    -------
    GlmerResult

    Examples
    --------
    >>> import glmmlite as gl
    >>> d = gl.simulate_article_data(seed=1, stream="r")
    >>> m = gl.glmer("y ~ trt * sex + (1|id)", data=d, family="binomial")
    >>> round(m.aic, 1)
    4234.0
    """
    fam = as_family(family)
    if data_name is not None and not isinstance(data_name, str):
        raise ArgumentError(f"data_name must be a string (the name printed on the summary's Data line), not {data_name!r}")
    if isinstance(nAGQ, bool) or not isinstance(nAGQ, Integral) or nAGQ < 1:
        raise ArgumentError(f"nAGQ must be a whole number >= 1 (1 = Laplace), not {nAGQ!r}")
    if nAGQ > 100:
        raise ArgumentError(f"nAGQ = {nAGQ} is more quadrature points than is useful; use at most 100 (25 is plenty)")
    frame = build_model_frame(formula, data, weights=weights, offset=offset)
    if data_name is None:
        data_name = caller_names([data])[0]
    result = fit_frame(frame, fam, int(nAGQ), data_name=data_name)
    result.weights_name = weights if isinstance(weights, str) else None
    result.offset_argument = offset is not None
    return result


def fit_frame(frame: ModelFrame, family: Binomial, nAGQ: int = 1, data_name: str | None = None,
              start: np.ndarray | None = None, check: bool = True) -> "GlmerResult":
    """Fit a model whose ModelFrame is already built (used by ``refit`` and the bootstrap)."""
    from .results import GlmerResult

    dev = DevianceFunction(frame, family, nAGQ)
    layout = dev.layout
    if start is None:
        src = dev.laplace if dev.scalar else None   # the fast path's rows may be aggregated
        beta0 = (glm_irls(src.y, src.w, src.offset, src.X, family) if src is not None
                 else glm_irls(frame.y, frame.weights, frame.offset, frame.X, family))
        theta0 = layout.start()
        if dev.scalar:
            # lme4 starts theta at 1; 0.5 reaches the same optimum in fewer steps on the
            # reference data (25 -> 21, 63 -> 19, 24 -> 13, 20 -> 14 evaluations)
            theta0 = theta0 * 0.5
        x0 = np.concatenate([theta0, beta0])
    else:
        x0 = np.array(start, float)
        # theta = 0 is a stationary point of the deviance (it is even in each column of
        # Lambda): a start there would never leave it, so move such entries inside
        small = layout.diagonal_mask() & (np.abs(x0[:dev.ntheta]) < 1e-3)
        x0[:dev.ntheta][small] = 0.1
    if nAGQ > 1:  # start adaptive quadrature from the Laplace optimum
        x0 = minimize_deviance(None, x0, fun_and_grad=lambda x: dev.laplace.deviance_and_gradient(x[0], x[1:])).x
        opt = minimize_deviance(dev, x0)
    elif dev.has_gradient:
        opt = minimize_deviance(dev, x0, fun_and_grad=dev.value_and_grad,
                                hessian=_start_hessian(dev, x0) if dev.scalar else None)
    else:
        opt = minimize_deviance(dev, x0)
    n_eval = opt.n_eval
    x = opt.x.copy()
    x[:dev.ntheta] = layout.normalize(x[:dev.ntheta])

    # lme4's boundary check: a diagonal theta this close to 0 is tried at 0
    diag = layout.diagonal_mask()
    near = np.where(diag & (np.abs(x[:dev.ntheta]) < BOUNDARY_TOL))[0]
    if near.size:
        fval = dev(x)
        fixed = {int(i): 0.0 for i in near}
        trial = minimize_deviance(dev, x, fun_and_grad=dev.value_and_grad if dev.has_gradient else None, fixed=fixed)
        n_eval += trial.n_eval
        if trial.fun <= fval + 1e-9:
            x, fval = trial.x, trial.fun

    # Hessian of the deviance in (theta, beta) -> standard errors (lme4 1.1-31)
    if dev.has_gradient:
        fval, grad = dev.value_and_grad(x)
        u = dev.laplace.u.copy() if dev.scalar else dev.blocked.u.copy()
        # forward differences suffice: this Hessian serves the convergence checks, profile
        # starts and the fallback SEs (lme4's own SEs come from lme4_vcov)
        H = hessian_from_gradient(lambda z: dev.value_and_grad(z)[1], x, g0=grad)
    else:
        fval = dev(x)
        grad, H = hessian_from_values(dev, x)
        u = dev.modes(x)

    messages = []
    theta = x[:dev.ntheta]
    singular = bool(np.any(theta[diag] < SINGULAR_TOL))
    vcov_beta, vcov_note = _vcov_from_hessian(H, dev.ntheta)
    if vcov_beta is None:
        try:
            vcov_beta = dev.vcov_rx(x)
        except np.linalg.LinAlgError:
            vcov_beta = np.full((dev.p, dev.p), np.nan)
            vcov_note = ("the fixed effects' standard errors cannot be computed (the information matrix is "
                         "singular): some coefficient is not identified by these data, typically because a "
                         "factor level has only 0s or only 1s. Check a table of the response by each factor.")
        messages.append(vcov_note)
    if check:
        names = [f"theta[{i + 1}]" for i in range(dev.ntheta)] + list(frame.fixef_names)
        messages += _check_convergence(opt.converged, grad, H, singular, names)
    result = GlmerResult(
        frame=frame, family=family, nAGQ=nAGQ, x=x, deviance_value=fval, u=u, hessian=H,
        gradient=grad, vcov_beta=vcov_beta, devfun=dev, n_eval=n_eval, converged=opt.converged,
        messages=messages, data_name=data_name,
    )
    if check:
        _emit_warnings(result, singular, messages)
    return result


def _start_hessian(dev: DevianceFunction, x0: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """A cheap Hessian at the start for BFGS (fast path): the theta column by one forward
    difference of the analytic gradient, the beta block from the GLM's Fisher information
    ``2 X'WX``.  It saves 20-60% of the evaluations against a full finite-difference one."""
    lap = dev.laplace
    _, g0 = dev.value_and_grad(x0)
    e = np.zeros_like(x0)
    e[0] = h
    col = (dev.value_and_grad(x0 + e)[1] - g0) / h
    eta = lap.X @ x0[1:] + lap.offset
    W, _ = lap._moments(eta, lap.family.linkinv(eta))
    H = np.zeros((x0.size, x0.size))
    H[1:, 1:] = 2.0 * (lap.X.T * W) @ lap.X
    H[:, 0] = col
    H[0, :] = col
    return H


def _vcov_from_hessian(H: np.ndarray, ntheta: int):
    """``2 * solve(H)[beta, beta]`` as lme4 1.1-31, or None with a note if H is not PD."""
    try:
        np.linalg.cholesky(H)
        Hinv = np.linalg.inv(H)
        V = 2.0 * Hinv[ntheta:, ntheta:]
        return 0.5 * (V + V.T), ""
    except np.linalg.LinAlgError:
        # theta on its boundary makes the full H singular in that direction: use the
        # beta block alone when it is positive definite
        Hb = H[ntheta:, ntheta:]
        try:
            np.linalg.cholesky(Hb)
            V = 2.0 * np.linalg.inv(Hb)
            return 0.5 * (V + V.T), ""
        except np.linalg.LinAlgError:
            return None, ("the curvature (Hessian) of the deviance could not be measured reliably, so the "
                          "standard errors are computed with the random-effect SDs held at their estimates "
                          "(lme4's use.hessian = FALSE); they may be slightly too small")


def _check_convergence(converged: bool, grad: np.ndarray, H: np.ndarray, singular: bool,
                       names: list[str] | None = None) -> list[str]:
    """lme4's checkConv: scaled gradient and Hessian eigenvalues (skipped for singular fits)."""
    msgs = []
    names = names or [f"parameter {i + 1}" for i in range(len(grad))]
    if singular:
        if not converged and np.max(np.abs(grad), initial=0.0) > GRAD_TOL:
            worst = int(np.argmax(np.abs(grad)))
            msgs.append(
                f"Model failed to converge: the optimizer stopped with a gradient of {grad[worst]:.3g} for "
                f"{names[worst]}. Try centring and scaling numeric predictors, or a simpler model."
            )
        return msgs
    try:
        R = np.linalg.cholesky(H)
        scgrad = np.linalg.solve(R, grad)
        crit = np.minimum(np.abs(scgrad), np.abs(grad))
    except np.linalg.LinAlgError:
        crit = np.abs(grad)
    worst = int(np.argmax(crit))
    if crit[worst] > GRAD_TOL:
        msgs.append(
            f"Model failed to converge with max|grad| = {crit[worst]:.6g} (tol = {GRAD_TOL}, for {names[worst]}). "
            "The optimizer stopped where the deviance still slopes: try rescaling numeric predictors "
            "(centre and scale them), simplifying the random effects, or check the data for separation."
        )
    ev = np.linalg.eigvalsh(H)
    if np.any(ev < 0):
        msgs.append(
            f"Model failed to converge: degenerate Hessian with {int(np.sum(ev < 0))} negative eigenvalue(s). "
            "Either the fit is not at a minimum (the model may be too complex for the data) or numeric "
            "predictors on very different scales make the curvature impossible to measure: centre and "
            "scale them (e.g. (x - mean) / sd) and refit."
        )
    elif ev[0] > 0 and ev[0] / ev[-1] < 1e-8:
        msgs.append(
            "Model is nearly unidentifiable: the curvature of the deviance differs by a factor of "
            f"{ev[-1] / ev[0]:.2g} between directions. Numeric predictors on very different scales "
            "do this: centre and scale them (e.g. (x - mean) / sd) and refit."
        )
    return msgs


def _emit_warnings(result, singular: bool, messages: list[str]) -> None:
    if singular:
        warnings.warn(
            "boundary (singular) fit: a random-effect variance is estimated as (nearly) zero "
            f"(theta = {np.array2string(result.theta, precision=4)}), so the random-effects "
            "structure is more than these data can support. The fixed effects are still valid; "
            "consider removing the term with zero variance or comparing with a simpler model "
            "(lme4: see help('isSingular')).",
            SingularFitWarning, stacklevel=user_stacklevel(),
        )
    for msg in messages:
        warnings.warn(msg, ConvergenceWarning, stacklevel=user_stacklevel())
    beta = result.beta
    if result.family.link == "logit" and np.any(np.abs(beta) > 15):
        big = [n for n, b in zip(result.frame.fixef_names, beta) if abs(b) > 15]
        warnings.warn(
            f"huge coefficient(s) {', '.join(big)} (|estimate| > 15 on the logit scale): the outcome may be "
            "completely or quasi-completely separated by these predictors (e.g. all 1s in one group), so "
            "their estimates and standard errors are not trustworthy. Check a table of the response by "
            "these predictors.",
            SeparationWarning, stacklevel=user_stacklevel(),
        )
