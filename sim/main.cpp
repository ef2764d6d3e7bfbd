// trustsim executable: everything lives in the library.
#include "trustsim/cli.hpp"

int main(int argc, char** argv) { return trustsim::cli_main(argc, argv); }
