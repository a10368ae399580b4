# Reference numbers from R's survey package for tests/test_survey_extra_parity.py:
# finite population correction, replicate designs (JK1, JKn, bootstrap), calibrate()
# (linear, bounded linear, raking; also repeated on replicates), svytotal, svyratio,
# svyciprop(method = "logit") with degf, design effects.
# Run from the repository root (after make_estimate_data.py):
#   Rscript tests/reference/survey_extra_reference.R
# Writes tests/reference/extra_ref_stats.csv, extra_ref_weights.csv,
# extra_ref_boot_factors.csv, extra_fpc.csv and extra_ref_session.txt.
suppressMessages(library(survey))
options(survey.lonely.psu = "fail", survey.replicates.mse = FALSE)
dir <- "tests/reference"
dat <- read.csv(file.path(dir, "estimate_data.csv"), stringsAsFactors = FALSE)
main <- dat[dat$province != "XX", ]
one <- read.csv(file.path(dir, "estimate_margins.csv"), stringsAsFactors = FALSE)

# population PSUs per stratum: AL sampled completely (a census stratum), the others 1.5x-4x the sample
nh <- tapply(main$firm, main$province, function(f) length(unique(f)))
mult <- c(1, 1.5, 2, 2.5, 3, 3.5, 4, 4)
names(mult) <- names(nh)
fpc <- data.frame(province = names(nh), npsu = as.vector(nh), popsize = round(as.vector(nh) * mult),
                  stringsAsFactors = FALSE)
fpc$fraction <- fpc$npsu / fpc$popsize
write.csv(fpc, file.path(dir, "extra_fpc.csv"), row.names = FALSE)
main$popsize <- fpc$popsize[match(main$province, fpc$province)]
main$fraction <- fpc$fraction[match(main$province, fpc$province)]

rows <- list()
add <- function(case, stat, by, domain, variable, estimate, se, deff = NA, ci_low = NA, ci_high = NA) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, stat = stat, by = by, domain = domain,
                                          variable = variable, estimate = as.vector(estimate),
                                          se = as.vector(se), deff = as.vector(deff),
                                          ci_low = as.vector(ci_low), ci_high = as.vector(ci_high),
                                          stringsAsFactors = FALSE)
}
f_vars <- ~need_health + need_family + score
vs <- all.vars(f_vars)
overall <- function(case, des, fun, stat, deff = TRUE) {
  m <- fun(f_vars, des, deff = deff)
  add(case, stat, "", "", names(coef(m)), coef(m), SE(m), if (deff) deff(m) else NA)
}
byvar <- function(case, des, fun, stat, by, deff = TRUE) {
  r <- svyby(f_vars, by, des, fun, deff = deff)
  bv <- all.vars(by)
  dom <- do.call(paste, c(lapply(bv, function(b) as.character(r[[b]])), sep = ":"))
  se <- SE(r)
  for (i in seq_along(vs)) add(case, stat, paste(bv, collapse = "+"), dom, vs[i], r[[vs[i]]], se[, i],
                               if (deff) r[[paste0("DEff.", vs[i])]] else NA)
}
ratio <- function(case, des) {
  r <- svyratio(~need_health, ~employees, des)
  add(case, "ratio", "", "", "need_health/employees", coef(r), SE(r))
  b <- svyby(~need_health, ~sex, denominator = ~employees, des, svyratio)
  add(case, "ratio", "sex", b$sex, "need_health/employees", b[[2]], SE(b))
}
ciprop <- function(case, des, by = ~province) {
  r <- svyby(~need_health, by, des, svyciprop, method = "logit", vartype = c("se", "ci"))
  bv <- all.vars(by)
  add(case, "logit", paste(bv, collapse = "+"), as.character(r[[bv[1]]]), "need_health", r[["need_health"]],
      r[[3]], NA, r[["ci_l"]], r[["ci_u"]])
  m <- svyciprop(~need_family, des, method = "logit")
  ci <- attr(m, "ci")
  add(case, "logit", "", "", "need_family", as.vector(m), SE(m), NA, ci[1], ci[2])
}
block <- function(case, des, deff = TRUE, logit = TRUE) {
  message(case)
  overall(case, des, svymean, "mean", deff)
  byvar(case, des, svymean, "mean", ~sex, deff)
  byvar(case, des, svymean, "mean", ~province, deff)
  overall(case, des, svytotal, "total", deff)
  byvar(case, des, svytotal, "total", ~sex, deff)
  ratio(case, des)
  if (logit) ciprop(case, des)
}

des <- svydesign(ids = ~firm, strata = ~province, weights = ~w, data = main, nest = TRUE)
block("plain", des)
dfpc <- svydesign(ids = ~firm, strata = ~province, weights = ~w, fpc = ~popsize, data = main, nest = TRUE)
block("fpc", dfpc)
dfrac <- svydesign(ids = ~firm, strata = ~province, weights = ~w, fpc = ~fraction, data = main, nest = TRUE)
overall("fpc_fraction", dfrac, svymean, "mean")
byvar("fpc_fraction", dfrac, svymean, "mean", ~province)

# replicate designs (as.svrepdesign); deff is not compared for replicates
unstrat <- svydesign(ids = ~firm, weights = ~w, data = main)
block("jk1", as.svrepdesign(unstrat, type = "JK1"), deff = FALSE, logit = FALSE)
jkn <- as.svrepdesign(des, type = "JKn")
block("jkn", jkn, deff = FALSE, logit = FALSE)
block("jkn_fpc", as.svrepdesign(dfpc, type = "JKn"), deff = FALSE, logit = FALSE)
set.seed(20261203)
boot <- as.svrepdesign(des, type = "bootstrap", replicates = 60)
block("bootstrap", boot, deff = FALSE, logit = FALSE)
bf <- as.matrix(boot$repweights)
colnames(bf) <- paste0("r", seq_len(ncol(bf)))
write.csv(data.frame(row = which(dat$province != "XX"), bf), file.path(dir, "extra_ref_boot_factors.csv"),
          row.names = FALSE)
writeLines(format(boot$scale, digits = 17), file.path(dir, "extra_ref_boot_scale.txt"))

# calibration: intercept + treatment-coded province, sex, age_class
mvec <- function(v) { d <- one[one$variable == v, ]; d <- d[order(d$level), ]; t <- d$total[-1]
  names(t) <- paste0(v, d$level[-1]); t }
pop <- c(`(Intercept)` = sum(one$total[one$variable == "sex"]), mvec("province"), mvec("sex"), mvec("age_class"))
fcal <- ~province + sex + age_class
lin <- calibrate(des, fcal, pop)
block("cal_linear", lin)
gl <- weights(lin) / weights(des)
bounds <- c(0.93, 1.15)
stopifnot(min(gl) < bounds[1] || max(gl) > bounds[2])
bnd <- calibrate(des, fcal, pop, bounds = bounds)
block("cal_bounded", bnd)
rak <- calibrate(des, fcal, pop, calfun = "raking")
block("cal_raking", rak)
block("cal_linear_fpc", calibrate(dfpc, fcal, pop), logit = FALSE)
# calibration and raking repeated on every replicate
block("jkn_cal_linear", calibrate(jkn, fcal, pop), deff = FALSE, logit = FALSE)
block("jkn_cal_raking", calibrate(jkn, fcal, pop, calfun = "raking"), deff = FALSE, logit = FALSE)
pm <- function(v) { d <- one[one$variable == v, ]; out <- data.frame(d$level, d$total); names(out) <- c(v, "Freq"); out }
jrk <- rake(jkn, list(~province, ~sex, ~age_class), list(pm("province"), pm("sex"), pm("age_class")),
            control = list(maxit = 50, epsilon = 1))
block("jkn_rake", jrk, deff = FALSE, logit = FALSE)

wts <- data.frame(row = which(dat$province != "XX"), cal_linear = weights(lin), cal_bounded = weights(bnd),
                  cal_raking = weights(rak))
write.csv(do.call(rbind, rows), file.path(dir, "extra_ref_stats.csv"), row.names = FALSE)
write.csv(wts, file.path(dir, "extra_ref_weights.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("survey", packageVersion("survey"))), file.path(dir, "extra_ref_session.txt"))
