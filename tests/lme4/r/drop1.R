## drop1.R -- lme4 1.1-31's drop1() (single-term deletions) on the seed data and cbpp.
## Run from any directory:  Rscript drop1.R   (about 5 s)
## Reads ../seed_data.csv and ../cbpp.csv; writes ../drop1_cases.json and ../drop1_printed.txt.
##
## Cases: drop1(m) and drop1(m, test = "Chisq") for m = y ~ trt * sex + (1 | id) (only trt:sex
## can be dropped on its own: drop.scope), drop1(m2, test = "Chisq") for y ~ trt + sex + (1 | id),
## drop1(m, scope = ~ trt * sex, test = "Chisq") (trt and sex below their interaction: npar 0),
## and cbpp's cbind(incidence, size - incidence) ~ period + (1 | herd), also with + (1 | obs) (obs =
## row number; its formula is long enough for R to print it on two lines).  Stored per case: the
## table's columns (npar, AIC, LRT, Pr(Chi); NA -> null) and row names; the printed text in the
## '#####'-headed blocks of drop1_printed.txt.

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

m <- glmer(y ~ trt * sex + (1 | id), data = d, family = binomial)
m2 <- glmer(y ~ trt + sex + (1 | id), data = d, family = binomial)
mc <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), data = cb, family = binomial)
cb$obs <- seq_len(nrow(cb))
mo <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd) + (1 | obs), data = cb, family = binomial)

cases <- list(
  seed_m = list(data = "seed", formula = "y ~ trt * sex + (1 | id)", test = "none", scope = NULL,
                tab = drop1(m)),
  seed_m_chisq = list(data = "seed", formula = "y ~ trt * sex + (1 | id)", test = "Chisq", scope = NULL,
                      tab = drop1(m, test = "Chisq")),
  seed_m2_chisq = list(data = "seed", formula = "y ~ trt + sex + (1 | id)", test = "Chisq", scope = NULL,
                       tab = drop1(m2, test = "Chisq")),
  seed_m_scope = list(data = "seed", formula = "y ~ trt * sex + (1 | id)", test = "Chisq", scope = "~ trt * sex",
                      tab = drop1(m, scope = ~ trt * sex, test = "Chisq")),
  cbpp_chisq = list(data = "cbpp", formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)",
                    test = "Chisq", scope = NULL, tab = drop1(mc, test = "Chisq")),
  cbpp_obs_chisq = list(data = "cbpp", formula = "cbind(incidence, size - incidence) ~ period + (1 | herd) + (1 | obs)",
                        test = "Chisq", scope = NULL, tab = drop1(mo, test = "Chisq"))
)
na_null <- function(v) lapply(v, function(x) if (is.na(x)) NULL else x)
res <- lapply(cases, function(cs) {
  tab <- cs$tab
  list(data = cs$data, formula = cs$formula, test = cs$test, scope = cs$scope, rows = rownames(tab),
       columns = setNames(lapply(names(tab), function(nm) na_null(tab[[nm]])), names(tab)))
})
txt <- unlist(lapply(names(cases), function(nm) c(paste("#####", nm), capture.output(print(cases[[nm]]$tab)), "")))
writeLines(txt, file.path(out, "drop1_printed.txt"))
res$session <- session_info_list()
write_json_file(res, file.path(out, "drop1_cases.json"))
