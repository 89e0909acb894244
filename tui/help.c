/* help — generated from the key table (tui/keys.def), so it lists exactly what dispatch does. */
#include "tui/op.h"
#include "tui/textview.h"

#include <string.h>

#include <stdlib.h>

static const struct { unsigned scope; const char *title; } sections[] = {
	{KS_GLOBAL, "Everywhere"},
	{KS_DASH, "Dashboard"},
	{KS_TABLE, "Table panes (Pods, PVCs, Workloads, Events)"},
	{KS_PODS, "Pods pane"},
	{KS_EVENTS, "Events pane"},
	{KS_TEXT, "Describe, YAML and log views"},
	{KS_LOGS, "Log view"},
	{KS_RENDER, "Render view (:render)"},
	{KS_PFWD, "Port-forwards view (:pf)"},
	{KS_SNAPS, "Snapshots view (:snapshots)"},
	{KS_RELEASES, "Releases view (:releases)"},
	{KS_HISTORY, "History of a release"},
	{KS_FORM, "Upgrade dialog (u, :upgrade)"},
	{KS_OP, "Supervision of an operation (:op)"},
	{KS_CONFIRM, "A plan waiting for confirmation"},
};

static const char *const commands_help[] = {
	":pods  :pvc  :deploy  :events   focus a pane (also :po :pvcs :sts :ev)",
	":ns NAME   switch namespace (:ns all for every namespace)",
	":ctx NAME  switch kubeconfig context",
	":metrics   Metrics view (Prometheus: --prometheus URL or prometheus.url)",
	":render [CHART] [-f VALUES]...  render, validate and diff a chart (default: config render.*)",
	":pf        the port-forwards started with F, their connections; x stops one",
	":snapshots [RELEASE]  the release's snapshots: take, mark two, compare",
	":releases (:rel)  release records, live; Enter opens the history",
	":upgrade [NAME] [CHART] [-f FILE]... [--set K=V]...  upgrade dialog [acts]",
	":rollback NAME [REV]  :uninstall NAME  :apply FILE...  act after the plan and diff [acts]",
	":op        the running (or last) operation     :audit [TEXT]  the audit log",
	":q         quit",
	"Tab completes commands, namespaces and contexts.",
	"Filter (/): text matches names; a=b,c!=d,e in (x,y),!f is a label selector.",
};

static void help_fill(struct textview *tv)
{
	size_t n;
	const struct key_entry *keys = keys_table(&n);
	for (size_t s = 0; s < ARRAY_LEN(sections); s++) {
		tv_addf(tv, ROLE_TITLE_FOCUS, "%s", sections[s].title);
		for (size_t i = 0; i < n; i++)
			if (keys[i].scope & sections[s].scope) {
				const char *label = keys_label(keys[i].action);
				int pad = 10 - text_width(label);
				bool refused = op_readonly() && strstr(keys[i].help, "[acts]");
				tv_addf(tv, refused ? ROLE_DIM : ROLE_NORMAL, "  %s%*s %s%s", label, pad > 0 ? pad : 0, "",
					keys[i].help, refused ? " (read-only: refused)" : "");
			}
		tv_add(tv, ROLE_NORMAL, "", 0);
	}
	tv_addf(tv, ROLE_TITLE_FOCUS, "Commands");
	for (size_t i = 0; i < ARRAY_LEN(commands_help); i++) {
		bool refused = op_readonly() && strstr(commands_help[i], "[acts]");
		tv_addf(tv, refused ? ROLE_DIM : ROLE_NORMAL, "  %s%s", commands_help[i],
			refused ? " (read-only: refused)" : "");
	}
	if (op_readonly())
		tv_addf(tv, ROLE_WARN, "Read-only mode: the actions marked [acts] are refused and change nothing.");
}

static void help_draw(struct pane *p)
{
	tv_draw(p->priv, p->y, p->x, p->h, p->w, "Help", "Esc or q closes");
}

static bool help_key(struct pane *p, enum tui_action a, int ch)
{
	return tv_key(p->priv, a);
}

static void help_find(struct pane *p, const char *text)
{
	tv_search(p->priv, text);
}

static void help_free(struct pane *p)
{
	tv_done(p->priv);
	free(p->priv);
	free(p);
}

static const struct pane_ops help_ops = {
	.name = "help", .draw = help_draw, .key = help_key, .find = help_find, .free = help_free,
};

struct pane *help_new(struct ui *ui)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct textview *tv = xmalloc(sizeof *tv);
	tv_init(tv, 0);
	help_fill(tv);
	p->ops = &help_ops;
	p->ui = ui;
	p->priv = tv;
	p->scope = KS_TEXT;
	snprintf(p->title, sizeof p->title, "Help");
	return p;
}
