/* gather — see gather.h. */
#include "core/doctor/gather.h"
#include "core/doctor/rules.h"

#include "core/base/base64.h"
#include "core/base/jdom.h"
#include "core/chart/chart.h"
#include "core/chart/valuesfile.h"
#include "core/release/obj.h"
#include "core/release/rest.h"
#include "core/release/storage.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOTES_FILE "VERSIONING_AND_RELEASE_NOTES.md"

struct doctor_data {
	struct doctor_input in;
	struct store *store;
	struct value *lists[6];      /* storage classes, ingress classes, ingresses, pdbs, leases, raw pods */
	struct history hist;
	struct release **newest;
	struct doctor_pins pins;
	bool have_pins;
	struct value *values;        /* the values the registry is read from */
	char *chart_version, *app_version;
	struct strbuf notes;
	struct kube_client *kc;
	int log_lines;
};

enum { L_SC, L_INGCLASS, L_ING, L_PDB, L_LEASE, L_PODS };

static const struct { const char *path; bool namespaced; } list_paths[] = {
	[L_SC] = {"/apis/storage.k8s.io/v1/storageclasses", false},
	[L_INGCLASS] = {"/apis/networking.k8s.io/v1/ingressclasses", false},
	[L_ING] = {"/apis/networking.k8s.io/v1/namespaces/%s/ingresses", true},
	[L_PDB] = {"/apis/policy/v1/namespaces/%s/poddisruptionbudgets", true},
	[L_LEASE] = {"/apis/coordination.k8s.io/v1/namespaces/%s/leases", true},
	[L_PODS] = {"/api/v1/namespaces/%s/pods", true},
};

static const enum kube_kind store_kinds[] = {KK_POD, KK_PVC, KK_SERVICE, KK_EVENT};

static int project_list(struct store *s, enum kube_kind k, const char *body, size_t len, struct tops_err *err)
{
	struct jdom *d = jdom_parse(body, len, err);
	if (!d)
		return -TOPS_EINVAL;
	JD_FOREACH(it, jd_get(jdom_root(d), "items")) {
		union st_record *r = store_project(k, it, NULL);
		if (r)
			store_apply(s, k, ST_ADDED, r);
	}
	jdom_free(d);
	return 0;
}

/* The items of a list reply (a new reference; an empty list when it has none). */
static struct value *list_items(const char *body)
{
	struct value *v = value_from_json(body, strlen(body), NULL);
	struct value *items = value_map_get(v, "items");
	struct value *out = items && items->type == V_LIST ? value_ref(items) : value_list();
	value_unref(v);
	return out;
}

/* Lists the store kinds and the other lists in parallel. */
static int read_lists(struct doctor_data *d, const char *ns, struct tops_err *err)
{
	enum { NS = ARRAY_LEN(store_kinds), NL = ARRAY_LEN(list_paths) };
	struct rest_op ops[NS + NL] = {0};
	char *paths[NS + NL];
	for (size_t i = 0; i < NS; i++)
		paths[i] = kube_path(store_kinds[i], ns, NULL, NULL);
	for (size_t i = 0; i < NL; i++)
		paths[NS + i] = list_paths[i].namespaced ? xasprintf(list_paths[i].path, ns) : xstrdup(list_paths[i].path);
	for (size_t i = 0; i < NS + NL; i++)
		ops[i] = (struct rest_op){.method = "GET", .path = paths[i]};
	int rc = rest_run(d->kc, ops, NS + NL, NULL);
	for (size_t i = 0; !rc && i < NS + NL; i++) {
		bool ok = ops[i].status / 100 == 2 && ops[i].response;
		if (i < NS && !ok && (store_kinds[i] == KK_POD || ops[i].status != 403))
			rc = tops_err_set(err, TOPS_EHTTP, "cannot list %s: %s", kube_kind_info(store_kinds[i])->resource,
					  tops_err_msg(&ops[i].err)[0] ? tops_err_msg(&ops[i].err) : "no reply");
		else if (i < NS)
			rc = ok ? project_list(d->store, store_kinds[i], ops[i].response, strlen(ops[i].response), err) : 0;
		else if (ok)
			d->lists[i - NS] = list_items(ops[i].response);
		else
			sb_addf(&d->notes, "cannot read %s (HTTP %ld): the rule that needs it says less\n", paths[i], ops[i].status);
	}
	if (rc && !tops_err_msg(err)[0])
		tops_err_set(err, rc, "cannot reach the cluster: %s", tops_err_msg(&ops[0].err));
	rest_ops_done(ops, NS + NL);
	for (size_t i = 0; i < NS + NL; i++)
		free(paths[i]);
	return rc;
}

/* The newest record of each release of the namespace. */
static void read_records(struct doctor_data *d, const char *ns, const char *release)
{
	struct tops_err err = {0};
	if (storage_load(d->kc, ns, release, &d->hist, &err) != 0) {
		sb_addf(&d->notes, "cannot read the release records: %s\n", tops_err_msg(&err));
		tops_err_clear(&err);
		return;
	}
	d->newest = xcalloc(d->hist.n + 1, sizeof(*d->newest));
	size_t n = 0;
	for (size_t i = 0; i < d->hist.n; i++) {
		struct release *r = d->hist.r[i];
		size_t j = 0;
		while (j < n && strcmp(d->newest[j]->name, r->name))
			j++;
		if (j == n)
			d->newest[n++] = r;
		else if (r->version > d->newest[j]->version)
			d->newest[j] = r;
	}
	d->in.records = d->newest;
	d->in.nrecords = n;
}

/* The release notes of the chart directory, or of the release's chart files. */
static int read_notes(struct doctor_data *d, const char *chart_dir, const struct release *r, struct tops_err *err)
{
	char *text = NULL, *file = NULL;
	size_t len = 0;
	if (chart_dir) {
		file = xasprintf("%s/%s", chart_dir, NOTES_FILE);
		if (read_file(file, 4u << 20, &text, &len, NULL) != 0) {
			sb_addf(&d->notes, "%s: no release notes: the digests are not checked\n", file);
			free(file);
			return 0;
		}
	} else if (r && r->chart) {
		const struct value *fs = value_map_get(r->chart, "files");
		for (size_t i = 0; fs && fs->type == V_LIST && i < fs->u.list.len && !text; i++)
			if (strcmp(doc_str(fs->u.list.items[i], "name"), NOTES_FILE) == 0) {
				const char *b64 = doc_str(fs->u.list.items[i], "data");
				if (base64_decode(b64, strlen(b64), &text, &len) != 0)
					text = NULL;
			}
		file = xasprintf("%s (in the chart of release %s)", NOTES_FILE, r->name);
	}
	int rc = 0;
	if (text) {
		rc = doctor_notes_parse(text, len, file, &d->pins, err);
		d->have_pins = rc == 0;
		d->in.pins = d->have_pins ? &d->pins : NULL;
	}
	free(text);
	free(file);
	return rc;
}

/* The values the registry is read from: -f, else the release's (its chart's defaults under the
 * user-supplied ones), else the chart directory's defaults. */
static int read_values(struct doctor_data *d, const struct doctor_gather_opts *o, const struct release *r,
		       struct tops_err *err)
{
	if (o->values_file) {
		d->values = valuesfile_load(o->values_file, err);
		return d->values ? 0 : -TOPS_EINVAL;
	}
	const char *key = "global.imageRegistry";
	if (r) {
		const char *user = obj_str(r->config, key), *dflt = obj_str(value_map_get(r->chart, "values"), key);
		d->values = value_map();
		obj_set_str_in(d->values, "global", "imageRegistry", user ? user : dflt ? dflt : "");
		if (!user && !dflt)
			value_map_del(value_map_get(d->values, "global"), "imageRegistry");
	}
	return 0;
}

static void read_chart_meta(struct doctor_data *d, const struct release *r)
{
	if (r && r->chart) {
		const char *v = obj_str(r->chart, "metadata.version"), *a = obj_str(r->chart, "metadata.appVersion");
		d->chart_version = v ? xstrdup(v) : NULL;
		d->app_version = a ? xstrdup(a) : NULL;
	}
	d->in.chart_version = d->chart_version;
	d->in.app_version = d->app_version;
}

static char *fetch_logs(void *ud, const char *ns, const char *pod, const char *container)
{
	struct doctor_data *d = ud;
	char *path = xasprintf("/api/v1/namespaces/%s/pods/%s/log?container=%s&previous=true&tailLines=%d",
			       ns, pod, container, d->log_lines);
	long status = 0;
	char *body = NULL;
	struct tops_err err = {0};
	int rc = kube_request_sync(d->kc, "GET", path, NULL, NULL, &status, &body, &err);
	free(path);
	tops_err_clear(&err);
	if (rc || status != 200 || !body || !*body) {
		free(body);
		return NULL;
	}
	size_t n = strlen(body);
	if (n && body[n - 1] == '\n')
		body[n - 1] = 0;
	return body;
}

static const struct release *the_release(const struct doctor_data *d, const char *release)
{
	for (size_t i = 0; release && i < d->in.nrecords; i++)
		if (strcmp(d->in.records[i]->name, release) == 0)
			return d->in.records[i];
	return NULL;
}

int doctor_gather(struct kube_client *kc, const char *ns, const char *release,
		  const struct doctor_gather_opts *o, struct doctor_data **out, struct tops_err *err)
{
	struct doctor_data *d = xcalloc(1, sizeof(*d));
	sb_init(&d->notes);
	d->kc = kc;
	d->store = store_new();
	d->log_lines = o->log_lines > 0 ? o->log_lines : 5;
	int rc = read_lists(d, ns, err);
	if (!rc)
		read_records(d, ns, release);
	const struct release *r = the_release(d, release);
	if (!rc && release && !r)
		sb_addf(&d->notes, "release %s: no record in namespace %s: its values and release notes are not known\n",
			release, ns);
	if (!rc)
		rc = read_values(d, o, r, err);
	if (!rc)
		rc = read_notes(d, o->chart_dir, r, err);
	if (rc) {
		doctor_data_free(d);
		return rc;
	}
	read_chart_meta(d, r);
	struct doctor_input *in = &d->in;
	in->namespace_ = ns;
	in->release = release;
	in->store = d->store;
	in->storage_classes = d->lists[L_SC];
	in->ingress_classes = d->lists[L_INGCLASS];
	in->ingresses = d->lists[L_ING];
	in->pdbs = d->lists[L_PDB];
	in->leases = d->lists[L_LEASE];
	in->pods_raw = d->lists[L_PODS];
	const char *reg = obj_str(d->values, "global.imageRegistry");
	in->registry = reg && *reg ? reg : NULL;
	in->registry_key = "global.imageRegistry";
	in->chart_ref = o->chart_dir;
	in->now = (int64_t)time(NULL);
	in->ingress_wait_s = o->ingress_wait_s;
	in->logs = fetch_logs;
	in->logs_ud = d;
	*out = d;
	return 0;
}

const struct doctor_input *doctor_data_input(const struct doctor_data *d) { return &d->in; }

const char *doctor_data_notes(const struct doctor_data *d) { return sb_str(&d->notes); }

void doctor_data_free(struct doctor_data *d)
{
	if (!d)
		return;
	store_free(d->store);
	for (size_t i = 0; i < ARRAY_LEN(d->lists); i++)
		value_unref(d->lists[i]);
	history_done(&d->hist);
	free(d->newest);
	doctor_pins_done(&d->pins);
	value_unref(d->values);
	free(d->chart_version);
	free(d->app_version);
	sb_done(&d->notes);
	free(d);
}
