/* placeholder until implemented */
#include "cli.h"
int cmd_models(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("'models' is not implemented yet");
    return 1;
}
