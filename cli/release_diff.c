/* release_diff — `--diff` on install and upgrade: what the apply would change, object by
 * object (core/diff; Secret values masked), the plan line, and the question. */
#include "cli/release_diff.h"

#include "core/diff/diff.h"
#include "core/release/obj.h"
#include "core/release/rest.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct plan {
	int add, change, destroy;
};

static void diff_one(struct kube_client *kc, const struct value *obj, const char *ns, struct plan *p)
{
	char *path = diff_object_path(obj, ns);
	struct value *live = NULL;
	struct tops_err err = {0};
	if (path && rest_call(kc, "GET", path, NULL, NULL, NULL, &live, &err) < 0)
		live = NULL; /* absent (or unreadable): shown as an addition */
	tops_err_clear(&err);
	struct diff_result r;
	if (diff_object_as(obj, live, ns, "tops", &r, &err) == 0) {
		p->add += r.status == DIFF_CREATED;
		p->change += r.status == DIFF_CHANGED;
		struct strbuf sb = STRBUF_INIT;
		diff_unified(&r, 3, &sb);
		fwrite(sb_str(&sb), 1, sb.len, stdout);
		sb_done(&sb);
		diff_result_done(&r);
	}
	tops_err_clear(&err);
	value_unref(live);
	free(path);
}

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
	struct plan p = {0};
	for (size_t i = 0; i < n; i++)
		diff_one(kc, objs[i], ctx->namespace_, &p);
	for (size_t i = 0; i < ngone; i++) {
		char *ref = obj_ref(gone[i], false);
		printf("--- live/%s (deleted: the new revision no longer has it)\n", ref);
		free(ref);
		p.destroy++;
	}
	printf("Plan: %d to add, %d to change, %d to destroy.\n", p.add, p.change, p.destroy);
	fflush(stdout);
	if (ctx->yes)
		return true;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "tops: --diff without a terminal needs --yes to proceed\n");
		return false;
	}
	return ask();
}
