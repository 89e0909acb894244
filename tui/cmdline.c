/* cmdline — the `/` filter prompt and the `:` command line with Tab completion. */
#include "tui/data.h"
#include "tui/metrics_ui.h"
#include "tui/portfwds.h"
#include "tui/op.h"
#include "tui/releases.h"


#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef int (*command_fn)(struct ui *ui, const char *arg);

static int cmd_focus(struct ui *ui, int i)
{
	ui_focus(ui, i);
	return 0;
}
static int cmd_pods(struct ui *ui, const char *arg) { return cmd_focus(ui, 0); }
static int cmd_pvc(struct ui *ui, const char *arg) { return cmd_focus(ui, 1); }
static int cmd_deploy(struct ui *ui, const char *arg) { return cmd_focus(ui, 2); }
static int cmd_events(struct ui *ui, const char *arg) { return cmd_focus(ui, 3); }
static int cmd_quit(struct ui *ui, const char *arg)
{
	if (op_busy())
		ui->quit_ask = true; /* as `q`: wait, abort or leave it headless */
	else
		ui->quit = true;
	return 0;
}

/* :q! quits at once; an operation still running finishes headless (tui/ui.c). */
static int cmd_quit_now(struct ui *ui, const char *arg)
{
	ui->quit = true;
	return 0;
}

static int cmd_switch(struct ui *ui, const char *ns, const char *ctx)
{
	struct tops_err err = {0};
	while (ui_pop(ui)) /* open views hold requests of the old client */
		;
	metrics_ui_stop(); /* its requests use the old client */
	portfwds_stop_all(); /* so do the port-forwards */
	int rc = data_switch(ui, ns, ctx, &err);
	metrics_ui_start(ui);
	if (rc < 0) {
		ui_message(ui, true, "%s", tops_err_msg(&err));
		tops_err_clear(&err);
		return -TOPS_EINVAL;
	}
	ui_message(ui, false, "%s %s", ns ? "namespace" : "context", ns ? (*ns ? ns : "all") : ctx);
	return 0;
}

static int cmd_ns(struct ui *ui, const char *arg)
{
	if (!*arg) {
		ui_message(ui, true, ":ns needs a namespace (or \"all\")");
		return -TOPS_EINVAL;
	}
	return cmd_switch(ui, arg, NULL);
}

static int cmd_ctx(struct ui *ui, const char *arg)
{
	if (!*arg) {
		ui_message(ui, true, ":ctx needs a context name");
		return -TOPS_EINVAL;
	}
	return cmd_switch(ui, NULL, arg);
}

/* Names and aliases; the first of each function is what completion offers. */
static const struct { const char *name; command_fn fn; bool arg; } commands[] = {
	{"pods", cmd_pods, false}, {"po", cmd_pods, false}, {"pod", cmd_pods, false},
	{"pvc", cmd_pvc, false}, {"pvcs", cmd_pvc, false},
	{"deploy", cmd_deploy, false}, {"deployments", cmd_deploy, false}, {"sts", cmd_deploy, false},
	{"workloads", cmd_deploy, false},
	{"events", cmd_events, false}, {"ev", cmd_events, false},
	{"ns", cmd_ns, true}, {"namespace", cmd_ns, true},
	{"ctx", cmd_ctx, true}, {"context", cmd_ctx, true},
	{"metrics", metrics_command, false}, {"top", metrics_command, false},
	{"render", render_command, true},
	{"pf", portfwds_command, false}, {"port-forwards", portfwds_command, false},
	{"snapshots", snapshots_command, true}, {"snap", snapshots_command, true},
	{"releases", releases_command, false}, {"rel", releases_command, false},
	{"upgrade", upgrade_command, true}, {"rollback", rollback_command, true},
	{"uninstall", uninstall_command, true}, {"apply", apply_command, true},
	{"op", op_command, false}, {"audit", audit_command, true},
	{"q", cmd_quit, false}, {"quit", cmd_quit, false}, {"q!", cmd_quit_now, false},
};

int ui_command(struct ui *ui, const char *line)
{
	while (*line == ' ' || *line == ':')
		line++;
	size_t wl = strcspn(line, " ");
	const char *arg = line + wl;
	while (*arg == ' ')
		arg++;
	char *argc = xstrdup(arg);
	for (char *e = argc + strlen(argc); e > argc && e[-1] == ' ';)
		*--e = 0;
	int rc = -TOPS_EINVAL;
	size_t i;
	for (i = 0; i < ARRAY_LEN(commands); i++)
		if (strlen(commands[i].name) == wl && strncasecmp(commands[i].name, line, wl) == 0)
			break;
	if (i < ARRAY_LEN(commands))
		rc = commands[i].fn(ui, argc);
	else if (wl)
		ui_message(ui, true, "unknown command :%.*s (try :pods :pvc :deploy :events :metrics :render :snapshots :releases :audit :ns :ctx :q)",
			   (int)wl, line);
	free(argc);
	return rc;
}

/* ---- completion ---- */
struct cands {
	char **v;
	size_t n;
};

static void cand_add(struct cands *c, const char *s)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i], s) == 0)
			return;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n++] = xstrdup(s);
}

static void ns_cb(const union st_record *r, void *ud)
{
	cand_add(ud, r->meta.namespace_);
}

static void arg_candidates(struct ui *ui, command_fn fn, struct cands *c)
{
	if (fn == cmd_ns) {
		cand_add(c, "all");
		if (ui->data->ns)
			cand_add(c, ui->data->ns);
		store_foreach(ui->data->store, KK_POD, ns_cb, c);
		store_foreach(ui->data->store, KK_EVENT, ns_cb, c);
	} else if (fn == cmd_ctx) {
		const char *const *names = kubeconfig_context_names(ui->data->client->kc, NULL);
		for (size_t i = 0; names[i]; i++)
			cand_add(c, names[i]);
	}
}

/* Longest common prefix of the candidates that start with word. */
static size_t complete_word(struct cands *c, const char *word, char *out, size_t cap)
{
	size_t wl = strlen(word), found = 0;
	out[0] = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (strncmp(c->v[i], word, wl) != 0)
			continue;
		if (found++ == 0) {
			snprintf(out, cap, "%s", c->v[i]);
			continue;
		}
		size_t k = 0;
		while (out[k] && out[k] == c->v[i][k])
			k++;
		out[k] = 0;
	}
	return found;
}

void cmdline_complete(struct ui *ui, char *buf, size_t cap, size_t *len)
{
	struct cands c = {0};
	char *sp = strchr(buf, ' ');
	const char *word = sp ? sp + 1 : buf;
	if (!sp) {
		for (size_t i = 0; i < ARRAY_LEN(commands); i++)
			if (i == 0 || commands[i].fn != commands[i - 1].fn)
				cand_add(&c, commands[i].name);
	} else {
		for (size_t i = 0; i < ARRAY_LEN(commands); i++)
			if (strlen(commands[i].name) == (size_t)(sp - buf) &&
			    strncmp(commands[i].name, buf, (size_t)(sp - buf)) == 0)
				arg_candidates(ui, commands[i].fn, &c);
	}
	char best[128];
	size_t found = complete_word(&c, word, best, sizeof best);
	size_t prefix = (size_t)(word - buf);
	if (found && strlen(best) >= strlen(word) && prefix + strlen(best) + 2 < cap) {
		snprintf(buf + prefix, cap - prefix, "%s%s", best, found == 1 && !sp ? " " : "");
		*len = strlen(buf);
	}
	if (found > 1) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < c.n; i++)
			if (strncmp(c.v[i], word, strlen(word)) == 0)
				sb_addf(&sb, "%s ", c.v[i]);
		ui_message(ui, false, "%s", sb_str(&sb));
		sb_done(&sb);
	}
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i]);
	free(c.v);
}

/* ---- the prompt ---- */
void cmdline_open(struct ui *ui, enum prompt_mode mode)
{
	ui->prompt = mode;
	ui->prompt_len = 0;
	ui->prompt_buf[0] = 0;
	ui->message_until_ms = 0; /* the line now shows the prompt and its completions */
	leaveok(stdscr, FALSE);
	curs_set(1);
}

static void cmdline_close(struct ui *ui)
{
	ui->prompt = PROMPT_NONE;
	curs_set(0);
	leaveok(stdscr, TRUE);
}

static void cmdline_submit(struct ui *ui)
{
	enum prompt_mode mode = ui->prompt;
	char *text = xstrdup(ui->prompt_buf);
	cmdline_close(ui);
	struct pane *p = ui_active(ui);
	if (mode == PROMPT_COMMAND)
		ui_command(ui, text);
	else if (p->ops->find)
		p->ops->find(p, text);
	free(text);
}

void cmdline_key(struct ui *ui, int ch)
{
	if (ch == 27) {
		cmdline_close(ui);
	} else if (ch == '\n') {
		cmdline_submit(ui);
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		while (ui->prompt_len > 0 && ((unsigned char)ui->prompt_buf[--ui->prompt_len] & 0xC0) == 0x80)
			;
		ui->prompt_buf[ui->prompt_len] = 0;
	} else if (ch == 21) { /* ^U */
		ui->prompt_len = 0;
		ui->prompt_buf[0] = 0;
	} else if (ch == '\t' && ui->prompt == PROMPT_COMMAND) {
		cmdline_complete(ui, ui->prompt_buf, sizeof ui->prompt_buf, &ui->prompt_len);
	} else if (ch >= 32 && ch < 256 && ch != 127 && ui->prompt_len + 1 < sizeof ui->prompt_buf) {
		ui->prompt_buf[ui->prompt_len++] = (char)ch;
		ui->prompt_buf[ui->prompt_len] = 0;
	}
}

void cmdline_draw(struct ui *ui, int y, int w)
{
	const char *lead = ui->prompt == PROMPT_COMMAND ? ":" : "/";
	draw_text(y, 0, w, "", term_attr(ROLE_NORMAL), true);
	int used = draw_text(y, 0, w, lead, term_attr(ROLE_KEY), false);
	used += draw_text(y, used, w - used, ui->prompt_buf, term_attr(ROLE_NORMAL), false);
	/* the candidates of the last Tab stay in view beside the prompt */
	if (ui->message && now_ms() < ui->message_until_ms && used + 4 < w)
		draw_text(y, used + 3, w - used - 3, ui->message, term_attr(ROLE_DIM), false);
	move(y, used < w ? used : w - 1);
}
