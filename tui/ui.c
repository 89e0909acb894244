/* ui — the console's loop: stdin and signals through libuv, one redraw per iteration (at most
 * 30 frames a second), layout of the dashboard, focus, zoom, the view stack and key dispatch. */
#include "tui/tui.h"
#include "tui/data.h"
#include "tui/portfwds.h"
#include "tui/metrics_ui.h"
#include "tui/hints.h"
#include "tui/op.h"

#include <curses.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define FRAMES_PER_S 30 /* at most this many frames in any second ... */
#define FRAME_GAP_MS 5  /* ... at least this far apart (keys) ... */
#define DATA_GAP_MS 33  /* ... or this far for data changes, which are gathered meanwhile */
_Static_assert(sizeof(((struct ui *)0)->frame_ms) / sizeof(uint64_t) == FRAMES_PER_S, "frame ring");
#define BUSY_WINDOW_MS 1000 /* busy: all of data_changes[] fall within this */

static void ui_draw(struct ui *ui);

/* ---- global actions: a table indexed by action ---- */
typedef void (*action_fn)(struct ui *ui);

static void act_quit(struct ui *ui)
{
	if (ui_pop(ui))
		return;
	if (op_busy())
		ui->quit_ask = true; /* answered in quit_answer() */
	else
		ui->quit = true;
}

/* `q` during an operation: w waits (stays), a aborts it (rolls back) and quits when it ended,
 * h restores the terminal and lets it finish headless. */
static void quit_answer(struct ui *ui, int ch)
{
	ui->quit_ask = false;
	if (ch == 'a') {
		op_abort();
		ui->quit = true;
		ui_message(ui, false, "aborting: rolling back, then quitting");
	} else if (ch == 'h') {
		ui->quit = true;
	} else {
		ui_message(ui, false, "the operation goes on (:op shows it)");
	}
	if (ui->quit)
		uv_stop(ui->loop);
}
static void act_help(struct ui *ui) { ui_push(ui, help_new(ui)); }
static void act_back(struct ui *ui)
{
	if (ui_pop(ui))
		return;
	if (ui->zoom) {
		ui->zoom = false;
		return;
	}
	struct pane *p = ui->dash[ui->focus];
	if (p->ops->find)
		p->ops->find(p, "");
}
static void act_command(struct ui *ui) { cmdline_open(ui, PROMPT_COMMAND); }
static void act_find(struct ui *ui) { cmdline_open(ui, PROMPT_FIND); }
static void act_next(struct ui *ui) { ui_focus(ui, (ui->focus + 1) % 4); }
static void act_prev(struct ui *ui) { ui_focus(ui, (ui->focus + 3) % 4); }
static void act_p1(struct ui *ui) { ui_focus(ui, 0); }
static void act_p2(struct ui *ui) { ui_focus(ui, 1); }
static void act_p3(struct ui *ui) { ui_focus(ui, 2); }
static void act_p4(struct ui *ui) { ui_focus(ui, 3); }
static void act_zoom(struct ui *ui) { ui->zoom = !ui->zoom; }
static void act_redraw(struct ui *ui) { clearok(curscr, TRUE); }
static void act_metrics(struct ui *ui) { metrics_command(ui, ""); }
static void act_hint_fix(struct ui *ui) { hints_fix(ui); }

static const action_fn global_actions[ACT__COUNT] = {
	[ACT_QUIT] = act_quit, [ACT_HELP] = act_help, [ACT_BACK] = act_back, [ACT_COMMAND] = act_command,
	[ACT_FIND] = act_find, [ACT_NEXT_PANE] = act_next, [ACT_PREV_PANE] = act_prev,
	[ACT_PANE1] = act_p1, [ACT_PANE2] = act_p2, [ACT_PANE3] = act_p3, [ACT_PANE4] = act_p4,
	[ACT_ZOOM] = act_zoom, [ACT_REDRAW] = act_redraw, [ACT_METRICS] = act_metrics,
	[ACT_HINT_FIX] = act_hint_fix,
};

static void ui_key(struct ui *ui, int ch)
{
	if (ch == '\r' || ch == KEY_ENTER)
		ch = '\n';
	if (ch == KEY_RESIZE) {
		ui_dirty(ui);
		return;
	}
	if (ui->prompt != PROMPT_NONE) {
		cmdline_key(ui, ch);
		ui_dirty(ui);
		return;
	}
	if (ui->quit_ask) {
		quit_answer(ui, ch);
		ui_dirty(ui);
		return;
	}
	struct pane *p = ui_active(ui);
	if (p->text_input && ch != 27) {
		/* a field being typed in: letters are text, not commands */
		p->ops->key(p, keys_lookup(ch, p->scope), ch);
		ui_dirty(ui);
		return;
	}
	unsigned mask = KS_GLOBAL | p->scope | (ui->depth == 0 ? KS_DASH : 0);
	enum tui_action a = keys_lookup(ch, mask);
	/* the pane sees the key first (a text view's `/` searches, `q` closes a view) */
	bool done = a != ACT_BACK && a != ACT_QUIT && a != ACT_HELP && p->ops->key && p->ops->key(p, a, ch);
	if (!done && a != ACT_NONE && global_actions[a])
		global_actions[a](ui);
	ui_dirty(ui);
}

/* Readable with nothing to read: the terminal hung up or stdin reached end-of-file (a closed
 * pty without SIGHUP, a redirected stdin). The console then quits instead of spinning. */
static bool stdin_gone(int events)
{
	int avail = 0;
	if (events & UV_DISCONNECT)
		return true;
	return ioctl(STDIN_FILENO, FIONREAD, &avail) < 0 || avail == 0;
}

static void stdin_cb(uv_poll_t *h, int status, int events)
{
	struct ui *ui = h->data;
	if (status < 0 || stdin_gone(events)) {
		ui->quit = true;
		ui->exit_code = 1;
		ui->input_closed = true;
		ui->headless = op_busy();
		uv_stop(ui->loop);
		return;
	}
	int ch;
	while ((ch = getch()) != ERR) {
		if (ch == 3 && op_busy()) {   /* as `q`: the operation is not left by accident */
			ui->quit_ask = true;
			ui_dirty(ui);
			continue;
		}
		if (ch == 3) {   /* raw mode turns Ctrl-C into a key: quit as SIGINT would */
			ui->quit = true;
			ui->exit_code = 130;
			break;
		}
		ui_key(ui, ch);
	}
	if (ui->quit)
		uv_stop(ui->loop);
}

static void signal_cb(uv_signal_t *h, int signum)
{
	struct ui *ui = h->data;
	if (signum == SIGWINCH) {
		term_resize();
		ui_dirty(ui);
		return;
	}
	ui->quit = true;
	ui->exit_code = signum == SIGINT ? 130 : signum == SIGHUP ? 129 : 143;
	/* a lost terminal never stops an operation; SIGINT and SIGTERM abort it (rolling back) */
	if (signum == SIGHUP)
		ui->headless = op_busy();
	else
		op_abort();
	uv_stop(ui->loop);
}

static void frame_cb(uv_timer_t *h)
{
	(void)h; /* waking the loop is enough: prepare_cb draws */
}

/* Milliseconds until the next frame may go out: at most FRAMES_PER_S frames in any second and
 * at least gap after the last one (a key is answered 5 ms after a data frame, not 1/30 s). */
static uint64_t frame_wait(const struct ui *ui, uint64_t now, uint64_t gap)
{
	uint64_t last = ui->frame_ms[(ui->frame_i + FRAMES_PER_S - 1) % FRAMES_PER_S];
	uint64_t oldest = ui->frame_ms[ui->frame_i % FRAMES_PER_S];
	uint64_t wait = now - last < gap ? gap - (now - last) : 0;
	if (oldest && now - oldest < 1000 && 1000 - (now - oldest) > wait)
		wait = 1000 - (now - oldest);
	return last ? wait : 0;
}

/* A lone change is drawn at once; while the cluster churns (data_busy), changes wait for the
 * clock and go out every busy_frame_s() seconds with it (console.busyRefresh in the config
 * file, 2 s by default), so that intermediate states are skipped and the terminal is not
 * flooded. Keys always get the full frame rate. */
static int64_t busy_frame_s(void)
{
	const struct tops_config *cfg = metrics_ui_config();
	return cfg ? cfg->busy_refresh_ms / 1000 : 2;
}

/* Churn: 16 changes within a second, now or less than one busy frame and a second ago (a
 * rollout or a loop that deletes pods comes in bursts; between them the screen keeps its pace). */
static bool data_busy(struct ui *ui, uint64_t now)
{
	size_t n = ARRAY_LEN(ui->data_changes);
	uint64_t oldest = ui->data_changes[ui->data_change_i % n];
	if (oldest && now - oldest < BUSY_WINDOW_MS)
		ui->busy_ms = now;
	return ui->busy_ms && now - ui->busy_ms < (uint64_t)busy_frame_s() * 1000 + BUSY_WINDOW_MS;
}

/* Whether a frame is wanted now (before the frame rate limit). */
static bool frame_wanted(struct ui *ui, uint64_t now)
{
	if (ui->dirty)
		return true; /* keys, views, connection state */
	if (!data_busy(ui, now))
		return ui->tick || ui->data_dirty;
	/* busy: everything goes out every busy_frame_s seconds of the clock, like `watch -n 2` */
	return ui->tick && now_wall() - ui->clock_s >= busy_frame_s();
}

/* Ages and the header clock change only when the second shown does (ui->clock_s). When that
 * second passes while data changes wait to be drawn, the frame goes out in two passes: first
 * the changes with the old ages, then the new ages. In the first pass rows that moved are
 * unchanged lines, which curses moves with insert/delete line instead of writing them again. */
static void prepare_cb(uv_prepare_t *h)
{
	struct ui *ui = h->data;
	if (ui->quit) {
		uv_stop(ui->loop);
		return;
	}
	uint64_t now = now_ms();
	if (!frame_wanted(ui, now))
		return;
	/* a change following a frame closely waits for 1/30 s and is drawn with what came meanwhile */
	uint64_t wait = frame_wait(ui, now, ui->dirty ? FRAME_GAP_MS : DATA_GAP_MS);
	if (wait > 0) {
		if (!uv_is_active((uv_handle_t *)&ui->frame))
			uv_timer_start(&ui->frame, frame_cb, wait, 0);
		return;
	}
	bool moves_first = ui->tick && ui->data_dirty;
	ui->dirty = false;
	ui->data_dirty = false;
	ui->frame_ms[ui->frame_i++ % FRAMES_PER_S] = now;
	if (moves_first)
		ui_draw(ui);
	if (ui->tick) {
		ui->clock_s = now_wall();
		ui->tick = false;
	}
	ui_draw(ui);
}

/* Milliseconds until just past the next second of the wall clock, so that the clock and the
 * ages change together and on time. */
static uint64_t ms_to_next_second(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return 1000 - (uint64_t)(ts.tv_nsec / 1000000) + 2;
}

static void clock_cb(uv_timer_t *h)
{
	struct ui *ui = h->data;
	for (int i = 0; i < 4; i++)
		if (ui->dash[i]->ops->tick)
			ui->dash[i]->ops->tick(ui->dash[i]);
	for (int i = 0; i < ui->depth; i++)
		if (ui->stack[i]->ops->tick)
			ui->stack[i]->ops->tick(ui->stack[i]);
	ui->tick = true;
	uv_timer_start(&ui->clock, clock_cb, ms_to_next_second(), 0);
}

/* ---- layout ---- */
static void place(struct pane *p, int y, int x, int h, int w)
{
	p->y = y;
	p->x = x;
	p->h = h;
	p->w = w;
}

static int pane_want(struct pane *p)
{
	return p->ops->want ? p->ops->want(p) : 1000;
}

/* Shares h rows among n stacked slots: each gets its minimum, then rows go out one at a time
 * (the focused slot and Pods twice per round) until every slot has what its content wants;
 * rows left over go to Pods and Events. */
static void share_rows(int h, int n, const int *want, int focus, int *out)
{
	int min = h / n >= 4 ? 4 : 3, left = h;
	for (int i = 0; i < n; i++) {
		out[i] = min;
		left -= min;
	}
	bool grew = true;
	while (left > 0 && grew) {
		grew = false;
		for (int i = 0; i < n && left > 0; i++) {
			int give = 1 + (i == 0) + (i == focus);
			for (; give > 0 && left > 0 && out[i] < want[i]; give--, left--)
				out[i]++, grew = true;
		}
	}
	out[0] += left - left / 2;
	out[n - 1] += left / 2;
}

/* Pods on top, PVCs and Workloads (side by side when wide), Events at the bottom; heights follow
 * the content so that small panes do not waste rows. */
static void layout_dash(struct ui *ui, int top, int h, int w)
{
	struct pane **d = ui->dash;
	if (ui->zoom) {
		place(d[ui->focus], top, 0, h, w);
		d[ui->focus]->ops->draw(d[ui->focus]);
		return;
	}
	int hs[4], want[4];
	if (w >= 150) {
		int wm = pane_want(d[1]) > pane_want(d[2]) ? pane_want(d[1]) : pane_want(d[2]);
		int wants3[3] = {pane_want(d[0]), wm, pane_want(d[3]) < 8 ? 8 : pane_want(d[3])};
		int f = ui->focus == 0 ? 0 : ui->focus == 3 ? 2 : 1;
		share_rows(h, 3, wants3, f, hs);
		place(d[0], top, 0, hs[0], w);
		place(d[1], top + hs[0], 0, hs[1], w / 2);
		place(d[2], top + hs[0], w / 2, hs[1], w - w / 2);
		place(d[3], top + hs[0] + hs[1], 0, hs[2], w);
	} else {
		want[0] = pane_want(d[0]);
		want[1] = pane_want(d[1]);
		want[2] = pane_want(d[2]);
		want[3] = pane_want(d[3]) < 8 ? 8 : pane_want(d[3]);
		share_rows(h, 4, want, ui->focus, hs);
		int y = top;
		for (int i = 0; i < 4; i++) {
			place(d[i], y, 0, hs[i], w);
			y += hs[i];
		}
	}
	for (int i = 0; i < 4; i++)
		d[i]->ops->draw(d[i]);
}

static void status_line(struct ui *ui, int y, int w)
{
	if (ui->prompt != PROMPT_NONE) {
		cmdline_draw(ui, y, w);
		return;
	}
	if (ui->quit_ask) {
		draw_text(y, 0, w, "An operation is running: w wait (stay)  a abort it (roll back) and quit  "
			  "h leave it running headless and quit", term_attr(ROLE_BANNER), true);
		return;
	}
	if (ui->message && now_ms() < ui->message_until_ms) {
		draw_text(y, 0, w, ui->message, term_attr(ui->message_error ? ROLE_ERROR : ROLE_MESSAGE), true);
		return;
	}
	draw_text(y, 0, w, "", term_attr(ROLE_NORMAL), true);
}

static void ui_draw(struct ui *ui)
{
	int h = LINES, w = COLS;
	ui->frames++;
	erase();
	if (h < 6 || w < 20) {
		draw_text(0, 0, w, "terminal too small", term_attr(ROLE_ERROR), true);
		refresh();
		return;
	}
	header_draw(ui, 0, w);
	int top = 1 + banner_draw(ui, 1, w);
	int body = h - top - 2;
	bool hint = body > 8 && hints_have(ui);   /* a row only while there is something to say */
	body -= hint;
	if (ui->depth > 0) {
		struct pane *p = ui->stack[ui->depth - 1];
		place(p, top, 0, body, w);
		p->ops->draw(p);
	} else {
		layout_dash(ui, top, body, w);
	}
	if (hint)
		hints_draw(ui, top + body, w);
	footer_draw(ui, h - 1, w);
	status_line(ui, h - 2, w); /* last: the prompt leaves the cursor in place */
	refresh();
}

/* ---- set-up and tear-down ---- */
static const int signals[4] = {SIGWINCH, SIGTERM, SIGINT, SIGHUP};

static void handles_start(struct ui *ui)
{
	uv_poll_init(ui->loop, &ui->stdin_poll, STDIN_FILENO);
	ui->stdin_poll.data = ui;
	uv_poll_start(&ui->stdin_poll, UV_READABLE | UV_DISCONNECT, stdin_cb);
	for (int i = 0; i < 4; i++) {
		uv_signal_init(ui->loop, &ui->sig[i]);
		ui->sig[i].data = ui;
		uv_signal_start(&ui->sig[i], signal_cb, signals[i]);
	}
	uv_prepare_init(ui->loop, &ui->prepare);
	ui->prepare.data = ui;
	uv_prepare_start(&ui->prepare, prepare_cb);
	uv_timer_init(ui->loop, &ui->clock);
	ui->clock.data = ui;
	uv_timer_start(&ui->clock, clock_cb, ms_to_next_second(), 0);
	uv_timer_init(ui->loop, &ui->frame);
	ui->frame.data = ui;
}

static void handles_close(struct ui *ui)
{
	uv_close((uv_handle_t *)&ui->stdin_poll, NULL);
	for (int i = 0; i < 4; i++)
		uv_close((uv_handle_t *)&ui->sig[i], NULL);
	uv_close((uv_handle_t *)&ui->prepare, NULL);
	uv_close((uv_handle_t *)&ui->clock, NULL);
	uv_close((uv_handle_t *)&ui->frame, NULL);
}

static void panes_new(struct ui *ui)
{
	ui->dash[0] = pods_pane_new(ui);
	ui->dash[1] = pvcs_pane_new(ui);
	ui->dash[2] = workloads_pane_new(ui);
	ui->dash[3] = events_pane_new(ui);
	for (int i = 0; i < 4; i++)
		ui->dash[i]->ui = ui;
	ui->dash[0]->focused = true;
}

static void ui_free(struct ui *ui)
{
	while (ui_pop(ui))
		;
	for (int i = 0; i < 4; i++)
		if (ui->dash[i])
			ui->dash[i]->ops->free(ui->dash[i]);
	free(ui->message);
}

/* Lets close callbacks run; bounded so a stray active handle cannot hang the exit. */
static void loop_drain(uv_loop_t *loop)
{
	for (int i = 0; i < 50 && uv_run(loop, UV_RUN_NOWAIT); i++)
		;
	uv_loop_close(loop);
}

/* After the loop: an operation still running is waited for (its events are no longer drawn;
 * the engine records, audits and releases the lock itself). A lost terminal is not written to,
 * and a second SIGHUP or a broken pipe cannot stop the wait. Returns the exit status. */
static int finish_headless(struct ui *ui)
{
	int code = ui->exit_code;
	if (op_busy()) {
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		if (!ui->headless)
			fprintf(stderr, "tops: the operation goes on without the console; it ends in the audit log (tops audit)\n");
		op_wait();
		const struct op_status *s = op_current();
		code = s && s->rc == 0 ? 0 : 1;
	}
	op_shutdown();
	return code;
}

int tui_run(const struct tui_opts *o)
{
	struct tops_err err = {0};
	struct theme *th = NULL;
	struct ui ui;
	memset(&ui, 0, sizeof ui);
	uv_loop_t loop;
	uv_loop_init(&loop);
	ui.loop = &loop;
	if (theme_load(o->theme, &th, &err) < 0)
		goto fail;
	ui.theme = th;
	if (data_new(&ui, &err) < 0)
		goto fail;
	panes_new(&ui);
	metrics_ui_start(&ui);
	hints_start(&ui);
	if (term_init(th, &err) < 0)
		goto fail;
	handles_start(&ui);
	ui.dirty = true;
	ui.clock_s = now_wall();
	uv_run(&loop, UV_RUN_DEFAULT);
	handles_close(&ui);
	if (ui.headless)
		term_abandon();
	term_done();
	if (ui.input_closed && !ui.headless)
		fprintf(stderr, "tops: the terminal closed (end of input)\n");
	ui.exit_code = finish_headless(&ui);
	ui_free(&ui);
	metrics_ui_stop();
	portfwds_stop_all();   /* their listeners would keep the loop alive */
	hints_stop();
	data_free(ui.data);
	loop_drain(&loop);
	theme_free(th);
	return ui.exit_code;
fail:
	term_done();
	fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
	tops_err_clear(&err);
	ui_free(&ui);
	metrics_ui_stop();
	hints_stop();
	if (ui.data)
		data_free(ui.data);
	loop_drain(&loop);
	theme_free(th);
	return 1;
}
