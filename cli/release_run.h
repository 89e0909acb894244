/* release_run — runs install, upgrade, rollback or uninstall from its command line. */
#ifndef TOPS_RELEASE_RUN_H
#define TOPS_RELEASE_RUN_H

#include "cli/release_cli.h"

/* The exit status: 0 success, 1 the operation failed, 2 usage. */
int rel_run(enum rel_cmd cmd, int argc, char **argv);

#endif
