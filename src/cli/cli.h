// The `custintel` command. Exit codes: 0 ok, 1 runtime error, 2 usage error. Errors are one
// line on stderr naming the problem: "custintel: error: orders.csv: no such file".
#pragma once

namespace custintel::cli {

int Main(int argc, char** argv);

}  // namespace custintel::cli
