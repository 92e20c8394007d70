"""Every numerical tolerance the tests use, in one place, each with its reason.

Ground truth is lme4 1.1-31 (tests/lme4/, copied from the reference run).  glmmlite may reach a lower
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
# ... and a printed p value of the fixed-effects table through its z = qnorm(p / 2, lower = FALSE),
# with the z column's tolerance above (tests/test_print_multi_vs_lme4.py): p is a function of its
# row's z, and a relative change dz/z of z moves log(p) by about z^2 dz/z, so a z within 0.12% of
# lme4's (random slope model: 7.346 vs 7.355, from SEs 0.14% apart) moves p by 7% (2.04e-13 vs
# 1.91e-13).  Each printed p is allowed the rounding of its own last digit (0.0019 prints every p
# in [0.00185, 0.00195)).  Applied to the multi-term models, whose SEs differ from lme4's by up to
# 0.7% (tests/lme4/README.md: lme4's Hessian is taken from its early-stopped PIRLS deviance).
PRINTED_P_VIA_Z = True

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

# anova(m) of one model: sqrt(Sum Sq) of a term is the length of its part of R_X beta, in units
# of standard errors (R_X' R_X is the inverse covariance).  Each estimate is within FIXEF_IN_SE of
# an SE of lme4's and R_X within SE_REL of lme4's, so sqrt(Sum Sq) may differ by up to
# FIXEF_IN_SE * sqrt(p) + SE_REL * sqrt(Sum Sq) (p the number of fixed effects); see
# test_anova_single.py.  At lme4's own beta and R_X the table is a formula: FORMULA_RTOL.
SEQ_SS_SQRT_PER_SQRT_P = FIXEF_IN_SE
SEQ_SS_SQRT_REL = SE_REL

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

# ---- H1: R's simulate() draw for draw (tests/test_simulate_r.py) -------------------------
# With lme4's own estimates as newparams every simulated value equals R's: tolerance 0.
# From glmmlite's own fit (estimates within ~1e-5 of lme4's) a Bernoulli draw flips only when
# R's uniform falls between the two probabilities, |dmu| ~ 1e-6 per draw: about 0.4 flips
# expected per 350,000 draws of the article data, so at most this many may differ per data set.
SIM_OWN_FIT_MAX_DIFF = 5

# ---- H1b: simulate(newdata=) (tests/test_simulate_newdata.py) ----------------------------
# Draw for draw against lme4 as above (0 differences with lme4's estimates).  The numpy
# stream is checked by Monte Carlo: the mean of 20,000 simulated 0/1 values per new row
# against the model's population average (brute-force integration); its error is
# sqrt(p (1 - p) / nsim); 4.5 SEs makes a false alarm over the 4 rows about 3e-5.
SIM_NEWDATA_MEAN_Z = 4.5

# ---- H5 (issue 13: structure) ------------------------------------------------------------
# Module size: issue 13 asks for "no module over about 500 lines unless a faithful port that
# reads better whole"; "about" leaves room for docstrings (inference/profile.py opens with a
# 40-line description of lme4's algorithm), so the split modules are held to 560.
MODULE_LINES_MAX = 560

# ---- H3: after the fit (issue 11; tests/test_after_fit_*.py) -----------------------------
# Quantities derived from the estimates and vcov (predictions, their SEs and intervals,
# emmeans' probabilities, odds ratios, differences, z ratios) against R's, computed from lme4's
# own fit: they inherit the estimates' and SEs' differences, SE_REL (0.5%, relative).  Observed:
# 3e-5 on the article's model, 9e-4 on cbpp (where lme4's optimizer stops short, see PRINTED_REL).
AFTER_FIT_REL = SE_REL
# P values from those z ratios: a relative change dz/z in z moves log(p) by about z^2 dz/z,
# so p is compared relatively with z^2 * AFTER_FIT_REL, at least 1%.
AFTER_FIT_P_REL_MIN = 0.01
# Brute-force Monte Carlo checks (population averages): within this many Monte Carlo SEs.
MC_SE_MULT = 4.0
# Gauss-Hermite (32 nodes) vs emmeans' second-order bias adjustment on the article's model
# (SD 0.064): the Taylor remainder is about sigma^4 / 8 * max|h''''| < 1e-5.
BIAS_ADJ_SMALL_SD_ABS = 1e-5
# Simulation residuals: a test "passes" at p >= 0.05 and "fails" at p < 0.05 (fixed seeds).
DHARMA_ALPHA = 0.05
# Tukey's adjustment (studentized range, df = Inf; tests/test_emmeans_offset_tukey.py), the
# distribution alone on R's numbers.  P values: our cancellation-free upper-tail integral vs R's
# ptukey(lower.tail = FALSE), which is 1 - P(Q <= q) integrated to R's own accuracy: measured 2e-8
# relative for p > 1e-7, k = 2..10 (R loses the tail below; those p values are not compared).
TUKEY_P_REL = 1e-7
# Critical values: scipy's studentized_range.ppf(df=inf) vs R's qtukey(nranges = 1), both
# root-finders on the same integral; measured 1.3e-7 relative (qtukey's own eps is 1e-4 in q,
# R stops far sooner than that here).
TUKEY_Q_REL = 5e-7

# ---- H6: the book's stored R output (issue 9; tests/test_book_r_outputs.py) ----------------
# A number R prints that does not depend on a fit (data, draws, arithmetic) must be glmmlite's
# value rounded as R rounds it: within half a unit of R's last printed digit (the factor
# allows for binary rounding of R's decimal text).
R_PRINTED_HALF_UNIT = 0.5 + 1e-9
# A number from a fit is compared as printed summaries are (PRINTED_LAST_DIGITS / PRINTED_REL):
# glmmlite reaches the optimum, lme4's Nelder-Mead stops a little short of it.
# tests/lme4/article_summaries.txt was made on an AMD CPU, the R outputs of book/r/ on an Intel
# one and later on an AMD one (see book/r/out/VERSION.txt; same R 4.2.2, lme4 1.1-31,
# reference BLAS). On different CPUs lme4's optimizer can stop at slightly
# different points (theta 0.06357488 vs 0.06357518), so where a fitted number sits near a
# rounding boundary the two R runs print it one unit apart in the last digit (0.06357 vs
# 0.06358).  Numbers that need no fit agree exactly.
R_PLATFORM_LAST_DIGITS = 1

# ---- H8: numbers quoted by the book's passages (issue 12; tests/test_book_passages.py) -----
# A number in the prose is printed rounded; it must equal an independent recomputation (from
# lme4's output, the raw data or scipy quadrature) to half a unit of its last printed digit,
# plus this much: glmmlite's estimates and lme4's differ by up to FIXEF_IN_SE (1% of an SE,
# about 1e-3 on the logit scale), which moves a probability by at most about 2.5e-4.
PASSAGE_ABS = 3e-4
# ... and, for large numbers (deviances), this relative slack: lme4 stops ~1e-3 above the
# optimum of -2 logLik (DEVIANCE_ABS).
PASSAGE_REL = 1e-6
# Beyond the last printed digit (R prints many digits, e.g. coef(summary(m)) with 7): numbers
# from the fit within this relative difference (observed at most 3e-5: m2's trttreat 1.57044
# against lme4's 1.57040) ...
BOOK_FIT_REL = 1e-4
# ... the random-intercept SD and its profile interval within this one: the likelihood is flat
# in the SD near 0 (observed: theta 1.1e-4, the upper end of its 95% interval 1.0e-3).
BOOK_SD_REL = 2e-3
# P values printed as 9.97e-15 or 2.494201e-78: log(p) ~ -z^2/2, so a relative difference of z
# (3e-5) changes p by z^2 times that (1.2% at z = 18.7); compare log(p), relative 1e-3.
BOOK_P_LOG_REL = 1e-3

# ---- H2: the sparse path for crossed and nested terms (issue 14; tests/test_sparse_path.py) --
# The sparse blocked factor and the plain dense one evaluate the same Laplace deviance at the
# same (theta, beta), each with PIRLS run to a step of 1e-11 (or to a full Newton step of at
# most 1e-7, after which the error is ~1e-14: pirls.NEWTON_DONE_STEP): they differ only by
# rounding in the order of the sums (observed at most 4e-12 on deviances of 1e3-1e4).
SPARSE_VS_DENSE_DEV = 1e-10
# Gradients, conditional variances and the selected inverse from the two factors: rounding
# of the same formulas (observed at most 2e-12 on gradients of size 1-100).
SPARSE_VS_DENSE_REL = 1e-9
# The optimizer's search computes the gradient's S^{-1} in single precision where the dense
# part is large (sparse_cholesky.SINGLE_INVERSE_MIN_Q2): float32 keeps about 7 digits and S is
# well conditioned, so the gradient differs from the double one by rounding of that size
# (observed 2e-9 to 2e-8 of max|gradient| on a 400-item design); 1e-6 relative to max|gradient|.
SINGLE_GRAD_REL = 1e-6
# The fit's Hessian on such a design: forward differences (step 1e-4) of single-precision
# gradients.  Their rounding moves it by 3.5e-6 of its largest entry on the crossed benchmark
# (standard errors by < 6e-6 relative), the differences' own step by about 1e-4: 1e-4 of the
# largest entry.
SINGLE_HESSIAN_REL = 1e-4

# ---- PIRLS by Newton's weights for probit and cloglog (tests/test_fit_path.py) -----------
# Binomial.newton_moments against central differences (h = 1e-4) of each row's
# log-likelihood: truncation h^2 |l'''| / 6 ~ 1e-9 relative; rounding eps |l| / h ~ 1e-12 for
# the score and eps |l| / h^2 ~ 1e-8 for the second difference.
FD_SCORE_REL = 1e-6
FD_INFO_REL = 1e-5
# The conditional modes of two PIRLS runs that both stop within 1e-11 of them (Newton's
# weights after a step of 1e-7, Fisher scoring after a step of 1e-11 at a rate 0.14 - 0.37).
MODES_SAME = 1e-9

# ---- probit and cloglog against lme4 (tests/test_links_reference.py) ----------------------
# glmmlite's Laplace / AGQ deviance at lme4's estimates against lme4's deviance function with
# PIRLS run to a relative change of 1e-13 (tolPwrss): both are the same formula at converged
# modes; lme4's Fisher scoring leaves them off by up to 2.8e-6 on these cases (1e-12 at AGQ).
LME4_TIGHT_DEV = 1e-5
# lme4's reported deviance (its default tolPwrss = 1e-7) differs from its converged value by
# -3e-3 to +6e-3 on the crossed and random-slope cases (its log-determinant is taken at the
# modes of the last-but-one PIRLS step): glmmlite's optimum may be above the reported value by
# the 3e-3 below.
LME4_DEFAULT_PIRLS_DEV = 5e-3

# ---- profile-interval ends against brute-force roots (tests/test_profile_accuracy.py) ------
# An end must be within this fraction of the interval's width of the root of the profiled
# deviance (found by tight L-BFGS-B): the polish stops at |zeta - target| <= 1e-4, an end error
# of 1e-4 / (2 qnorm) = 3e-5 of the width at 90%; the spline alone missed by up to 1.9e-3.
PROFILE_END_IN_WIDTH = 2e-4
# Re-optimizations the polish may spend per end on average (observed 1 to 1.25: one to check
# the spline's value, a second where it was off).
PROFILE_POLISH_REFITS = 2
