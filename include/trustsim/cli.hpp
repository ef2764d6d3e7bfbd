// The `trustsim` command line (contract in DESIGN.md): parses arguments,
// calls the library, maps errors to exit codes. main() only calls this.
#pragma once

namespace trustsim {
int cli_main(int argc, char** argv);
}
