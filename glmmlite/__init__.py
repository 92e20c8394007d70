"""glmmlite: binomial generalized linear mixed models with lme4's numbers.

>>> import glmmlite as gl
>>> d = gl.simulate_article_data(seed=1, stream="r")
>>> m = gl.glmer("y ~ trt * sex + (1|id)", data=d, family="binomial")
>>> m.fixef.round(3).to_dict()
{'(Intercept)': -0.504, 'trttreat': 2.104, 'sexmale': -0.337, 'trttreat:sexmale': -1.253}
"""
from .errors import *  # noqa: F401,F403
from .errors import __all__ as _errors_all  # noqa: F401
from .family import Binomial, binomial
from .fit import glmer
from .results import GlmerResult
from .rstream import RStream, r_set_seed
from .article import article_design, simulate_article_data
from .anova import AnovaTable, anova
from .confint import confint
from .profile import Profile, ProfileWarning, profile
from .bootstrap import BootResult, bootMer, bootstrap
from .plots import plot_profile, plot_simulated, simulated_proportions
from .progress import progress_iter
from .modelframe import build_model_frame
from .formula import parse_formula

__version__ = "0.1.0"
