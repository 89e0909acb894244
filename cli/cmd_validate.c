/* Placeholder until the validate command lands; replaced by its implementation. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_validate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tops: validate is not available in this build\n");
	return 1;
}
