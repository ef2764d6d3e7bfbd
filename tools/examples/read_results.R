# Read a trustsim result file in R with Debian's r-cran-hdf5r: every table is
# an HDF5 group of equal-length columns, their order in its 'columns'
# attribute; labels live in /lookup tables and are joined by id.
# Usage: Rscript tools/examples/read_results.R RESULTS.h5
library(hdf5r)

read_table <- function(file, path) {
  group <- file[[path]]
  columns <- h5attr(group, "columns")
  data <- lapply(columns, function(name) group[[name]]$read())
  names(data) <- columns
  as.data.frame(data, stringsAsFactors = FALSE)
}

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript read_results.R RESULTS.h5")
file <- H5File$new(args[1], mode = "r")
if (h5attr(file, "format") != "trustsim-results") stop(args[1], ": not a trustsim result file")

# The contrasts, arm and metric names joined.
contrasts <- read_table(file, "/analysis/contrasts")
arms <- read_table(file, "/lookup/arms")[, c("arm_id", "name")]
names(arms)[2] <- "arm"
metrics <- read_table(file, "/lookup/metrics")[, c("metric_id", "name")]
names(metrics)[2] <- "metric"
contrasts <- merge(merge(contrasts, arms, by = "arm_id"), metrics, by = "metric_id")
contrasts <- contrasts[order(contrasts$point_id, contrasts$metric_id, contrasts$arm_id), ]
write.csv(contrasts[, c("point_id", "arm", "metric", "mean_baseline", "mean_arm", "mean_diff",
                        "ci_lo", "ci_hi", "p_adjusted")],
          row.names = FALSE)
file$close_all()
