/* pane_releases — the Releases view: the newest record of each release, watched live
 * (tui/relwatch.c); pending and failed stand out; the lock holder while an operation runs. */
#include "tui/releases.h"

#include "tui/data.h"
#include "tui/grid.h"
#include "tui/op.h"
#include "tui/relwatch.h"

#include "core/kube/kstatus.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct relpane {
	struct grid g;
	uint64_t seen;
	const struct relwatch *rw;
};

static const char *const rel_cols[] = {"NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART",
				       "APP VERSION", "OPERATION"};

static bool is_pending(enum release_status st)
{
	return st == RS_PENDING_INSTALL || st == RS_PENDING_UPGRADE || st == RS_PENDING_ROLLBACK ||
	       st == RS_UNINSTALLING;
}

/* The lock cell: "upgrade by user@host:1 for 1m5s" while pending. */
static void lock_cell(const struct relwatch *rw, const struct release *r, char *buf, size_t n)
{
	buf[0] = 0;
	if (!is_pending(r->info.status))
		return;
	const struct rw_lease *l = relwatch_lease(rw, r->namespace_, r->name);
	char age[32] = "?";
	int64_t since = l && l->acquired ? l->acquired : r->info.last_deployed.sec;
	kstatus_human_duration(now_wall() - since > 0 ? now_wall() - since : 0, age, sizeof age);
	if (l && *l->holder)
		snprintf(buf, n, "%s by %s for %s", l->operation && *l->operation ? l->operation : "operation",
			 l->holder, age);
	else
		snprintf(buf, n, "pending for %s (no lock seen)", age);
}

static enum tui_role status_role(enum release_status st)
{
	if (is_pending(st))
		return ROLE_WARN;
	if (st == RS_FAILED)
		return ROLE_ERROR;
	return st == RS_DEPLOYED ? ROLE_NORMAL : ROLE_DONE;
}

static void rel_rebuild(struct pane *p)
{
	struct relpane *rp = p->priv;
	struct relwatch *rw = p->ui->data->rel;
	if (rw == rp->rw && relwatch_version(rw) == rp->seen)
		return;
	rp->rw = rw;
	rp->seen = relwatch_version(rw);
	struct history h;
	relwatch_latest(rw, &h);
	grid_clear(&rp->g);
	for (size_t i = 0; i < h.n; i++) {
		const struct release *r = h.r[i];
		char key[256], chart[128], when[64], lock[256];
		snprintf(key, sizeof key, "%s/%s", r->namespace_, r->name);
		struct grid_row *row = grid_add(&rp->g, key, status_role(r->info.status));
		relwatch_chart_cell(r, chart, sizeof chart);
		relwatch_time_cell(r, when, sizeof when);
		lock_cell(rw, r, lock, sizeof lock);
		grid_set(row, 0, "%s", r->name);
		grid_set(row, 1, "%s", r->namespace_);
		grid_set(row, 2, "%d", r->version);
		grid_set(row, 3, "%s", when);
		grid_set(row, 4, "%s", release_status_str(r->info.status));
		grid_set(row, 5, "%s", chart);
		grid_set(row, 6, "%s", relwatch_app_version(r));
		grid_set(row, 7, "%s", lock);
	}
	relwatch_history_done(&h);
	grid_done_rows(&rp->g);
}

static void rel_draw(struct pane *p)
{
	struct relpane *rp = p->priv;
	rel_rebuild(p);
	struct relwatch *rw = p->ui->data->rel;
	char info[256];
	const char *err = relwatch_error(rw);
	snprintf(info, sizeof info, "%zu release%s%s%s", rp->g.nvis, rp->g.nvis == 1 ? "" : "s",
		 err ? " · " : "", err ? err : "");
	grid_draw(&rp->g, p->y, p->x, p->h, p->w, "Releases", info,
		  relwatch_synced(rw) ? "no releases in this namespace (tops install NAME CHART)" : "loading release records...");
}

/* Splits "ns/name" of the cursor row. */
static bool cur_release(struct pane *p, char *ns, size_t nns, char *name, size_t nname)
{
	const struct grid_row *row = grid_current(&((struct relpane *)p->priv)->g);
	if (!row)
		return false;
	snprintf(ns, nns, "%s", row->cells[1]);
	snprintf(name, nname, "%s", row->cells[0]);
	return true;
}

static bool rel_key(struct pane *p, enum tui_action a, int ch)
{
	struct relpane *rp = p->priv;
	char ns[128], name[128];
	if (grid_key(&rp->g, a))
		return true;
	if (a != ACT_REL_OPEN && a != ACT_REL_UPGRADE && a != ACT_OP_FOLLOW)
		return false;
	if (!cur_release(p, ns, sizeof ns, name, sizeof name))
		return true;
	if (a == ACT_REL_OPEN)
		ui_push(p->ui, history_pane_new(p->ui, ns, name));
	else if (a == ACT_OP_FOLLOW)
		ui_push(p->ui, op_pane_follow(p->ui, ns, name));
	else if (!op_readonly_refuses(p->ui, "upgrade"))
		ui_push(p->ui, upgrade_pane_new(p->ui, ns, name, ""));
	return true;
}

static void rel_find(struct pane *p, const char *text)
{
	grid_filter(&((struct relpane *)p->priv)->g, text);
}

static void rel_tick(struct pane *p)
{
	((struct relpane *)p->priv)->seen--; /* lock ages */
}

static void rel_free(struct pane *p)
{
	struct relpane *rp = p->priv;
	grid_done(&rp->g);
	free(rp);
	free(p);
}

static const struct pane_ops rel_ops = {
	.name = "releases", .draw = rel_draw, .key = rel_key, .find = rel_find, .tick = rel_tick,
	.free = rel_free,
};

struct pane *releases_pane_new(struct ui *ui)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct relpane *rp = xcalloc(1, sizeof *rp);
	grid_init(&rp->g, rel_cols, (int)ARRAY_LEN(rel_cols));
	p->ops = &rel_ops;
	p->ui = ui;
	p->priv = rp;
	p->scope = KS_RELEASES;
	snprintf(p->title, sizeof p->title, "Releases");
	return p;
}

int releases_command(struct ui *ui, const char *arg)
{
	while (ui_pop(ui))
		;
	ui_push(ui, releases_pane_new(ui));
	return 0;
}
