/* placeholder until implemented */
#include "cli.h"
int cmd_eval(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("'eval' is not implemented yet");
    return 1;
}
