#!/usr/bin/env bash
# Installs the Debian 12 packages trustsim needs (only those missing) and
# builds it with the given CMake preset (default: release).
#   bash tools/setup.sh [preset]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"

packages=(
  g++ cmake ninja-build pkg-config git
  libhdf5-dev hdf5-tools libyaml-cpp-dev libfmt-dev libcli11-dev librandom123-dev
  libboost-dev libboost-math-dev libboost-random-dev libeigen3-dev
  libopenmpi-dev openmpi-bin
  libgtest-dev libbenchmark-dev clang-format
  python3 python3-h5py python3-pandas python3-matplotlib python3-yaml
)
# The test presets also run the R example of reading results (tests/tools/trustsim_results.sh)
# and open `trustsim report` in a real browser (tests/tools/report.sh).
[ "$preset" != release ] && packages+=(r-cran-hdf5r chromium)
# The fuzz preset (and so the test command) also needs clang, libFuzzer and clang's OpenMP.
[ "$preset" = fuzz ] && packages+=(clang libclang-rt-14-dev libomp-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
