"""Step 6: the fitted model, with everything ``summary``, ``predict``, ``simulate`` and
``profile`` need."""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .argcheck import check_bool, check_positive
from .errors import ArgumentError
from .family import Binomial
from .modelframe import ModelFrame
from .newdata import check_nsim, rng
from .remat import b_from_u, theta_names, z_lambda

_RESID_TYPES = ("deviance", "pearson", "response", "working")


_rng = rng
_check_nsim = check_nsim


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

    def __init__(self, *, model: Any, x: np.ndarray, deviance_value: float, u: np.ndarray, hessian: np.ndarray,
                 gradient: np.ndarray, vcov_beta: np.ndarray, devfun: Any, optinfo: Any):
        self.model = model               # glmmlite.model.GlmerModel: frame, family, nAGQ, control, names
        self.optinfo = optinfo           # glmmlite.control.OptInfo: lme4's optinfo
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
        self._vcov_cache: dict[str, np.ndarray] = {}
        self.deviance = float(deviance_value)

    # ------------------------------------------------------------ the model and the optimizer's record
    @property
    def frame(self) -> ModelFrame:
        return self.model.frame

    @property
    def family(self) -> Binomial:
        return self.model.family

    @property
    def nAGQ(self) -> int:
        return self.model.nAGQ

    @property
    def formula(self) -> str:
        return self.model.frame.formula

    @property
    def control(self):
        """The :class:`~glmmlite.GlmerControl` the fit ran with."""
        return self.model.control

    def _set_model(self, **changes) -> None:
        self.model = dataclasses.replace(self.model, **changes)

    @property
    def data_name(self) -> str | None:
        return self.model.data_name

    @data_name.setter
    def data_name(self, value: str | None) -> None:
        self._set_model(data_name=value)

    @property
    def weights_name(self) -> str | None:
        return self.model.weights_name

    @weights_name.setter
    def weights_name(self, value: str | None) -> None:
        self._set_model(weights_name=value)

    @property
    def offset_argument(self) -> bool:
        """True when ``glmer()`` was given ``offset=`` (not in the formula)."""
        return self.model.offset_argument

    @offset_argument.setter
    def offset_argument(self, value: bool) -> None:
        self._set_model(offset_argument=bool(value))

    @property
    def messages(self) -> list[str]:
        """lme4's convergence-check messages (``optinfo.lme4_messages``)."""
        return list(self.optinfo.lme4_messages)

    @property
    def converged(self) -> bool:
        return self.optinfo.conv_code == 0

    @property
    def n_eval(self) -> int:
        return self.optinfo.feval

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

    def is_singular(self, tol: float | None = None) -> bool:
        """True if some variance parameter is on (or within ``tol`` of) its boundary (lme4's isSingular).

        ``tol`` defaults to the fit's ``control.singular_tol`` (1e-4, lme4's).
        """
        tol = self.model.control.singular_tol if tol is None else check_positive(tol, "tol")
        return bool(np.any(self.theta[self.layout.diagonal_mask()] < tol))

    @property
    def hessian_method(self) -> str:
        """``"lme4"`` (default): standard errors from lme4's own finite-difference Hessian of its
        PIRLS objective (one scalar term, Laplace; see :mod:`glmmlite.lme4_vcov`); ``"exact"``:
        from the Hessian of the exact Laplace deviance.  Set it on a fit to switch; ``vcov()``,
        ``coef_table()`` and the summary follow."""
        return self._hessian_method

    @hessian_method.setter
    def hessian_method(self, value: str) -> None:
        if value not in ("lme4", "exact"):
            raise ArgumentError(f"hessian_method must be 'lme4' or 'exact', not {value!r}")
        self._hessian_method = value

    _hessian_method = "lme4"

    @property
    def _vcov(self) -> np.ndarray:
        method = self.hessian_method
        if method not in self._vcov_cache:      # one entry per method: switching needs no reset
            self._vcov_cache[method] = self._compute_vcov(method)
        return self._vcov_cache[method]

    def _compute_vcov(self, method: str | None = None) -> np.ndarray:
        dev = self._devfun
        method = self.hessian_method if method is None else method
        if dev.scalar and dev.has_gradient and method == "lme4":
            from .hessian import vcov_from_hessian
            try:
                with np.errstate(all="ignore"):
                    V, _ = vcov_from_hessian(dev.lme4_hessian(self._x), self.ntheta)
                if V is not None and np.all(np.isfinite(V)):
                    return V
            except (np.linalg.LinAlgError, FloatingPointError, ValueError, ZeroDivisionError):
                pass
        return self._vcov_exact

    def vcov(self) -> pd.DataFrame:
        """Covariance of the fixed effects: 2 * inverse Hessian of the deviance, beta block (lme4 1.1-31)."""
        names = list(self.frame.fixef_names)
        return pd.DataFrame(self._vcov, index=names, columns=names)

    def vcov_rx(self) -> pd.DataFrame:
        """The cheaper covariance from the final PIRLS step (R's ``vcov(m, use.hessian = FALSE)``)."""
        names = list(self.frame.fixef_names)
        try:
            V = self._devfun.vcov_rx(self._x)
        except np.linalg.LinAlgError:    # the fixed effects are not identified: NaN, as the fit's SEs
            V = np.full((len(names), len(names)), np.nan)
        return pd.DataFrame(V, index=names, columns=names)

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

    def update(self, formula: str | None = None, data: Any = None, **changes: Any) -> "GlmerResult":
        """Refit with a changed formula, data or arguments (R's ``update(m, . ~ . - trt:sex)``).

        ``formula`` may use ``.`` for the old response and terms (see
        :func:`glmmlite.update.update_formula`); ``changes`` are other arguments of
        :func:`glmmlite.glmer` (``family``, ``weights``, ``offset``, ``nAGQ``, ``control``).
        """
        from .update import update
        return update(self, formula, data, **changes)

    def getME(self, name: str) -> Any:
        """lme4's ``getME(m, name)``: ``"X"``, ``"Z"``, ``"Lambda"``, ``"theta"``, ``"b"``, ``"Gp"``,
        ... (the list: ``glmmlite.getme.NAMES``)."""
        from .getme import getME
        return getME(self, name)

    def ranef(self, cond_var: bool = False) -> dict[str, pd.DataFrame]:
        """Conditional modes of the random effects, per grouping factor (R's ``ranef``).

        Parameters
        ----------
        cond_var : bool
            Add the conditional variances: a column ``condVar_<name>`` per term column (for
            vector terms, also ``condCov_<a>.<b>``), R's ``attr(, "postVar")``.
        """
        out: dict[str, pd.DataFrame] = {}
        cond_var = check_bool(cond_var, "cond_var", "add the conditional variances")
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
                # two terms on one factor, e.g. (1|g) + (0 + x|g): side by side, as lme4's ranef
                # (whose columns may then repeat a name, as ``(1|g) + (1|g)`` gives)
                out[term.group] = pd.concat([out[term.group], df], axis=1)
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
        # + 0.0: a row of weight 0 gives 0 (R prints 0), not -0 (which pandas prints as -0.000000)
        return pd.Series(r + 0.0, index=fr.data.index, name=type)

    def predict(self, newdata: pd.DataFrame | None = None, type: str = "link", re_form: Any = None,
                allow_new_levels: bool = False, se_fit: bool = False, level: float = 0.95):
        """Predictions on the link or response scale (R's ``predict.merMod``).

        With ``se_fit=True`` (issue 11): a DataFrame ``fit``, ``se_fit``, ``lower``, ``upper``
        (delta method, ``level`` intervals); see :func:`glmmlite.prediction_se.predict_se`.

        Parameters
        ----------
        newdata : DataFrame, optional
            Rows to predict for; default the data the model was fitted to.
        type : {"link", "response"}
        re_form : None, "~0" / "NA", or a formula such as ``"~(1|id)"``
            None: conditional on all random effects (R's ``re.form = NULL``);
            ``"~0"`` (or ``"NA"``, ``np.nan``): population level, R's ``re.form = NA``;
            a formula: conditional on the terms it names only (lme4's ``re.form = ~(1|id)``).
        allow_new_levels : bool
            With new data, a level not seen in fitting gets random effect 0 instead of an error.
        se_fit : bool
            Also the standard errors and ``level`` intervals.
        """
        from .prediction_se import predict, predict_se
        if check_bool(se_fit, "se_fit", "add standard errors and intervals"):
            return predict_se(self, newdata, type=type, re_form=re_form, level=level, allow_new_levels=allow_new_levels)
        return predict(self, newdata, type=type, re_form=re_form, allow_new_levels=allow_new_levels)

    # --------------------------------------------------------------- simulate
    def simulate(self, nsim: int = 1, seed=None, use_u: bool | None = None, stream: str | None = None,
                 newparams: dict | None = None, newdata=None, re_form=..., allow_new_levels: bool = False,
                 weights=None) -> pd.DataFrame:
        """Simulate responses (R's ``simulate.merMod``): numpy's stream, or ``stream="r"`` / an
        :class:`~glmmlite.rstream.RStream` seed for R's draws exactly.  ``newparams``, ``newdata``,
        ``re_form``, ``allow_new_levels`` and ``weights`` (trials on newdata) as lme4's; the
        columns ``sim_1`` ... have the response's kind: see :func:`glmmlite.simulate.simulate`.
        """
        from .simulate import simulate
        return simulate(self, nsim=nsim, seed=seed, use_u=use_u, stream=stream, newparams=newparams,
                        newdata=newdata, re_form=re_form, allow_new_levels=allow_new_levels, weights=weights)

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

    def refit(self, y, warn: bool = True) -> "GlmerResult":
        """Refit the same model to a new response (R's ``refit``), e.g. a column of ``simulate``.

        ``y`` is of the response's kind (0/1, factor levels, proportions, or successes -- or
        the (successes, failures) table -- for ``cbind`` responses), one value per row used
        in the fit; a one-column DataFrame (``m.simulate(1)``, R's idiom) is taken as its
        column.  The refit runs through :attr:`model` (weights, offset, nAGQ, control and the
        summary's names are the original fit's) and starts from the current estimates, as
        lme4's.  Its warnings reach the caller as ``glmer``'s do; ``warn=False`` silences them
        without touching the warning filters (they stay in ``optinfo.warnings``).
        """
        from .simulate import response_to_y
        warn = check_bool(warn, "warn", "show the refit's warnings")
        yy = response_to_y(self.frame, y, "refit")
        return self.model.with_response(yy).fit(start=self._x, warn=warn)

    # ----------------------------------------------- profiling on the sd/cor scale
    # (the implementation: glmmlite/inference/sdcor.py)
    def param_names_sdcor(self) -> list[str]:
        """lme4's ``oldNames = FALSE`` parameter names: ``sd_(Intercept)|id``, then the fixed effects."""
        from .inference import sdcor
        return sdcor.names(self)

    def params_sdcor(self) -> np.ndarray:
        """The estimates on the sd/cor scale, then the fixed effects."""
        from .inference import sdcor
        return sdcor.estimates(self)

    def param_lower_sdcor(self) -> np.ndarray:
        from .inference import sdcor
        return sdcor.lower(self)

    def param_upper_sdcor(self) -> np.ndarray:
        from .inference import sdcor
        return sdcor.upper(self)

    def devfun_sdcor(self, z: np.ndarray) -> float:
        """The deviance at parameters on the sd/cor + beta scale."""
        from .inference import sdcor
        return sdcor.deviance_at(self, z)

    def refit_fixed(self, index: int, value: float, start: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """Fix parameter ``index`` (sd/cor + beta scale) at ``value``; minimize over the others.

        Returns the minimized deviance and the full parameter vector (sd/cor + beta scale).
        """
        from .inference import sdcor
        return sdcor.refit_fixed(self, index, value, start)

    # ------------------------------------------------------------ summary
    def summary(self, corr: bool = True) -> "Summary":
        """lme4's ``summary(m)``: printed as R prints it, and as HTML in a notebook.

        ``corr=False`` leaves out the correlation of the fixed effects (R's
        ``summary(m, corr = FALSE)``).
        """
        from .summary import Summary
        return Summary(self, corr=corr)

    def show(self):
        """lme4's ``print(m)``: the short form (fit statistics, random-effect SDs, fixed effects),
        as a :class:`~glmmlite.lme4_show.PrintedText`; ``str(m)`` is the summary."""
        from .lme4_show import PrintedText, format_short
        from .summary import summary_record
        return PrintedText(format_short(summary_record(self, corr=False)))

    def varcorr_text(self, digits: int = 5):
        """lme4's ``print(VarCorr(m))``: Groups, Name, Std.Dev. (and Corr), 5 significant digits."""
        from .lme4_show import PrintedText, format_varcorr_print
        return PrintedText(format_varcorr_print(self.varcorr(), _whole(digits, "digits")))

    def ranef_text(self, group: str, n: int = 6):
        """R's ``print(head(ranef(m)[[group]], n))``: the conditional modes of one grouping factor."""
        from .lme4_show import PrintedText, format_ranef_head
        re = self.ranef()
        if group not in re:
            raise ArgumentError(f"group must be one of {', '.join(map(repr, re))}, not {group!r}")
        return PrintedText(format_ranef_head(re[group], _whole(n, "n")))

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        return (f"<GlmerResult {self.formula!r}: {self.nobs} obs, "
                f"groups {self.ngroups}, logLik {self.loglik:.3f}>")

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    # ------------------------------------------------------------ issue 3
    def confint(self, parm=None, level: float = 0.95, method: str = "profile", **kwargs) -> pd.DataFrame:
        """Confidence intervals (R's ``confint.merMod``); see :func:`glmmlite.inference.confint.confint`."""
        from .inference.confint import confint
        return confint(self, parm=parm, level=level, method=method, **kwargs)

    def profile(self, parm=None, **kwargs):
        """The likelihood profile (R's ``profile.merMod``); see :func:`glmmlite.inference.profile.profile`."""
        from .inference.profile import profile
        return profile(self, parm=parm, **kwargs)

    # --- after the fit (issue 11) ---
    # Thin wrappers over glmmlite.prediction_se, .marginal, .emm, .simresid, .ranef_plot,
    # .tidy_table and .power_sim; the work and the documentation are there.
    def predict_interval(self, newdata: pd.DataFrame | None = None, type: str = "response", re_form: Any = None,
                         level: float = 0.95, method: str = "delta", allow_new_levels: bool = False,
                         **kwargs) -> pd.DataFrame:
        """Predictions with ``se_fit``, ``lower``, ``upper``; see :func:`glmmlite.prediction_se.predict_se`."""
        from .prediction_se import predict_se
        return predict_se(self, newdata, type=type, re_form=re_form, level=level, method=method,
                          allow_new_levels=allow_new_levels, **kwargs)

    def probabilities(self, newdata: pd.DataFrame | None = None, level: float = 0.95, n_quad: int = 32) -> pd.DataFrame:
        """Typical-cluster and population-averaged probabilities with intervals; see :mod:`glmmlite.marginal`."""
        from .marginal import probabilities
        return probabilities(self, newdata, level=level, n_quad=n_quad)

    def population_average(self, newdata: pd.DataFrame | None = None, level: float = 0.95,
                           n_quad: int = 32) -> pd.DataFrame:
        """Population-averaged probabilities; see :func:`glmmlite.marginal.population_average`."""
        from .marginal import population_average
        return population_average(self, newdata, level=level, n_quad=n_quad)

    def emmeans(self, specs: Any, by: Any = None, type: str = "response", **kwargs):
        """Estimated marginal means and contrasts; see :func:`glmmlite.emm.emmeans`."""
        from .emm import emmeans
        return emmeans(self, specs, by=by, type=type, **kwargs)

    def simulate_residuals(self, nsim: int = 250, seed=None, group: str | None = None, conditional: bool = False):
        """DHARMa-style scaled residuals; see :func:`glmmlite.simresid.simulate_residuals`."""
        from .simresid import simulate_residuals
        return simulate_residuals(self, nsim=nsim, seed=seed, group=group, conditional=conditional)

    def coef(self) -> dict[str, pd.DataFrame]:
        """R's ``coef(m)``: fixed + random effects per level of each grouping factor."""
        from .ranef_plot import coef_by_group
        return coef_by_group(self)

    def plot_ranef(self, group: str | None = None, term: str | None = None, level: float = 0.95, **kwargs):
        """Caterpillar plot of the conditional modes; see :func:`glmmlite.ranef_plot.plot_ranef`."""
        from .ranef_plot import plot_ranef
        return plot_ranef(self, group=group, term=term, level=level, **kwargs)

    def tidy(self, effects: Any = ("fixed", "ran_pars"), conf_int: bool = False, conf_level: float = 0.95,
             conf_method: str = "Wald", exponentiate: bool = False, **kwargs) -> pd.DataFrame:
        """broom.mixed's ``tidy()``; see :func:`glmmlite.tidy_table.tidy`."""
        from .tidy_table import tidy
        return tidy(self, effects=effects, conf_int=conf_int, conf_level=conf_level, conf_method=conf_method,
                    exponentiate=exponentiate, **kwargs)

    @property
    def params(self) -> pd.Series:
        """statsmodels' name for the fixed effects (``fixef``)."""
        return self.fixef.rename("params")

    @property
    def bse(self) -> pd.Series:
        """statsmodels' name for the fixed effects' standard errors."""
        return self.coef_table()["Std. Error"].rename("bse")

    @property
    def tvalues(self) -> pd.Series:
        """statsmodels' name for the Wald z statistics."""
        return self.coef_table()["z value"].rename("tvalues")

    @property
    def pvalues(self) -> pd.Series:
        """statsmodels' name for the Wald p values."""
        return self.coef_table()["Pr(>|z|)"].rename("pvalues")

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """statsmodels-style Wald intervals of the fixed effects: columns 0 and 1."""
        from .tidy_table import conf_int_sm
        return conf_int_sm(self, alpha)

    def icc(self, boot: bool = False, nsim: int = 200, seed=None, level: float = 0.95, **kwargs):
        """Intraclass correlation on the latent scale; see :func:`glmmlite.tidy_table.icc`."""
        from .tidy_table import icc
        return icc(self, boot=boot, nsim=nsim, seed=seed, level=level, **kwargs)

    def power(self, term: str, nsim: int = 100, **kwargs):
        """Power by simulation for a fixed effect; see :func:`glmmlite.power_sim.power`."""
        from .power_sim import power
        return power(self, term, nsim=nsim, **kwargs)
    def sd_confint(self, level: float = 0.95, nAGQ: int = 25, progress: bool | None = None) -> pd.DataFrame:
        """Profile interval of the random-intercept SD under nAGQ = 25; see :mod:`glmmlite.sd_interval`."""
        from .sd_interval import sd_confint
        return sd_confint(self, level=level, nAGQ=nAGQ, progress=progress)
    # --- end of after the fit (issue 11) ---


def _whole(value: Any, name: str) -> int:
    """``value`` as an int when it is a whole number >= 1, else ArgumentError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ArgumentError(f"{name} must be a whole number >= 1, not {value!r}")
    return int(value)
