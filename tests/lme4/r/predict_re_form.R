## predict_re_form.R -- lme4 1.1-31's predict(m, newdata, re.form = ...) on a nested model.
## Run from any directory:  Rscript predict_re_form.R   (about 2 s)
## Writes ../predict_re_form.json.
##
## The data are made here (set.seed(20240611)): 12 levels of a, 4 levels of b inside each
## (b is labelled 1..4 again in every a, so only the nesting a/b tells the groups apart),
## 6 rows per (a, b) cell, x ~ N(0, 1), y ~ Bernoulli(plogis(-0.3 + 0.8 x + u_a + v_ab)) with
## SDs 0.9 and 0.6.  The fit is glmer(y ~ x + (1 | a/b), binomial) (terms (1 | b:a) and
## (1 | a)).  The newdata are 8 rows: fitted cells, a new b in a known a, and a new a
## (allow.new.levels = TRUE).  Stored: the data, the fit's theta and fixef, the newdata, and
## the link-scale predictions for re.form = NULL, NA, ~(1 | a) and ~(1 | b:a).

sdir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1L) dirname(normalizePath(f)) else getwd()
})
source(file.path(sdir, "helpers.R"))
out <- dirname(sdir)

set.seed(20240611)
na <- 12; nb <- 4; nrep <- 6
d <- expand.grid(rep = seq_len(nrep), b = seq_len(nb), a = seq_len(na))
d$x <- round(rnorm(nrow(d)), 4)
ua <- rnorm(na, 0, 0.9)
vab <- rnorm(na * nb, 0, 0.6)
eta <- -0.3 + 0.8 * d$x + ua[d$a] + vab[(d$a - 1) * nb + d$b]
d$y <- rbinom(nrow(d), 1, plogis(eta))
d$a <- factor(d$a)
d$b <- factor(d$b)

m <- glmer(y ~ x + (1 | a/b), data = d, family = binomial)

nd <- data.frame(a = factor(c(1, 1, 2, 5, 7, 12, 3, 99), levels = c(levels(d$a), "99")),
                 b = factor(c(1, 2, 3, 4, 1, 2, 9, 1), levels = c(levels(d$b), "9")),
                 x = c(-1.5, 0, 0.5, 1, 2, -0.25, 0.3, 0.7))
p <- function(rf) unname(predict(m, newdata = nd, re.form = rf, allow.new.levels = TRUE))
res <- list(
  formula = "y ~ x + (1 | a/b)",
  data = list(a = as.character(d$a), b = as.character(d$b), x = d$x, y = d$y),
  theta = unname(getME(m, "theta")),
  theta_names = names(getME(m, "theta")),
  fixef = fixef(m),
  newdata = list(a = as.character(nd$a), b = as.character(nd$b), x = nd$x),
  pred_NULL = p(NULL),
  pred_NA = p(NA),
  pred_a = p(~(1 | a)),
  pred_ba = p(~(1 | b:a)),
  fitted_pred_a = unname(predict(m, re.form = ~(1 | a)))
)
res$session <- session_info_list()
write_json_file(res, file.path(out, "predict_re_form.json"))
