/* placeholder until implemented */
#include "cli.h"
int cmd_detect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("'detect' is not implemented yet");
    return 1;
}
