/* Placeholder until the ui command lands; replaced by its implementation. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_ui(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tops: ui is not available in this build\n");
	return 1;
}
