"""Power by simulation (the job of R's simr): simulate responses for a design -- the fitted data
or new data -- from the fitted or from new parameters (lme4's ``simulate(newdata, newparams)``),
refit each simulated data set and count how often the effect is detected.

The result reports the rejection rate with its Monte Carlo standard error
``sqrt(p (1 - p) / n)`` and an exact (Clopper-Pearson) interval, so a reader can see whether
100 data sets are enough for the question (they give +-4-5 percentage points around 80%).
"""
from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from .control import GlmerControl
from .newdata import as_frame
from .argcheck import takes_fit
from .errors import ArgumentError, NewDataError

__all__ = ["power", "PowerResult", "simulate_design", "design_frame", "fit_like"]


def fit_like(m: Any, frame: Any, nAGQ: int | None = None, data_name: str | None = None,
             start: np.ndarray | None = None, check: bool = True) -> Any:
    """Fit ``frame`` with ``m``'s family, nAGQ (unless given) and control settings (``m.control``:
    the optimizer, its tolerances and the checks the fit ran with), as ``glmmlite.model.fit_frame``
    does; ``check=False`` turns the convergence checks off.

    The fit runs through the class of ``m.model`` (the result's GlmerModel), so this module
    needs no import of the fitting code, which imports ``results`` (whose methods import this).
    """
    ctl = getattr(m, "control", None)
    ctl = GlmerControl() if ctl is None else ctl
    if not check:
        ctl = ctl.replace(check_conv=False)
    model = type(m.model)(frame=frame, family=m.family, nAGQ=int(m.nAGQ if nAGQ is None else nAGQ),
                          control=ctl, data_name=data_name)
    return model.fit(start=start, warn=check)


def _check_nsim(nsim: Any) -> int:
    if isinstance(nsim, bool) or not isinstance(nsim, (int, np.integer)) or nsim < 1:
        raise ArgumentError(f"nsim must be a whole number >= 1, not {nsim!r}")
    return int(nsim)


def _params(m: Any, newparams: Mapping[str, Any] | None) -> tuple[np.ndarray, np.ndarray]:
    """(theta, beta) from lme4-style ``newparams = {"beta": ..., "theta": ...}`` (either may be left out;
    ``beta`` as a sequence in the fixed effects' order or a dict by name)."""
    theta, beta = m.theta.copy(), m.beta.copy()
    if newparams is None:
        return theta, beta
    if not isinstance(newparams, Mapping):
        raise ArgumentError(f"newparams must be a dict with 'beta' and/or 'theta', not {newparams!r}")
    bad = [k for k in newparams if k not in ("beta", "theta")]
    if bad:
        raise ArgumentError(f"newparams: unknown entries {bad}; use 'beta' (fixed effects) and 'theta' "
                            f"(lme4's relative covariance parameters; for (1|g) the SD)")
    names = list(m.frame.fixef_names)
    if "beta" in newparams:
        b = newparams["beta"]
        if isinstance(b, Mapping):
            unknown = [k for k in b if k not in names]
            if unknown:
                raise ArgumentError(f"newparams['beta']: unknown fixed effect(s) {unknown}; the model has {names}")
            for k, v in b.items():
                beta[names.index(k)] = float(v)
        else:
            b = np.asarray(b, float).ravel()
            if b.size != beta.size:
                raise ArgumentError(f"newparams['beta'] needs {beta.size} values ({names}), got {b.size}")
            beta = b
    if "theta" in newparams:
        t = np.asarray(newparams["theta"], float).ravel()
        if t.size != theta.size:
            raise ArgumentError(f"newparams['theta'] needs {theta.size} values ({m.theta_names}), got {t.size}")
        theta = t
    return theta, beta


def design_frame(m: Any, newdata: pd.DataFrame | None) -> Any:
    """The model frame of ``m``'s formula on the rows of ``newdata`` (the response column, if
    absent, is filled with a placeholder; the refits replace it); ``m.frame`` when ``newdata`` is
    None."""
    if newdata is None:
        return m.frame
    newdata = as_frame(newdata)
    if len(newdata) == 0:
        raise NewDataError("newdata has no rows: nothing to simulate")
    from .modelframe import build_model_frame
    from .formula import names_in
    nd = newdata
    resp = m.frame.response
    absent = [c for c in names_in(m.frame.parsed.response) if c not in nd.columns]
    if absent:
        nd = newdata.copy()
        if resp.kind == "factor":
            nd[resp.name] = [resp.levels[i % 2] for i in range(len(nd))]
        elif resp.kind == "binary":
            nd[resp.name] = np.arange(len(nd)) % 2
        else:
            raise ArgumentError(f"newdata needs the response column(s) {absent} of {resp.name!r} (for a "
                                f"{resp.kind} response they carry the numbers of trials)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = build_model_frame(m.formula, nd)
    if frame.n != len(newdata):
        raise NewDataError(f"newdata has missing values in {len(newdata) - frame.n} row(s) of the model's "
                           "columns; drop or fill them first")
    return frame


def _successes(m: Any, sims: pd.DataFrame, trials: np.ndarray) -> np.ndarray:
    """(n, nsim) numbers of successes from what :func:`glmmlite.simulate.simulate` returns."""
    kind = m.frame.response.kind
    if kind == "cbind":
        return sims.iloc[:, 0::2].to_numpy(np.int64)
    if kind == "factor":
        return np.column_stack([sims[c].cat.codes.to_numpy(np.int64) for c in sims.columns])
    vals = sims.to_numpy(float)
    return np.rint(vals * trials[:, None]).astype(np.int64)


@takes_fit
def simulate_design(m: Any, newdata: pd.DataFrame | None = None, newparams: Mapping[str, Any] | None = None,
                    nsim: int = 1, seed=None) -> pd.DataFrame:
    """Simulated numbers of successes for ``newdata`` (default: the fitted rows) from the fitted
    parameters or ``newparams`` (lme4's ``simulate(m, newdata=, newparams=)``, through
    :func:`glmmlite.simulate.simulate` with numpy's stream), new random effects per simulation.
    Columns ``sim_1`` ... ``sim_nsim`` (0/1 for 0/1 data).  ``newparams["beta"]`` may be a dict
    of some fixed effects only (the others keep their estimates)."""
    nsim = _check_nsim(nsim)
    from .prediction_se import as_rng as _rng
    from .simulate import simulate
    rng = _rng(seed)
    fr = design_frame(m, newdata)
    theta, beta = _params(m, newparams)
    trials = np.asarray(fr.weights, float)
    sims = simulate(m, nsim=nsim, seed=rng, stream="numpy", newparams={"theta": theta, "beta": beta},
                    newdata=newdata, weights=None if newdata is None else trials,
                    allow_new_levels=newdata is not None)    # every group of a new design is new
    return pd.DataFrame(_successes(m, sims, trials), index=sims.index, columns=[f"sim_{i + 1}" for i in range(nsim)])


@dataclass
class PowerResult:
    """The result of :func:`power`.

    Attributes
    ----------
    term : str
    power : float
        Rejection rate among the refits that worked.
    mcse : float
        Its Monte Carlo standard error, ``sqrt(power (1 - power) / n_ok)``.
    lower, upper : float
        Clopper-Pearson 95% interval for the true power.
    p_values : ndarray
        One per simulated data set (NaN for failed refits).
    n_failed, n_nonconverged, n_singular : int
    alpha : float
    test : str
    """

    term: str
    power: float
    mcse: float
    lower: float
    upper: float
    p_values: np.ndarray
    estimates: np.ndarray
    alpha: float
    test: str
    nsim: int
    n_failed: int = 0
    n_nonconverged: int = 0
    n_singular: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"term": [self.term], "test": [self.test], "alpha": [self.alpha], "nsim": [self.nsim],
                             "successes": [int(np.nansum(self.p_values < self.alpha))],
                             "power": [self.power], "mcse": [self.mcse], "lower": [self.lower], "upper": [self.upper],
                             "failed": [self.n_failed], "nonconverged": [self.n_nonconverged],
                             "singular": [self.n_singular]})

    def __repr__(self) -> str:
        k = int(np.nansum(self.p_values < self.alpha))
        n = int(np.sum(np.isfinite(self.p_values)))
        return (f"Power for {self.term!r} ({self.test} test, alpha = {self.alpha:g}): "
                f"{100 * self.power:.1f}% (MC SE {100 * self.mcse:.1f}; 95% CI {100 * self.lower:.1f} to "
                f"{100 * self.upper:.1f}), {k} of {n} data sets; failed {self.n_failed}, "
                f"not converged {self.n_nonconverged}, singular {self.n_singular}")


def _check_fit(m: Any) -> None:
    conv = bool(getattr(m, "converged", True))
    msgs = [s for s in (getattr(m, "messages", []) or []) if s and "singular" not in s.lower()]
    if not conv or msgs:
        why = "; ".join(msgs) if msgs else "the optimizer did not report convergence"
        raise ArgumentError(f"power: the fitted model did not converge ({why}); simulating from its parameters "
                            f"would measure the power of a model that is not the fit. Fix the fit first "
                            f"(rescale predictors, simplify the random effects) or give newparams= with a "
                            f"converged fit.")


def _drop_column(frame: Any, j: int) -> Any:
    keep = [i for i in range(frame.X.shape[1]) if i != j]
    return dataclasses.replace(frame, X=frame.X[:, keep], fixef_names=[frame.fixef_names[i] for i in keep])


@takes_fit
def power(m: Any, term: str, nsim: int = 100, alpha: float = 0.05, test: str = "z",
          newdata: pd.DataFrame | None = None, newparams: Mapping[str, Any] | None = None,
          seed=None, progress: bool | None = None) -> PowerResult:
    """Power to detect the fixed effect ``term`` by simulation (simr's ``powerSim``).

    Parameters
    ----------
    m : GlmerResult
        A converged fit (its formula, family and, unless ``newparams``, its estimates).
    term : str
        A fixed effect, R's name (``"trttreat:sexmale"``).
    nsim : int
        Number of simulated data sets (100 gives a Monte Carlo SE of about 4 points at 80% power).
    alpha : float
        Significance level.
    test : {"z", "lrt"}
        Wald z test of the coefficient (as ``summary``), or the likelihood-ratio test against the
        model without that column (as ``anova``; twice the refits).
    newdata : DataFrame, optional
        A design to simulate on (e.g. more clusters); the response column may be absent.
    newparams : dict, optional
        ``{"beta": {...} or [...], "theta": [...]}``: the effect sizes to assume.
    seed : int or numpy Generator, optional
    progress : bool or None
        Progress bar (None: only if the run takes more than two seconds).

    Returns
    -------
    PowerResult
    """
    from .progress import progress_iter
    nsim = _check_nsim(nsim)
    if test not in ("z", "lrt"):
        raise ArgumentError(f"test must be 'z' or 'lrt', not {test!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ArgumentError(f"alpha must be a number in (0, 1), not {alpha!r}")
    names = list(m.frame.fixef_names)
    if term not in names:
        raise ArgumentError(f"power: {term!r} is not a fixed effect of the model; fixed effects: {names}")
    _check_fit(m)
    from .prediction_se import as_rng as _rng
    rng = _rng(seed)
    fr = design_frame(m, newdata)
    sims = simulate_design(m, newdata, newparams, nsim=nsim, seed=rng).to_numpy()
    j = names.index(term)
    theta, beta = _params(m, newparams)
    start = np.concatenate([theta, beta])
    reduced = _drop_column(fr, j) if test == "lrt" else None
    pv = np.full(nsim, np.nan)
    est = np.full(nsim, np.nan)
    n_failed = n_nonconv = n_sing = 0
    errors: list[str] = []
    trials = fr.weights
    for s in progress_iter(range(nsim), total=nsim, desc=f"power for {term}", enabled=progress, unit="fit"):
        y = np.where(trials > 0, sims[:, s] / np.where(trials > 0, trials, 1), 0.0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f = fit_like(m, dataclasses.replace(fr, y=y), data_name="sim", start=start)
                if not f.converged or [x for x in f.messages if x and "singular" not in x.lower()]:
                    n_nonconv += 1
                if f.is_singular():
                    n_sing += 1
                est[s] = f.beta[j]
                if test == "z":
                    pv[s] = float(f.coef_table()["Pr(>|z|)"].iloc[j])
                else:
                    start0 = np.concatenate([f.theta, np.delete(f.beta, j)])
                    f0 = fit_like(m, dataclasses.replace(reduced, y=y), data_name="sim", start=start0)
                    pv[s] = float(stats.chi2.sf(max(f0.deviance - f.deviance, 0.0), 1))
        except (ValueError, FloatingPointError, np.linalg.LinAlgError) as e:
            n_failed += 1
            if len(errors) < 10 and str(e) not in errors:
                errors.append(str(e))
    ok = np.isfinite(pv)
    n = int(ok.sum())
    k = int(np.sum(pv[ok] < alpha))
    p = k / n if n else np.nan
    mcse = float(np.sqrt(p * (1 - p) / n)) if n else np.nan
    if n:
        ci = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
        lo, hi = float(ci.low), float(ci.high)
    else:
        lo = hi = np.nan
    return PowerResult(term, p, mcse, lo, hi, pv, est, float(alpha), test, nsim, n_failed, n_nonconv, n_sing, errors)
