"""Estimated marginal means and contrasts of a fitted GLMM, as R's ``emmeans`` computes them.

The reference grid holds every combination of the levels of the model's factors, with numeric
covariates at their means.  The marginal mean of a cell of ``specs`` is the equally weighted
average of the grid's linear predictors over the factors not in ``specs`` (on the link scale),
for a typical cluster (random effects 0).  Standard errors by the delta method from
``vcov(m)``; intervals and tests are asymptotic (z, emmeans' ``df = Inf``).

* ``type="response"`` back-transforms: probabilities ``prob``, intervals transformed from the
  link scale; ``bias_adj=True`` with ``sigma`` (the random-intercept SD) gives emmeans'
  second-order approximation of the *population-averaged* probability,
  ``h(eta) + sigma^2 / 2 * h''(eta)``; ``population=True`` integrates exactly instead (Gauss-Hermite,
  :mod:`glmmlite.marginal`).
* Contrasts (``pairs``, ``contrast``, ``compare``) on the logit scale become odds ratios on the
  response scale; ``scale="difference"`` gives differences of probabilities (emmeans'
  ``regrid`` then ``pairs``).
* ``adjust`` in ``"tukey"``, ``"sidak"``, ``"bonferroni"``, ``"holm"``, ``"none"``, within each
  ``by`` group (:mod:`glmmlite.emm_adjust`).  The defaults are emmeans': Tukey for pairwise
  comparisons (``pairs``, ``contrast("pairwise")``), none for custom contrasts and for
  ``compare``'s single contrast.  Tukey is meant for one set of pairwise comparisons; asked for
  custom contrasts it becomes Sidak with a warning, as emmeans changes it with a note.  Holm
  adjusts p values only; the intervals use Bonferroni then (as emmeans does).
* An offset (``offset(...)`` in the formula or glmer's ``offset=``) enters the reference grid
  at its mean over the fitted rows, as emmeans 1.8 does (it averages the offset itself: for
  ``offset(log(n))`` that is ``mean(log(n))``, not ``log(mean(n))``); ``offset=`` sets another
  value.  Contrasts do not depend on it (it cancels), except differences of probabilities.
"""
from __future__ import annotations

import itertools
from typing import Any, Mapping, Sequence

import warnings

import numpy as np
import pandas as pd
from scipy import special

from .emm_adjust import ADJUST_METHODS, CONTRAST_ADJUST, adjust_family, check_adjust, p_adjust
from .argcheck import check_bool, takes_fit
from .errors import ArgumentError, GlmmliteWarning, RankDeficiencyWarning, user_stacklevel
from .inference.levels import check_level

__all__ = ["emmeans", "EMM", "p_adjust", "ADJUST_METHODS", "CONTRAST_ADJUST"]


def _level_label(var: str, level: Any) -> str:
    s = str(level)
    try:
        float(s)
    except ValueError:
        return s
    return f"{var}{s}"


# ----------------------------------------------------------------------------- the reference grid
def _model_variables(m: Any) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """Factors of the fixed part ({column: {label: value in the data}}, in formula order) and
    numeric columns with their means."""
    from .contrasts import recode
    from .formula import names_in
    from .modelframe import _factor_source
    fr = m.frame
    spec = fr.spec.fixed
    factors: dict[str, dict[str, Any]] = {}
    numeric: dict[str, float] = {}
    for label, node in spec.nodes.items():
        coding = spec.codings[label]
        if coding.is_factor:
            col = _factor_source(node) or node.id
            vals = pd.unique(fr.data[col].dropna())
            codes, _ = recode(pd.Series(vals), coding.factor)
            level_map = {}
            for lab_i, lab in enumerate(coding.factor.labels):
                hit = np.flatnonzero(codes == lab_i)
                if hit.size:
                    level_map[lab] = vals[hit[0]]
            factors[col] = level_map
        else:
            for col in names_in(node):
                if col not in numeric and col in fr.data.columns:
                    numeric[col] = float(pd.to_numeric(fr.data[col]).mean())
    return factors, numeric


_SPECS_HINT = "e.g. 'trt', ['trt', 'sex'], '~ trt * sex' or '~ trt | sex'"


def _names(value: Any, what: str) -> list[str]:
    """A factor name or a list of them, else ArgumentError."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ArgumentError(f"{what} must be a factor name or a list of factor names ({_SPECS_HINT}), not {value!r}")


def _parse_specs(specs: Any, by: Any) -> tuple[list[str], list[str]]:
    bys = _names(by, "by")
    if isinstance(specs, str):
        s = specs.replace(" ", "")
        lhs, tilde, rhs = s.partition("~")
        if tilde and lhs:
            method = {"pairwise": ".pairs()", "revpairwise": ".pairs(reverse=True)"}.get(lhs)
            fix = (f"m.emmeans({rhs!r}){method}" if method else
                   f"m.emmeans({rhs!r}).contrast({{name: weights}}) for custom contrasts, or .pairs()")
            raise ArgumentError(f"specs {specs!r} asks for contrasts in R's '{lhs} ~ ...' form; glmmlite makes "
                                f"the marginal means first and the contrasts from them: use {fix}")
        s = rhs if tilde else s
        if "|" in s:
            s, b = s.split("|", 1)
            bys = [v for v in b.replace("*", "+").replace(":", "+").split("+") if v] + bys
        vars_ = [v for v in s.replace("*", "+").replace(":", "+").split("+") if v]
    elif specs is None:
        raise ArgumentError(f"specs must be a factor name or a list of factor names ({_SPECS_HINT}), not None")
    else:
        vars_ = _names(specs, "specs")
    for what, names in (("specs", vars_), ("by", bys)):
        dup = sorted({v for v in names if names.count(v) > 1})
        if dup:
            raise ArgumentError(f"{what} names {dup} more than once")
    both = [v for v in vars_ if v in bys]
    if both:
        raise ArgumentError(f"{', '.join(map(repr, both))} is in both specs and by: a factor is either tabulated (specs) or "
                            f"conditioned on (by), not both; e.g. emmeans('trt', by='sex')")
    return vars_, bys


class EMM:
    """Estimated marginal means: the result of :func:`emmeans`.

    Attributes
    ----------
    grid : DataFrame
        One row per cell (the spec and by factors), first factor varying fastest.
    L : ndarray
        The linear functions of the fixed effects, one row per cell.
    offset : float
        The offset added to every cell's linear predictor (0 without one; by default the mean
        offset of the fitted rows, as emmeans).
    estimable : ndarray of bool
        Per cell, whether the data identify its mean.  With a rank-deficient X (an empty
        cell: no treated men, say) a cell whose mean needs a dropped coefficient is not
        estimable; its mean, SE and interval are NaN (emmeans prints ``nonEst``), as are
        contrasts that involve it unless the dropped part cancels.
    """

    def __init__(self, m: Any, variables: list[str], by: list[str], grid: pd.DataFrame, L_full: np.ndarray,
                 type: str, level: float, bias_adj: bool, sigma: float | None, population: bool,
                 offset: float = 0.0):
        L = m.frame.drop_aliased(L_full)
        self.L_full = L_full
        self.estimable = m.frame.estimable(L_full)
        if not self.estimable.all():
            cells = ", ".join(" ".join(map(str, r)) for r in grid[~self.estimable].itertuples(index=False))
            warnings.warn(RankDeficiencyWarning(
                f"marginal mean(s) of {cells} not estimable: the fit dropped "
                f"{', '.join(m.frame.dropped_fixef)} (aliased: these data cannot estimate it), so these "
                "cells' means and the contrasts that need them are NaN, as emmeans' nonEst"),
                stacklevel=user_stacklevel())
        self.model = m
        self.variables = variables
        self.by = by
        self.grid = grid
        self.L = L
        self.type = type
        self.level = level
        self.bias_adj = bias_adj
        self.sigma = sigma
        self.population = population
        self.offset = float(offset)
        self.eta = np.where(self.estimable, L @ m.beta + self.offset, np.nan)
        self.V = L @ m._vcov @ L.T
        self.se_link = np.where(self.estimable, np.sqrt(np.maximum(np.diag(self.V), 0.0)), np.nan)

    # -------------------------------------------------------------- the means
    def _response_mean(self, eta: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities, their derivative with respect to eta) at ``eta`` (default the means)."""
        fam = self.model.family
        eta = self.eta if eta is None else eta
        if self.population:
            from .marginal import _integrate
            return _integrate(fam, eta, np.full(eta.size, float(self.sigma)), 32)
        if not self.bias_adj:
            return fam.linkinv(eta), fam.mu_eta(eta)
        # second-order Taylor (emmeans' bias.adj): derivatives by central differences of mu_eta
        h = 1e-4
        d1 = fam.mu_eta(eta)
        d2 = (fam.mu_eta(eta + h) - fam.mu_eta(eta - h)) / (2 * h)
        d3 = (fam.mu_eta(eta + h) - 2 * d1 + fam.mu_eta(eta - h)) / h ** 2
        s2 = float(self.sigma) ** 2
        return fam.linkinv(eta) + 0.5 * s2 * d2, d1 + 0.5 * s2 * d3

    def summary(self, level: float | None = None) -> pd.DataFrame:
        """The table of marginal means with SEs and intervals (emmeans' column names)."""
        level = self.level if level is None else check_level(level)
        z = special.ndtri(0.5 + level / 2)
        out = self.grid.copy()
        lo, hi = self.eta - z * self.se_link, self.eta + z * self.se_link
        if self.type == "link":
            out["emmean"], out["SE"] = self.eta, self.se_link
            out["asymp.LCL"], out["asymp.UCL"] = lo, hi
        else:
            p, d = self._response_mean()
            out["prob"], out["SE"] = p, np.abs(d) * self.se_link
            plo, phi = self._response_mean(lo)[0], self._response_mean(hi)[0]
            out["asymp.LCL"], out["asymp.UCL"] = plo, phi
        return out

    def __repr__(self) -> str:
        return self.summary().to_string(index=False)

    def _repr_html_(self) -> str:
        return self.summary().to_html(index=False)

    # ------------------------------------------------------------ contrasts
    def _cell_label(self, i: int, names: list[str] | None = None) -> str:
        """Cell name as emmeans writes it in contrasts: levels joined by spaces, a level that
        looks like a number prefixed with its factor's name (``period1``)."""
        return " ".join(_level_label(v, self.grid.iloc[i][v]) for v in (names or self.variables))

    def _groups(self) -> list[np.ndarray]:
        if not self.by:
            return [np.arange(len(self.grid))]
        keys = self.grid[self.by].astype(str).agg("\x00".join, axis=1)
        return [np.flatnonzero(keys.to_numpy() == k) for k in pd.unique(keys)]

    def _scale(self, scale: str | None) -> str:
        if scale is None:
            scale = "ratio" if (self.type == "response" and self.model.family.link == "logit") else "link"
        if scale not in ("link", "ratio", "odds_ratio", "difference"):
            raise ArgumentError(f"scale must be 'link', 'odds_ratio' or 'difference', not {scale!r}")
        if scale == "odds_ratio":
            scale = "ratio"
        if scale == "ratio" and self.model.family.link != "logit":
            raise ArgumentError(f"odds ratios need the logit link; this model's link is {self.model.family.link!r}: "
                                f"use scale='link' or 'difference'")
        return scale

    def _contrast_table(self, pairs: list[tuple[str, np.ndarray, dict]], scale: str, adjust: str,
                        level: float | None, by: list[str] | None = None,
                        n_means: dict[str, int] | None = None) -> pd.DataFrame:
        """The contrasts ``pairs`` (label, weights over the cells, by columns) as a table,
        adjusted within each by group; ``n_means``: Tukey's number of means per group key."""
        level = self.level if level is None else check_level(level)
        adjust = check_adjust(adjust)
        eta = self.L @ self.model.beta + self.offset   # every cell: a contrast may be estimable where its cells are not
        if scale == "difference":
            p, d = self._response_mean(eta)
            G = d[:, None] * self.L
        else:
            p, G = None, self.L
        V = self.model._vcov
        rows = []
        for label, w, extra in pairs:
            if scale == "difference":                # probabilities: no dropped part can cancel
                ok = bool(self.estimable[w != 0].all())
            else:
                ok = bool(self.model.frame.estimable(w @ self.L_full)[0])
            est = se = np.nan
            if ok:
                est = float(w @ p) if scale == "difference" else float(w @ eta)
                g = w @ G
                se = float(np.sqrt(max(g @ V @ g, 0.0)))
            rows.append({"contrast": label, **extra, "est": est, "se": se})
        df = pd.DataFrame(rows)
        zval = (df["est"] / df["se"]).to_numpy()
        by = self.by if by is None else by
        fam_key = df[list(by)].astype(str).agg("\x00".join, axis=1) if by else pd.Series("", index=df.index)
        padj = np.empty(len(df))
        crit = np.empty(len(df))
        for key in pd.unique(fam_key):
            idx = np.flatnonzero(fam_key.to_numpy() == key)
            padj[idx], crit[idx] = adjust_family(zval[idx], adjust, level, (n_means or {}).get(key, 0))
        lo = df["est"].to_numpy() - crit * df["se"].to_numpy()
        hi = df["est"].to_numpy() + crit * df["se"].to_numpy()
        out = df.drop(columns=["est", "se"])
        if scale == "ratio":
            out["odds.ratio"] = np.exp(df["est"])
            out["SE"] = np.exp(df["est"]) * df["se"]
            out["z.ratio"] = zval
            out["p.value"] = padj
            out["asymp.LCL"], out["asymp.UCL"] = np.exp(lo), np.exp(hi)
        else:
            out["estimate"] = df["est"]
            out["SE"] = df["se"]
            out["z.ratio"] = zval
            out["p.value"] = padj
            out["asymp.LCL"], out["asymp.UCL"] = lo, hi
        out.attrs.update(scale=scale, adjust=adjust, level=level)
        return out

    def _group_key(self, idx: np.ndarray) -> str:
        return "\x00".join(str(self.grid.iloc[idx[0]][b]) for b in self.by)

    def pairs(self, adjust: str = "tukey", scale: str | None = None, reverse: bool = False,
              level: float | None = None) -> pd.DataFrame:
        """All pairwise contrasts within each ``by`` group (emmeans' ``pairs``).

        Parameters
        ----------
        adjust : {"tukey", "sidak", "bonferroni", "holm", "none"}
            Multiplicity adjustment of the p values and intervals within each by group (see
            :mod:`glmmlite.emm_adjust`).  The default is emmeans': Tukey's, for the number of
            means in the group (with two means it changes nothing).
        scale : {None, "link", "odds_ratio", "difference"}
            None: odds ratios for a logit model with ``type="response"``, log-odds differences
            with ``type="link"``; "difference": differences of probabilities.
        reverse : bool
            emmeans' ``revpairwise``: later level first.
        level : float, optional
            Confidence level (default the EMM's).

        Returns
        -------
        DataFrame: ``contrast``, by columns, ``odds.ratio`` (or ``estimate``), ``SE``,
        ``z.ratio``, ``p.value``, ``asymp.LCL``, ``asymp.UCL``.  Ratios are "a / b"; differences "a - b".
        """
        scale = self._scale(scale)
        adjust = check_adjust(adjust)
        reverse = check_bool(reverse, "reverse", "True: later level first, emmeans' revpairwise")
        sep = " / " if scale == "ratio" else " - "
        items = []
        n_means = {}
        n = len(self.grid)
        for idx in self._groups():
            n_means[self._group_key(idx)] = idx.size
            extra = {b: self.grid.iloc[idx[0]][b] for b in self.by}
            combos = list(itertools.combinations(idx, 2))
            if reverse:
                combos = [(j, i) for i, j in sorted(combos, key=lambda t: (-t[1], -t[0]))]
            for i, j in combos:
                w = np.zeros(n)
                w[i], w[j] = 1.0, -1.0
                lab = self._cell_label(i) + sep + self._cell_label(j)
                items.append((lab, w, extra))
        return self._contrast_table(items, scale, adjust, level, n_means=n_means)

    def contrast(self, method: str | Mapping[str, Sequence[float]] = "pairwise", adjust: str | None = None,
                 scale: str | None = None, level: float | None = None) -> pd.DataFrame:
        """Contrasts of the marginal means (emmeans' ``contrast``).

        Parameters
        ----------
        method : "pairwise", "revpairwise" or dict
            A dict maps a contrast's name to its weights, one per cell of each by group
            (emmeans' custom contrasts, e.g. ``{"treat - control": [-1, 1]}``).
        adjust : {None, "tukey", "sidak", "bonferroni", "holm", "none"}
            None: emmeans' default for ``method``, "tukey" for pairwise comparisons and "none"
            for custom contrasts.  Tukey's method is for one set of pairwise comparisons: asked
            for custom contrasts it is replaced by "sidak" with a warning (emmeans does the same).
        scale, level
            As in :meth:`pairs`.

        Returns
        -------
        DataFrame, as :meth:`pairs`.
        """
        if isinstance(method, str) and method in ("pairwise", "revpairwise"):
            return self.pairs(adjust="tukey" if adjust is None else adjust, scale=scale, level=level,
                              reverse=method == "revpairwise")
        if not isinstance(method, Mapping):
            raise ArgumentError(f"method must be 'pairwise', 'revpairwise' or a dict of weights, not {method!r}")
        adjust = "none" if adjust is None else check_adjust(adjust)
        if adjust == "tukey":
            warnings.warn(GlmmliteWarning(
                'adjust="tukey" was changed to "sidak" because "tukey" is only appropriate for one set of '
                'pairwise comparisons (as emmeans does); use .pairs() for those'), stacklevel=user_stacklevel())
            adjust = "sidak"
        scale = self._scale(scale)
        items = []
        n = len(self.grid)
        for idx in self._groups():
            extra = {b: self.grid.iloc[idx[0]][b] for b in self.by}
            for name, wts in method.items():
                wts = np.asarray(wts, float)
                if wts.shape != (idx.size,):
                    raise ArgumentError(f"contrast {name!r} has {wts.size} weights; each by group has {idx.size} cells")
                w = np.zeros(n)
                w[idx] = wts
                items.append((str(name), w, extra))
        return self._contrast_table(items, scale, adjust, level)

    def _find_cell(self, cell: Mapping[str, Any]) -> int:
        if not isinstance(cell, Mapping):
            raise ArgumentError(f"a cell is a dict of factor -> level, e.g. {{'trt': 'treat'}}; got {cell!r}")
        cols = self.variables + self.by
        for k, v in cell.items():
            if k not in cols:
                raise ArgumentError(f"compare: {k!r} is not one of the factors of these marginal means ({cols})")
            known = [str(x) for x in pd.unique(self.grid[k])]
            if str(v) not in known:
                raise ArgumentError(f"compare: unknown level {v!r} of factor {k!r}; known levels: {known}")
        missing = [c for c in cols if c not in cell]
        if missing:
            raise ArgumentError(f"compare: give a level for every factor of the marginal means; missing {missing}")
        ok = np.ones(len(self.grid), bool)
        for k, v in cell.items():
            ok &= self.grid[k].astype(str).to_numpy() == str(v)
        return int(np.flatnonzero(ok)[0])

    def compare(self, a: Mapping[str, Any], b: Mapping[str, Any], scale: str | None = None,
                level: float | None = None) -> pd.DataFrame:
        """One contrast between any two cells, e.g. treated vs control among men::

            emm.compare({"trt": "treat", "sex": "male"}, {"trt": "control", "sex": "male"})

        A single contrast: its p value and interval are not adjusted.
        """
        scale = self._scale(scale)
        i, j = self._find_cell(a), self._find_cell(b)
        w = np.zeros(len(self.grid))
        w[i] += 1.0
        w[j] -= 1.0
        names = self.variables + self.by
        lab_i, lab_j = self._cell_label(i, names), self._cell_label(j, names)
        lab = lab_i + (" / " if scale == "ratio" else " - ") + lab_j
        return self._contrast_table([(lab, w, {})], scale, "none", level, by=[])


@takes_fit
def emmeans(m: Any, specs: Any, by: Any = None, type: str = "response", level: float = 0.95,
            bias_adj: bool = False, sigma: float | None = None, population: bool = False,
            at: Mapping[str, Any] | None = None, offset: float | None = None) -> EMM:
    """Estimated marginal means (R's ``emmeans(m, specs, by, type)``).

    Parameters
    ----------
    m : GlmerResult
    specs : str or list of str
        Factors to tabulate: ``"trt"``, ``["trt", "sex"]``, ``"~ trt * sex"`` or ``"~ trt | sex"``.
    by : str or list of str, optional
        Factors to condition on (contrasts are made within each by group).
    type : {"response", "link"}
    level : float
    bias_adj : bool
        emmeans' ``bias.adj = TRUE``: approximate population-averaged probabilities (second-order
        Taylor expansion), needs ``sigma``.
    sigma : float, optional
        SD of the random effects for ``bias_adj`` / ``population`` (default: the SD of the
        linear predictor's random part for a model with one random intercept).
    population : bool
        Exact population averages by Gauss-Hermite quadrature instead of the Taylor approximation.
    at : dict, optional
        Restrict a factor to some levels (``{"sex": ["male"]}``) or set a numeric covariate.
    offset : float, optional
        The offset (link scale) added to every cell, as ``ref_grid(offset =)``.  Default: the
        mean over the fitted rows of the model's offset (``offset(...)`` terms and glmer's
        ``offset=`` together), which is what emmeans 1.8 uses: for ``offset(log(n))`` the mean
        of ``log(n)``; ``at=`` cannot move it.  0 without an offset.

    Returns
    -------
    EMM (``.summary()`` is the table; ``.pairs()``, ``.contrast()``, ``.compare()``).
    """
    from .formula import names_in
    if not isinstance(type, str) or type not in ("response", "link"):
        raise ArgumentError(f"type must be 'response' or 'link', not {type!r}")
    level = check_level(level)
    bias_adj = check_bool(bias_adj, "bias_adj")
    population = check_bool(population, "population")
    if at is not None and not isinstance(at, Mapping):
        raise ArgumentError(f"at must be a dict of variable -> value(s), e.g. {{'sex': ['male']}}, not {at!r}")
    off_vars = sorted({v for node in m.frame.spec.offsets for v in names_in(node)})
    if offset is None:
        offset = float(np.mean(m.frame.offset)) if m.frame.offset.size else 0.0
    elif isinstance(offset, bool) or not isinstance(offset, (int, float, np.integer, np.floating)) \
            or not np.isfinite(offset):
        raise ArgumentError(f"offset must be one finite number on the link scale (e.g. np.log(10)), not {offset!r}")
    factors, numeric = _model_variables(m)
    variables, bys = _parse_specs(specs, by)
    if not variables:
        raise ArgumentError(f"specs {specs!r} names no factor")
    for v in variables + bys:
        if v not in factors:
            raise ArgumentError(f"{v!r} is not a factor of the model's fixed effects; factors: {list(factors)}"
                                + (f" ({v!r} is numeric: give its values with at=)" if v in numeric else ""))
    levels = {k: list(v) for k, v in factors.items()}
    for k, v in (at or {}).items():
        vals = [v] if isinstance(v, (str, int, float, np.number)) else list(v)
        if k in factors:
            known = list(factors[k])
            bad = [x for x in vals if str(x) not in known]
            if bad:
                raise ArgumentError(f"at: unknown level(s) {bad} of factor {k!r}; known levels: {known}")
            levels[k] = [str(x) for x in vals]
        elif k in numeric:
            if len(vals) != 1:
                raise ArgumentError(f"at: give one value for the numeric covariate {k!r}")
            numeric[k] = float(vals[0])
        elif k in off_vars:
            raise ArgumentError(f"at: {k!r} enters only the offset, which the reference grid holds at its mean "
                                f"(as emmeans); give the offset's value on the link scale with offset=, "
                                f"e.g. offset=np.log(10)")
        else:
            raise ArgumentError(f"at: {k!r} is not a variable of the model's fixed effects")
    if (bias_adj or population) and type != "response":
        raise ArgumentError("bias_adj / population apply to type='response' only")
    if bias_adj and population:
        raise ArgumentError("choose one of bias_adj (emmeans' approximation) and population (exact integral)")
    if (bias_adj or population) and sigma is None:
        terms = m.frame.random
        if len(terms) == 1 and terms[0].k == 1:
            sigma = float(abs(m.layout.factors(m.theta)[0][0, 0]))
        else:
            raise ArgumentError("bias_adj / population need sigma= (the SD of the random part of the linear predictor)")
    # full grid: first factor fastest
    names = list(factors)
    combos = list(itertools.product(*[levels[k] for k in reversed(names)]))
    full = pd.DataFrame([dict(zip(reversed(names), c)) for c in combos])[names] if names else pd.DataFrame(index=[0])
    nd = pd.DataFrame({k: [factors[k][lab] for lab in full[k]] for k in names})
    for k, v in numeric.items():
        nd[k] = v
    X = m.frame.fixed_matrix_full(nd)
    keys_cols = variables + bys
    order = sorted(range(len(full)), key=lambda r: tuple(levels[c].index(full.iloc[r][c]) for c in reversed(keys_cols)))
    cells: dict[tuple, list[int]] = {}
    for r in order:
        cells.setdefault(tuple(full.iloc[r][c] for c in keys_cols), []).append(r)
    grid = pd.DataFrame(list(cells), columns=keys_cols)
    L_full = np.vstack([X[rows].mean(axis=0) for rows in cells.values()])
    return EMM(m, variables, bys, grid, L_full, type, level, bias_adj, sigma, population, float(offset))


