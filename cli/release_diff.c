/* release_diff — `--diff` on install and upgrade: what the apply would change, object by
 * object (core/diff; Secret values masked), the plan line, and the question. */
#include "cli/release_diff.h"

#include "core/release/plan.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads the answer from the terminal: only "y" or "yes" proceeds. */
static bool ask(void)
{
	char line[32] = "";
	fputs("Proceed? [y/N] ", stdout);
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return false;
	line[strcspn(line, "\r\n")] = 0;
	return !strcasecmp(line, "y") || !strcasecmp(line, "yes");
}

bool rel_confirm_diff(struct kube_client *kc, struct value *const *objs, size_t n,
		      struct value *const *gone, size_t ngone, void *ud)
{
	const struct rel_diff_ctx *ctx = ud;
	struct plan p;
	struct strbuf sb = STRBUF_INIT;
	plan_compute(kc, objs, n, gone, ngone, ctx->namespace_, &p, &sb);
	fwrite(sb_str(&sb), 1, sb.len, stdout);
	sb_done(&sb);
	char line[128];
	plan_line(&p, line, sizeof line);
	printf("%s\n", line);
	fflush(stdout);
	if (ctx->yes)
		return true;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "tops: --diff without a terminal needs --yes to proceed\n");
		return false;
	}
	return ask();
}
