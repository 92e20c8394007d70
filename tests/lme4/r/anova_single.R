## anova_single.R -- lme4 1.1-31's anova() of ONE model: the sequential "Analysis of Variance
## Table" of the fixed effects (npar, Sum Sq, Mean Sq, F value), as anova.merMod computes it:
## effects = RX %*% beta (RX the fixed-effects Cholesky factor of the last PIRLS step), their
## squares summed within each term in the order of the formula, F = Mean Sq / sigma^2 (sigma = 1
## for the binomial family).
## Run from any directory:  Rscript anova_single.R   (about 5 s)
## Reads ../seed_data.csv, ../cbpp.csv and ../links_slopes.csv; writes ../anova_single_cases.json
## and ../anova_single_printed.txt.
##
## Cases: y ~ trt * sex + (1 | id) and y ~ trt + sex + (1 | id) (seed data), the same with sex
## first (sequential sums of squares depend on the order), y ~ 0 + trt + sex (trt takes two
## columns), y ~ 1 (no rows: R prints only the header), cbpp's period (3 columns in one term),
## and y ~ trt * x + sex + (1 + x | id) (links_slopes: a numeric variable, a factor-by-numeric
## interaction, a random slope).  Stored per case: the formula, the table's row names and columns (always arrays),
## lme4's fixef and the upper-triangular RX (by rows) it used; the printed tables in the
## '#####'-headed blocks of anova_single_printed.txt.

sdir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1L) dirname(normalizePath(f)) else getwd()
})
source(file.path(sdir, "helpers.R"))
out <- dirname(sdir)

d <- read.csv(file.path(out, "seed_data.csv"))
cb <- read.csv(file.path(out, "cbpp.csv"))
cb$herd <- factor(cb$herd, levels = 1:15)
cb$period <- factor(cb$period, levels = 1:4)
sl <- read.csv(file.path(out, "links_slopes.csv"))

specs <- list(
  seed_m = list(data = "seed", formula = "y ~ trt * sex + (1 | id)"),
  seed_m2 = list(data = "seed", formula = "y ~ trt + sex + (1 | id)"),
  seed_m2_sex_first = list(data = "seed", formula = "y ~ sex + trt + (1 | id)"),
  seed_no_intercept = list(data = "seed", formula = "y ~ 0 + trt + sex + (1 | id)"),
  seed_intercept_only = list(data = "seed", formula = "y ~ 1 + (1 | id)"),
  cbpp = list(data = "cbpp", formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"),
  slopes = list(data = "slopes", formula = "y ~ trt * x + sex + (1 + x | id)")
)
frames <- list(seed = d, cbpp = cb, slopes = sl)
fits <- lapply(specs, function(s) glmer(as.formula(s$formula), data = frames[[s$data]], family = binomial))
res <- Map(function(s, m) {
  tab <- anova(m)
  RX <- as.matrix(m@pp$RX())
  list(data = s$data, formula = s$formula, rows = I(rownames(tab)),
       columns = setNames(lapply(names(tab), function(nm) I(tab[[nm]])), names(tab)),
       fixef = fixef(m), theta = getME(m, "theta"), RX = lapply(seq_len(nrow(RX)), function(i) I(RX[i, ])))
}, specs, fits)
txt <- unlist(lapply(names(fits), function(nm) c(paste("#####", nm), capture.output(print(anova(fits[[nm]]))), "")))
writeLines(txt, file.path(out, "anova_single_printed.txt"))
res$session <- session_info_list()
write_json_file(res, file.path(out, "anova_single_cases.json"))
