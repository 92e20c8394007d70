## print_multi.R -- what lme4 1.1-31 prints for fits with more than one random-effect term or a
## vector-valued term: summary(m), print(m), print(VarCorr(m)), print(anova(m0, m)) and
## print(head(ranef(m)[[g]])) for every grouping factor g.
## Run from any directory:  python print_multi_data.py && Rscript print_multi.R   (about 10 s)
## Reads ../links_crossed.csv, ../links_slopes.csv (links_data.py), ../cbpp.csv and
## ../print_multi_nested.csv (print_multi_data.py); writes ../print_multi_summaries.txt (the
## printed text, '#####' header blocks as seed_summaries.txt) and ../print_multi_fits.json.
##
## Derived columns:
##   cbpp: herd, period as factors with levels 1..15 and 1..4 (numeric order);
##         obs = factor(1:56), one level per row (an observation-level random effect)
##   links_slopes: trt, sex as character (levels control < treat, female < male)
## Data names (the summary's "Data:" line): cr, sl, ne, cbpp.  Model names: m (the model of
## the block), m0 (the smaller model of its anova).  slope_uncorr_boundary is slope_uncorr fitted
## with control = ctl, ctl <- glmerControl(boundary.tol = 0.01).

sdir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1L) dirname(normalizePath(f)) else getwd()
})
source(file.path(sdir, "helpers.R"))
suppressPackageStartupMessages(library(lme4))
out <- dirname(sdir)

cr <- read.csv(file.path(out, "links_crossed.csv"))
sl <- read.csv(file.path(out, "links_slopes.csv"))
ne <- read.csv(file.path(out, "print_multi_nested.csv"))
cbpp <- read.csv(file.path(out, "cbpp.csv"))
cbpp$herd <- factor(cbpp$herd, levels = 1:15)
cbpp$period <- factor(cbpp$period, levels = 1:4)
cbpp$obs <- factor(seq_len(nrow(cbpp)))

## name, data name, formula of m, formula of m0 (NULL: no anova)
cases <- list(
  list("crossed", "cr", y ~ x + (1 | student) + (1 | item), y ~ x + (1 | student)),
  list("slope_corr", "sl", y ~ trt * sex + x + (1 + x | id), y ~ trt * sex + x + (1 + x || id)),
  list("slope_uncorr", "sl", y ~ trt * sex + x + (1 + x || id), y ~ trt * sex + x + (1 | id)),
  list("nested_abc", "ne", y ~ x + (1 | a/b/c), y ~ x + (1 | a/b)),
  list("cbpp_herd_obs", "cbpp", cbind(incidence, size - incidence) ~ period + (1 | herd/obs),
       cbind(incidence, size - incidence) ~ period + (1 | herd)),
  list("cbpp_obs", "cbpp", cbind(incidence, size - incidence) ~ period + (1 | herd) + (1 | obs),
       cbind(incidence, size - incidence) ~ period + (1 | herd)),
  ## a vector-valued term beside a scalar one (the Corr column is blank on the scalar's row)
  list("vector_scalar", "ne", y ~ x + (1 | a:b) + (1 + x | a), y ~ x + (1 | a:b) + (1 | a)),
  ## slope_uncorr's Nelder-Mead stops at SD(x) = 0.00166 with a gradient warning; glmmlite's
  ## optimum is on the boundary, SD(x) = 0, with a lower deviance.  lme4 reaches the boundary
  ## when its boundary check looks that far (boundary.tol, default 1e-5): what lme4 prints there
  list("slope_uncorr_boundary", "sl", y ~ trt * sex + x + (1 + x || id), NULL, "ctl")
)
ctl <- glmerControl(boundary.tol = 0.01)

fit <- function(f, dname, control = NULL) {
  cl <- if (is.null(control)) bquote(glmer(.(f), data = .(as.name(dname)), family = binomial)) else
    bquote(glmer(.(f), data = .(as.name(dname)), family = binomial, control = .(as.name(control))))
  cap <- capture_all(eval(cl))
  if (!is.null(cap$error)) stop(cap$error)
  cap
}
## vcov as vcov.merMod makes it (2 solve(H), H by lme4's deriv12) from lme4's deviance function
## with PIRLS run to convergence (tolPwrss = 1e-13), at lme4's estimates (as links.R's se_tight_pirls)
tight_vcov <- function(m) {
  dd <- update(m, devFunOnly = TRUE, control = glmerControl(tolPwrss = 1e-13))
  nth <- length(getME(m, "theta"))
  H <- lme4:::deriv12(dd, unname(c(getME(m, "theta"), fixef(m))))$Hessian
  V <- 2 * solve(H)[-seq_len(nth), -seq_len(nth), drop = FALSE]
  V <- (V + t(V)) / 2
  dimnames(V) <- list(names(fixef(m)), names(fixef(m)))
  V
}
## the numbers behind the printed blocks (for printing them with glmmlite's printer)
printed_numbers <- function(m) {
  s <- summary(m)
  re <- ranef(m)
  Vt <- tight_vcov(m)
  list(coef_table = coef_tab(m), corr_fixef = mat(cov2cor(as.matrix(vcov(m)))),
       se_tight_pirls = named(sqrt(diag(Vt)), names(fixef(m))), corr_fixef_tight_pirls = mat(cov2cor(Vt)),
       nobs = nobs(m), df_resid = df.residual(m), ngrps = as.list(ngrps(m)),
       AICtab = as.list(s$AICtab),
       scaled_resid_quantiles = named(quantile(residuals(m, "pearson", scaled = TRUE)),
                                      c("Min", "1Q", "Median", "3Q", "Max")),
       optinfo = list(optimizer = m@optinfo$optimizer, conv_code = m@optinfo$conv$opt,
                      warnings = arr(unlist(m@optinfo$warnings)),
                      lme4_messages = arr(unlist(m@optinfo$conv$lme4$messages))),
       ranef_head = lapply(re, function(df) {
         h <- head(df)
         list(rownames = I(rownames(h)), columns = I(colnames(h)),
              values = lapply(h, function(v) I(v)))
       }))
}

txt <- character()
add <- function(header, lines) txt <<- c(txt, paste("#####", header), lines, "")
fits <- list()
for (cs in cases) {
  name <- cs[[1]]; dname <- cs[[2]]
  control <- if (length(cs) >= 5) cs[[5]] else NULL
  cap <- fit(cs[[3]], dname, control); m <- cap$value
  add(paste(name, "summary(m) --", fstr(cs[[3]])), capture.output(print(summary(m))))
  add(paste(name, "print(m)"), capture.output(print(m)))
  add(paste(name, "VarCorr(m)"), capture.output(print(VarCorr(m))))
  info <- brief_info(m, cap)
  info$formula <- fstr(cs[[3]]); info$data <- dname; info$control <- control
  info$printed <- printed_numbers(m)
  re <- ranef(m)
  for (g in names(re))
    add(paste(name, sprintf("head(ranef(m)[[\"%s\"]])", g)), capture.output(print(head(re[[g]]))))
  if (!is.null(cs[[4]])) {
    cap0 <- fit(cs[[4]], dname); m0 <- cap0$value
    an <- anova(m0, m)
    add(paste(name, "anova(m0, m) -- m0:", fstr(cs[[4]])), capture.output(print(an)))
    info$m0 <- brief_info(m0, cap0)
    info$m0$formula <- fstr(cs[[4]])
    info$anova <- list(models = I(rownames(an)), npar = I(an$npar), AIC = I(an$AIC), BIC = I(an$BIC),
                       logLik = I(an$logLik), deviance = I(an$deviance), Chisq = I(an$Chisq),
                       Df = I(an$Df), p_value = I(an[["Pr(>Chisq)"]]), heading = I(attr(an, "heading")))
  }
  fits[[name]] <- info
}
## R's deparse() of long formulas: the pieces the summary's Formula line is printed in
## (one line per piece; a blank line between formulas)
long <- c("cbind(incidence, size - incidence) ~ period + (1 | herd) + (1 | obs)",
          "response_variable_long ~ treatment_group * sex_of_subject + baseline_covariate + (1 + baseline_covariate | subject_identifier) + (1 | site_identifier)",
          "cbind(successes_in_trial_number_one, total_trials_in_block - successes_in_trial_number_one) ~ x + (1 | g)",
          "y ~ aaaaaaaaaa + bbbbbbbbbb + cccccccccc + dddddddddd + eeeeeeeeee + ffffffffff + gggggggggg + hhhhhhhhhh + iiiiiiiiii + jjjjjjjjjj + kkkkkkkkkk + llllllllll + mmmmmmmmmm + (1 | g)",
          "y ~ aaaaaaaaaa:bbbbbbbbbb:cccccccccc:dddddddddd:eeeeeeeeee:ffffffffff + x + (1 | g)",
          "y ~ I(aaaaaaaaaa^2) + poly_like(bbbbbbbbbbbbbbbbbbbb, cccccccccccccccccccc, dddddddddddddddddddd, eeeeeeeeeeeeeeeeeeeeee) + (1 | g)",
          "y ~ x + (1 + x || id) + (1 | aaaaaaaaaaaaaaaaa) + (0 + x | bbbbbbbbbbbbbbbbbbbb) + (1 | cccccccccc)",
          "y ~ -1 + x + offset(log(exposure_time_in_days_since_first_visit)) + (1 | identifier_long_name)",
          "y ~ x + (1 | student) + (1 | item)")
add("deparse(formula) of long formulas",
    unlist(lapply(long, function(f) c(deparse(as.formula(f)), ""))))
fits$deparse_formulas <- I(long)
fits$session <- session_info_list()
writeLines(sub("\n$", "", paste(txt, collapse = "\n")), file.path(out, "print_multi_summaries.txt"))
write_json_file(fits, file.path(out, "print_multi_fits.json"))
message("done")
