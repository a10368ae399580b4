# Reference fits of lme4::glmer for tests/test_small_area_lme4.py: the MRP model of
# wecare_analysis.survey.small_area without priors, on the demo survey of make_mrp_data.py
# (mrp_data.csv, two needs) and on two misspecified truths (mrp_data_<truth>.csv, need_y):
#   need ~ age_class * sex + role + old_age_z + density_z
#          + (1 | province_sigla) + (1 | municipality_code) + (1 | firm)
# (treatment coding, reference = most frequent level, ties to the smallest, as the engine).
# Run from the repository root: Rscript tests/reference/mrp_reference.R
# Writes mrp_ref_fixed[_<truth>].csv (estimates, SEs), mrp_ref_sigma[_<truth>].csv,
# mrp_ref_municipal[_<truth>].csv and mrp_ref_session.txt.
suppressMessages(library(lme4))
dir <- "tests/reference"
ref_level <- function(x) { t <- table(x); min(names(t)[t == max(t)]) }
fit_all <- function(file, needs, suffix) {
  dat <- read.csv(file.path(dir, file), stringsAsFactors = FALSE)
  for (f in c("sex", "age_class", "role")) dat[[f]] <- relevel(factor(dat[[f]]), ref = ref_level(dat[[f]]))
  dat$firm <- paste(dat$firm_id, dat$municipality_code, sep = "@")
  dat$municipality_code <- factor(dat$municipality_code)
  fixed <- list(); sig <- list(); mun <- list()
  for (v in needs) {
    f <- as.formula(paste(v, "~ age_class * sex + role + old_age_z + density_z +",
                          "(1 | province_sigla) + (1 | municipality_code) + (1 | firm)"))
    m <- glmer(f, data = dat, family = binomial, control = glmerControl(optimizer = "bobyqa"), nAGQ = 1)
    s <- summary(m)$coefficients
    fixed[[v]] <- data.frame(variable = v, term = rownames(s), estimate = s[, 1], se = s[, 2])
    vc <- as.data.frame(VarCorr(m))
    sig[[v]] <- data.frame(variable = v, group = vc$grp, sigma = vc$sdcor)
    # municipal estimate: mean over the municipality's respondents of expit(x'b + v_prov + u_mun), firm effect 0
    eta <- predict(m, re.form = ~ (1 | province_sigla) + (1 | municipality_code))
    p <- tapply(plogis(eta), dat$municipality_code, mean)
    mun[[v]] <- data.frame(variable = v, municipality_code = names(p), p = as.vector(p),
                           n = as.vector(table(dat$municipality_code)[names(p)]))
  }
  write.csv(do.call(rbind, fixed), file.path(dir, paste0("mrp_ref_fixed", suffix, ".csv")), row.names = FALSE)
  write.csv(do.call(rbind, sig), file.path(dir, paste0("mrp_ref_sigma", suffix, ".csv")), row.names = FALSE)
  write.csv(do.call(rbind, mun), file.path(dir, paste0("mrp_ref_municipal", suffix, ".csv")), row.names = FALSE)
}
fit_all("mrp_data.csv", c("need_health_prevention", "need_smart_working"), "")
for (truth in c("correlated_area", "large_area")) fit_all(paste0("mrp_data_", truth, ".csv"), "need_y", paste0("_", truth))
writeLines(c(R.version.string, paste("lme4", packageVersion("lme4"))), file.path(dir, "mrp_ref_session.txt"))
