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

# Printed summaries: the layout and every word must equal lme4's; a printed number may
# differ from lme4's by one unit in its last printed digit.  Both fits stop within about
# 1e-9 of the same deviance, but on a flat surface that leaves the 4th-5th significant
# digit free (seed m: lme4 stopped at SD 0.042422, the optimum is 0.042434, so lme4
# prints variance 0.0018 and we print 0.001801); the printer itself reproduces lme4's
# text exactly from lme4's numbers (tests/test_printing.py).
PRINTED_LAST_DIGITS = 1
# ... or by 1% relative.  lme4's optimizer stops short of the optimum by more than the
# printed precision on some models (cbpp: period2 -0.99192 vs the optimum -0.99233, whose
# deviance is 8e-6 lower), so an exact printed match would require lme4's stopping error.
# The numbers themselves are compared with quantity-specific tolerances in
# test_fit_reference.py; here each printed number must be the right quantity in its place.
PRINTED_REL = 0.01

# Profile (zeta) curves, read off our spline at lme4's focal values.  A CI end moves by
# (width / (2 * 1.96)) * dzeta, so CI_IN_WIDTH (1% of the width) allows dzeta up to
# 0.01 * 2 * 1.96 = 0.039; we ask for half of that.
ZETA_ABS = 0.02
# Near the estimate zeta is compared on the zeta^2 (deviance difference) scale: both fits
# may be DEVIANCE_ABOVE_LME4 off, twice each.
ZETA2_ABS = 4 * DEVIANCE_ABOVE_LME4

# anova: Chisq is a difference of two logLiks, each within LOGLIK_ABS: 2 * 2 * LOGLIK_ABS.
CHISQ_ABS = 4 * LOGLIK_ABS
# p = P(chi2_1 > Chisq): d log p / d Chisq ~ -1/2, so a Chisq error of CHISQ_ABS moves p by
# a relative 0.5 * CHISQ_ABS = 0.2%; allow 1%.
P_REL = 0.01

# Monte-Carlo checks of simulate(): |simulated mean - expected| <= Z_MC standard errors, the
# SE estimated from the i.i.d. simulations themselves (false alarm rate < 1e-6 per check).
Z_MC = 5.0
# Two computations of the same formula (e.g. residuals from their textbook definition on
# our own linear predictor): rounding-level agreement.
FORMULA_RTOL = 1e-10

# Checks against independent brute-force computations (dense Z, Lambda, PIRLS to 1e-12):
# glmmlite vs dense deviance at the same parameters; both run PIRLS to ~1e-11.
DEV_ABS = 1e-6
# 25-point adaptive quadrature vs the exact per-group integral (scipy quad), relative.
AGQ_REL = 1e-6
# Finite-difference gradient of the deviance at the optimum: lme4's check.conv.grad tolerance.
GRAD_ABS = 2e-3
# Conditional modes and variances vs the dense computation at the same parameters.
DENSE_RTOL = 1e-6
DENSE_ATOL = 1e-7

# Property-based tests: the same data with rows shuffled or group levels relabelled only
# reorders floating-point sums, and the optimizer stops at |grad| < 1e-6.
DEVIANCE_SAME = 1e-6

# Analytic gradients of the Laplace deviance against central differences (step 1e-6) at
# arbitrary points: the difference is truncation and PIRLS round-off, about 1e-8 of the
# gradient's size; 1e-6 relative to max|gradient|.
GRAD_FD_REL = 1e-6
