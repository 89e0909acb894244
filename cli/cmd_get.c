/* Placeholder until the get command lands; replaced by its implementation. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_get(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tops: get is not available in this build\n");
	return 1;
}
