# Shared start of the benchmark scripts (sourced, not run): builds the
# release preset and sets root (the project), bin (the trustsim binary),
# work (a scratch folder removed on exit) and median (of numbers on stdin).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cmake --preset release >/dev/null && cmake --build --preset release >/dev/null
bin="$root/build/release/trustsim"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
