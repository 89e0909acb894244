/* Placeholder until the top command lands; replaced by its implementation. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_top(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tops: top is not available in this build\n");
	return 1;
}
