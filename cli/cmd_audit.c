/* tops audit [--since 1h] [-o table|json] — what this bastion's tops did: the audit file's
 * entries (one JSON line per mutating action, core/release/audit.h). */
#include "cli/commands.h"
#include "cli/release_cli.h"

#include "core/release/audit.h"
#include "core/release/obj.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *cell(const struct value *e, const char *k)
{
	const char *s = obj_str(e, k);
	return s ? s : "";
}

static void print_table(const struct value *list)
{
	static const char *const hdr[] = {"TIME", "ACTION", "NAMESPACE", "RELEASE", "REVISION", "RESULT", "BY", "ERROR"};
	size_t n = list->u.list.len;
	char ***rows = xcalloc(n + 1, sizeof *rows);
	for (size_t i = 0; i < n; i++) {
		const struct value *e = list->u.list.items[i];
		char **r = rows[i] = xcalloc(8, sizeof *r);
		int64_t from = obj_int(e, "fromRevision", 0), to = obj_int(e, "toRevision", 0);
		r[0] = xstrndup(cell(e, "time"), 19);
		r[1] = xstrdup(cell(e, "action"));
		r[2] = xstrdup(cell(e, "namespace"));
		r[3] = xstrdup(cell(e, "release"));
		r[4] = from || to ? xasprintf("%lld -> %lld", (long long)from, (long long)to) : xstrdup("");
		r[5] = xstrdup(cell(e, "result"));
		r[6] = xstrdup(cell(e, "local"));
		r[7] = xstrndup(cell(e, "error"), 80);
		for (char *p = r[7]; *p; p++)
			*p = *p == '\n' ? ' ' : *p;
	}
	rel_table(stdout, hdr, 8, rows, n);
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < 8; c++)
			free(rows[i][c]);
		free(rows[i]);
	}
	free(rows);
}

int cmd_audit(int argc, char **argv)
{
	const char *since = NULL, *output = "table";
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--since") && i + 1 < argc)
			since = argv[++i];
		else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
			output = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("Usage: tops audit [--since DURATION] [-o table|json]\n\n"
			       "The actions this user's tops took (from %s).\n", "$XDG_STATE_HOME/tops/audit.jsonl");
			return 0;
		} else {
			fprintf(stderr, "tops: audit: unknown or incomplete flag: %s\n", argv[i]);
			return 2;
		}
	}
	long ms = rel_duration_ms(since, 0);
	if (ms < 0) {
		fprintf(stderr, "tops: audit: --since takes a duration such as 1h or 30m\n");
		return 2;
	}
	struct tops_err err = {0};
	size_t bad = 0;
	int64_t from = ms ? (int64_t)time(NULL) * 1000 - ms : 0;
	struct value *list = audit_read(from, &bad, &err);
	int code = 0;
	if (err.code) {
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
		code = 1;
	} else if (!strcmp(output, "table")) {
		print_table(list);
	} else {
		code = rel_print_value(list, output);
	}
	if (bad)
		fprintf(stderr, "tops: %zu line%s of the audit file %s not JSON\n", bad, bad == 1 ? "" : "s",
			bad == 1 ? "is" : "are");
	tops_err_clear(&err);
	value_unref(list);
	return code;
}
