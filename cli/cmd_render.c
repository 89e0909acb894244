/* Placeholder until the render command lands; replaced by its implementation. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_render(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tops: render is not available in this build\n");
	return 1;
}
