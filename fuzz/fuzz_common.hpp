// Shared by the fuzz targets: an InputError is how trustsim refuses bad input;
// anything else escaping is a bug, so it aborts and libFuzzer reports it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>

#include "trustsim/errors.hpp"

namespace trustsim::fuzz {

[[noreturn]] inline void fail(const char* target, const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s: %s\n", target, what, detail.c_str());
  std::abort();
}

// Runs `body`; true if it returned, false if it refused the input with an InputError.
template <class F>
bool only_input_errors(const char* target, F&& body) {
  try {
    body();
    return true;
  } catch (const InputError&) {
    return false;  // bad input, reported as it should be
  } catch (const RunError& e) {
    fail(target, "RunError escaped", e.what());
  } catch (const std::bad_alloc&) {
    fail(target, "std::bad_alloc escaped", "out of memory");
  } catch (const std::exception& e) {
    fail(target, "exception escaped", e.what());
  } catch (...) {
    fail(target, "unknown exception escaped", "");
  }
}

}  // namespace trustsim::fuzz
