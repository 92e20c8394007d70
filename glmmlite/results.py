"""Step 6: the fitted model, with everything ``summary``, ``predict``, ``simulate`` and
``profile`` need."""
from __future__ import annotations

import builtins
import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .errors import ArgumentError, NewDataError, ResponseError
from .family import Binomial
from .modelframe import ModelFrame
from .remat import (b_from_u, sdcor_bounds, sdcor_names, sdcor_to_theta, theta_names, theta_to_sdcor,
                    z_lambda)

_RESID_TYPES = ("deviance", "pearson", "response", "working")


def _rng(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ArgumentError(f"seed must be an int, a numpy Generator or None, not {seed!r}")
    return np.random.default_rng(seed)


def _check_nsim(nsim) -> int:
    if isinstance(nsim, bool) or not isinstance(nsim, (int, np.integer)) or nsim < 1:
        raise ArgumentError(f"nsim must be a whole number >= 1, not {nsim!r}")
    return int(nsim)


class GlmerResult:
    """A fitted binomial GLMM (R's ``glmerMod``).

    Attributes
    ----------
    fixef : pandas.Series
        Fixed effects on the link scale, R's names (``trttreat:sexmale``).
    theta : ndarray
        lme4's relative covariance parameters (for ``(1|g)``: the random-intercept SD).
    loglik, aic, bic, deviance : float
        ``deviance`` is -2 logLik, the "deviance" column of the summary.
    df_resid, nobs : int
    ngroups : dict
        Number of levels of each grouping factor.
    """

    def __init__(self, *, frame: ModelFrame, family: Binomial, nAGQ: int, x: np.ndarray, deviance_value: float,
                 u: np.ndarray, hessian: np.ndarray, gradient: np.ndarray, vcov_beta: np.ndarray, devfun: Any,
                 n_eval: int, converged: bool, messages: list[str], data_name: str | None = None):
        self.frame = frame
        self.family = family
        self.nAGQ = nAGQ
        self._devfun = devfun
        self.layout = devfun.layout
        self._x = np.asarray(x, float)
        self.ntheta = self.layout.size
        self.theta = self._x[:self.ntheta].copy()
        self.beta = self._x[self.ntheta:].copy()
        self.u = np.asarray(u, float)
        self.hessian = hessian
        self.gradient = gradient
        self._vcov_exact = vcov_beta
        self._vcov_cache: np.ndarray | None = None
        self.n_eval = n_eval
        self.converged = converged
        self.messages = list(messages)
        self.data_name = data_name
        self.weights_name: str | None = None
        self.offset_argument = False     # True when glmer() was given offset= (not in the formula)
        self.deviance = float(deviance_value)
        self.formula = frame.formula

    # ------------------------------------------------------------ basics
    @property
    def fixef(self) -> pd.Series:
        return pd.Series(self.beta, index=list(self.frame.fixef_names), name="fixef")

    @property
    def theta_names(self) -> list[str]:
        return theta_names(self.frame.random)

    @property
    def nobs(self) -> int:
        return int(self.frame.n)

    @property
    def n_params(self) -> int:
        return self.ntheta + self.beta.size

    @property
    def loglik(self) -> float:
        return -0.5 * self.deviance

    @property
    def aic(self) -> float:
        return self.deviance + 2.0 * self.n_params

    @property
    def bic(self) -> float:
        return self.deviance + np.log(self.nobs) * self.n_params

    @property
    def df_resid(self) -> int:
        return self.nobs - self.n_params

    @property
    def ngroups(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.frame.random:
            out.setdefault(t.group, t.nlevels)
        return out

    def is_singular(self, tol: float = 1e-4) -> bool:
        """True if some variance parameter is on (or within ``tol`` of) its boundary (lme4's isSingular)."""
        return bool(np.any(self.theta[self.layout.diagonal_mask()] < tol))

    @property
    def _vcov(self) -> np.ndarray:
        if self._vcov_cache is None:
            self._vcov_cache = self._compute_vcov()
        return self._vcov_cache

    def _compute_vcov(self) -> np.ndarray:
        dev = self._devfun
        if dev.scalar and dev.has_gradient and self.hessian_method == "lme4":
            from .fit import _vcov_from_hessian
            from .glm import glm_irls
            from .lme4_vcov import lme4_hessian
            lap = dev.laplace
            try:
                beta0 = glm_irls(lap.y, lap.w, lap.offset, lap.X, self.family)
                V, _ = _vcov_from_hessian(lme4_hessian(lap, self._x, beta0), self.ntheta)
                if V is not None and np.all(np.isfinite(V)):
                    return V
            except (np.linalg.LinAlgError, FloatingPointError, ValueError):
                pass
        return self._vcov_exact

    hessian_method = "lme4"
    """``"lme4"``: standard errors from lme4's own finite-difference Hessian of its PIRLS
    objective (one scalar term, Laplace; see :mod:`glmmlite.lme4_vcov`); ``"exact"``: from the
    Hessian of the exact Laplace deviance.  Set on an instance to switch."""

    def vcov(self) -> pd.DataFrame:
        """Covariance of the fixed effects: 2 * inverse Hessian of the deviance, beta block (lme4 1.1-31)."""
        names = list(self.frame.fixef_names)
        return pd.DataFrame(self._vcov, index=names, columns=names)

    def vcov_rx(self) -> pd.DataFrame:
        """The cheaper covariance from the final PIRLS step (R's ``vcov(m, use.hessian = FALSE)``)."""
        names = list(self.frame.fixef_names)
        return pd.DataFrame(self._devfun.vcov_rx(self._x), index=names, columns=names)

    def coef_table(self) -> pd.DataFrame:
        """R's ``coef(summary(m))``: Estimate, Std. Error, z value, Pr(>|z|)."""
        se = np.sqrt(np.diag(self._vcov))
        z = self.beta / se
        p = 2.0 * special.ndtr(-np.abs(z))
        return pd.DataFrame({"Estimate": self.beta, "Std. Error": se, "z value": z, "Pr(>|z|)": p},
                            index=list(self.frame.fixef_names))

    def varcorr(self) -> pd.DataFrame:
        """Random-effect variances and SDs (R's ``VarCorr``), with correlations for vector terms."""
        rows = []
        maxk = max(t.k for t in self.frame.random)
        seen: dict[str, int] = {}
        for term, T in zip(self.frame.random, self.layout.factors(self.theta)):
            # R's make.unique: a second term on the same factor, as from (x || g), is "g.1"
            n_before = seen.get(term.group, 0)
            seen[term.group] = n_before + 1
            label = term.group if n_before == 0 else f"{term.group}.{n_before}"
            S = T @ T.T
            sd = np.sqrt(np.diag(S))
            for r in range(term.k):
                row = {"Groups": label, "Name": term.names[r], "Variance": S[r, r], "Std.Dev.": sd[r]}
                if maxk > 1:
                    for c in range(maxk - 1):
                        key = "Corr" if c == 0 else f"Corr.{c + 1}"
                        row[key] = (S[r, c] / (sd[r] * sd[c]) if (c < r and sd[r] * sd[c] > 0)
                                    else (0.0 if c < r else np.nan))
                rows.append(row)
        return pd.DataFrame(rows)

    @property
    def b(self) -> list[np.ndarray]:
        """Random effects b = Lambda(theta) u per term, shape (levels, k)."""
        return b_from_u(self.u, self.frame.random, self.layout, self.theta)

    def ranef(self, cond_var: bool = False) -> dict[str, pd.DataFrame]:
        """Conditional modes of the random effects, per grouping factor (R's ``ranef``).

        Parameters
        ----------
        cond_var : bool
            Add the conditional variances: a column ``condVar_<name>`` per term column (for
            vector terms, also ``condCov_<a>.<b>``), R's ``attr(, "postVar")``.
        """
        out: dict[str, pd.DataFrame] = {}
        cv = self._devfun.conditional_variances(self._x) if cond_var else None
        for i, (term, B) in enumerate(zip(self.frame.random, self.b)):
            df = pd.DataFrame(B, index=pd.Index(term.levels, name=term.group), columns=list(term.names))
            if cond_var:
                V = cv[i]
                for a in range(term.k):
                    df[f"condVar_{term.names[a]}"] = V[:, a, a]
                for a in range(term.k):
                    for c in range(a + 1, term.k):
                        df[f"condCov_{term.names[c]}.{term.names[a]}"] = V[:, c, a]
            if term.group in out:
                out[term.group] = out[term.group].join(df, how="outer")
            else:
                out[term.group] = df
        return out

    # ------------------------------------------------------- linear predictor
    def _eta(self, re: bool = True) -> np.ndarray:
        fr = self.frame
        eta = fr.X @ self.beta + fr.offset
        if re:
            eta = eta + z_lambda(fr.random, self.layout, self.theta) @ self.u
        return eta

    def fitted(self) -> pd.Series:
        """Fitted probabilities, including the random effects (R's ``fitted``)."""
        return pd.Series(self.family.linkinv(self._eta()), index=self.frame.data.index, name="fitted")

    def residuals(self, type: str = "deviance") -> pd.Series:
        """Residuals as R's ``residuals.merMod``: deviance, pearson, response or working."""
        if type not in _RESID_TYPES:
            raise ArgumentError(f"type must be one of {', '.join(map(repr, _RESID_TYPES))}, not {type!r}")
        fr, fam = self.frame, self.family
        eta = self._eta()
        mu = fam.linkinv(eta)
        y, w = fr.y, fr.weights
        if type == "response":
            r = y - mu
        elif type == "pearson":
            r = (y - mu) * np.sqrt(w / fam.variance(mu))
        elif type == "working":
            r = (y - mu) / fam.mu_eta(eta)
        else:
            r = np.sign(y - mu) * np.sqrt(np.maximum(fam.dev_resids(y, mu, w), 0.0))
        return pd.Series(r, index=fr.data.index, name=type)

    def predict(self, newdata: pd.DataFrame | None = None, type: str = "link", re_form: Any = None,
                allow_new_levels: bool = False) -> pd.Series:
        """Predictions on the link or response scale (R's ``predict.merMod``).

        Parameters
        ----------
        newdata : DataFrame, optional
            Rows to predict for; default the data the model was fitted to.
        type : {"link", "response"}
        re_form : None or "~0" / "NA"
            None: conditional on all random effects (R's ``re.form = NULL``);
            ``"~0"`` (or ``"NA"``, ``np.nan``): population level, R's ``re.form = NA``.
        allow_new_levels : bool
            With new data, a level not seen in fitting gets random effect 0 instead of an error.
        """
        if type not in ("link", "response"):
            raise ArgumentError(f"type must be 'link' or 'response', not {type!r}")
        if not isinstance(allow_new_levels, (bool, np.bool_)):
            raise ArgumentError(f"allow_new_levels must be True or False, not {allow_new_levels!r}")
        use_re = _parse_re_form(re_form)
        fr = self.frame
        if newdata is None:
            eta = self._eta(re=use_re)
            index = fr.data.index
        else:
            if not isinstance(newdata, pd.DataFrame):
                raise NewDataError(f"newdata must be a pandas DataFrame, not {builtins.type(newdata).__name__}")
            X = fr.fixed_matrix(newdata)
            eta = X @ self.beta + _offset_for(fr, newdata, self.offset_argument)
            if use_re:
                mats = fr.random_matrices(newdata, allow_new_levels=allow_new_levels)
                for (codes, Xt), B in zip(mats, self.b):
                    ok = codes >= 0
                    contrib = np.zeros(len(newdata))
                    contrib[ok] = np.sum(Xt[ok] * B[codes[ok]], axis=1)
                    eta = eta + contrib
            index = newdata.index
        out = eta if type == "link" else self.family.linkinv(eta)
        return pd.Series(out, index=index, name=type)

    # --------------------------------------------------------------- simulate
    def simulate(self, nsim: int = 1, seed=None, use_u: bool = False) -> pd.DataFrame:
        """Simulate responses from the fitted model (R's ``simulate.merMod``).

        Parameters
        ----------
        nsim : int
            Number of simulated responses.
        seed : int or numpy.random.Generator, optional
        use_u : bool
            False (R's default, ``re.form = NA``): draw new random effects for every
            simulation.  True: keep the fitted conditional modes.

        Returns
        -------
        DataFrame with columns ``sim_1`` ... ``sim_nsim``, of the response's kind: 0/1 for
        0/1 data, the factor's levels for a factor, proportions for proportion responses and
        the number of successes for ``cbind`` responses.
        """
        nsim = _check_nsim(nsim)
        if not isinstance(use_u, (bool, np.bool_)):
            raise ArgumentError(f"use_u must be True or False, not {use_u!r}")
        rng = _rng(seed)
        fr, fam = self.frame, self.family
        eta_fixed = fr.X @ self.beta + fr.offset
        M = z_lambda(fr.random, self.layout, self.theta)
        trials = np.round(fr.weights).astype(np.int64)
        cols = {}
        for s in range(nsim):
            u = self.u if use_u else rng.standard_normal(M.shape[1])
            mu = fam.linkinv(eta_fixed + M @ u)
            k = rng.binomial(trials, mu)
            cols[f"sim_{s + 1}"] = self._as_response(k, trials)
        return pd.DataFrame(cols, index=fr.data.index)

    def _as_response(self, k: np.ndarray, trials: np.ndarray):
        kind = self.frame.response.kind
        if kind == "cbind":
            return k
        if kind == "proportion":
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(trials > 0, k / np.maximum(trials, 1), 0.0)
        if kind == "factor":
            levels = list(self.frame.response.levels)
            return pd.Categorical.from_codes(k.astype(int), categories=levels)
        return k

    def refit(self, y) -> "GlmerResult":
        """Refit the same model to a new response (R's ``refit``), e.g. a column of ``simulate``.

        ``y`` is of the response's kind (0/1, factor levels, proportions, or successes for
        ``cbind`` responses), one value per row used in the fit.
        """
        from .fit import fit_frame
        fr = self.frame
        y = np.asarray(y)
        if y.shape[0] != fr.n:
            raise ArgumentError(f"refit needs one response value per row used in the fit ({fr.n}), got {y.shape[0]}")
        kind = fr.response.kind
        if kind == "factor":
            levels = list(fr.response.levels)
            bad = sorted({str(v) for v in pd.unique(pd.Series(y).dropna()) if str(v) not in map(str, levels)})
            if bad or pd.isna(pd.Series(y)).any():
                raise ResponseError(
                    f"refit: the new response must take the levels {levels} of {fr.response.name!r}; "
                    f"got {bad[:5] if bad else 'missing values'}")
            yy = (pd.Categorical(pd.Series(y).astype(str), categories=[str(v) for v in levels]).codes == 1).astype(float)
        else:
            try:
                yy = np.asarray(y, dtype=float)
            except (TypeError, ValueError):
                raise ResponseError(f"refit: the new response must be numeric for a {kind} response; "
                                    f"got values such as {list(pd.unique(pd.Series(y)))[:3]}") from None
            if kind == "cbind":
                trials = fr.weights
                bad = ~np.isfinite(yy) | (yy < 0) | (yy > trials) | (yy != np.round(yy))
                what = "whole numbers of successes between 0 and the number of trials"
                yy = np.where(trials > 0, yy / np.where(trials > 0, trials, 1.0), 0.0)
            elif kind == "proportion":
                bad = ~np.isfinite(yy) | (yy < 0) | (yy > 1)
                what = "proportions between 0 and 1"
            else:
                bad = ~np.isin(yy, (0.0, 1.0))
                what = "0 or 1"
            if np.any(bad):
                raise ResponseError(f"refit: the new response must be {what}; got "
                                    f"{list(pd.unique(np.asarray(y)[bad]))[:5]}")
        new = dataclasses.replace(fr, y=yy)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fit_frame(new, self.family, self.nAGQ, data_name=self.data_name, start=self._x)  # as lme4: from the current estimates

    # ----------------------------------------------- profiling on the sd/cor scale
    def param_names_sdcor(self) -> list[str]:
        """lme4's ``oldNames = FALSE`` parameter names: ``sd_(Intercept)|id``, then the fixed effects."""
        return sdcor_names(self.frame.random) + list(self.frame.fixef_names)

    def params_sdcor(self) -> np.ndarray:
        return np.concatenate([theta_to_sdcor(self.theta, self.layout), self.beta])

    def param_lower_sdcor(self) -> np.ndarray:
        lo, _ = sdcor_bounds(self.layout)
        return np.concatenate([lo, np.full(self.beta.size, -np.inf)])

    def param_upper_sdcor(self) -> np.ndarray:
        _, hi = sdcor_bounds(self.layout)
        return np.concatenate([hi, np.full(self.beta.size, np.inf)])

    def _all_scalar(self) -> bool:
        return all(k == 1 for k in self.layout.ks)

    def _to_x(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, float)
        if self._all_scalar():
            return z.copy()
        return np.concatenate([sdcor_to_theta(z[:self.ntheta], self.layout), z[self.ntheta:]])

    def devfun_sdcor(self, z: np.ndarray) -> float:
        """The deviance at parameters on the sd/cor + beta scale."""
        return float(self._devfun(self._to_x(z)))

    def refit_fixed(self, index: int, value: float, start: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """Fix parameter ``index`` (sd/cor + beta scale) at ``value``; minimize over the others.

        Returns the minimized deviance and the full parameter vector (sd/cor + beta scale).
        """
        from .optimize import minimize_deviance
        z0 = self.params_sdcor() if start is None else np.asarray(start, float).copy()
        z0[index] = value
        dev = self._devfun
        if self._all_scalar():
            fg = dev.value_and_grad if dev.has_gradient else None
            res = minimize_deviance(dev, z0, fun_and_grad=fg, fixed={index: value},
                                    hessian=self.hessian if fg is not None else None, gtol=1e-4)
            z = res.x.copy()
            z[:self.ntheta] = np.abs(z[:self.ntheta])
            return res.fun, z
        from scipy import optimize
        free = np.array([i for i in range(z0.size) if i != index])
        lo, hi = self.param_lower_sdcor(), self.param_upper_sdcor()

        nt = self.ntheta

        def f(w):
            z = z0.copy()
            z[free] = w
            return self.devfun_sdcor(z)

        def fg(w):
            # chain rule through the sd/cor -> theta map (its Jacobian by central differences:
            # cheap, it involves no deviance evaluations)
            z = z0.copy()
            z[free] = w
            val, gx = dev.value_and_grad(self._to_x(z))
            J = np.empty((nt, nt))
            for j in range(nt):
                e = np.zeros(nt)
                e[j] = 1e-7
                J[:, j] = (sdcor_to_theta(z[:nt] + e, self.layout) - sdcor_to_theta(z[:nt] - e, self.layout)) / 2e-7
            gz = np.concatenate([J.T @ gx[:nt], gx[nt:]])
            return val, gz[free]

        bounds = list(zip(lo[free], hi[free]))
        if dev.has_gradient:
            res = optimize.minimize(fg, z0[free], jac=True, method="L-BFGS-B", bounds=bounds)
        else:
            res = optimize.minimize(f, z0[free], method="L-BFGS-B", bounds=bounds)
        z = z0.copy()
        z[free] = res.x
        return float(res.fun), z

    # ------------------------------------------------------------ summary
    def summary(self) -> "Summary":
        """lme4's ``summary(m)``: printed as R prints it, and as HTML in a notebook."""
        from .summary import Summary
        return Summary(self)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        return (f"<GlmerResult {self.formula!r}: {self.nobs} obs, "
                f"groups {self.ngroups}, logLik {self.loglik:.3f}>")

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    # ------------------------------------------------------------ issue 3
    def confint(self, parm=None, level: float = 0.95, method: str = "profile", **kwargs) -> pd.DataFrame:
        """Confidence intervals (R's ``confint.merMod``); see :func:`glmmlite.confint.confint`."""
        from .confint import confint
        return confint(self, parm=parm, level=level, method=method, **kwargs)

    def profile(self, parm=None, **kwargs):
        """The likelihood profile (R's ``profile.merMod``); see :func:`glmmlite.profile.profile`."""
        from .profile import profile
        return profile(self, parm=parm, **kwargs)


def _parse_re_form(re_form) -> bool:
    """True to include the random effects (R's re.form = NULL), False for re.form = NA / ~0."""
    if re_form is None:
        return True
    if isinstance(re_form, float) and np.isnan(re_form):
        return False
    if isinstance(re_form, str):
        s = re_form.replace(" ", "")
        if s in ("~0", "NA", "~1-1", "0"):
            return False
    raise ArgumentError(
        f"re_form must be None (include all random effects, R's re.form = NULL) or '~0' "
        f"(population level, R's re.form = NA); got {re_form!r}"
    )


def _offset_for(frame: ModelFrame, newdata: pd.DataFrame, offset_argument: bool = False) -> np.ndarray:
    """The formula's ``offset(...)`` terms evaluated on ``newdata``."""
    if offset_argument:
        warnings.warn(
            "the model was fitted with an offset= argument, which cannot be rebuilt for new data: "
            "these predictions leave it out. Put the offset in the formula, e.g. "
            "'y ~ x + offset(log_n) + (1|g)', to have it applied to new data.",
            UserWarning, stacklevel=3,
        )
    return frame.new_offset(newdata)
