# Shared setup for the MPI and resume tests (sourced by each script).
# Usage of a script: SCRIPT TRUSTSIM_BINARY MPIEXEC SOURCE_DIR
set -euo pipefail
trustsim="$1"
mpiexec="$2"
source_dir="$3"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Quiet Open MPI's transport probing on machines without fast interconnects.
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# A small scenario: 12 tasks of a fraction of a second each.
scenario="$source_dir/scenarios/quickstart.yaml"
# With every optional output on (panels, warm-up rows): they must be
# bit-identical across ranks and threads and survive a resume too.
small=(--set population.buyers.count=6000 --set population.sellers.count=300
       --set warmup_days=20 --set horizon_days=40 --replications 12 --quiet
       --set outputs.seller_panel=0.3 --set outputs.buyer_events=0.05
       --set outputs.timeseries_warmup=true)

# mpirun with N ranks; hybrid runs must not pin a rank's threads to one core.
launch() {
  local ranks="$1"
  shift
  "$mpiexec" -n "$ranks" --oversubscribe --bind-to none "$@"
}

digest_of() {
  h5dump -a /results_digest "$1" | sed -n 's/.*(0): "\([0-9a-f]*\)".*/\1/p'
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

expect_same_digest() {  # FILE REFERENCE_DIGEST WHAT
  local got
  got="$(digest_of "$1")"
  [ "$got" = "$2" ] || fail "$3: digest $got, expected $2"
  echo "ok: $3"
}
