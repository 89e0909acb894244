/* tops upgrade — helm's `upgrade` through the release engine (core/release/engine.h). */
#include "cli/commands.h"
#include "cli/release_run.h"

int cmd_upgrade(int argc, char **argv)
{
	return rel_run(RC_UPGRADE, argc, argv);
}
