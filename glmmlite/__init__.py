"""glmmlite: binomial generalized linear mixed models with lme4's numbers.

>>> import glmmlite as gl
>>> m = gl.glmer("y ~ trt * sex + (1|id)", data=df, family="binomial")   # doctest: +SKIP
"""
from .errors import *  # noqa: F401,F403
from .family import Binomial, binomial
from .fit import glmer
from .results import GlmerResult

__version__ = "0.1.0"
