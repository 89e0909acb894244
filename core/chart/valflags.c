/* valflags — helm's values flags merged in helm's order (see valflags.h). */
#include "core/chart/valflags.h"

#include "core/chart/strvals.h"
#include "core/chart/values.h"

#include <stdlib.h>
#include <string.h>

struct value *valflags_merge(const struct valflag *f, size_t nf, struct tops_err *err)
{
	static const struct { const char *flag; enum strvals_kind kind; } order[] = {
		{"--set-json", STRVALS_JSON}, {"--set", STRVALS_SET}, {"--set-string", STRVALS_STRING},
		{"--set-file", STRVALS_FILE}, {"--set-literal", STRVALS_LITERAL},
	};
	const char **files = xcalloc(nf + 1, sizeof *files);
	size_t nfiles = 0;
	for (size_t i = 0; i < nf; i++)
		if (!strcmp(f[i].flag, "--values") || !strcmp(f[i].flag, "-f"))
			files[nfiles++] = f[i].val;
	struct value *user = values_merge_files(files, nfiles, err);
	free(files);
	for (size_t k = 0; user && k < ARRAY_LEN(order); k++)
		for (size_t i = 0; user && i < nf; i++)
			if (!strcmp(f[i].flag, order[k].flag) &&
			    strvals_parse_into(order[k].kind, f[i].val, user, NULL, NULL, err) < 0) {
				tops_err_prefix(err, "%s %s", order[k].flag, f[i].val);
				value_unref(user);
				user = NULL;
			}
	return user;
}
