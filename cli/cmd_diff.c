/* Placeholder until the diff command lands; replaced by its implementation. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_diff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tops: diff is not available in this build\n");
	return 1;
}
