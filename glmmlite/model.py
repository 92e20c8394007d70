"""The model a fit comes from, and the fitting pipeline that turns it into a result.

:class:`GlmerModel` holds everything that defines a fit -- the model frame (formula, data
rows used, response, weights, offset, X, the grouping factors), the family, nAGQ, the
control settings and the names the summary prints -- so that a result can refit itself
(``refit``, the bootstrap) exactly as :func:`glmmlite.glmer` fitted it, as statsmodels'
results hold their model.

    formula.py, modelframe.py   -> ModelFrame (glmer builds it)
    deviance.py (pirls*, agq)   the objective D(theta, beta)
    optimize.py                 minimize it (BFGS)
    hessian.py, lme4_vcov.py    standard errors
    results.py                  GlmerResult, which holds this model
"""
from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np

from .blas_threads import blas_threads, choose_threads
from .control import GlmerControl, OptInfo
from .deviance import DevianceFunction
from .errors import (ConvergenceWarning, GlmmliteWarning, SeparationWarning, SingularFitWarning,
                     user_stacklevel)
from .family import Binomial
from .hessian import hessian_from_gradient, hessian_from_values, vcov_from_hessian
from .modelframe import ModelFrame
from .optimize import HANDOVER_DECREMENT, minimize_deviance
from .results import GlmerResult

__all__ = ["GlmerModel", "fit_frame"]


@dataclass(frozen=True)
class GlmerModel:
    """A binomial GLMM before (or independent of) its estimates.

    Attributes
    ----------
    frame : ModelFrame
        Formula, response, weights, offset, fixed-effect matrix and grouping factors.
    family : Binomial
    nAGQ : int
    control : GlmerControl
    data_name : str or None
        The summary's ``Data:`` line.
    weights_name : str or None
        The summary's ``Weights:`` line (when ``weights=`` named a column).
    offset_argument : bool
        True when ``glmer`` was given ``offset=`` (which new data cannot rebuild).
    inputs : dict
        What ``glmer`` was called with (``data``, ``weights``, ``offset``; the data by
        reference, not copied), for :meth:`GlmerResult.update`.
    """

    frame: ModelFrame
    family: Binomial
    nAGQ: int = 1
    control: GlmerControl = dataclasses.field(default_factory=GlmerControl)
    data_name: str | None = None
    weights_name: str | None = None
    offset_argument: bool = False
    inputs: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @property
    def formula(self) -> str:
        return self.frame.formula

    @property
    def weights(self) -> np.ndarray:
        return self.frame.weights

    @property
    def offset(self) -> np.ndarray:
        return self.frame.offset

    def with_response(self, y: np.ndarray) -> "GlmerModel":
        """The same model with a new response (proportions ``y``, one per row used)."""
        return dataclasses.replace(self, frame=dataclasses.replace(self.frame, y=np.asarray(y, float)))

    def fit(self, start: np.ndarray | None = None, warn: bool = True) -> GlmerResult:
        """Fit the model; ``start`` = c(theta, beta) (default: lme4's start from the GLM).

        ``warn=False`` issues no warnings (they are still recorded in ``optinfo.warnings``);
        the warning filters are never touched, so fits in several threads are safe.
        """
        return _fit(self, start=start, warn=warn)


def fit_frame(frame: ModelFrame, family: Binomial, nAGQ: int = 1, data_name: str | None = None,
              start: np.ndarray | None = None, check: bool = True,
              control: GlmerControl | None = None) -> GlmerResult:
    """Fit a model whose ModelFrame is already built (kept for callers of the old pipeline).

    ``check=False`` skips the convergence checks and issues no warnings.
    """
    ctl = control or GlmerControl()
    if not check:
        ctl = ctl.replace(check_conv=False)
    model = GlmerModel(frame=frame, family=family, nAGQ=int(nAGQ), control=ctl, data_name=data_name)
    return model.fit(start=start, warn=check)


# ----------------------------------------------------------------------------- the pipeline
def _start(dev: DevianceFunction, model: GlmerModel, start: np.ndarray | None) -> np.ndarray:
    frame, family, layout = model.frame, model.family, dev.layout
    if start is None:
        beta0 = dev.glm_start()   # on the backend's rows (the fast path may have aggregated them)
        theta0 = layout.start()
        if dev.scalar:
            theta0 = theta0 * model.control.theta_start_scale   # see control.REASONS
        return np.concatenate([theta0, beta0])
    x0 = np.array(start, float)
    # theta = 0 is a stationary point of the deviance (it is even in each column of
    # Lambda): a start there would never leave it, so move such entries inside
    small = layout.diagonal_mask() & (np.abs(x0[:dev.ntheta]) < 1e-3)
    x0[:dev.ntheta][small] = 0.1
    return x0


#: a fit whose dense Schur part has at least this many columns chooses its BLAS threads
#: (glmmlite.blas_threads); a smaller dense part runs its many small LAPACK calls on one
#: thread (with two, waking the second thread made a 100 x 100 dpotri 17 ms instead of
#: 0.3 ms in the fit, and the items = 100 benchmark 2.5 s instead of 1.6 s); one scalar term
#: has no dense part and leaves BLAS alone
DENSE_BLAS_MIN = 300


def _fit(model: GlmerModel, start: np.ndarray | None, warn: bool) -> GlmerResult:
    ctl = model.control
    dev = DevianceFunction(model.frame, model.family, model.nAGQ)
    if dev.dense_columns >= DENSE_BLAS_MIN:
        threads = choose_threads(ctl.blas_threads)
    elif dev.dense_columns > 0 and ctl.blas_threads is None:
        threads = 1
    else:
        threads = ctl.blas_threads
    with blas_threads(threads):
        return _optimize(model, dev, start, warn)


def _optimize(model: GlmerModel, dev: DevianceFunction, start: np.ndarray | None, warn: bool) -> GlmerResult:
    """Steps 5 and 6 of the pipeline: minimize the deviance and wrap the result."""
    ctl = model.control
    nAGQ = model.nAGQ
    layout = dev.layout
    x0 = _start(dev, model, start)
    opt_kw = dict(maxiter=ctl.maxiter)
    if ctl.gtol is not None:
        opt_kw["gtol"] = ctl.gtol
    n_eval = 0
    if nAGQ > 1:  # start adaptive quadrature from the Laplace optimum
        first = minimize_deviance(None, x0, fun_and_grad=dev.laplace_value_and_grad,
                                  **opt_kw)
        n_eval += first.n_eval
        opt = minimize_deviance(dev, first.x, **opt_kw)
    elif dev.has_gradient:
        damp = None if dev.scalar else np.flatnonzero(layout.diagonal_mask())
        with dev.single_precision_gradients():
            opt = minimize_deviance(dev, x0, fun_and_grad=dev.value_and_grad, hessian=dev.start_hessian(x0),
                                    damp=damp, handover=HANDOVER_DECREMENT, **opt_kw)
    else:
        opt = minimize_deviance(dev, x0, **opt_kw)
    n_eval += opt.n_eval
    x = dev.normalize(opt.x)
    handed_over = opt.handover
    message = str(opt.message)

    # lme4's boundary check: a diagonal theta this close to 0 is tried at 0
    diag = layout.diagonal_mask()
    near = np.where(diag & (np.abs(x[:dev.ntheta]) < ctl.boundary_tol))[0]
    if near.size:
        fval = dev(x)
        fixed = {int(i): 0.0 for i in near}
        trial = minimize_deviance(dev, x, fun_and_grad=dev.value_and_grad if dev.has_gradient else None,
                                  fixed=fixed, **opt_kw)
        n_eval += trial.n_eval
        if trial.fun <= fval + 1e-9:
            x, fval = trial.x, trial.fun
            handed_over = False

    # Hessian of the deviance in (theta, beta) -> standard errors (lme4 1.1-31)
    if dev.has_gradient:
        # forward differences suffice: this Hessian serves the convergence checks, profile
        # starts and the fallback SEs (lme4's own SEs come from lme4_vcov); single-precision
        # gradients change its standard errors by < 1e-5 relative on the crossed benchmark,
        # 20x less than the differences' step does
        if not handed_over:
            fval, grad = dev.value_and_grad(x)         # in double precision
            u = dev.last_modes()
        with dev.single_precision_gradients():
            f0, g0 = dev.value_and_grad(x)
            H = hessian_from_gradient(lambda z: dev.value_and_grad(z)[1], x, g0=g0)
        finished = None
        if handed_over:
            finished, tried = _newton_step(dev, x, f0, g0, H)
            n_eval += tried
            if finished is not None:
                x, fval, grad, u = finished
                message = ("converged: a Newton step by the final Hessian after the search "
                           f"({message.split(': ', 1)[-1]})")
            else:
                fval, grad = dev.value_and_grad(x)     # in double precision
                u = dev.modes(x)
        if dev.n_single_gradients or handed_over:
            polished = _polish(dev, x, fval, grad, H, opt_kw, force=handed_over and finished is None)
            if polished is not None:
                x, fval, grad, u, H, extra = polished
                n_eval += extra
                message = "converged: BFGS in double precision after the search"
    else:
        fval = dev(x)
        grad, H = hessian_from_values(dev, x)
        u = dev.modes(x)

    messages: list[str] = []
    theta = x[:dev.ntheta]
    singular = bool(np.any(theta[diag] < ctl.singular_tol))
    vcov_beta, vcov_note = vcov_from_hessian(H, dev.ntheta)
    if vcov_beta is None:
        try:
            vcov_beta = dev.vcov_rx(x)
        except np.linalg.LinAlgError:
            vcov_beta = np.full((dev.p, dev.p), np.nan)
            vcov_note = ("the fixed effects' standard errors cannot be computed (the information matrix is "
                         "singular): some coefficient is not identified by these data, typically because a "
                         "factor level has only 0s or only 1s. Check a table of the response by each factor.")
        messages.append(vcov_note)
    if ctl.check_conv:
        names = [f"theta[{i + 1}]" for i in range(dev.ntheta)] + list(model.frame.fixef_names)
        messages += check_convergence(opt.converged, grad, H, singular, names, ctl)
        flat = _flat_parameters(dev, x, fval, ctl.flat_tol, H)
    else:
        flat = []
    pending = _fit_warnings(model, x[:dev.ntheta], x[dev.ntheta:], singular, messages, flat) if ctl.check_conv else []
    optinfo = OptInfo(optimizer="BFGS", conv_code=0 if opt.converged else 1, message=message,
                      feval=int(n_eval), warnings=tuple(text for _, text in pending),
                      lme4_messages=tuple(messages))
    result = GlmerResult(model=model, x=x, deviance_value=fval, u=u, hessian=H, gradient=grad,
                         vcov_beta=vcov_beta, devfun=dev, optinfo=optinfo)
    if warn:
        for category, text in pending:
            warnings.warn(text, category, stacklevel=user_stacklevel())
    return result


#: after a search with single-precision gradients, an exact gradient whose Newton decrement
#: 0.5 g' H^{-1} g exceeds this (the decrease still to be had) restarts BFGS in double precision
#: from there; on the benchmark designs it is 1e-9 to 1e-8, below the search's own stop
POLISH_DECREMENT = 1e-6


def _newton_decrement(H: np.ndarray, grad: np.ndarray) -> float | None:
    """``0.5 g' H^{-1} g`` (the decrease a Newton step promises), None unless H is positive definite."""
    try:
        L = np.linalg.cholesky(0.5 * (H + H.T))
    except np.linalg.LinAlgError:
        return None
    w = np.linalg.solve(L, grad)
    dec = 0.5 * float(w @ w)
    return dec if np.isfinite(dec) else None


def _polish(dev: DevianceFunction, x: np.ndarray, fval: float, grad: np.ndarray, H: np.ndarray,
            opt_kw: dict, force: bool = False) -> tuple | None:
    """Check an optimum found with single-precision gradients, or handed over by the search,
    by the exact gradient and Hessian; where they say it has not converged (or ``force``, with
    an indefinite Hessian), continue by BFGS in double precision and return
    ``(x, deviance, gradient, modes, Hessian, evaluations)`` of the better point (None: x
    stands)."""
    dec = _newton_decrement(H, grad)
    if dec is None and not force:
        return None
    if dec is not None and dec <= POLISH_DECREMENT:
        return None
    opt = minimize_deviance(dev, x, fun_and_grad=dev.value_and_grad, hessian=H, **opt_kw)
    z = dev.normalize(opt.x)
    fz, gz = dev.value_and_grad(z)
    if not fz < fval:
        return None
    u = dev.last_modes()
    Hz = hessian_from_gradient(lambda v: dev.value_and_grad(v)[1], z, g0=gz)
    return z, fz, gz, u, Hz, opt.n_eval


def _newton_step(dev: DevianceFunction, x: np.ndarray, fval: float, grad: np.ndarray,
                 H: np.ndarray) -> tuple[tuple | None, int]:
    """One Newton step from a search handed over near the optimum (``HANDOVER_DECREMENT``):
    ``((x, deviance, gradient, modes), evaluations)`` at ``x - H^{-1} g`` if H is positive
    definite and the deviance there is lower, else ``(None, evaluations)``.

    H stays the fit's Hessian: it was taken about 0.01 standard errors from the new point,
    where the curvature differs by less than the forward differences' own error (3e-5
    against 1e-4 relative on the crossed benchmark; see ``HANDOVER_DECREMENT``)."""
    if _newton_decrement(H, grad) is None:          # not a minimum's curvature: BFGS goes on
        return None, 0
    z = dev.normalize(x - np.linalg.solve(H, grad))
    try:
        fz, gz = dev.value_and_grad(z)
    except (np.linalg.LinAlgError, FloatingPointError):
        return None, 1
    if not (np.isfinite(fz) and fz < fval):
        return None, 1
    return (z, fz, gz, dev.last_modes()), 1


def _flat_parameters(dev: DevianceFunction, x: np.ndarray, fval: float, tol: float,
                     H: np.ndarray | None = None) -> list[int]:
    """Diagonal theta entries the deviance does not depend on (issue 13, 18).

    Moving the entry to 2 * estimate + 1, and then to 0, changes the deviance by less than
    ``tol`` with everything else held: the profile (which also re-optimizes the rest) moves
    even less, so the data say nothing about that SD and its estimate is the start.
    Only entries whose curvature ``H[i, i]`` is below 1e-3 are tried (a deviance that changes
    by less than ``tol`` over a range of at least 1 has a curvature far below that), so an
    informative fit costs no extra evaluation.
    """
    out = []
    for i in np.flatnonzero(dev.layout.diagonal_mask()):
        if H is not None and np.isfinite(H[i, i]) and abs(H[i, i]) > 1e-3:
            continue
        flat = True
        for value in (2.0 * abs(x[i]) + 1.0, 0.0):
            z = x.copy()
            z[i] = value
            try:
                d = float(dev(z))
            except (np.linalg.LinAlgError, FloatingPointError, ValueError):
                flat = False
                break
            if not np.isfinite(d) or abs(d - fval) >= tol:
                flat = False
                break
        if flat:
            out.append(int(i))
    return out


def check_convergence(converged: bool, grad: np.ndarray, H: np.ndarray, singular: bool,
                      names: list[str] | None = None, control: GlmerControl | None = None) -> list[str]:
    """lme4's checkConv: scaled gradient and Hessian eigenvalues (skipped for singular fits)."""
    ctl = control or GlmerControl()
    tol = ctl.grad_tol
    msgs = []
    names = names or [f"parameter {i + 1}" for i in range(len(grad))]
    if singular:
        if not converged and np.max(np.abs(grad), initial=0.0) > tol:
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
    if crit[worst] > tol:
        msgs.append(
            f"Model failed to converge with max|grad| = {crit[worst]:.6g} (tol = {tol}, for {names[worst]}). "
            "The optimizer stopped where the deviance still slopes: try rescaling numeric predictors "
            "(centre and scale them), simplifying the random effects, or check the data for separation."
        )
    if not np.all(np.isfinite(H)):
        msgs.append("Model failed to converge: the Hessian of the deviance has non-finite entries.")
        return msgs
    ev = np.linalg.eigvalsh(H)
    if np.any(ev < 0):
        msgs.append(
            f"Model failed to converge: degenerate Hessian with {int(np.sum(ev < 0))} negative eigenvalue(s). "
            "Either the fit is not at a minimum (the model may be too complex for the data) or numeric "
            "predictors on very different scales make the curvature impossible to measure: centre and "
            "scale them (e.g. (x - mean) / sd) and refit."
        )
    elif ev[0] > 0 and ev[0] / ev[-1] < ctl.hess_ratio_tol:
        msgs.append(
            "Model is nearly unidentifiable: the curvature of the deviance differs by a factor of "
            f"{ev[-1] / ev[0]:.2g} between directions. Numeric predictors on very different scales "
            "do this: centre and scale them (e.g. (x - mean) / sd) and refit."
        )
    if not converged and not msgs:
        msgs.append("Model failed to converge: the optimizer stopped before it met its convergence "
                    f"criterion (at most {ctl.maxiter} iterations; see GlmerControl(maxiter=...)).")
    return msgs


#: a fixed effect whose column moves the logit by more than this over the data (probabilities
#: from below 3e-7 to above 1 - 3e-7) is reported as a possible separation
SEPARATION_SPAN = 15.0


def effect_spans(X: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """How far each fixed effect moves the linear predictor over the data: ``|beta_j|`` times
    the range of column j of X (for a constant column such as the intercept, times its value).

    Unlike ``|beta_j|`` alone this does not depend on the predictor's units: a dose in grams or
    in kilograms, or a predictor multiplied by 1e-8, gives the same span.
    """
    X = np.asarray(X, float)
    if X.shape[0] == 0:
        return np.zeros(len(beta))
    lo, hi = X.min(axis=0), X.max(axis=0)
    scale = np.where(hi > lo, hi - lo, np.abs(hi))
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(np.asarray(beta, float)) * scale


def _fit_warnings(model: GlmerModel, theta: np.ndarray, beta: np.ndarray, singular: bool,
                  messages: list[str], flat: list[int]) -> list[tuple[type[GlmmliteWarning], str]]:
    """The warnings of a fit, as (category, text), in the order they are issued."""
    from .remat import theta_names
    out: list[tuple[type[GlmmliteWarning], str]] = []
    if singular:
        out.append((SingularFitWarning,
                    "boundary (singular) fit: a random-effect variance is estimated as (nearly) zero "
                    f"(theta = {np.array2string(theta, precision=4)}), so the random-effects "
                    "structure is more than these data can support. The fixed effects are still valid; "
                    "consider removing the term with zero variance or comparing with a simpler model "
                    "(lme4: see help('isSingular'))."))
    for msg in messages:
        out.append((ConvergenceWarning, msg))
    if flat:
        tn = theta_names(model.frame.random)
        which = ", ".join(tn[i] if i < len(tn) else f"theta[{i + 1}]" for i in flat)
        out.append((ConvergenceWarning,
                    f"the data carry no information on {which}: the deviance does not change when it "
                    "moves, so its estimate is only the optimizer's start. Typical causes: a random slope "
                    "on a column that is constant (e.g. all 0) within groups, or weights that are all (nearly) "
                    "0. Remove that part of the random-effects term."))
    if model.family.link == "logit":
        big = [n for n, e in zip(model.frame.fixef_names, effect_spans(model.frame.X, beta)) if e > SEPARATION_SPAN]
        if big:
            out.append((SeparationWarning,
                        f"huge coefficient(s) {', '.join(big)} (|estimate| times the predictor's range in the data "
                        f"> {SEPARATION_SPAN:g} on the logit scale): the outcome may be completely or "
                        "quasi-completely separated by these predictors (e.g. all 1s in one group), so their "
                        "estimates and standard errors are not trustworthy. Check a table of the response by "
                        "these predictors."))
    return out
