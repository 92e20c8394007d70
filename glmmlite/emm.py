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
* ``adjust`` in ``"none"``, ``"holm"``, ``"bonferroni"``, within each ``by`` group.  Holm
  adjusts p values only; the intervals use Bonferroni then (as emmeans does).
"""
from __future__ import annotations

import itertools
from typing import Any, Mapping, Sequence

import warnings

import numpy as np
import pandas as pd
from scipy import special

from .errors import ArgumentError, RankDeficiencyWarning, user_stacklevel

__all__ = ["emmeans", "EMM", "p_adjust", "ADJUST_METHODS"]

ADJUST_METHODS = ("none", "holm", "bonferroni")


def p_adjust(p: np.ndarray, method: str = "none") -> np.ndarray:
    """R's ``p.adjust`` for "none", "holm" and "bonferroni"."""
    if method not in ADJUST_METHODS:
        raise ArgumentError(f"adjust must be one of {', '.join(map(repr, ADJUST_METHODS))}, not {method!r}")
    p = np.asarray(p, float)
    k = p.size
    if method == "none" or k == 0:
        return p.copy()
    if method == "bonferroni":
        return np.minimum(1.0, p * k)
    o = np.argsort(p, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((k - np.arange(k)) * p[o]))
    out = np.empty(k)
    out[o] = adj
    return out


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


def _parse_specs(specs: Any, by: Any) -> tuple[list[str], list[str]]:
    if isinstance(specs, str):
        s = specs.replace(" ", "")
        s = s[1:] if s.startswith("~") else s
        if "|" in s:
            s, b = s.split("|", 1)
            by = [v for v in b.replace("*", "+").replace(":", "+").split("+") if v] + (
                [by] if isinstance(by, str) else list(by or []))
        vars_ = [v for v in s.replace("*", "+").replace(":", "+").split("+") if v]
    else:
        vars_ = list(specs)
    bys = [by] if isinstance(by, str) else list(by or [])
    return vars_, bys


class EMM:
    """Estimated marginal means: the result of :func:`emmeans`.

    Attributes
    ----------
    grid : DataFrame
        One row per cell (the spec and by factors), first factor varying fastest.
    L : ndarray
        The linear functions of the fixed effects, one row per cell.
    estimable : ndarray of bool
        Per cell, whether the data identify its mean.  With a rank-deficient X (an empty
        cell: no treated men, say) a cell whose mean needs a dropped coefficient is not
        estimable; its mean, SE and interval are NaN (emmeans prints ``nonEst``), as are
        contrasts that involve it unless the dropped part cancels.
    """

    def __init__(self, m: Any, variables: list[str], by: list[str], grid: pd.DataFrame, L_full: np.ndarray,
                 type: str, level: float, bias_adj: bool, sigma: float | None, population: bool):
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
        self.eta = np.where(self.estimable, L @ m.beta, np.nan)
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
        from .prediction_se import check_level
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
                        level: float | None, by: list[str] | None = None) -> pd.DataFrame:
        from .prediction_se import check_level
        level = self.level if level is None else check_level(level)
        if adjust not in ADJUST_METHODS:
            raise ArgumentError(f"adjust must be one of {', '.join(map(repr, ADJUST_METHODS))}, not {adjust!r}")
        eta = self.L @ self.model.beta               # every cell: a contrast may be estimable where its cells are not
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
        zval = df["est"] / df["se"]
        pval = 2 * special.ndtr(-np.abs(zval.to_numpy()))
        by = self.by if by is None else by
        fam_key = df[list(by)].astype(str).agg("\x00".join, axis=1) if by else pd.Series("", index=df.index)
        padj = np.empty(len(df))
        lo = np.empty(len(df))
        hi = np.empty(len(df))
        for key in pd.unique(fam_key):
            idx = np.flatnonzero(fam_key.to_numpy() == key)
            padj[idx] = p_adjust(pval[idx], adjust)
            k = idx.size if adjust in ("bonferroni", "holm") else 1
            zc = special.ndtri(1 - (1 - level) / (2 * k))
            lo[idx] = df["est"].to_numpy()[idx] - zc * df["se"].to_numpy()[idx]
            hi[idx] = df["est"].to_numpy()[idx] + zc * df["se"].to_numpy()[idx]
        out = df.drop(columns=["est", "se"])
        if scale == "ratio":
            out["odds.ratio"] = np.exp(df["est"])
            out["SE"] = np.exp(df["est"]) * df["se"]
            out["z.ratio"] = zval.to_numpy()
            out["p.value"] = padj
            out["asymp.LCL"], out["asymp.UCL"] = np.exp(lo), np.exp(hi)
        else:
            out["estimate"] = df["est"]
            out["SE"] = df["se"]
            out["z.ratio"] = zval.to_numpy()
            out["p.value"] = padj
            out["asymp.LCL"], out["asymp.UCL"] = lo, hi
        out.attrs.update(scale=scale, adjust=adjust, level=level)
        return out

    def pairs(self, adjust: str = "none", scale: str | None = None, reverse: bool = False,
              level: float | None = None) -> pd.DataFrame:
        """All pairwise contrasts within each ``by`` group (emmeans' ``pairs``).

        Parameters
        ----------
        adjust : {"none", "holm", "bonferroni"}
            P-value adjustment within each by group.
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
        sep = " / " if scale == "ratio" else " - "
        items = []
        n = len(self.grid)
        for idx in self._groups():
            extra = {b: self.grid.iloc[idx[0]][b] for b in self.by}
            combos = list(itertools.combinations(idx, 2))
            if reverse:
                combos = [(j, i) for i, j in sorted(combos, key=lambda t: (-t[1], -t[0]))]
            for i, j in combos:
                w = np.zeros(n)
                w[i], w[j] = 1.0, -1.0
                lab = self._cell_label(i) + sep + self._cell_label(j)
                items.append((lab, w, extra))
        return self._contrast_table(items, scale, adjust, level)

    def contrast(self, method: str | Mapping[str, Sequence[float]] = "pairwise", adjust: str = "none",
                 scale: str | None = None, level: float | None = None) -> pd.DataFrame:
        """Contrasts of the marginal means: ``"pairwise"``, ``"revpairwise"``, or a dict of
        name -> weights (one weight per cell of each by group, emmeans' custom contrasts)."""
        if method == "pairwise":
            return self.pairs(adjust=adjust, scale=scale, level=level)
        if method == "revpairwise":
            return self.pairs(adjust=adjust, scale=scale, level=level, reverse=True)
        if not isinstance(method, Mapping):
            raise ArgumentError(f"method must be 'pairwise', 'revpairwise' or a dict of weights, not {method!r}")
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


def emmeans(m: Any, specs: Any, by: Any = None, type: str = "response", level: float = 0.95,
            bias_adj: bool = False, sigma: float | None = None, population: bool = False,
            at: Mapping[str, Any] | None = None) -> EMM:
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

    Returns
    -------
    EMM (``.summary()`` is the table; ``.pairs()``, ``.contrast()``, ``.compare()``).
    """
    from .prediction_se import check_level
    if type not in ("response", "link"):
        raise ArgumentError(f"type must be 'response' or 'link', not {type!r}")
    level = check_level(level)
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
    return EMM(m, variables, bys, grid, L_full, type, level, bias_adj, sigma, population)
