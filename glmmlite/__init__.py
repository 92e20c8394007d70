"""glmmlite: binomial generalized linear mixed models with lme4's numbers.

>>> import glmmlite as gl
>>> d = gl.simulate_article_data(seed=1, stream="r")
>>> m = gl.glmer("y ~ trt * sex + (1|id)", data=d, family="binomial")
>>> m.fixef.round(3).to_dict()
{'(Intercept)': -0.468, 'trttreat': 2.157, 'sexmale': -0.408, 'trttreat:sexmale': -1.195}
"""
from .errors import *  # noqa: F401,F403
from .errors import __all__ as _errors_all  # noqa: F401
from .family import Binomial, binomial
from .fit import glmer
from .control import GlmerControl, OptInfo
from .model import GlmerModel
from .results import GlmerResult
from .rstream import RStream, r_set_seed
from .article import article_design, simulate_article_data
from .inference.anova import AnovaTable, anova
from .inference.anova_fixed import FixedAnovaTable
from .inference.drop1 import Drop1Table, drop1
from .inference.confint import confint
from .inference.profile import Profile, ProfileWarning, profile
from .inference.bootstrap import BootResult, bootMer, bootstrap
from .plots import plot_profile, plot_simulated, simulated_proportions
from .progress import progress_iter
from .modelframe import build_model_frame
from .formula import parse_formula
from . import datasets  # gl.datasets.cbpp(), gl.datasets.lme4_reference()
# after the fit (issue 11)
from .prediction_se import predict_se
from .marginal import population_average, probabilities, typical_probability
from .emm import EMM, emmeans, p_adjust
from .simresid import SimResiduals, simulate_residuals
from .ranef_plot import coef_by_group, plot_ranef, ranef_intervals
from .tidy_table import icc, tidy
from .power_sim import PowerResult, power, simulate_design
from .sd_interval import sd_confint

__version__ = "0.1.0"

# ``from glmmlite import *`` gives the public functions and classes above, never the
# submodules (``optimize``, ``glm``, ``deviance``, ... would shadow the user's names)
import types as _types  # noqa: E402

__all__ = sorted(_n for _n, _v in list(globals().items())
                 if not _n.startswith("_") and not isinstance(_v, _types.ModuleType))
