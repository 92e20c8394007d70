"""``summary(m)``: the numbers of lme4's summary, printed in its layout."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

_TOKEN = re.compile(r"\s*(`[^`]*`|%[^%]*%|\|\||[A-Za-z_.][A-Za-z0-9_.]*|\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+|\S)")
_SPACED = {"~", "+", "-", "*", "|", "||", "==", "<", ">", "<=", ">="}


def r_formula_text(formula: str) -> str:
    """The formula spaced as R deparses it: ``y ~ trt * sex + (1 | id)``, ``a:b``, ``g1/g2``,
    ``cbind(incidence, size - incidence)``."""
    tokens = [m.group(1) for m in _TOKEN.finditer(formula)]
    out: list[str] = []
    prev = None
    for tok in tokens:
        unary = tok in ("-", "+") and (prev is None or prev in _SPACED or prev in ("(", ",", "~"))
        if tok in _SPACED and not unary or tok.startswith("%"):
            out.append(f" {tok} " if prev is not None else f"{tok} ")
        elif tok == ",":
            out.append(", ")
        else:
            if unary and prev is not None and prev not in ("(", ","):
                out.append(" ")
            out.append(tok)
        prev = tok
    return re.sub(r"\s+", " ", "".join(out)).strip()


class Summary:
    """What ``summary(m)`` shows; ``str()`` gives R's text, ``_repr_html_`` a notebook table."""

    def __init__(self, model):
        self.model = model
        m = model
        self.coefficients = m.coef_table()
        self.varcorr = m.varcorr()
        pr = m.residuals("pearson").to_numpy()
        self.scaled_residuals = pd.Series(np.quantile(pr, [0, .25, .5, .75, 1]),
                                          index=["Min", "1Q", "Median", "3Q", "Max"])
        V = m.vcov().to_numpy()
        sd = np.sqrt(np.diag(V))
        self.correlation = pd.DataFrame(V / np.outer(sd, sd), index=m.fixef.index, columns=m.fixef.index)

    def _kwargs(self) -> dict:
        m = self.model
        return dict(
            nAGQ=m.nAGQ, family="binomial", link=m.family.link, formula=r_formula_text(m.formula),
            data_name=m.data_name, weights_name=m.weights_name, aic=m.aic, bic=m.bic, loglik=m.loglik, deviance=m.deviance,
            df_resid=m.df_resid, resid_quantiles=self.scaled_residuals.to_numpy(), varcorr=self.varcorr,
            nobs=m.nobs, ngroups=m.ngroups, coef_table=self.coefficients,
            corr=self.correlation if len(self.coefficients) > 1 else None,
            messages=m.messages, n_dropped_na=m.frame.n_dropped, singular=m.is_singular(),
        )

    def __str__(self) -> str:
        from . import printing
        return printing.format_summary(**self._kwargs())

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from . import printing
        return printing.summary_html(**self._kwargs())
