"""Single-term deletions (lme4's ``drop1(m, test = "Chisq")``).

For each fixed-effect term that can be left out on its own -- by default those that no other
term contains (R's ``drop.scope``: with ``trt * sex`` only ``trt:sex``) -- the model is refitted
without it on the same rows.  The table has a row ``<none>`` for the model itself, then one per
term: ``npar``, the number of parameters the term takes (the difference in the number of
parameters), and ``AIC`` of the reduced model; with ``test="Chisq"`` also ``LRT``, the
likelihood-ratio statistic (-2 logLik of the reduced model minus that of the full one), and
``Pr(Chi)``, its chi-squared p value on ``npar`` degrees of freedom.  A term whose removal
leaves the model matrix's span unchanged (a main effect dropped below its interaction) has
``npar`` 0 and no p value, as in R.
"""
from __future__ import annotations

import dataclasses
import html
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..argcheck import takes_fit
from ..errors import ArgumentError, FormulaError
from ..formula import TermSet, _Encoder, parse_expression
from ..html_print import table_html
from ..rprint import SIGNIF_LEGEND, print_coefmat
from ..summary import formula_lines
from .headed_table import HeadedTable

__all__ = ["drop1", "Drop1Table", "drop_scope"]


class Drop1Table(HeadedTable):
    """The table of :func:`drop1`: a DataFrame plus R's heading.

    Indexing works as on the DataFrame (``tab["AIC"]``, ``tab.loc["trt:sex"]``); ``str(tab)``
    prints R's layout; in a notebook it shows as an HTML table.

    Attributes
    ----------
    table : DataFrame
        Columns ``npar`` and ``AIC`` (and ``LRT``, ``Pr(Chi)`` with ``test="Chisq"``); rows
        ``<none>`` and the dropped terms.
    heading : list of str
        ``["Single term deletions", "", "Model:", formula]`` (a long formula in R's pieces).
    fits : dict
        Term -> the refitted model without it (a :class:`GlmerResult`).
    """

    _own = ("table", "heading", "fits")

    def __init__(self, table: pd.DataFrame, heading: list[str], fits: dict[str, Any]) -> None:
        self.table = table
        self.heading = heading
        self.fits = fits

    def _cells(self, width: int = 80):
        cols = [self.table[c].to_numpy(dtype=float).tolist() for c in self.table.columns]
        has_p = self.table.columns[-1] == "Pr(Chi)"
        # R's print.anova: every column but the p value zapped; no test-statistic column (LRT
        # is not one of the names it treats so), no Df column
        return print_coefmat(cols, [str(i) for i in self.table.index], list(self.table.columns), digits=5,
                             show_stars=True, cs_ind=[], tst_ind=[],
                             zap_ind=list(range(len(cols) - 1 if has_p else len(cols))),
                             has_pvalue=has_p, p_values=has_p, na_print="", width=width)

    def __str__(self) -> str:
        lines, _, _, _ = self._cells()
        return "\n".join(self.heading + lines)

    def _repr_html_(self) -> str:
        _, cells, header, stars = self._cells()
        out = ['<div class="glmmlite-drop1">', f"<div><b>{html.escape(self.heading[0])}</b></div>",
               f"<div>Model: <code>{html.escape(' '.join(h.strip() for h in self.heading[3:]))}</code></div>"]
        header = [h if h else " " for h in header]
        out.append(table_html(pd.DataFrame(cells, index=[str(i) for i in self.table.index], columns=header),
                              align=["right"] * self.table.shape[1] + (["left"] if stars else [])))
        if stars:
            out.append('<div style="font-size:0.85em;color:#555;">Signif. codes: %s</div>'
                       % html.escape(SIGNIF_LEGEND))
        out.append("</div>")
        return "".join(out)


def drop_scope(terms: TermSet) -> list[str]:
    """R's ``drop.scope``: the term labels that no other term contains."""
    sets = [frozenset(t) for t in terms.terms]
    return [lab for lab, s in zip(terms.labels, sets) if not any(s < other for other in sets)]


def _scope_labels(m: Any, scope: Any) -> list[str]:
    fixed = m.frame.parsed.fixed
    if scope is None:
        return drop_scope(fixed)
    if isinstance(scope, str) and "~" in scope:
        rhs = scope.split("~", 1)[1]
        if not rhs.strip():
            raise ArgumentError(f"scope={scope!r} has no terms after '~'")
        try:
            enc = _Encoder(scope, allow_offset=False)
            wanted = enc.termset(enc.encode(parse_expression(rhs))).terms
        except FormulaError as e:
            raise ArgumentError(f"scope={scope!r} is not a formula of fixed-effect terms: {e}") from None
    elif isinstance(scope, str):
        wanted = [tuple(scope.split(":"))]
    elif isinstance(scope, (list, tuple)) and all(isinstance(s, str) for s in scope):
        wanted = [tuple(s.split(":")) for s in scope]
    else:
        raise ArgumentError("scope= must be None (the terms that can be dropped on their own), a list of term "
                            f"labels such as ['trt:sex'], or a formula such as '~ trt * sex'; not {scope!r}")
    by_set = {frozenset(t): lab for t, lab in zip(fixed.terms, fixed.labels)}
    out, bad = [], []
    for t in wanted:
        lab = by_set.get(frozenset(v.strip() for v in t))
        (out if lab is not None else bad).append(lab if lab is not None else ":".join(t))
    if bad:
        raise ArgumentError(f"scope has term(s) {', '.join(map(repr, bad))} that are not fixed-effect terms of "
                            f"{m.formula!r} (R: 'scope is not a subset of term labels'); its terms: "
                            f"{', '.join(fixed.labels) or 'none'}")
    return list(dict.fromkeys(out))


@takes_fit
def drop1(m: Any, scope: Any = None, test: str | None = "none", k: float = 2.0) -> Drop1Table:
    """Refit without each fixed-effect term in turn (lme4's ``drop1``).

    Parameters
    ----------
    m : GlmerResult
    scope : None, list of str or str, optional
        The terms to try: None (default) for those no other term contains, as R's
        ``drop.scope``; a list of term labels (``["trt", "sex"]``); or a formula of fixed
        terms (``"~ trt * sex"``).
    test : "none" (default) or "Chisq"
        ``"Chisq"`` adds the likelihood-ratio statistic ``LRT`` and its p value ``Pr(Chi)``.
    k : float, default 2
        The penalty per parameter in ``AIC`` (``log(nobs)`` gives BIC), as R's ``k``.

    Returns
    -------
    Drop1Table
        ``str()`` of it is R's printed table; ``.table`` the DataFrame; ``.fits`` the refits.

    Examples
    --------
    >>> import glmmlite as gl
    >>> m = gl.glmer("y ~ trt * sex + (1|id)", data=gl.simulate_article_data(seed=1, stream="r"))
    >>> print(gl.drop1(m, test="Chisq"))  # doctest: +NORMALIZE_WHITESPACE
    Single term deletions
    <BLANKLINE>
    Model:
    y ~ trt * sex + (1 | id)
            npar    AIC   LRT   Pr(Chi)
    <none>       4193.8
    trt:sex    1 4247.6 55.79 8.066e-14 ***
    ---
    Signif. codes:  0 ‘***’ 0.001 ‘**’ 0.01 ‘*’ 0.05 ‘.’ 0.1 ‘ ’ 1
    """
    if test is None:
        test = "none"
    if test not in ("none", "Chisq"):
        raise ArgumentError(f"test= must be 'none' or 'Chisq' (the likelihood-ratio test), not {test!r}")
    if isinstance(k, bool) or not isinstance(k, (int, float, np.floating)) or not np.isfinite(k) or k < 0:
        raise ArgumentError(f"k= must be a finite number >= 0 (2 for AIC), not {k!r}")
    labels = _scope_labels(m, scope)
    if not labels:
        raise ArgumentError(f"{m.formula!r} has no fixed-effect term to drop")

    def aic(fit) -> float:
        return -2.0 * fit.loglik + k * fit.n_params

    rows = {"<none>": (np.nan, aic(m), np.nan)}
    fits = {}
    for lab in labels:
        model = dataclasses.replace(m.model, frame=m.frame.without_fixed_terms([lab]))
        fit = model.fit()
        fits[lab] = fit
        rows[lab] = (float(m.n_params - fit.n_params), aic(fit), -2.0 * (fit.loglik - m.loglik))
    table = pd.DataFrame({"npar": [r[0] for r in rows.values()], "AIC": [r[1] for r in rows.values()]},
                         index=list(rows))
    if test == "Chisq":
        lrt = np.array([r[2] for r in rows.values()])
        df = table["npar"].to_numpy()
        p = np.full(len(lrt), np.nan)
        ok = np.isfinite(lrt) & (df > 0)
        p[ok] = stats.chi2.sf(lrt[ok], df[ok])
        table["LRT"] = lrt
        table["Pr(Chi)"] = p
    lines = formula_lines(m.formula)          # R's deparse: a long formula on several lines
    heading = ["Single term deletions", "", "Model:", *([lines] if isinstance(lines, str) else lines)]
    return Drop1Table(table, heading, fits)
