// libFuzzer target: arbitrary bytes as a result file, read as `trustsim summarize FILE` reads
// it (summarize_result_file: the checksum, every table, the attributes and contrasts it prints).
//
// The bytes go to a temporary file unique to this process (in $TMPDIR when set, else
// /dev/shm when writable, else /tmp), removed after each input and at exit (tools/fuzz.sh
// points TMPDIR at a scratch folder it removes, which also catches the file of a crashed run).
// InputError is the only acceptable failure; anything else escaping aborts, so libFuzzer reports
// it.
//
// TRUSTSIM_FUZZ_RAW_HDF5=1 reads with the whole-file checksum off (read_result_file's
// verify_checksum = false), so mutated bytes reach HDF5's own parser: this explores HDF5's
// robustness on damaged files rather than trustsim's. The Debian HDF5 library is not
// instrumented, so libFuzzer gets no coverage from inside it and AddressSanitizer sees only its
// calls into malloc, free and the C library; a crash or hang in HDF5 is still reported.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "fuzz_common.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"

namespace {

namespace fs = std::filesystem;

fs::path scratch_directory() {
  if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp) return tmp;
  if (::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  return "/tmp";
}

const fs::path& scratch_file() {
  static const fs::path path =
      scratch_directory() / ("trustsim-fuzz-results." + std::to_string(::getpid()) + ".h5");
  return path;
}

void remove_scratch_file() {
  std::error_code ignored;
  fs::remove(scratch_file(), ignored);
}

bool raw_hdf5() {
  static const bool raw = [] {
    const char* value = std::getenv("TRUSTSIM_FUZZ_RAW_HDF5");
    return value != nullptr && std::string(value) == "1";
  }();
  return raw;
}

// What `trustsim summarize` does with a file, up to printing.
void summarize(const fs::path& path) {
  const std::string text = trustsim::summarize_result_file(path, /*verify_checksum=*/!raw_hdf5());
  if (std::getenv("TRUSTSIM_FUZZ_PRINT")) std::cout << text;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::atexit(remove_scratch_file);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(scratch_file(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out)
      trustsim::fuzz::fail("fuzz_results", "cannot write the scratch file",
                           scratch_file().string());
  }
  trustsim::fuzz::only_input_errors("fuzz_results", [] { summarize(scratch_file()); });
  remove_scratch_file();
  return 0;
}
