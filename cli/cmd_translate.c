#include "cli.h"
int cmd_translate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("'translate' is not implemented yet");
    return 1;
}
