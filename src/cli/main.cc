#include "cli/cli.h"

int main(int argc, char** argv) { return custintel::cli::Main(argc, argv); }
