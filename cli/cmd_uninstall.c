/* tops uninstall — helm's `uninstall` through the release engine (core/release/engine.h). */
#include "cli/commands.h"
#include "cli/release_run.h"

int cmd_uninstall(int argc, char **argv)
{
	return rel_run(RC_UNINSTALL, argc, argv);
}
