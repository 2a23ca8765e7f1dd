/* placeholder until implemented */
#include "cli.h"
int cmd_info(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("'info' is not implemented yet");
    return 1;
}
