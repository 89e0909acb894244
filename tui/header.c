/* header — the top line (context, API server, namespace, connection, clock), the disconnect
 * banner and the footer with the keys of the focused pane (from the key table). */
#include "tui/data.h"

#include "core/kube/kstatus.h"
#include "tui/metrics_ui.h"
#include "tui/op.h"
#include "tui/relwatch.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *conn_state(const struct tui_data *d, enum tui_role *role)
{
	if (data_is_down(d)) {
		*role = ROLE_ERROR;
		return "disconnected";
	}
	*role = d->synced ? ROLE_OK : ROLE_WARN;
	return d->synced ? "connected" : "syncing";
}

void header_draw(struct ui *ui, int y, int w)
{
	struct tui_data *d = ui->data;
	char left[512], clock[16];
	time_t now = (time_t)ui->clock_s;
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(clock, sizeof clock, "%H:%M:%S", &tm);
	snprintf(left, sizeof left, " tops  ctx: %s  server: %s  ns: %s", d->context, d->server,
		 d->ns ? d->ns : "(all)");
	if (text_width(left) + 30 > w) /* narrow: the server goes first */
		snprintf(left, sizeof left, " tops  ctx: %s  ns: %s", d->context, d->ns ? d->ns : "(all)");
	int hattr = term_attr(ROLE_HEADER);
	draw_text(y, 0, w, "", hattr, true);
	enum tui_role role;
	const char *st = conn_state(d, &role);
	char right[64];
	snprintf(right, sizeof right, " %s %s  %s UTC ", term_glyph(G_BULLET), st, clock);
	int rw = text_width(right);
	draw_text(y, 0, w - rw, left, hattr, false);
	if (rw < w) {
		draw_text(y, w - rw, rw, right, hattr, false);
		char word[64];
		snprintf(word, sizeof word, "%s %s", term_glyph(G_BULLET), st);
		draw_text(y, w - rw + 1, text_width(word), word,
			  term_attr(role == ROLE_ERROR ? ROLE_BANNER : ROLE_HEADER) | A_BOLD, false);
	}
	if (!data_is_down(d))
		d->fresh_wall = now_wall();
}

/* Another process's operation: the first pending release record and its lock. */
static bool elsewhere_line(struct ui *ui, char *buf, size_t n)
{
	struct history h;
	if (!ui->data->rel)
		return false;
	relwatch_latest(ui->data->rel, &h);
	bool found = false;
	for (size_t i = 0; i < h.n && !found; i++) {
		const struct release *r = h.r[i];
		enum release_status st = r->info.status;
		if (st != RS_PENDING_INSTALL && st != RS_PENDING_UPGRADE && st != RS_PENDING_ROLLBACK)
			continue;
		const struct rw_lease *l = relwatch_lease(ui->data->rel, r->namespace_, r->name);
		char age[32];
		int64_t since = l && l->acquired ? l->acquired : r->info.last_deployed.sec;
		kstatus_human_duration(ui->clock_s - since > 0 ? ui->clock_s - since : 0, age, sizeof age);
		snprintf(buf, n, " %s %s revision %d %s %s %s %s  (elsewhere; o in :releases follows it)",
			 release_status_str(st), r->name, r->version, term_glyph(G_BULLET),
			 l ? l->holder : "no lock seen", term_glyph(G_BULLET), age);
		found = true;
	}
	relwatch_history_done(&h);
	return found;
}

/* The operation's line on every screen: this console's (running, or its result until
 * dismissed), else one started elsewhere. */
static int op_banner(struct ui *ui, int y, int w)
{
	char line[768];
	enum tui_role role = ROLE_WARN;
	bool own = op_header_line(line + 1, sizeof line - 1, &role);
	if (own)
		line[0] = ' ';
	else if (op_busy() || !elsewhere_line(ui, line, sizeof line))
		return 0;
	draw_text(y, 0, w, line, term_attr(own ? role : ROLE_WARN) | A_REVERSE, true);
	return 1;
}

int banner_draw(struct ui *ui, int y, int w)
{
	struct tui_data *d = ui->data;
	int rows = op_banner(ui, y, w);
	y += rows;
	if (!data_is_down(d))
		return rows + metrics_ui_banner(y, w);
	uint64_t now = now_ms();
	long retry = d->retry_at_ms > now ? (long)((d->retry_at_ms - now + 999) / 1000) : 0;
	char age[32], line[768];
	int64_t since = ui->clock_s - d->fresh_wall;
	kstatus_human_duration(since > 0 ? since : 0, age, sizeof age);
	snprintf(line, sizeof line, " API unreachable %s retry in %lds %s data is %s old %s %s ",
		 term_glyph(G_BULLET), retry, term_glyph(G_BULLET), age, term_glyph(G_BULLET),
		 d->error ? d->error : "connection lost");
	draw_text(y, 0, w, line, term_attr(ROLE_BANNER), true);
	return rows + 1 + metrics_ui_banner(y + 1, w);
}

static size_t action_index(const struct key_entry *keys, size_t n, enum tui_action a)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i].action == a)
			return i;
	return 0;
}

static int footer_item(int y, int x, int w, const struct key_entry *k)
{
	if (x >= w - 2)
		return x;
	const char *label = keys_label(k->action);
	int used = draw_text(y, x, w - x, label, term_attr(ROLE_FOOTER_KEY), false);
	used += draw_text(y, x + used, w - x - used, " ", term_attr(ROLE_FOOTER), false);
	used += draw_text(y, x + used, w - x - used, k->short_, term_attr(ROLE_FOOTER), false);
	used += draw_text(y, x + used, w - x - used, "  ", term_attr(ROLE_FOOTER), false);
	return x + used;
}

/* Help and quit first (they must survive a narrow terminal), then the focused pane's own keys,
 * then filter and command. */
void footer_draw(struct ui *ui, int y, int w)
{
	static const enum tui_action first[] = {ACT_HELP, ACT_QUIT}, last[] = {ACT_FIND, ACT_COMMAND};
	struct pane *p = ui_active(ui);
	unsigned mask = p->scope | (ui->depth == 0 ? KS_DASH : 0);
	draw_text(y, 0, w, "", term_attr(ROLE_FOOTER), true);
	size_t n;
	const struct key_entry *keys = keys_table(&n);
	int x = 1;
	for (size_t g = 0; g < ARRAY_LEN(first); g++)
		x = footer_item(y, x, w, &keys[action_index(keys, n, first[g])]);
	for (size_t i = 0; i < n; i++)
		if ((keys[i].scope & mask) && !(keys[i].action >= ACT_PANE1 && keys[i].action <= ACT_PANE4) &&
		    keys_lookup(keys[i].key1, mask | KS_GLOBAL) == keys[i].action)   /* not shadowed */
			x = footer_item(y, x, w, &keys[i]);
	for (size_t g = 0; g < ARRAY_LEN(last); g++)
		x = footer_item(y, x, w, &keys[action_index(keys, n, last[g])]);
}
