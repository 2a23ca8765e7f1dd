/* placeholder until implemented */
#include "cli.h"
int cmd_tokenize(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("'tokenize' is not implemented yet");
    return 1;
}
