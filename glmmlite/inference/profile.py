"""Likelihood profiles of a fitted GLMM (lme4's ``profile.merMod``) and the
spline machinery behind profile confidence intervals (``confint.thpr``).

For each parameter (random-effect SDs and correlations on the sd/cor scale, then
the fixed effects) the profile fixes that parameter at a sequence of values,
re-optimizes all the others, and records the signed square root of the
likelihood-ratio statistic

    zeta(x) = sign(x - x_hat) * sqrt(deviance(x) - deviance(x_hat)).

Algorithm (as lme4's ``profile.merMod``, R/profile.R):

* the first point is a small shift away from the estimate (1% of it, or 1e-3 when
  the estimate is 0);
* each following value is chosen so that zeta advances by about ``delta`` (by
  default ``cutoff / 8``), from the slope of zeta over the last two points; a
  step may grow at most ``maxmult`` (10) times the previous step;
* a direction stops once ``|zeta| > cutoff`` (by default
  ``sqrt(qchisq(1 - alphamax, n_params))`` with ``alphamax = 0.01``), at a bound
  (an SD at 0 is evaluated and recorded, then the walk stops), or after
  ``maxpts`` points.

Differences from lme4, all about cost, none about the result:

* the other parameters start from a linear extrapolation of the last two
  profile points (lme4 restarts from the previous point);
* for a fixed effect the first shift is ``delta`` standard errors (lme4 uses 1% of
  the estimate, which is tiny for estimates near 0 and costs extra steps);
  lme4 itself does this for linear mixed models;
* if zeta does not change between two points (a flat stretch) the step is
  doubled rather than set to 1e-6.

Interval ends.  :meth:`Profile.confint` reads each end off the inverse spline, as lme4's
``confint.thpr`` does, and then polishes it into the root of the profile by a few more
re-optimizations (:mod:`glmmlite.inference.endpoints`; ``polish=False`` keeps the spline's
value): where zeta is curved between points, as for a small SD, the spline alone was off by up
to 2e-3 of the interval's width.

Lower deviance.  If a re-optimized point has a deviance lower than the fit's by
more than ``devtol`` (1e-6, absolute), the fit was not at the optimum.  lme4 then
stops with the error "profiling detected new, lower deviance".  glmmlite issues a
:class:`~glmmlite.errors.ConvergenceWarning` instead (turn it into an error with
``warnings.simplefilter("error", gl.ConvergenceWarning)``), finishes the profile
with those points' zeta set to 0, and stores the best point in
:attr:`Profile.better_fit` so the model can be refitted from there.
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd
from scipy import stats

from ..argcheck import takes_fit
from ..errors import ArgumentError, ConvergenceWarning, ProfileWarning, user_stacklevel
from ..progress import ProgressBar
from .endpoints import interval_ends
from .levels import check_level, level_colnames
from .parm import n_variance, resolve_parm
from .splines import BackSpline, forward_spline

__all__ = [
    "profile",
    "Profile",
    "BackSpline",
    "resolve_parm",
    "ProfileWarning",
]


# ------------------------------------------------------------------- the result
@dataclass
class Profile:
    """The likelihood profile of a fitted model (R's ``thpr`` object).

    Attributes
    ----------
    data : DataFrame
        Long table as R's ``as.data.frame(profile(m, signames = FALSE))``: columns
        ``.zeta``, one column per parameter (values of *all* parameters at each
        point), ``.par`` (the profiled parameter) and ``.focal`` (its value);
        rows sorted by ``.focal`` within each parameter.
    estimates : Series
        The parameters at the fit (sd/cor scale, then fixed effects).
    deviance : float
        The deviance of the fit that zeta is measured from.
    lower, upper : Series
        Bounds of every parameter (0 / inf for SDs, -1 / 1 for correlations,
        -inf / inf for fixed effects).
    cutoff, delta : float
        The |zeta| at which each direction stops, and the target zeta step.
    better_fit : dict or None
        If the profile found a deviance lower than the fit's by more than
        ``devtol``: ``{"deviance": ..., "params": Series, "parameter": name}`` of the
        best point found; refit the model from these values.
    n_refits : int
        Number of constrained re-optimizations performed.
    elapsed : float
        Wall-clock seconds spent.
    """

    data: pd.DataFrame
    estimates: pd.Series
    deviance: float
    lower: pd.Series
    upper: pd.Series
    cutoff: float
    delta: float
    better_fit: dict | None = None
    n_refits: int = 0
    elapsed: float = 0.0
    _forward: dict = field(default_factory=dict, repr=False)
    _backward: dict = field(default_factory=dict, repr=False)
    _reached: dict = field(default_factory=dict, repr=False)
    _refit: dict = field(default_factory=dict, repr=False)     #: name -> (value, start) -> (zeta, params)
    _polished: dict = field(default_factory=dict, repr=False)  #: (name, zeta) -> polished end

    def __getstate__(self) -> dict:
        # the re-optimizers are closures over the model: a pickled profile reads its ends off
        # the spline only (as confint(polish=False))
        return {**self.__dict__, "_refit": {}}

    # -------------------------------------------------------------- accessors
    @property
    def parameters(self) -> list[str]:
        """Names of the profiled parameters, in order."""
        return list(self.data[".par"].cat.categories) if isinstance(self.data[".par"].dtype, pd.CategoricalDtype) \
            else list(dict.fromkeys(self.data[".par"]))

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`data` (R's ``as.data.frame(profile(...))``)."""
        return self.data.copy()

    def points(self, name: str) -> pd.DataFrame:
        """The profile points of parameter ``name`` (sorted by its value)."""
        self._check_name(name)
        return self.data[self.data[".par"] == name].reset_index(drop=True)

    def zeta(self, name: str, values: np.ndarray | float) -> np.ndarray:
        """zeta at ``values`` of parameter ``name``, from the interpolating spline.

        NaN outside the profiled range.
        """
        self._check_name(name)
        v = np.asarray(values, float)
        pts = self.points(name)
        x = pts[name].to_numpy()
        ok = np.isfinite(pts[".zeta"].to_numpy())
        lo, hi = x[ok].min(), x[ok].max()
        out = np.asarray(self._forward[name](v), float)
        return np.where((v >= lo) & (v <= hi), out, np.nan)

    def _check_name(self, name: str) -> None:
        if name not in self._forward:
            raise ArgumentError(
                f"parameter {name!r} was not profiled; profiled: " + ", ".join(repr(s) for s in self._forward)
            )

    # -------------------------------------------------------------- confint
    def confint(self, parm: Any = None, level: float = 0.95, polish: bool = True) -> pd.DataFrame:
        """Profile confidence intervals (R's ``confint(profile(m))``).

        Each end is where the interpolated profile crosses
        ``zeta = qnorm((1 -/+ level) / 2)``, then (``polish``) the root of zeta there by
        re-optimization (:func:`~glmmlite.inference.endpoints.polish_end`; a few refits per
        end).  An end that the profile did not reach
        becomes the parameter's bound when the profile stopped *at* that bound
        (0 for an SD), else NaN with a :class:`ProfileWarning`.

        Parameters
        ----------
        parm : None, str, int or list
            Which parameters (see :func:`resolve_parm`); only profiled ones.
        level : float
            Confidence level in (0, 1).
        polish : bool
            Refine each end by re-optimization (default); False: the spline's value, as lme4.

        Returns
        -------
        DataFrame
            One row per parameter, columns named as R does ("2.5 %", "97.5 %").
        """
        level = check_level(level)
        names = list(self._forward)
        all_names = list(self.estimates.index)
        n_var = n_variance(all_names)
        if parm is None:
            sel = names
        else:
            idx = resolve_parm(parm, all_names, n_var)
            sel = [all_names[i] for i in idx]
        missing = [s for s in sel if s not in names]
        if missing:
            raise ArgumentError(
                "parameters " + ", ".join(repr(s) for s in missing) + " were not profiled; profiled: "
                + ", ".join(repr(s) for s in names)
            )
        zq = stats.norm.ppf((1 - level) / 2)
        zz = np.array([zq, -zq])
        out = np.full((len(sel), 2), np.nan)
        for r, name in enumerate(sel):
            out[r] = self._ends(name, zz, polish)
        return pd.DataFrame(out, index=pd.Index(sel), columns=level_colnames(level))

    def _ends(self, name: str, zz: np.ndarray, polish: bool = False) -> np.ndarray:
        return interval_ends(self, name, zz, polish)

    # -------------------------------------------------------------- display
    def plot(self, **kwargs: Any):
        """Plot zeta against each parameter (see :func:`glmmlite.plots.plot_profile`)."""
        from ..plots import plot_profile

        return plot_profile(self, **kwargs)

    def __repr__(self) -> str:
        pars = self.parameters
        lines = [
            f"<Profile of {len(pars)} parameter(s), {len(self.data)} points, {self.n_refits} refits "
            f"in {self.elapsed:.2f} s; cutoff |zeta| = {self.cutoff:.3f}>"
        ]
        for p in pars:
            pts = self.points(p)
            z = pts[".zeta"]
            lines.append(
                f"  {p}: {len(pts)} points, value {pts[p].min():.4g} .. {pts[p].max():.4g}, "
                f"zeta {z.min():.2f} .. {z.max():.2f}"
            )
        if self.better_fit is not None:
            lines.append(f"  WARNING: a lower deviance ({self.better_fit['deviance']:.6f}) was found; see .better_fit")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return "<pre>" + _html_escape(repr(self)) + "</pre>" + self.data._repr_html_()


#: the methods profile() uses: a GlmerResult, or any object that has them (duck typing)
SDCOR_PROTOCOL = ("param_names_sdcor", "params_sdcor", "param_lower_sdcor", "devfun_sdcor", "refit_fixed")


def _html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ------------------------------------------------------------ model interface
def _model_params(m: Any) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, int]:
    names = list(m.param_names_sdcor())
    x_hat = np.asarray(m.params_sdcor(), float)
    lower = np.asarray(m.param_lower_sdcor(), float)
    up_fun = getattr(m, "param_upper_sdcor", None)
    if up_fun is not None:
        upper = np.asarray(up_fun(), float)
    else:
        upper = np.where(lower == -1.0, 1.0, np.inf)
    try:
        n_fix = len(m.fixef)
        n_var = len(names) - n_fix
    except Exception:  # pragma: no cover - duck typing fallback
        n_var = n_variance(names)
    return names, x_hat, lower, upper, n_var


def _fixef_se(m: Any, names: list[str], n_var: int) -> np.ndarray | None:
    try:
        v = m.vcov()
        se = np.sqrt(np.diag(np.asarray(v, float)))
        if se.size == len(names) - n_var and np.all(np.isfinite(se)) and np.all(se > 0):
            return se
    except Exception:
        pass
    return None


# ------------------------------------------------------------------ profile()
@takes_fit(protocol=SDCOR_PROTOCOL)
def profile(
    m: Any,
    parm: Any = None,
    *,
    alphamax: float = 0.01,
    cutoff: float | None = None,
    delta: float | None = None,
    delta_cutoff: float = 1 / 8,
    maxpts: int = 100,
    maxmult: float = 10.0,
    devtol: float = 1e-6,
    progress: bool | None = None,
) -> Profile:
    """Profile the deviance of a fitted binomial GLMM (lme4's ``profile(m)``).

    Parameters
    ----------
    m : GlmerResult
        The fitted model.  Uses ``m.param_names_sdcor()``, ``m.params_sdcor()``,
        ``m.param_lower_sdcor()``, ``m.devfun_sdcor(x)``, ``m.refit_fixed(i, value,
        start)`` and (for the first step of fixed effects) ``m.vcov()``.
    parm : None, str, int or list
        Which parameters to profile (default all): names such as
        ``"sd_(Intercept)|id"`` or ``"trttreat"``, ``"theta_"`` for all variance
        parameters, ``"beta_"`` for all fixed effects, or 0-based indices.
    alphamax : float
        Each direction stops beyond ``cutoff = sqrt(chi2.ppf(1 - alphamax, k))``,
        k the number of parameters (lme4's default 0.01).
    cutoff : float, optional
        Give the |zeta| at which to stop directly (overrides ``alphamax``).
    delta : float, optional
        Target step in zeta between points (default ``cutoff * delta_cutoff``).
    delta_cutoff : float
        See ``delta`` (lme4's default 1/8).
    maxpts : int
        At most this many points in each direction.
    maxmult : float
        A step may be at most this many times the previous one.
    devtol : float
        A deviance lower than the fit's by more than this (absolute) raises a
        :class:`~glmmlite.errors.ConvergenceWarning` (lme4: an error).
    progress : bool or None
        Progress bar: ``True``/``False``, or ``None`` = only if it takes long.

    Returns
    -------
    Profile
        ``.data`` holds the long table (as R's ``as.data.frame(profile(m,
        signames = FALSE))``); ``.confint(level=...)`` gives profile intervals.

    Examples
    --------
    >>> pr = gl.profile(m)                      # doctest: +SKIP
    >>> pr.confint(level=0.90)                  # doctest: +SKIP
    """
    t0 = time.perf_counter()
    names, x_hat, lower, upper, n_var = _model_params(m)
    npar = len(names)
    which = resolve_parm(parm, names, n_var)
    if not (isinstance(maxpts, (int, np.integer)) and maxpts >= 3):
        raise ArgumentError(f"maxpts must be an integer >= 3, not {maxpts!r}")
    if cutoff is None:
        if not 0 < alphamax < 1:
            raise ArgumentError(f"alphamax must be in (0, 1), not {alphamax!r}")
        cutoff = math.sqrt(stats.chi2.ppf(1 - alphamax, npar))
    cutoff = float(cutoff)
    if not cutoff > 0:
        raise ArgumentError(f"cutoff must be positive, not {cutoff!r}")
    if delta is None:
        delta = cutoff * delta_cutoff
    delta = float(delta)
    if not delta > 0:
        raise ArgumentError(f"delta must be positive, not {delta!r}")

    base = float(m.devfun_sdcor(x_hat)) if hasattr(m, "devfun_sdcor") else float(m.deviance)
    fit_dev = float(getattr(m, "deviance", base))
    if abs(base - fit_dev) > 1e-5 * max(1.0, abs(fit_dev)):
        warnings.warn(
            f"the deviance function at the estimates ({base:.6f}) differs from the fit's deviance "
            f"({fit_dev:.6f}); the profile is measured from the former",
            ProfileWarning,
            stacklevel=user_stacklevel(),
        )
    se = _fixef_se(m, names, n_var)

    state = {"n": 0, "best": None}
    rows: list[np.ndarray] = []      # [zeta, x...]
    row_par: list[str] = []
    forward: dict[str, Any] = {}
    backward: dict[str, Any] = {}
    reached: dict[str, tuple[bool, bool]] = {}
    refit: dict[str, Callable] = {}

    est_pts_per_par = int(2 * cutoff / delta) + 4
    bar = ProgressBar(total=est_pts_per_par * len(which), desc="profile", enabled=progress, unit="refit")

    def evaluate(w: int, value: float, start: np.ndarray) -> tuple[float, np.ndarray]:
        """zeta and the full parameter vector with parameter w fixed at value."""
        s = np.array(start, float)
        s[w] = value
        state["n"] += 1
        bar.update(1)
        try:
            dev, x = m.refit_fixed(w, float(value), s)
            dev = float(dev)
            x = np.array(x, float)
            x[w] = value
        except Exception as exc:  # refit failed: NaN point, as lme4 does
            warnings.warn(
                f"NAs detected in profiling {names[w]} at {value:.6g}: {exc}", ProfileWarning,
                stacklevel=user_stacklevel()
            )
            x = np.full(npar, np.nan)
            x[w] = value
            return math.nan, x
        if not math.isfinite(dev):
            warnings.warn(f"NAs detected in profiling {names[w]} at {value:.6g}", ProfileWarning,
                          stacklevel=user_stacklevel())
            return math.nan, x
        diff = dev - base
        if diff < -devtol:
            best = state["best"]
            if best is None or dev < best["deviance"]:
                state["best"] = {"deviance": dev, "params": pd.Series(x, index=names), "parameter": names[w]}
        zeta = math.copysign(math.sqrt(max(diff, 0.0)), value - x_hat[w]) if value != x_hat[w] else 0.0
        return zeta, x

    try:
        for w in which:
            name = names[w]
            bar.set_postfix_str(name)
            est = x_hat[w]
            lo, hi = lower[w], upper[w]
            if w >= n_var and se is not None:
                shift = est + delta * se[w - n_var]
            else:
                shift = 1e-3 if est == 0 else est * 1.01
            shift = min(hi, max(lo, shift))
            if shift == est:  # the estimate is on a bound (e.g. a correlation of -1): step inwards
                step = max(0.01 * abs(est), 1e-3)
                shift = min(hi, est + step) if est <= lo else max(lo, est - step)
            opt_row = (est, 0.0, x_hat.copy())
            z1, x1 = evaluate(w, shift, x_hat)
            shift_row = (shift, z1, x1)
            # walk 1 continues past the shift point; walk 2 goes the other way from the estimate
            walk1 = _walk(evaluate, w, [opt_row, shift_row], lo, hi, cutoff, delta, maxpts, maxmult, lower, upper)
            if (shift > est and est > lo) or (shift < est and est < hi):
                walk2 = _walk(evaluate, w, [shift_row, opt_row], lo, hi, cutoff, delta, maxpts, maxmult,
                              lower, upper)
            else:
                walk2 = [shift_row, opt_row]
            pts = {}
            for v, z, x in walk1 + walk2:
                pts.setdefault(v, (z, x))
            vals = np.array(sorted(pts))
            zetas = np.array([pts[v][0] for v in vals])
            for v in vals:
                z, x = pts[v]
                rows.append(np.concatenate([[z], x]))
                row_par.append(name)
            ok = np.isfinite(zetas)
            reached[name] = (bool(np.isclose(vals[0], lo) and ok[0]), bool(np.isclose(vals[-1], hi) and ok[-1]))
            forward[name] = forward_spline(vals[ok], zetas[ok])
            refit[name] = lambda value, start, w=w: evaluate(w, value, start)
            try:
                if ok.sum() < 4:
                    raise ValueError("too few points")
                cs = forward[name]
                backward[name] = BackSpline(vals[ok], zetas[ok], cs(vals[ok], 1))
            except (ValueError, np.linalg.LinAlgError) as exc:
                backward[name] = exc
                warnings.warn(f"non-monotonic profile for {name} ({exc})", ProfileWarning,
                              stacklevel=user_stacklevel())
    finally:
        bar.close()

    data = pd.DataFrame(np.array(rows).reshape(len(rows), npar + 1), columns=[".zeta", *names])
    data[".par"] = pd.Categorical(row_par, categories=[names[w] for w in which])
    data[".focal"] = [data.at[i, p] for i, p in enumerate(row_par)]
    best = state["best"]
    if best is not None:
        warnings.warn(
            f"profiling found a deviance {best['deviance']:.6f}, lower than the fit's {base:.6f} by "
            f"{base - best['deviance']:.3g} (while profiling {best['parameter']}): the fit is not at the optimum. "
            "Refit the model starting from profile.better_fit['params'] and profile again; "
            "until then the intervals are not trustworthy.",
            ConvergenceWarning,
            stacklevel=user_stacklevel(),
        )
    pr = Profile(
        data=data,
        estimates=pd.Series(x_hat, index=names),
        deviance=base,
        lower=pd.Series(lower, index=names),
        upper=pd.Series(upper, index=names),
        cutoff=cutoff,
        delta=delta,
        better_fit=best,
        n_refits=state["n"],
        elapsed=time.perf_counter() - t0,
        _forward=forward,
        _backward=backward,
        _reached=reached,
        _refit=refit,
    )
    pr._refit = {k: _watched(pr, state, base, f) for k, f in refit.items()}
    return pr


def _watched(pr: "Profile", state: dict, base: float, refit: Callable) -> Callable:
    """``refit`` for the polishing of interval ends (glmmlite.inference.endpoints): a lower
    deviance found there is reported as one found while profiling is (better_fit, warning)."""
    def f(value: float, start: np.ndarray) -> tuple[float, np.ndarray]:
        out = refit(value, start)
        best = state["best"]
        if best is not None and (pr.better_fit is None or best["deviance"] < pr.better_fit["deviance"]):
            pr.better_fit = best
            warnings.warn(
                f"refining an interval end found a deviance {best['deviance']:.6f}, lower than the fit's "
                f"{base:.6f} (at {best['parameter']} = {best['params'][best['parameter']]:.6g}): the fit is not "
                "at the optimum; refit from profile.better_fit['params'] and profile again",
                ConvergenceWarning, stacklevel=user_stacklevel())
        return out
    return f


def _walk(
    evaluate: Callable[[int, float, np.ndarray], tuple[float, np.ndarray]],
    w: int,
    first_two: list[tuple[float, float, np.ndarray]],
    lo: float,
    hi: float,
    cutoff: float,
    delta: float,
    maxpts: int,
    maxmult: float,
    lower: np.ndarray,
    upper: np.ndarray,
) -> list[tuple[float, float, np.ndarray]]:
    """Extend a profile in the direction set by its first two points (lme4's ``fillmat``)."""
    pts = list(first_two)
    while len(pts) < maxpts:
        v1, z1, x1 = pts[-1]
        if not (lo < v1 < hi):
            break
        if math.isfinite(z1) and abs(z1) > cutoff:
            break
        v0, z0, x0 = pts[-2]
        num = v1 - v0
        denom = z1 - z0
        if not math.isfinite(denom) or denom == 0:
            step = 2.0 * abs(num)
        else:
            step = delta * num / denom
            if step < 0:
                warnings.warn("unexpected decrease in profile: using a small step", ProfileWarning,
                              stacklevel=user_stacklevel())
                step = 1e-6 + 0.1 * abs(num)
            step = min(abs(step), maxmult * abs(num))
        v2 = min(hi, max(lo, v1 + math.copysign(step, num)))
        if v2 == v1:
            break
        # start: linear extrapolation of the other parameters along the path
        if np.all(np.isfinite(x0)) and np.all(np.isfinite(x1)) and num != 0:
            start = x1 + (x1 - x0) * ((v2 - v1) / num)
            start = np.minimum(upper, np.maximum(lower, start))
        elif np.all(np.isfinite(x1)):
            start = x1.copy()
        else:
            start = first_two[0][2].copy() if np.all(np.isfinite(first_two[0][2])) else first_two[1][2].copy()
        z2, x2 = evaluate(w, v2, start)
        pts.append((v2, z2, x2))
    return pts
