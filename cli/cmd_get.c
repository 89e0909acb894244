/* tops get — list or watch pods, PVCs, deployments, replicasets, statefulsets, daemonsets, services and
 * events with kubectl's columns; -w survives dropped watches and 410s. */
#include "cli/commands.h"
#include "cli/release_get.h"
#include "core/kube/informer.h"
#include "core/kube/kstatus.h"
#include "core/kube/kube.h"
#include "core/base/options.h"
#include "core/kube/store.h"
#include "core/base/yaml_emit.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdarg.h>

enum out_fmt { OUT_TABLE, OUT_WIDE, OUT_NAME, OUT_JSON, OUT_YAML };

struct get_opts {
	const struct kube_kind_info *kind;
	const char **names;
	size_t nnames;
	const char *label_sel, *field_sel;
	enum out_fmt out;
	bool watch, watch_only, watch_events, no_headers;
	const char *ns;           /* NULL: all namespaces */
};

/* --- flags --- */

enum flag_id { F_SEL, F_FSEL, F_OUT, F_WATCH, F_WATCH_ONLY, F_EVENTS, F_NOHDR, F_HELP };

static const struct get_flag {
	const char *lng, *shrt;
	bool takes_value;
	enum flag_id id;
	const char *help;
} get_flags[] = {
	{"--selector", "-l", true, F_SEL, "label selector (a=b, a!=b, a in (x,y), !a)"},
	{"--field-selector", NULL, true, F_FSEL, "field selector (metadata.name=x, status.phase=Running)"},
	{"--output", "-o", true, F_OUT, "output format: wide, name, json or yaml"},
	{"--watch", "-w", false, F_WATCH, "after listing, stream changes (survives drops and 410s)"},
	{"--watch-only", NULL, false, F_WATCH_ONLY, "stream changes without the initial list"},
	{"--output-watch-events", NULL, false, F_EVENTS, "with -w: prefix rows with ADDED/MODIFIED/DELETED"},
	{"--no-headers", NULL, false, F_NOHDR, "omit the header row"},
	{"--help", "-h", false, F_HELP, "show this help"},
};

static void get_usage(FILE *f)
{
	fprintf(f, "Usage: tops get KIND [NAME...] [flags]\n\n"
		   "KIND: pods (po), persistentvolumeclaims (pvc), deployments (deploy),\n"
		   "      replicasets (rs), statefulsets (sts), daemonsets (ds), services (svc),\n"
		   "      events (ev)\n\nFlags:\n");
	for (size_t i = 0; i < ARRAY_LEN(get_flags); i++) {
		char left[64];
		snprintf(left, sizeof left, "%s%s%s%s", get_flags[i].shrt ? get_flags[i].shrt : "",
			 get_flags[i].shrt ? ", " : "", get_flags[i].lng,
			 get_flags[i].takes_value ? " VALUE" : "");
		fprintf(f, "  %-30s %s\n", left, get_flags[i].help);
	}
	fprintf(f, "\nGlobal flags such as -n NAMESPACE, -A, --context and --kubeconfig apply "
		   "(see `tops --help`).\nExit status: 0 success, 1 failure, 2 usage error.\n");
}

static int set_output(struct get_opts *g, const char *v)
{
	static const struct { const char *name; enum out_fmt f; } fmts[] = {
		{"wide", OUT_WIDE}, {"name", OUT_NAME}, {"json", OUT_JSON}, {"yaml", OUT_YAML}};
	for (size_t i = 0; i < ARRAY_LEN(fmts); i++)
		if (strcmp(v, fmts[i].name) == 0) {
			g->out = fmts[i].f;
			return 0;
		}
	fprintf(stderr, "tops: unknown output format \"%s\" (wide, name, json, yaml)\n", v);
	return -1;
}

static int apply_flag(struct get_opts *g, enum flag_id id, const char *v)
{
	switch (id) {
	case F_SEL: g->label_sel = v; break;
	case F_FSEL: g->field_sel = v; break;
	case F_OUT: return set_output(g, v);
	case F_WATCH: g->watch = true; break;
	case F_WATCH_ONLY: g->watch = g->watch_only = true; break;
	case F_EVENTS: g->watch_events = true; break;
	case F_NOHDR: g->no_headers = true; break;
	case F_HELP: get_usage(stdout); exit(0);
	}
	return 0;
}

/* Matches one argument; returns 1 when it was a flag, 0 when not, -1 on error. */
static int take_flag(struct get_opts *g, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	for (size_t k = 0; k < ARRAY_LEN(get_flags); k++) {
		const struct get_flag *f = &get_flags[k];
		size_t ll = strlen(f->lng);
		bool eq = strncmp(a, f->lng, ll) == 0 && a[ll] == '=';
		bool exact = strcmp(a, f->lng) == 0 || (f->shrt && strcmp(a, f->shrt) == 0);
		bool glued = f->shrt && f->takes_value && strncmp(a, f->shrt, 2) == 0 && a[2];
		if (!eq && !exact && !glued)
			continue;
		if (!f->takes_value)
			return apply_flag(g, f->id, NULL) < 0 ? -1 : 1;
		const char *v = eq ? a + ll + 1 : glued ? a + 2 + (a[2] == '=') :
			(*i + 1 < argc ? argv[++*i] : NULL);
		if (!v) {
			fprintf(stderr, "tops: flag %s needs a value\n", a);
			return -1;
		}
		return apply_flag(g, f->id, v) < 0 ? -1 : 1;
	}
	if (a[0] == '-' && a[1]) {
		fprintf(stderr, "tops: get: unknown flag %s\n", a);
		return -1;
	}
	return 0;
}

static int parse_args(struct get_opts *g, int argc, char **argv)
{
	g->names = xcalloc((size_t)argc + 1, sizeof(char *));
	const char *kind = NULL;
	for (int i = 0; i < argc; i++) {
		int r = take_flag(g, argc, argv, &i);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (!kind)
			kind = argv[i];
		else
			g->names[g->nnames++] = argv[i];
	}
	if (!kind) {
		fprintf(stderr, "tops: get: which kind? (pods, pvc, deployments, replicasets, "
				"statefulsets, daemonsets, services, events)\n");
		return -1;
	}
	char *slash = strchr(kind, '/');
	char *kname = slash ? xstrndup(kind, (size_t)(slash - kind)) : xstrdup(kind);
	g->kind = kube_kind_lookup(kname);
	free(kname);
	if (!g->kind) {
		fprintf(stderr, "tops: get: unknown resource type \"%s\"\n", kind);
		return -1;
	}
	if (slash && slash[1])
		g->names[g->nnames++] = slash + 1;
	if (g->watch && (g->out == OUT_JSON || g->out == OUT_YAML)) {
		fprintf(stderr, "tops: get: -w prints tables or names; -o json/yaml is not supported with -w\n");
		return -1;
	}
	if (g->watch && g->nnames > 1) {
		fprintf(stderr, "tops: get: -w watches one NAME at most\n");
		return -1;
	}
	return 0;
}

/* --- rows and columns --- */

#define MAX_COLS 16

struct row {
	char *c[MAX_COLS];
	int n;
};

struct table {
	struct row *rows;
	size_t n, cap;
	size_t width[MAX_COLS];
};

static void row_add(struct row *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void row_add(struct row *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (r->n < MAX_COLS)
		r->c[r->n++] = xvasprintf(fmt, ap);
	va_end(ap);
}

static void row_free(struct row *r)
{
	for (int i = 0; i < r->n; i++)
		free(r->c[i]);
	r->n = 0;
}

static size_t runes(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void table_push(struct table *t, struct row *r)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
	}
	for (int i = 0; i < r->n; i++) {
		size_t w = runes(r->c[i]);
		if (w > t->width[i])
			t->width[i] = w;
	}
	t->rows[t->n++] = *r;
	memset(r, 0, sizeof *r);
}

/* kubectl's tabwriter: cells padded to the column width plus 3 spaces; last cell unpadded. */
static void row_print(const struct table *t, const struct row *r, FILE *out)
{
	for (int i = 0; i < r->n; i++) {
		fputs(r->c[i], out);
		size_t w = runes(r->c[i]);
		if (i + 1 < r->n)
			for (size_t k = w < t->width[i] ? w : t->width[i]; k < t->width[i] + 3; k++)
				fputc(' ', out);
	}
	fputc('\n', out);
}

static void table_print(struct table *t, FILE *out)
{
	for (size_t i = 0; i < t->n; i++)
		row_print(t, &t->rows[i], out);
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		row_free(&t->rows[i]);
	free(t->rows);
	memset(t, 0, sizeof *t);
}

/* Per-kind columns (kubectl 1.32's server-side table columns). */
struct columns {
	const char *head[MAX_COLS];
	const char *wide[MAX_COLS];
	void (*cells)(const union st_record *r, bool wide, int64_t now, struct row *row);
};

static char *age(int64_t t, int64_t now, char *buf)
{
	return kstatus_age(t, now, buf, 32);
}

static const char *or_none(const char *s)
{
	return *s ? s : "<none>";
}

static void pod_cells(const union st_record *r, bool wide, int64_t now, struct row *row)
{
	const struct st_pod *p = &r->pod;
	char b[160], a[32];
	row_add(row, "%s", kstatus_pod_ready(p, b, sizeof b));
	row_add(row, "%s", kstatus_pod_status(p, b, sizeof b));
	row_add(row, "%s", kstatus_pod_restarts(p, now, b, sizeof b));
	row_add(row, "%s", age(p->meta.created, now, a));
	if (!wide)
		return;
	row_add(row, "%s", or_none(p->pod_ip));
	row_add(row, "%s", or_none(p->node));
	row_add(row, "%s", or_none(p->nominated_node));
	if (!p->ngates) {
		row_add(row, "<none>");
		return;
	}
	uint32_t ok = 0;
	for (uint32_t g = 0; g < p->ngates; g++)
		for (uint32_t c = 0; c < p->nconditions; c++)
			if (!strcmp(p->conditions[c].type, p->readiness_gates[g])) {
				ok += !strcmp(p->conditions[c].status, "True");
				break;
			}
	row_add(row, "%u/%u", ok, p->ngates);
}

static void pvc_cells(const union st_record *r, bool wide, int64_t now, struct row *row)
{
	const struct st_pvc *p = &r->pvc;
	char a[32];
	bool bound = *p->volume;
	row_add(row, "%s", p->meta.deleted ? "Terminating" : p->phase);
	row_add(row, "%s", p->volume);
	row_add(row, "%s", bound ? p->capacity : "");
	row_add(row, "%s", bound ? p->access_modes : "");
	row_add(row, "%s", p->storage_class);
	row_add(row, "%s", *p->volume_attributes_class ? p->volume_attributes_class : "<unset>");
	row_add(row, "%s", age(p->meta.created, now, a));
	if (wide)
		row_add(row, "%s", *p->volume_mode ? p->volume_mode : "<unset>");
}

static void wl_wide(const struct st_workload *w, bool selector, struct row *row)
{
	row_add(row, "%s", w->containers);
	row_add(row, "%s", w->images);
	if (selector)
		row_add(row, "%s", or_none(w->selector));
}

static void deploy_cells(const union st_record *r, bool wide, int64_t now, struct row *row)
{
	const struct st_workload *w = &r->wl;
	char a[32];
	row_add(row, "%d/%d", w->ready, w->spec_replicas);
	row_add(row, "%d", w->updated);
	row_add(row, "%d", w->available);
	row_add(row, "%s", age(w->meta.created, now, a));
	if (wide)
		wl_wide(w, true, row);
}

static void rs_cells(const union st_record *r, bool wide, int64_t now, struct row *row)
{
	const struct st_workload *w = &r->wl;
	char a[32];
	row_add(row, "%d", w->spec_replicas);
	row_add(row, "%d", w->replicas);
	row_add(row, "%d", w->ready);
	row_add(row, "%s", age(w->meta.created, now, a));
	if (wide)
		wl_wide(w, true, row);
}

static void ds_cells(const union st_record *r, bool wide, int64_t now, struct row *row)
{
	const struct st_workload *w = &r->wl;
	char a[32];
	row_add(row, "%d", w->spec_replicas);
	row_add(row, "%d", w->current);
	row_add(row, "%d", w->ready);
	row_add(row, "%d", w->updated);
	row_add(row, "%d", w->available);
	row_add(row, "%s", w->node_selector);
	row_add(row, "%s", age(w->meta.created, now, a));
	if (wide)
		wl_wide(w, true, row);
}

static void sts_cells(const union st_record *r, bool wide, int64_t now, struct row *row)
{
	const struct st_workload *w = &r->wl;
	char a[32];
	row_add(row, "%d/%d", w->ready, w->spec_replicas);
	row_add(row, "%s", age(w->meta.created, now, a));
	if (wide)
		wl_wide(w, false, row);
}

static void svc_cells(const union st_record *r, bool wide, int64_t now, struct row *row)
{
	const struct st_service *s = &r->svc;
	char a[32];
	row_add(row, "%s", s->type);
	row_add(row, "%s", s->cluster_ip);
	row_add(row, "%s", s->external_ips);
	row_add(row, "%s", s->ports);
	row_add(row, "%s", age(s->meta.created, now, a));
	if (wide)
		row_add(row, "%s", s->selector);
}

static char *lower(const char *s)
{
	char *r = xstrdup(s);
	for (char *p = r; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return r;
}

/* An event's first column comes first: the NAME column is moved for events (see print). */
static void event_cells(const union st_record *r, bool wide, int64_t now, struct row *row)
{
	const struct st_event *e = &r->ev;
	char first[32], last[32];
	kstatus_age(e->first ? e->first : e->event_time, now, first, sizeof first);
	if (!e->first && !e->event_time)
		snprintf(first, sizeof first, "<unknown>");
	if (e->last)
		kstatus_age(e->last, now, last, sizeof last);
	else
		snprintf(last, sizeof last, "%s", first);
	char *k = lower(e->obj_kind);
	row_add(row, "%s", last);
	row_add(row, "%s", e->type);
	row_add(row, "%s", e->reason);
	if (*e->obj_name)
		row_add(row, "%s/%s", k, e->obj_name);
	else
		row_add(row, "%s", k);
	free(k);
	if (wide) {
		row_add(row, "%s", e->obj_field);
		row_add(row, "%s", e->source);
	}
	const char *m = e->message;
	while (*m == ' ' || *m == '\n' || *m == '\t')
		m++;
	size_t ml = strlen(m);
	while (ml && (m[ml - 1] == ' ' || m[ml - 1] == '\n' || m[ml - 1] == '\t'))
		ml--;
	row_add(row, "%.*s", (int)ml, m);
	if (wide) {
		row_add(row, "%s", first);
		row_add(row, "%d", e->count ? e->count : 1);
		row_add(row, "%s", e->meta.name);
	}
}

static const struct columns columns[KK__COUNT] = {
	[KK_POD] = {{"NAME", "READY", "STATUS", "RESTARTS", "AGE"},
		    {"IP", "NODE", "NOMINATED NODE", "READINESS GATES"}, pod_cells},
	[KK_PVC] = {{"NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS",
		     "VOLUMEATTRIBUTESCLASS", "AGE"}, {"VOLUMEMODE"}, pvc_cells},
	[KK_DEPLOYMENT] = {{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"},
			   {"CONTAINERS", "IMAGES", "SELECTOR"}, deploy_cells},
	[KK_REPLICASET] = {{"NAME", "DESIRED", "CURRENT", "READY", "AGE"},
			   {"CONTAINERS", "IMAGES", "SELECTOR"}, rs_cells},
	[KK_STATEFULSET] = {{"NAME", "READY", "AGE"}, {"CONTAINERS", "IMAGES"}, sts_cells},
	[KK_DAEMONSET] = {{"NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE",
			   "NODE SELECTOR", "AGE"}, {"CONTAINERS", "IMAGES", "SELECTOR"}, ds_cells},
	[KK_SERVICE] = {{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"},
			{"SELECTOR"}, svc_cells},
	[KK_EVENT] = {{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"},
		      {"LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE",
		       "FIRST SEEN", "COUNT", "NAME"}, event_cells},
};

static void header_row(const struct get_opts *g, struct row *row)
{
	const struct columns *c = &columns[g->kind->kind];
	bool wide = g->out == OUT_WIDE;
	if (g->watch_events)
		row_add(row, "EVENT");
	if (!g->ns)
		row_add(row, "NAMESPACE");
	bool ev = g->kind->kind == KK_EVENT;
	const char *const *h = ev && wide ? c->wide : c->head;
	for (int i = 0; i < MAX_COLS && h[i]; i++)
		row_add(row, "%s", h[i]);
	for (int i = 0; wide && !ev && i < MAX_COLS && c->wide[i]; i++)
		row_add(row, "%s", c->wide[i]);
}

static void record_row(const struct get_opts *g, const union st_record *r, const char *event,
		       int64_t now, struct row *row)
{
	if (g->watch_events)
		row_add(row, "%s", event);
	if (!g->ns)
		row_add(row, "%s", r->meta.namespace_);
	if (g->kind->kind != KK_EVENT)
		row_add(row, "%s", r->meta.name);
	columns[g->kind->kind].cells(r, g->out == OUT_WIDE, now, row);
}

/* --- JSON and YAML output (sorted keys, as kubectl prints unstructured objects) --- */

static int cmp_items(const void *a, const void *b)
{
	return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* Children of an object sorted by key; caller frees the array. */
static cJSON **sorted_children(const cJSON *o, size_t *n)
{
	size_t cnt = (size_t)cJSON_GetArraySize(o), i = 0;
	cJSON **v = xcalloc(cnt + 1, sizeof *v), *it;
	cJSON_ArrayForEach(it, o)
		v[i++] = it;
	qsort(v, cnt, sizeof *v, cmp_items);
	*n = cnt;
	return v;
}

static void json_string(struct strbuf *sb, const char *s)
{
	value_json_string(sb, s, strlen(s), true);
}

static void json_number(struct strbuf *sb, double d)
{
	if (d == (double)(long long)d && d > -9e15 && d < 9e15)
		sb_addf(sb, "%lld", (long long)d);
	else
		value_json_float(sb, d);
}

static void json_emit(struct strbuf *sb, const cJSON *v, int ind)
{
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		bool obj = cJSON_IsObject(v);
		size_t n;
		cJSON **c = obj ? sorted_children(v, &n) : NULL;
		if (!obj) {
			n = (size_t)cJSON_GetArraySize(v);
			c = xcalloc(n + 1, sizeof *c);
			size_t i = 0;
			for (cJSON *it = v->child; it; it = it->next)
				c[i++] = it;
		}
		sb_addc(sb, obj ? '{' : '[');
		for (size_t i = 0; i < n; i++) {
			sb_addf(sb, "%s\n%*s", i ? "," : "", ind + 4, "");
			if (obj) {
				json_string(sb, c[i]->string);
				sb_adds(sb, ": ");
			}
			json_emit(sb, c[i], ind + 4);
		}
		if (n)
			sb_addf(sb, "\n%*s", ind, "");
		sb_addc(sb, obj ? '}' : ']');
		free(c);
	} else if (cJSON_IsString(v)) {
		json_string(sb, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		json_number(sb, v->valuedouble);
	} else {
		sb_adds(sb, cJSON_IsTrue(v) ? "true" : cJSON_IsFalse(v) ? "false" : "null");
	}
}

static void print_object(const struct get_opts *g, const cJSON *obj)
{
	struct strbuf sb = STRBUF_INIT;
	if (g->out == OUT_JSON) {
		json_emit(&sb, obj, 0);
		sb_addc(&sb, '\n');
	} else {
		/* kubectl's -o yaml is sigs.k8s.io/yaml over the JSON, as yaml_emit's default. */
		char *text = cJSON_PrintUnformatted(obj);
		struct value *v = text ? value_from_json(text, strlen(text), NULL) : NULL;
		char *y = v ? yaml_emit(v, NULL) : NULL;
		if (y)
			sb_adds(&sb, y);
		free(y);
		value_unref(v);
		free(text);
	}
	fwrite(sb.buf, 1, sb.len, stdout);
	sb_done(&sb);
}

/* Items of a list lack kind/apiVersion; kubectl fills them in. */
static void fill_kind(const struct kube_kind_info *ki, cJSON *item)
{
	if (!cJSON_GetObjectItemCaseSensitive(item, "kind"))
		cJSON_AddStringToObject(item, "kind", ki->kind_name);
	if (!cJSON_GetObjectItemCaseSensitive(item, "apiVersion")) {
		char *av = *ki->group ? xasprintf("%s/%s", ki->group, ki->version) : xstrdup(ki->version);
		cJSON_AddStringToObject(item, "apiVersion", av);
		free(av);
	}
}

/* --- one-shot listing --- */

struct listing {
	const struct get_opts *g;
	struct kube_selector *lsel, *fsel;
	union st_record **recs;    /* -o name/json/yaml: the records (NULL for tables) */
	cJSON **items;             /* json/yaml: the objects, parallel to recs */
	size_t n, cap;
	struct table t;            /* tables: rows formatted as pages arrive (records are freed at
	                            * once, so memory holds only the cells) */
};

static bool listing_is_table(const struct listing *l)
{
	return l->g->out != OUT_NAME && l->g->out != OUT_JSON && l->g->out != OUT_YAML;
}

static void listing_add_row(struct listing *l, const union st_record *r)
{
	struct row row = {0};
	if (l->t.n == 0 && !l->g->no_headers) {
		header_row(l->g, &row);
		table_push(&l->t, &row);
	}
	record_row(l->g, r, "ADDED", now_wall(), &row);
	table_push(&l->t, &row);
	l->n++;
}

/* GETs path; on a 2xx reply *body is the (NUL-terminated) body, caller frees. */
static int fetch_body(struct kube_client *c, const char *path, char **body, struct tops_err *err)
{
	long status;
	*body = NULL;
	int rc = kube_request_sync(c, "GET", path, NULL, NULL, &status, body, err);
	if (!rc && status >= 400)
		rc = -(err->code ? err->code : TOPS_EHTTP);
	if (!rc && !*body)
		*body = xstrdup("");
	if (rc) {
		free(*body);
		*body = NULL;
	}
	return rc;
}

/* Parses body (malloc'd, NUL-terminated; taken over) as a JSON object. */
static int parse_page(const char *path, char *body, struct jdom **out, struct tops_err *err)
{
	size_t len = strlen(body);
	struct tops_err e = {0};
	*out = jdom_parse_owned(body, len, &e);
	if (*out && jd_is(jdom_root(*out), JD_OBJECT))
		return 0;
	jdom_free(*out);
	*out = NULL;
	tops_err_set(err, TOPS_EINVAL, "the server's reply to %s is not a JSON object "
		     "(%zu bytes; truncated or not JSON)%s%s", path, len, e.msg ? ": " : "",
		     tops_err_msg(&e));
	tops_err_clear(&e);
	return -TOPS_EINVAL;
}

static int fetch_json(struct kube_client *c, const char *path, struct jdom **out, struct tops_err *err)
{
	char *body;
	*out = NULL;
	int rc = fetch_body(c, path, &body, err);
	if (!rc)
		rc = parse_page(path, body, out, err);
	return rc;
}

static bool listing_keep(struct listing *l, const union st_record *r)
{
	struct st_ref ref = {l->g->kind->kind, r};
	return kube_selector_match(l->lsel, store_label_lookup, &r->meta) &&
	       kube_selector_match(l->fsel, store_field_lookup, &ref);
}

/* Takes one API object into the listing (copied as a cJSON tree for -o json|yaml). */
static void listing_add(struct listing *l, const struct jd *item)
{
	enum kube_kind k = l->g->kind->kind;
	union st_record *r = store_project(k, item, NULL);
	if (!r || !listing_keep(l, r)) {
		store_record_free(k, r);
		return;
	}
	if (listing_is_table(l)) {
		listing_add_row(l, r);
		store_record_free(k, r);
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 512;
		l->recs = xrealloc(l->recs, l->cap * sizeof *l->recs);
		l->items = xrealloc(l->items, l->cap * sizeof *l->items);
	}
	bool keep_json = l->g->out == OUT_JSON || l->g->out == OUT_YAML;
	cJSON *copy = keep_json ? jd_to_cjson(item) : NULL;
	if (copy)
		fill_kind(l->g->kind, copy);
	l->items[l->n] = copy;
	l->recs[l->n++] = r;
}

static char *list_query(const struct get_opts *g, const char *cont)
{
	struct strbuf q = STRBUF_INIT;
	sb_adds(&q, "limit=500");
	if (cont && *cont) {
		sb_adds(&q, "&continue=");
		kube_query_escape(&q, cont);
	}
	if (g->label_sel && *g->label_sel) {
		sb_adds(&q, "&labelSelector=");
		kube_query_escape(&q, g->label_sel);
	}
	if (g->field_sel && *g->field_sel) {
		sb_adds(&q, "&fieldSelector=");
		kube_query_escape(&q, g->field_sel);
	}
	return sb_detach(&q, NULL);
}

/* The next page is requested while this one is parsed: its continue token is read ahead from
 * the raw body when it occurs exactly once there, and the prefetched reply is used only when the
 * parsed token agrees; otherwise the page is fetched again the ordinary way. */
struct prefetch {
	struct http_req *req;
	char *token;
	bool done;
	long status;
	int err;
	char *body;
};

static void prefetch_done_cb(struct http_req *r, struct http_result *res, void *ud)
{
	struct prefetch *pf = ud;
	pf->req = NULL;
	pf->done = true;
	pf->status = res->status;
	pf->err = res->err;
	pf->body = res->body;
	res->body = NULL;
	(void)r;
}

static void prefetch_start(struct kube_client *c, struct listing *l, struct prefetch *pf, char *token)
{
	memset(pf, 0, sizeof *pf);
	pf->token = token;
	if (!token)
		return;
	char *q = list_query(l->g, token);
	char *path = kube_path(l->g->kind->kind, l->g->ns, NULL, q);
	struct http_request rq = {.url = path, .accept = "application/json", .on_done = prefetch_done_cb,
				  .ud = pf};
	pf->req = kube_request(c, &rq, NULL);
	pf->done = !pf->req;
	free(q);
	free(path);
	/* A few loop turns put the request on the wire, so the server works while we parse. */
	for (int i = 0; i < 3 && pf->req && !pf->done; i++)
		uv_run(c->loop, UV_RUN_NOWAIT);
}

/* The prefetched body when it answers `cont`; NULL (after cancelling) otherwise. */
static char *prefetch_take(struct kube_client *c, struct prefetch *pf, const char *cont)
{
	char *body = NULL;
	bool match = pf->token && cont && strcmp(pf->token, cont) == 0;
	if (pf->req && !match)
		http_cancel(pf->req);
	while (match && pf->req && !pf->done)
		uv_run(c->loop, UV_RUN_ONCE);
	if (match && pf->done && !pf->err && pf->status == 200) {
		body = pf->body;
		pf->body = NULL;
	}
	free(pf->body);
	free(pf->token);
	memset(pf, 0, sizeof *pf);
	return body;
}

static int list_all(struct kube_client *c, struct listing *l, struct tops_err *err)
{
	char *cont = NULL, *ahead = NULL;
	struct prefetch pf = {0};
	int rc = 0;
	do {
		char *q = list_query(l->g, cont);
		char *path = kube_path(l->g->kind->kind, l->g->ns, NULL, q);
		struct jdom *page = NULL;
		free(q);
		ahead = prefetch_take(c, &pf, cont);
		if (ahead || (rc = fetch_body(c, path, &ahead, err)) == 0) {
			prefetch_start(c, l, &pf, kube_scan_continue(ahead, strlen(ahead)));
			rc = parse_page(path, ahead, &page, err);
		}
		free(path);
		free(cont);
		cont = NULL;
		if (rc)
			break;
		const struct jd *root = jdom_root(page), *items = jd_get(root, "items");
		if (jd_is(items, JD_ARRAY))
			JD_FOREACH(it, items)
				listing_add(l, it);
		const char *ct = jd_str(jd_get(root, "metadata"), "continue");
		if (ct && *ct)
			cont = xstrdup(ct);
		jdom_free(page);
	} while (cont);
	free(prefetch_take(c, &pf, NULL));
	return rc;
}

static int get_named(struct kube_client *c, struct listing *l, struct tops_err *err)
{
	int failed = 0;
	for (size_t i = 0; i < l->g->nnames; i++) {
		char *path = kube_path(l->g->kind->kind, l->g->ns, l->g->names[i], NULL);
		struct jdom *obj = NULL;
		int rc = fetch_json(c, path, &obj, err);
		free(path);
		if (rc == -TOPS_ENOENT || rc == -TOPS_EHTTP || rc == -TOPS_EAUTH) {
			fprintf(stderr, "tops: Error from server: %s\n", tops_err_msg(err));
			tops_err_clear(err);
			failed = 1;
			continue;
		}
		if (rc)
			return rc;
		listing_add(l, jdom_root(obj));
		jdom_free(obj);
	}
	return failed ? -TOPS_ENOENT : 0;
}

static void print_listing(const struct get_opts *g, struct listing *l)
{
	if (g->out == OUT_NAME) {
		for (size_t i = 0; i < l->n; i++)
			printf("%s/%s\n", g->kind->name_prefix, l->recs[i]->meta.name);
		return;
	}
	if (g->out == OUT_JSON || g->out == OUT_YAML) {
		if (g->nnames == 1 && l->n == 1) {
			print_object(g, l->items[0]);
			return;
		}
		cJSON *list = cJSON_CreateObject(), *arr = cJSON_CreateArray();
		cJSON_AddStringToObject(list, "apiVersion", "v1");
		for (size_t i = 0; i < l->n; i++) {
			cJSON_AddItemToArray(arr, l->items[i]);
			l->items[i] = NULL;
		}
		cJSON_AddItemToObject(list, "items", arr);
		cJSON_AddStringToObject(list, "kind", "List");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(list, "metadata"), "resourceVersion", "");
		print_object(g, list);
		cJSON_Delete(list);
		return;
	}
	table_print(&l->t, stdout);
}

static void listing_done(struct listing *l)
{
	for (size_t i = 0; l->recs && i < l->n; i++) {
		store_record_free(l->g->kind->kind, l->recs[i]);
		cJSON_Delete(l->items[i]);
	}
	table_free(&l->t);
	free(l->recs);
	free(l->items);
	kube_selector_free(l->lsel);
	kube_selector_free(l->fsel);
}

static void no_resources(const struct get_opts *g)
{
	if (g->ns)
		fprintf(stderr, "No resources found in %s namespace.\n", g->ns);
	else
		fprintf(stderr, "No resources found\n");
}

static int get_once(struct kube_client *c, const struct get_opts *g)
{
	struct tops_err err = {0};
	struct listing l = {.g = g};
	int rc = kube_selector_parse(g->label_sel, false, &l.lsel, &err);
	if (!rc)
		rc = kube_selector_parse(g->field_sel, true, &l.fsel, &err);
	if (rc) {
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
		tops_err_clear(&err);
		listing_done(&l);
		return 2;
	}
	rc = g->nnames ? get_named(c, &l, &err) : list_all(c, &l, &err);
	int status = 0;
	if (rc && err.code) {
		fprintf(stderr, "tops: %s%s\n", err.code == TOPS_ENET ? "cannot reach the API server: " :
			err.code == TOPS_ETIMEOUT ? "the API server did not answer in time: " : "",
			tops_err_msg(&err));
		status = 1;
	} else if (rc) {
		status = 1;   /* named objects missing: already reported */
	}
	if (!rc || l.n) {
		if (l.n == 0 && !g->nnames && g->out == OUT_NAME)
			;   /* kubectl prints nothing at all */
		else if (l.n == 0 && !g->nnames && g->out != OUT_JSON && g->out != OUT_YAML)
			no_resources(g);
		else
			print_listing(g, &l);
	}
	tops_err_clear(&err);
	listing_done(&l);
	return status;
}

/* --- watching --- */

struct watcher {
	const struct get_opts *g;
	struct informer *inf;
	struct store *store;
	struct table widths;       /* column widths of the first table (rows not kept) */
	bool live;                 /* the initial state has been printed */
};

static const char *const op_names[] = {"ADDED", "MODIFIED", "DELETED"};

static void watch_print(struct watcher *w, const union st_record *r, const char *event)
{
	const struct get_opts *g = w->g;
	if (g->out == OUT_NAME) {
		if (g->watch_events)
			printf("%s ", event);
		printf("%s/%s\n", g->kind->name_prefix, r->meta.name);
		return;
	}
	struct row row = {0};
	record_row(g, r, event, now_wall(), &row);
	for (int i = 0; i < row.n; i++) {   /* columns only grow, as rows get wider */
		size_t cw = runes(row.c[i]);
		if (cw > w->widths.width[i])
			w->widths.width[i] = cw;
	}
	row_print(&w->widths, &row, stdout);
	row_free(&row);
}

static void watch_notify(enum kube_kind k, enum st_op op, const union st_record *rec,
			 const union st_record *old, void *ud)
{
	struct watcher *w = ud;
	(void)k;
	(void)old;
	if (!w->live)
		return;
	watch_print(w, rec, op_names[op]);
	fflush(stdout);
}

static void watch_synced(struct informer *inf, void *ud)
{
	struct watcher *w = ud;
	const struct get_opts *g = w->g;
	struct store *s = w->store;
	(void)inf;
	w->live = true;
	size_t n;
	const union st_record **all = store_list(s, g->kind->kind, &n);
	struct row row = {0};
	int64_t now = now_wall();
	if (g->out != OUT_NAME) {
		header_row(g, &row);
		table_push(&w->widths, &row);
		for (size_t i = 0; i < n; i++) {
			record_row(g, all[i], "ADDED", now, &row);
			table_push(&w->widths, &row);
		}
		if (!g->no_headers && !g->watch_only && n > 0)
			row_print(&w->widths, &w->widths.rows[0], stdout);
	}
	if (!g->watch_only)
		for (size_t i = 0; i < n; i++)
			watch_print(w, all[i], "ADDED");
	if (n == 0 && !g->watch_only)
		no_resources(g);
	for (size_t i = 0; i < w->widths.n; i++)
		row_free(&w->widths.rows[i]);
	w->widths.n = 0;
	free(all);
	fflush(stdout);
}

static void watch_state(struct informer *inf, enum informer_state st, const struct tops_err *err,
			void *ud)
{
	(void)ud;
	if (st == INF_LISTING && err && err->msg)
		fprintf(stderr, "tops: watch: %s\n", err->msg);
	else if (st == INF_BACKOFF && err && err->msg)
		fprintf(stderr, "tops: watch: %s; retrying in %.1fs\n", err->msg,
			(double)informer_backoff_ms(inf) / 1000.0);
}

static int get_watch(struct kube_client *c, const struct get_opts *g)
{
	struct tops_err err = {0};
	struct informer_env env;
	struct store *s = store_new();
	struct watcher w = {.g = g};
	char *fsel = NULL;
	if (g->nnames == 1)
		fsel = g->field_sel && *g->field_sel ? xasprintf("%s,metadata.name=%s", g->field_sel, g->names[0])
						     : xasprintf("metadata.name=%s", g->names[0]);
	else if (g->field_sel)
		fsel = xstrdup(g->field_sel);
	struct kube_selector *check = NULL;
	if (kube_selector_parse(g->label_sel, false, &check, &err) ||
	    kube_selector_parse(fsel, true, &check, &err) == -TOPS_EINVAL) {
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
		tops_err_clear(&err);
		free(fsel);
		store_free(s);
		return 2;
	}
	kube_selector_free(check);
	informer_env_kube(c, &env, &err);
	w.store = s;
	struct informer_opts io = {.kind = g->kind->kind, .namespace_ = g->ns,
				   .label_selector = g->label_sel, .field_selector = fsel,
				   .on_state = watch_state, .on_synced = watch_synced, .ud = &w};
	w.inf = informer_new(&env, s, &io);
	store_subscribe(s, watch_notify, &w);
	informer_start(w.inf);
	uv_run(c->loop, UV_RUN_DEFAULT);   /* runs until killed */
	informer_free(w.inf);
	informer_env_kube_free(&env);
	store_free(s);
	table_free(&w.widths);
	free(fsel);
	return 0;
}

int cmd_get(int argc, char **argv)
{
	if (argc > 0 && rel_get_topic(argv[0]))
		return rel_get(argc, argv); /* tops get manifest|values|notes|hooks|metadata|all NAME */
	struct get_opts g = {0};
	if (parse_args(&g, argc, argv) < 0) {
		free(g.names);
		return 2;
	}
	struct tops_err err = {0};
	struct kube_client *c = NULL;
	if (kube_client_new(NULL, &tops_opts, &c, &err) < 0) {
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
		tops_err_clear(&err);
		free(g.names);
		return 1;
	}
	g.ns = tops_opts.all_namespaces ? NULL : kube_client_namespace(c);
	int rc;
	if (!g.ns && g.nnames) {
		fprintf(stderr, "tops: a resource cannot be retrieved by name across all namespaces\n");
		rc = 1;
	} else {
		rc = g.watch ? get_watch(c, &g) : get_once(c, &g);
	}
	fflush(stdout);
	kube_client_free(c);
	free(g.names);
	return rc;
}
