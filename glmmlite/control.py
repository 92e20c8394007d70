"""How a fit is run and how it ended: :class:`GlmerControl` (R's ``glmerControl``) and
:class:`OptInfo` (R's ``m@optinfo``).

``gl.glmer(..., control=gl.GlmerControl(grad_tol=1e-3))`` changes one setting; every
setting has its reason in :data:`REASONS` (``GlmerControl.reason(name)``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from numbers import Integral, Real

from .argcheck import check_bool, strict_keywords
from .errors import ArgumentError

__all__ = ["GlmerControl", "OptInfo", "REASONS", "check_nagq"]

#: Why each setting has its default.
REASONS: dict[str, str] = {
    "singular_tol": (
        "lme4's isSingular() tolerance: a diagonal theta below 1e-4 is reported as a boundary "
        "(singular) fit."),
    "boundary_tol": (
        "lme4's boundary.tol: a diagonal theta within 1e-5 of 0 is also tried at exactly 0, and "
        "kept there when the deviance is no higher."),
    "grad_tol": (
        "lme4's check.conv.grad tolerance (2e-3) on the scaled gradient at the optimum; above it "
        "the fit warns 'Model failed to converge'."),
    "hess_ratio_tol": (
        "lme4's check.conv.hess 'nearly unidentifiable' test: smallest / largest Hessian "
        "eigenvalue below 1e-8 (lme4's default is 1e-6 on its own scaling; 1e-8 on glmmlite's "
        "unscaled Hessian flags the same models on the reference data)."),
    "gtol": (
        "the optimizer's stopping rule on max|gradient|; None: 1e-6 with an analytic gradient, "
        "1e-5 with finite differences (glmmlite.optimize), well inside grad_tol."),
    "maxiter": (
        "BFGS iterations at most (500): the reference fits need 10-40; a fit that needs more is "
        "reported as not converged rather than run for ever."),
    "theta_start_scale": (
        "lme4 starts theta at 1 (an SD of 1 on the link scale); glmmlite starts one scalar term at "
        "0.5, which reaches the same optimum in fewer steps on the reference data (25 -> 21, "
        "63 -> 19, 24 -> 13, 20 -> 14 evaluations).  Other structures start at lme4's 1."),
    "flat_tol": (
        "a variance parameter is reported as carrying no information when moving it from the "
        "estimate to 0 and to 2 * estimate + 1 changes the deviance by less than this (1e-6 on the "
        "-2 logLik scale: a likelihood-ratio statistic far below anything testable); the estimate "
        "is then the optimizer's start, not a property of the data."),
    "blas_threads": (
        "None: a fit with a large dense part (crossed designs) uses the cores that the processes "
        "running at its start leave free, because OpenBLAS threads that share a core with another "
        "busy process make a factorization many times slower (glmmlite.blas_threads); an integer "
        "sets the number of BLAS threads for the fit."),
    "check_conv": (
        "run lme4's convergence checks (gradient and Hessian) after the fit; False as "
        "glmerControl(calc.derivs = FALSE) skips them."),
}


@dataclass(frozen=True)
class GlmerControl:
    """Tolerances and optimizer settings of :func:`glmmlite.glmer` (R's ``glmerControl``).

    Parameters
    ----------
    singular_tol : float
        :meth:`GlmerResult.is_singular`'s default tolerance on diagonal theta (1e-4).
    boundary_tol : float
        Diagonal theta this close to 0 is also tried at 0 (1e-5).
    grad_tol : float
        Convergence check on the scaled gradient (2e-3).
    hess_ratio_tol : float
        "Nearly unidentifiable" when the Hessian's eigenvalue ratio is below this (1e-8).
    gtol : float or None
        The optimizer's gradient tolerance (None: glmmlite.optimize's default).
    maxiter : int
        Optimizer iterations at most (500).
    theta_start_scale : float
        Start of theta for one scalar term, times lme4's start of 1 (0.5).
    flat_tol : float
        Deviance change below which a variance parameter carries no information (1e-6).
    check_conv : bool
        Run the convergence checks (True).
    blas_threads : int or None
        BLAS threads of a fit with a large dense part (None: the cores other running
        processes leave free; see :mod:`glmmlite.blas_threads`).

    The reason for each default: ``GlmerControl.reason("grad_tol")``.
    """

    singular_tol: float = 1e-4
    boundary_tol: float = 1e-5
    grad_tol: float = 2e-3
    hess_ratio_tol: float = 1e-8
    gtol: float | None = None
    maxiter: int = 500
    theta_start_scale: float = 0.5
    flat_tol: float = 1e-6
    check_conv: bool = True
    blas_threads: int | None = None

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "check_conv":
                check_bool(v, "GlmerControl(check_conv=...)", "run the convergence checks")
            elif f.name == "blas_threads":
                if v is not None and (isinstance(v, bool) or not isinstance(v, Integral) or v < 1):
                    raise ArgumentError(f"GlmerControl(blas_threads=...) must be None or a whole number >= 1, "
                                        f"not {v!r}")
            elif f.name == "maxiter":
                if isinstance(v, bool) or not isinstance(v, Integral) or v < 1:
                    raise ArgumentError(f"GlmerControl(maxiter=...) must be a whole number >= 1, not {v!r}")
            elif f.name == "gtol" and v is None:
                continue
            elif isinstance(v, bool) or not isinstance(v, Real) or not (v > 0) or v == float("inf"):
                raise ArgumentError(f"GlmerControl({f.name}=...) must be a positive finite number, not {v!r}")

    @staticmethod
    def reasons() -> dict[str, str]:
        """Every setting with the reason for its default."""
        return dict(REASONS)

    @staticmethod
    def reason(name: str) -> str:
        """Why setting ``name`` has its default."""
        if name not in REASONS:
            raise ArgumentError(f"GlmerControl has no setting {name!r}; settings: {', '.join(REASONS)}")
        return REASONS[name]

    def replace(self, **changes) -> "GlmerControl":
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)


#: glmerControl's arguments (R's names and their Python spellings) with what to do in glmmlite
LME4_SETTINGS: dict[str, str] = {
    "optimizer": (
        "glmmlite has one optimizer (quasi-Newton BFGS on the gradient of the Laplace deviance, "
        "then a Newton step; glmmlite.optimize) in place of lme4's choice of bobyqa or Nelder_Mead, so "
        "there is nothing to choose. Where lme4 users switch optimizer after 'Model failed to converge', "
        "follow the warning's own advice (rescale predictors, simplify the random effects) or raise maxiter="),
    "optCtrl": "lme4's optCtrl = list(maxfun = ...) is maxiter= here",
    "calc.derivs": "calc.derivs = FALSE is check_conv=False here",
    "check.conv.singular": "isSingular's tolerance is singular_tol= here",
    "boundary.tol": "boundary.tol is boundary_tol= here",
    "check.conv.grad": "the gradient check's tolerance is grad_tol= here",
    "tolPwrss": ("glmmlite runs PIRLS to convergence (lme4 stops at tolPwrss = 1e-7 relative), so there "
                 "is no setting for it"),
    "nAGQ0initStep": "glmmlite has no nAGQ = 0 stage (glmer's nAGQ=0 is not offered), so there is nothing to set",
}
for _r, _why in list(LME4_SETTINGS.items()):
    LME4_SETTINGS.setdefault(_r.replace(".", "_"), _why)
    LME4_SETTINGS.setdefault(_r.lower().replace(".", "_"), _why)


def _lme4_names_first(init):
    """GlmerControl(optimizer="bobyqa") and other glmerControl arguments: say what they are here
    before the generic unknown-keyword error."""
    import functools

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        known = {f.name for f in dataclasses.fields(GlmerControl)}
        lme4 = [k for k in kwargs if k not in known and k in LME4_SETTINGS]
        if lme4:
            raise ArgumentError("GlmerControl(" + ", ".join(f"{k}=...)" for k in lme4) + ": "
                                + "; ".join(LME4_SETTINGS[k] for k in lme4)
                                + f". Settings: {', '.join(sorted(known))}")
        return init(self, *args, **kwargs)
    return wrapper


# an unknown setting, GlmerControl(bogus=1) or .replace(bogus=1), is an ArgumentError naming the settings
GlmerControl.__init__ = _lme4_names_first(strict_keywords(GlmerControl.__init__))  # type: ignore[method-assign]


def check_nagq(nAGQ) -> int:
    """``nAGQ`` as an int from 1 to 100 (1 = Laplace), else ArgumentError (0, lme4's quick fit,
    with its own message)."""
    if isinstance(nAGQ, Integral) and not isinstance(nAGQ, bool) and nAGQ == 0:
        raise ArgumentError(
            "nAGQ = 0 (lme4's quick fit, with the fixed effects estimated inside PIRLS instead of by "
            "maximizing the likelihood) is not offered: use nAGQ = 1, the Laplace fit, which glmmlite "
            "computes fast enough that the shortcut saves nothing worth its less accurate answer")
    if isinstance(nAGQ, bool) or not isinstance(nAGQ, Integral) or nAGQ < 1:
        raise ArgumentError(f"nAGQ must be a whole number >= 1 (1 = Laplace), not {nAGQ!r}")
    if nAGQ > 100:
        raise ArgumentError(f"nAGQ = {nAGQ} is more quadrature points than is useful; use at most 100 (25 is plenty)")
    return int(nAGQ)


def as_control(control) -> GlmerControl:
    """``None`` -> the defaults; a GlmerControl as is; anything else is an error."""
    if control is None:
        return GlmerControl()
    if isinstance(control, GlmerControl):
        return control
    raise ArgumentError(f"control must be a gl.GlmerControl(...) (e.g. gl.GlmerControl(maxiter=1000)), "
                        f"not {type(control).__name__} {control!r}"[:300])


@dataclass(frozen=True)
class OptInfo:
    """The optimizer's outcome (R's ``m@optinfo``), read by the summary.

    Attributes
    ----------
    optimizer : str
        ``"BFGS"`` (scipy's, on the deviance in theta and beta together).
    conv_code : int
        0 when the optimizer converged; 1 when it stopped without converging (iteration
        limit, or its line search gave up away from a stationary point).
    message : str
        The optimizer's own message.
    feval : int
        Deviance evaluations, all stages included.
    warnings : tuple of str
        Every warning the fit issued (singular, convergence, separation, flat objective),
        in order; they are recorded whether or not they were shown.
    lme4_messages : tuple of str
        lme4's ``optinfo$conv$lme4$messages``: the convergence-check messages (what
        ``m.messages`` returns).
    """

    optimizer: str = "BFGS"
    conv_code: int = 0
    message: str = ""
    feval: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)
    lme4_messages: tuple[str, ...] = field(default_factory=tuple)

    @property
    def converged(self) -> bool:
        return self.conv_code == 0
