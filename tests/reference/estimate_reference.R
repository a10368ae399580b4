# Reference numbers from R's survey package for tests/test_estimate_parity.py.
# Run from the repository root after make_estimate_data.py:
#   Rscript tests/reference/estimate_reference.R
# Writes tests/reference/estimate_ref_means.csv, estimate_ref_glm.csv,
# estimate_ref_weights.csv and estimate_ref_session.txt (R and survey versions).
suppressMessages(library(survey))
dir <- "tests/reference"
dat <- read.csv(file.path(dir, "estimate_data.csv"), stringsAsFactors = FALSE)
one <- read.csv(file.path(dir, "estimate_margins.csv"), stringsAsFactors = FALSE)
cross <- read.csv(file.path(dir, "estimate_margins_cross.csv"), stringsAsFactors = FALSE)
main <- dat[dat$province != "XX", ]
vars <- c("need_health", "need_family", "need_money", "score")
f_vars <- ~need_health + need_family + need_money + score

pop <- function(m, v) {
  d <- m[m$variable == v, ]
  parts <- strsplit(v, ":")[[1]]
  if (length(parts) == 1) {
    out <- data.frame(d$level, d$total, stringsAsFactors = FALSE)
    names(out) <- c(v, "Freq")
  } else {
    lv <- do.call(rbind, strsplit(d$level, ":"))
    out <- data.frame(lv[, 1], lv[, 2], d$total, stringsAsFactors = FALSE)
    names(out) <- c(parts, "Freq")
  }
  out
}

rows <- list()
add <- function(case, by, domain, variable, estimate, se, ci_low = NA, ci_high = NA,
                ci_logit_low = NA, ci_logit_high = NA) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, by = by, domain = domain, variable = variable,
                                          estimate = estimate, se = se, ci_low = ci_low, ci_high = ci_high,
                                          ci_logit_low = ci_logit_low, ci_logit_high = ci_logit_high,
                                          stringsAsFactors = FALSE)
}
overall <- function(case, des, f, na.rm = FALSE) {
  m <- svymean(f, des, na.rm = na.rm)
  ci <- confint(m)
  add(case, "", "", names(coef(m)), as.vector(coef(m)), as.vector(SE(m)), ci[, 1], ci[, 2])
}
byvar <- function(case, des, f, by, na.rm = FALSE) {
  r <- svyby(f, by, des, svymean, na.rm = na.rm)
  bv <- all.vars(by)
  vs <- all.vars(f)
  ci <- confint(r)
  dom <- do.call(paste, c(lapply(bv, function(b) as.character(r[[b]])), sep = ":"))
  for (v in vs) {
    se <- if (length(vs) == 1) r[["se"]] else r[[paste0("se.", v)]]
    key <- if (length(vs) == 1) rownames(ci) else paste0(rownames(r), ":", v)
    add(case, paste(bv, collapse = "+"), dom, v, r[[v]], se, ci[key, 1], ci[key, 2])
  }
}
ciprop <- function(case, des, by) {
  r <- svyby(~need_health, by, des, svyciprop, method = "logit", vartype = c("se", "ci"))
  bv <- all.vars(by)
  dom <- do.call(paste, c(lapply(bv, function(b) as.character(r[[b]])), sep = ":"))
  add(paste0(case, "_logit"), paste(bv, collapse = "+"), dom, "need_health", r[["need_health"]],
      r[[3]], NA, NA, r[["ci_l"]], r[["ci_u"]])
}
means_block <- function(case, des) {
  overall(case, des, f_vars)
  overall(case, des, ~need_housing, na.rm = TRUE)
  byvar(case, des, f_vars, ~province)
  byvar(case, des, f_vars, ~sex + age_class)
  byvar(case, des, f_vars, ~role)
  byvar(case, des, ~need_housing, ~sex, na.rm = TRUE)
  ciprop(case, des, ~province)
}

glms <- list()
glm_block <- function(case, des) {
  forms <- list(
    main = need_health ~ factor(sex) + factor(age_class) + factor(role) + employees,
    na = need_housing ~ factor(sex) + employees
  )
  for (nm in names(forms)) {
    g <- svyglm(forms[[nm]], design = des, family = quasibinomial())
    s <- summary(g)$coefficients
    ci <- confint(g)
    glms[[length(glms) + 1]] <<- data.frame(case = case, model = nm, term_index = seq_len(nrow(s)),
                                            term = rownames(s), estimate = s[, 1], se = s[, 2],
                                            ci_low = ci[, 1], ci_high = ci[, 2], p_value = s[, 4],
                                            df = g$df.residual, stringsAsFactors = FALSE)
  }
}

options(survey.lonely.psu = "fail")
des <- svydesign(ids = ~firm, strata = ~province, weights = ~w, data = main, nest = TRUE)
means_block("plain", des)
glm_block("plain", des)

rk <- rake(des, list(~province, ~sex, ~age_class),
           list(pop(one, "province"), pop(one, "sex"), pop(one, "age_class")))
means_block("raked", rk)
glm_block("raked", rk)

rkx <- rake(des, list(~province + sex, ~age_class), list(pop(cross, "province:sex"), pop(cross, "age_class")))
means_block("raked_cross", rkx)
glm_block("raked_cross", rkx)

trimmed <- trimWeights(rk, upper = 90, lower = 25)
means_block("raked_trim", trimmed)

wts <- data.frame(row = which(dat$province != "XX"), raked = weights(rk), raked_cross = weights(rkx),
                  raked_trim = weights(trimmed))

for (opt in c("remove", "adjust", "average", "certainty")) {
  options(survey.lonely.psu = opt)
  dl <- svydesign(ids = ~firm, strata = ~province, weights = ~w, data = dat, nest = TRUE)
  overall(paste0("lonely_", opt), dl, f_vars)
  byvar(paste0("lonely_", opt), dl, f_vars, ~province)
  byvar(paste0("lonely_", opt), dl, f_vars, ~sex)
  glm_block(paste0("lonely_", opt), dl)
}
for (opt in c("adjust", "average")) {
  options(survey.lonely.psu = opt)
  dl <- svydesign(ids = ~firm, strata = ~province, weights = ~w, data = dat, nest = TRUE)
  rl <- rake(dl, list(~sex, ~age_class), list(pop(one, "sex"), pop(one, "age_class")))
  overall(paste0("lonely_raked_", opt), rl, f_vars)
  byvar(paste0("lonely_raked_", opt), rl, f_vars, ~province)
  glm_block(paste0("lonely_raked_", opt), rl)
}
options(survey.lonely.psu = "fail")

write.csv(do.call(rbind, rows), file.path(dir, "estimate_ref_means.csv"), row.names = FALSE)
write.csv(do.call(rbind, glms), file.path(dir, "estimate_ref_glm.csv"), row.names = FALSE)
write.csv(wts, file.path(dir, "estimate_ref_weights.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("survey", packageVersion("survey"))), file.path(dir, "estimate_ref_session.txt"))
