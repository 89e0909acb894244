/* valflags — the user values of helm's values flags, as helm merges them: the -f/--values files
 * in order, then --set-json, --set, --set-string, --set-file and --set-literal, each kind in the
 * order given. Shared by the release commands and the console's upgrade dialog. */
#ifndef TOPS_VALFLAGS_H
#define TOPS_VALFLAGS_H

#include "core/base/value.h"

struct valflag {
	const char *flag;            /* "-f", "--values", "--set", "--set-string", ... */
	const char *val;
};

/* A new map (caller unrefs), or NULL with err naming the flag and the position ("--set a=[:
 * ...", "values.yaml:3:4: ..."). Flags other than the values flags are ignored. */
struct value *valflags_merge(const struct valflag *f, size_t n, struct tops_err *err);

#endif
