// touchpoint-server: the head-office server kiosks sync to.
#include "server/cli.h"

#include <iostream>

int main(int argc, char** argv) {
    return touchpoint::server::run_cli(argc, argv, std::cout, std::cerr);
}
