/* tops rollback — helm's `rollback` through the release engine (core/release/engine.h). */
#include "cli/commands.h"
#include "cli/release_run.h"

int cmd_rollback(int argc, char **argv)
{
	return rel_run(RC_ROLLBACK, argc, argv);
}
