/* acts — the acting commands of the console (:upgrade, :rollback, :uninstall, :apply) and the
 * rollback of a history row: read-only refusals, the arguments, the request to tui/op.c with a
 * confirmation, and the supervision view. */
#include "tui/releases.h"

#include "core/base/util.h"
#include "tui/data.h"
#include "tui/op.h"
#include "tui/relwatch.h"

#include <stdlib.h>
#include <string.h>

static const char *cur_ns(struct ui *ui)
{
	return ui->data->ns ? ui->data->ns : kube_client_namespace(ui->data->client);
}

/* The newest revision of ns/name, 0 when the console has no record of it. */
static int last_rev(struct ui *ui, const char *ns, const char *name)
{
	struct history h;
	relwatch_history(ui->data->rel, ns, name, &h);
	const struct release *r = history_last(&h);
	int v = r ? r->version : 0;
	relwatch_history_done(&h);
	return v;
}

/* The single release of the namespace when there is exactly one (the usual case). */
static bool only_release(struct ui *ui, char *buf, size_t n)
{
	struct history h;
	relwatch_latest(ui->data->rel, &h);
	bool one = h.n == 1;
	if (one)
		snprintf(buf, n, "%s", h.r[0]->name);
	relwatch_history_done(&h);
	return one;
}

static void start(struct ui *ui, struct op_req *q)
{
	struct tops_err err = {0};
	if (op_start(ui, q, &err) < 0) {
		ui_message(ui, true, "%s", tops_err_msg(&err));
		tops_err_clear(&err);
		op_req_done(q);
		return;
	}
	while (ui_pop(ui))
		;
	ui_push(ui, op_pane_new(ui));
}

void releases_rollback(struct ui *ui, const char *ns, const char *name, int rev)
{
	if (op_readonly_refuses(ui, "rollback"))
		return;
	int last = last_rev(ui, ns, name);
	struct op_req q = {.action = EA_ROLLBACK, .release = xstrdup(name), .ns = xstrdup(ns), .revision = rev,
			   .wait = true, .timeout_ms = 300000, .ask = true, .from_rev = last,
			   .to_rev = last ? last + 1 : 0};
	start(ui, &q);
}

/* `:upgrade [NAME] [CHART] [-f FILE]... [--set K=V]...`: the first word names the release when
 * the namespace has one by that name. */
int upgrade_command(struct ui *ui, const char *arg)
{
	if (op_readonly_refuses(ui, "upgrade"))
		return -TOPS_EINVAL;
	char name[256] = "";
	size_t wl = strcspn(arg, " ");
	snprintf(name, sizeof name, "%.*s", (int)wl, arg);
	const char *rest = arg;
	if (wl && last_rev(ui, cur_ns(ui), name))
		rest = arg + wl;
	else if (!only_release(ui, name, sizeof name)) {
		ui_message(ui, true, ":upgrade NAME [CHART] [-f FILE]... [--set K=V]... (no release named %s here)", name);
		return -TOPS_EINVAL;
	}
	while (*rest == ' ')
		rest++;
	ui_push(ui, upgrade_pane_new(ui, cur_ns(ui), name, rest));
	return 0;
}

/* `:rollback NAME [REVISION]` (default: the previous revision). */
int rollback_command(struct ui *ui, const char *arg)
{
	if (op_readonly_refuses(ui, "rollback"))
		return -TOPS_EINVAL;
	char name[256] = "";
	int rev = 0;
	if (sscanf(arg, "%255s %d", name, &rev) < 1 && !only_release(ui, name, sizeof name)) {
		ui_message(ui, true, ":rollback NAME [REVISION]");
		return -TOPS_EINVAL;
	}
	if (!last_rev(ui, cur_ns(ui), name)) {
		ui_message(ui, true, "no release %s in namespace %s", name, cur_ns(ui));
		return -TOPS_EINVAL;
	}
	releases_rollback(ui, cur_ns(ui), name, rev);
	return 0;
}

/* `:uninstall NAME`: the plan lists what goes; the name is typed to confirm. */
int uninstall_command(struct ui *ui, const char *arg)
{
	if (op_readonly_refuses(ui, "uninstall"))
		return -TOPS_EINVAL;
	if (!*arg || !last_rev(ui, cur_ns(ui), arg)) {
		ui_message(ui, true, ":uninstall NAME (a release of namespace %s)", cur_ns(ui));
		return -TOPS_EINVAL;
	}
	struct op_req q = {.action = EA_UNINSTALL, .release = xstrdup(arg), .ns = xstrdup(cur_ns(ui)),
			   .timeout_ms = 300000, .ask = true, .typed_name = true,
			   .from_rev = last_rev(ui, cur_ns(ui), arg)};
	start(ui, &q);
	return 0;
}

/* `:apply FILE...`: plain manifests, server-side, after the plan and the diff. */
int apply_command(struct ui *ui, const char *arg)
{
	if (op_readonly_refuses(ui, "apply"))
		return -TOPS_EINVAL;
	if (!*arg) {
		ui_message(ui, true, ":apply FILE... (manifests, applied server-side after the diff)");
		return -TOPS_EINVAL;
	}
	struct op_req q = {.apply = true, .ns = xstrdup(cur_ns(ui)), .chart = xstrdup(arg), .wait = true,
			   .timeout_ms = 300000, .ask = true};
	char *copy = xstrdup(arg), *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		struct tops_err err = {0};
		char *text = NULL;
		size_t len = 0;
		if (read_file(w, 64 << 20, &text, &len, &err) < 0) {
			ui_message(ui, true, "%s: %s (nothing was applied)", w, tops_err_msg(&err));
			tops_err_clear(&err);
			free(copy);
			op_req_done(&q);
			return -TOPS_EINVAL;
		}
		q.names = xrealloc(q.names, (q.nfiles + 1) * sizeof *q.names);
		q.texts = xrealloc(q.texts, (q.nfiles + 1) * sizeof *q.texts);
		q.names[q.nfiles] = xstrdup(w);
		q.texts[q.nfiles++] = text;
	}
	free(copy);
	start(ui, &q);
	return 0;
}
