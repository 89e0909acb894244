/* Placeholder until the eval command lands; replaced by its implementation. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_eval(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tops: eval is not available in this build\n");
	return 1;
}
