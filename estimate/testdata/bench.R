# Times R's survey package on the data of BenchmarkAllCells, for comparison
# with the Go engine:
#
#   go run ./estimate/internal/mkunits -households 100000 -indicators REM2,FIN1 -dir /tmp/big
#   Rscript estimate/testdata/bench.R /tmp/big
#
# For REM2 (svyratio, households) and FIN1 (svyciprop logit and svymean,
# persons) it estimates the total and every single-dimension cell the way
# reference.R does (subset() of the full design per cell) and prints the
# elapsed time.
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
dir <- commandArgs(trailingOnly = TRUE)[1]
dims <- c("SEX", "AGE", "MIGRATORY_STATUS", "HH_MIG_STATUS", "URBANISATION",
          "REGION", "DISABILITY_STATUS")
person_only <- c("AGE", "MIGRATORY_STATUS", "DISABILITY_STATUS")
cls <- c(stratum = "character", psu = "integer")
cls[dims] <- "character"
units <- read.csv(file.path(dir, "units.csv"), colClasses = cls, na.strings = "")

run <- function(id, unit, what, f) {
  d <- units[units$type == unit, ]
  d$w <- d[[paste0("w_", id)]]
  d$y <- d[[paste0("y_", id)]]
  d$x <- d[[paste0("x_", id)]]
  pop <- d[[paste0("in_", id)]] == 1
  td <- system.time(des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w,
                                     data = d, nest = TRUE))[["elapsed"]]
  sels <- list(pop)
  for (dim in setdiff(dims, if (unit == "H") person_only)) {
    for (code in sort(unique(d[[dim]][pop]))) sels[[length(sels) + 1]] <- pop & d[[dim]] == code
  }
  te <- system.time(for (sel in sels) {
    sub <- subset(des, sel)
    f(sub)
    degf(sub)
  })[["elapsed"]]
  cat(sprintf("%s %s: %d rows, %d in population, design %.2f s, %d cells %.2f s (%.0f ms a cell)\n",
              id, what, nrow(d), sum(pop), td, length(sels), te, 1000 * te / length(sels)))
}

run("REM2", "H", "svyratio", function(s) svyratio(~y, ~x, s))
run("FIN1", "P", "svymean", function(s) svymean(~y, s))
run("FIN1", "P", "svyciprop", function(s) suppressWarnings(svyciprop(~y, s, method = "logit")))
