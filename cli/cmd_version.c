#include "cli/commands.h"

#include <stdio.h>

#ifndef TOPS_VERSION
#define TOPS_VERSION "0.1.0"
#endif

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("tops %s\n", TOPS_VERSION);
	return 0;
}
