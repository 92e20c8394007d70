"""Every numerical tolerance the tests use, in one place, each with its reason.

Ground truth is lme4 1.1-31 (../shared/reference).  glmmlite may reach a lower
deviance than lme4 (a better optimum on a flat surface); tests then check that the
deviance is no higher and that the estimates agree within these tolerances.
"""

# The deviance (-2 logLik) may be lower than lme4's, never higher by more than this:
# lme4's Nelder-Mead stops at a tolerance of about 1e-3 on flat surfaces.
DEVIANCE_ABOVE_LME4 = 1e-3

# Fixed effects: within 1% of their standard error.  Both optimizers stop on a flat
# surface; 1% of an SE is far below anything a reader would notice.
FIXEF_IN_SE = 0.01

# Standard errors: relative 0.5%.  lme4's SEs come from a finite-difference Hessian
# (step 1e-4) at its own optimum; ours from a more accurate Hessian at ours.
SE_REL = 0.005

# Random-effect SDs: 0.005 absolute or 1% relative, whichever is larger; the
# likelihood is very flat in the SD (seed: 0.0035 deviance between SD 0 and 0.042).
SD_ABS = 0.005
SD_REL = 0.01

# logLik, AIC, BIC: 1e-3 absolute, the same as the deviance.
LOGLIK_ABS = 1e-3

# Conditional modes: within 1% of their conditional SD.
RANEF_IN_CONDSD = 0.01

# Confidence-interval ends: within 1% of the interval's width (lme4 interpolates a
# spline through a coarse grid; we do the same on our own grid).
CI_IN_WIDTH = 0.01

# Per-observation predictions/residuals that depend on the estimates: they inherit the
# estimates' tolerance; 1e-3 absolute on the link and probability scales.
PRED_ABS = 1e-3
