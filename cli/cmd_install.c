/* tops install — helm's `install` through the release engine (core/release/engine.h). */
#include "cli/commands.h"
#include "cli/release_run.h"

int cmd_install(int argc, char **argv)
{
	return rel_run(RC_INSTALL, argc, argv);
}
