/* Unit tests for the table's folding, through the Events pane's rules: which events fold into
 * one row (same type, reason and owner: pods that differ only in the generated suffix, or one
 * object), the counts, which record stands for the row, what OBJECT and MESSAGE then say, the
 * order of active rows, and `F`. The sources are compiled in; drawing and views are stubbed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/filter.c"
#include "tui/table.c"
#include "tui/pane_events.c"

/* Drawing and views are not under test. */
int draw_text(int y, int x, int w, const char *s, int attr, bool pad) { return 0; }
int text_width(const char *s) { return (int)strlen(s); }
void draw_box(int y, int x, int h, int w, const char *t, const char *i, bool f) {}
void draw_bar(int y, int x, int w, long done, long total) {}
int term_attr(enum tui_role r) { return 0; }
const char *term_glyph(enum tui_glyph g) { return "-"; }
bool term_utf8(void) { return true; }
bool data_is_down(const struct tui_data *d) { return false; }
void ui_push(struct ui *ui, struct pane *p) {}
struct pane *detail_new(struct ui *ui, enum kube_kind k, const char *ns, const char *name) { return NULL; }
struct pane *yaml_new(struct ui *ui, enum kube_kind k, const char *ns, const char *name) { return NULL; }
static char last_message[256];
void ui_message(struct ui *ui, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_message, sizeof last_message, fmt, ap);
	va_end(ap);
}

static struct store *st;
static struct tui_data data;
static struct ui ui;
static int64_t now;

/* An event: name, type, reason, involved kind/name, message, count, seconds before now. */
static void ev(const char *name, const char *type, const char *reason, const char *kind,
	       const char *obj, const char *msg, int count, int ago)
{
	char json[1024], ts[32];
	time_t t = (time_t)(now - ago);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	snprintf(json, sizeof json,
		 "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"testops\",\"resourceVersion\":\"1\"},"
		 "\"type\":\"%s\",\"reason\":\"%s\",\"involvedObject\":{\"kind\":\"%s\",\"name\":\"%s\","
		 "\"namespace\":\"testops\"},\"message\":\"%s\",\"count\":%d,\"lastTimestamp\":\"%s\"}",
		 name, type, reason, kind, obj, msg, count, ts);
	struct tops_err err = {0};
	struct jdom *d = jdom_parse(json, strlen(json), &err);
	assert_non_null(d);
	union st_record *r = store_project(KK_EVENT, jdom_root(d), &err);
	assert_non_null(r);
	store_apply(st, KK_EVENT, ST_ADDED, r);
	data.version[KK_EVENT]++;
	jdom_free(d);
}

static int setup(void **state)
{
	now = now_wall();
	st = store_new();
	data = (struct tui_data){.store = st, .ns = "testops", .synced = true};
	ui = (struct ui){.data = &data, .clock_s = now};
	/* a rollout: five pods of one ReplicaSet started (one of them twice), one pod of another */
	ev("e1", "Normal", "Started", "Pod", "testops-runner-6765nltpgr-bcdfg", "Started container runner", 1, 40);
	ev("e2", "Normal", "Started", "Pod", "testops-runner-6765nltpgr-hjklm", "Started container runner", 2, 30);
	ev("e3", "Normal", "Started", "Pod", "testops-runner-6765nltpgr-npqrs", "Started container runner", 1, 25);
	ev("e4", "Normal", "Started", "Pod", "testops-runner-6765nltpgr-tvwxz", "Started container runner", 1, 20);
	ev("e5", "Normal", "Started", "Pod", "testops-runner-6765nltpgr-24567", "Started container runner (new)", 1, 15);
	ev("e6", "Normal", "Started", "Pod", "testops-web-5d8f9c7b6-bcdfg", "Started container web", 1, 15);
	/* a warning on one of the same pods does not fold with the normal events */
	ev("e7", "Warning", "BackOff", "Pod", "testops-runner-6765nltpgr-bcdfg", "Back-off restarting", 4, 2);
	/* StatefulSet members keep their own rows; one object's events fold and name it */
	ev("e8", "Normal", "Started", "Pod", "testops-engine-0", "Started container engine", 1, 50);
	ev("e9", "Normal", "Started", "Pod", "testops-engine-1", "Started container engine", 1, 50);
	ev("e10", "Normal", "ScalingReplicaSet", "Deployment", "testops-runner", "Scaled up to 3", 1, 60);
	ev("e11", "Normal", "ScalingReplicaSet", "Deployment", "testops-runner", "Scaled up to 5", 1, 55);
	/* recent ones: two active folded rows and a lone normal event */
	ev("e12", "Normal", "Pulled", "Pod", "testops-api-7f6d5c4b3-bcdfg", "Pulled", 1, 1);
	ev("e13", "Normal", "Pulled", "Pod", "testops-api-7f6d5c4b3-hjklm", "Pulled", 1, 3);
	ev("e14", "Normal", "Created", "Pod", "testops-api-7f6d5c4b3-bcdfg", "Created", 1, 4);
	ev("e15", "Normal", "Created", "Pod", "testops-api-7f6d5c4b3-hjklm", "Created", 1, 0);
	return 0;
}

static int teardown(void **state)
{
	store_free(st);
	return 0;
}

static const struct table_row *find(struct table *t, const char *reason, const char *obj_prefix)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct st_event *e = &t->rows[i].rec->ev;
		if (strcmp(e->reason, reason) == 0 && strncmp(e->obj_name, obj_prefix, strlen(obj_prefix)) == 0)
			return &t->rows[i];
	}
	return NULL;
}

static const char *cell(const struct table_row *r, int col)
{
	static char buf[256];
	ev_cell(r, col, now, buf, sizeof buf);
	return buf;
}

static void test_fold_groups(void **state)
{
	struct pane *p = events_pane_new(&ui);
	struct table *t = p->priv;
	table_current(p);
	assert_int_equal(t->records, 15);
	/* runner Started x5 records (weights 1+2+1+1+1), web Started, BackOff, engine-0, engine-1,
	 * ScalingReplicaSet, api Pulled, api Created */
	assert_int_equal(t->n, 8);
	const struct table_row *r = find(t, "Started", "testops-runner-");
	assert_non_null(r);
	assert_int_equal(r->folded, 4);
	assert_int_equal(r->count, 6);
	assert_true(r->many);
	assert_string_equal(r->rec->meta.name, "e5"); /* the newest stands for the row */
	assert_string_equal(cell(r, C_OBJECT), "pod/testops-runner-6765nltpgr-*");
	assert_string_equal(cell(r, C_MESSAGE), "(x6) Started container runner (new)");
	r = find(t, "BackOff", "testops-runner-");
	assert_non_null(r);
	assert_int_equal(r->folded, 0);
	assert_string_equal(cell(r, C_OBJECT), "pod/testops-runner-6765nltpgr-bcdfg");
	assert_string_equal(cell(r, C_MESSAGE), "(x4) Back-off restarting");
	assert_non_null(find(t, "Started", "testops-engine-0"));
	assert_non_null(find(t, "Started", "testops-engine-1"));
	r = find(t, "ScalingReplicaSet", "testops-runner");
	assert_int_equal(r->folded, 1);
	assert_false(r->many);
	assert_string_equal(cell(r, C_OBJECT), "deployment/testops-runner");
	assert_string_equal(cell(r, C_MESSAGE), "(x2) Scaled up to 5");
	char info[300];
	title_info(p, info, sizeof info);
	assert_string_equal(info, "15  folded: 8 rows");
	table_free(p);
}

static void test_active_rows_and_order(void **state)
{
	struct pane *p = events_pane_new(&ui);
	struct table *t = p->priv;
	table_current(p);
	/* active (seen within 10 s): the warning first, then the folded api rows by reason; older
	 * rows follow, newest first */
	assert_string_equal(t->rows[0].rec->ev.reason, "BackOff");
	assert_string_equal(t->rows[1].rec->ev.reason, "Created");
	assert_string_equal(t->rows[2].rec->ev.reason, "Pulled");
	assert_string_equal(t->rows[3].rec->ev.obj_name, "testops-runner-6765nltpgr-24567");
	assert_string_equal(t->rows[4].rec->ev.obj_name, "testops-web-5d8f9c7b6-bcdfg");
	assert_string_equal(t->rows[7].rec->ev.reason, "ScalingReplicaSet");
	/* the rows are sorted again when the first active one (BackOff, 2 s ago) leaves the window */
	assert_int_equal(t->resort_at, now - 2 + ACTIVE_S);
	table_free(p);
}

static int64_t fake_now;
static int64_t fake_clock(void) { return fake_now; }

static void test_rows_leave_the_active_window(void **state)
{
	struct pane *p = events_pane_new(&ui);
	struct table *t = p->priv;
	fake_now = now;
	now_wall_hook = fake_clock;
	table_current(p);
	assert_string_equal(t->rows[0].rec->ev.reason, "BackOff");
	/* 8 s later BackOff (2 s old then) has just left the window: the still active api rows
	 * lead, and it follows them, newest first, without any change to the store */
	fake_now = now + 8;
	table_current(p);
	assert_string_equal(t->rows[0].rec->ev.reason, "Created");
	assert_string_equal(t->rows[1].rec->ev.reason, "Pulled");
	assert_string_equal(t->rows[2].rec->ev.reason, "BackOff");
	/* 20 s later nothing is active: newest first */
	fake_now = now + 20;
	table_current(p);
	assert_string_equal(t->rows[0].rec->meta.name, "e15");
	assert_int_equal(t->resort_at, 0);
	now_wall_hook = NULL;
	table_free(p);
}

static void test_unfold_key(void **state)
{
	struct pane *p = events_pane_new(&ui);
	struct table *t = p->priv;
	table_current(p);
	assert_true(table_key(p, ACT_FOLD, 'F'));
	assert_non_null(strstr(last_message, "one row per record"));
	assert_int_equal(t->n, 15);
	assert_int_equal(t->records, 15);
	/* unfolded, newest first by the exact time */
	assert_string_equal(t->rows[0].rec->meta.name, "e15");
	assert_string_equal(cell(&t->rows[0], C_OBJECT), "pod/testops-api-7f6d5c4b3-hjklm");
	const struct table_row *r = find(t, "Started", "testops-runner-6765nltpgr-hjklm");
	assert_string_equal(cell(r, C_MESSAGE), "(x2) Started container runner");
	assert_true(table_key(p, ACT_FOLD, 'F'));
	assert_int_equal(t->n, 8);
	table_free(p);
}

static void test_filter_before_folding(void **state)
{
	struct pane *p = events_pane_new(&ui);
	struct table *t = p->priv;
	table_find(p, "hjklm");
	/* the filter matches event names (e2, e13, e15 are not named after their pod): nothing */
	assert_int_equal(t->n, 0);
	table_find(p, "e1");
	/* e1, e10..e15: the api rows fold the filtered records only */
	assert_int_equal(t->records, 7);
	const struct table_row *r = find(t, "Created", "testops-api-");
	assert_int_equal(r->folded, 1);
	table_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_groups),
		cmocka_unit_test(test_active_rows_and_order),
		cmocka_unit_test(test_rows_leave_the_active_window),
		cmocka_unit_test(test_unfold_key),
		cmocka_unit_test(test_filter_before_folding),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
