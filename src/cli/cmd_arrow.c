/* `rerun arrow ...`: placeholder until the JSON codec lands. */
#include "cli/cli.h"
int rr_cli_arrow(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return rr_cli_fail("arrow: not built yet");
}
