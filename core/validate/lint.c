/* lint — rules that JSON schemas cannot express, over one parsed Kubernetes object. */
#include "core/validate/lint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lctx {
	const struct lint_opts *opts;
	struct lint_report *rep;
	int line_offset;
	size_t added;
};

static void add(struct lctx *c, const struct value *at, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct lctx *c, const struct value *at, const char *rule, const char *fmt, ...)
{
	struct lint_report *r = c->rep;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->f = xrealloc(r->f, r->cap * sizeof *r->f);
	}
	va_list ap;
	va_start(ap, fmt);
	struct lint_finding *f = &r->f[r->n++];
	f->rule = rule;
	f->msg = xvasprintf(fmt, ap);
	va_end(ap);
	f->line = at && at->line ? at->line + c->line_offset : 0;
	f->col = at ? at->col : 0;
	c->added++;
}

void lint_report_done(struct lint_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		free(rep->f[i].msg);
	free(rep->f);
	rep->f = NULL;
	rep->n = rep->cap = 0;
}

/* ---- syntax helpers ---- */

static bool is_lower_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

static bool label_run(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool lint_is_dns1123_label(const char *s)
{
	return label_run(s, strlen(s));
}

bool lint_is_dns1123_subdomain(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > 253)
		return false;
	for (const char *p = s;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (!label_run(p, n))
			return false;
		if (!dot)
			return true;
		p = dot + 1;
	}
}

static bool rfc1035_label(const char *s)
{
	return lint_is_dns1123_label(s) && s[0] >= 'a' && s[0] <= 'z';
}

/* Qualified-name part: [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most 63 characters. */
static const char *name_part_problem(const char *s, size_t n, bool allow_empty)
{
	if (n == 0)
		return allow_empty ? NULL : "must not be empty";
	if (n > 63)
		return "must be 63 characters or less";
	if (!isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return "must begin and end with an alphanumeric character";
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return "may contain only alphanumerics, '-', '_' and '.'";
	return NULL;
}

const char *lint_label_key_problem(const char *key)
{
	const char *slash = strchr(key, '/');
	if (slash) {
		char *prefix = xstrndup(key, (size_t)(slash - key));
		bool ok = lint_is_dns1123_subdomain(prefix);
		free(prefix);
		if (!ok)
			return "prefix must be a DNS-1123 subdomain";
		key = slash + 1;
	}
	return name_part_problem(key, strlen(key), false);
}

const char *lint_label_value_problem(const char *val)
{
	return name_part_problem(val, strlen(val), true);
}

static const char *skip_digits(const char *p)
{
	while (*p >= '0' && *p <= '9')
		p++;
	return p;
}

bool lint_is_quantity(const char *s)
{
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	const char *d = skip_digits(p);
	bool int_digits = d > p;
	p = d;
	if (*p == '.') {
		d = skip_digits(p + 1);
		if (!int_digits && d == p + 1)
			return false;
		p = d;
	} else if (!int_digits) {
		return false;
	}
	static const char *const suffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m",
					       "k", "M", "G", "T", "P", "E"};
	for (size_t i = 0; i < ARRAY_LEN(suffixes); i++)
		if (strcmp(p, suffixes[i]) == 0)
			return true;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		d = skip_digits(p);
		return d > p && !*d;
	}
	return false;
}

/* ---- rules ---- */

static const struct value *get(const struct value *v, const char *dotted)
{
	return v && v->type == V_MAP ? value_map_path(v, dotted) : NULL;
}

static const char *str_of(const struct value *v)
{
	return v && v->type == V_STRING ? v->u.str.s : NULL;
}

static void check_name(struct lctx *c, const char *kind, const struct value *obj)
{
	const struct value *nv = get(obj, "metadata.name");
	const char *name = str_of(nv);
	if (!name)
		return;
	if (strcmp(kind, "Service") == 0) {
		if (!rfc1035_label(name))
			add(c, nv, "dns1123-name", "Service name '%s' must be a DNS-1035 label (lower case letters, "
			    "digits and '-', starting with a letter, at most 63 characters)", name);
	} else if (strcmp(kind, "Namespace") == 0) {
		if (!lint_is_dns1123_label(name))
			add(c, nv, "dns1123-name", "Namespace name '%s' must be a DNS-1123 label (lower case "
			    "alphanumerics and '-', at most 63 characters)", name);
	} else if (!lint_is_dns1123_subdomain(name)) {
		add(c, nv, "dns1123-name", "name '%s' must be a DNS-1123 subdomain (lower case alphanumerics, "
		    "'-' and '.', starting and ending with an alphanumeric, at most 253 characters)", name);
	}
}

static void check_labels(struct lctx *c, const struct value *labels, const char *where)
{
	if (!labels || labels->type != V_MAP)
		return;
	for (size_t i = 0; i < labels->u.map.len; i++) {
		const char *k = labels->u.map.e[i].key;
		const struct value *v = labels->u.map.e[i].val;
		const char *why = lint_label_key_problem(k);
		if (why)
			add(c, v, "label-key", "%s key '%s': %s", where, k, why);
		if (v->type != V_STRING)
			continue;
		if ((why = lint_label_value_problem(v->u.str.s)))
			add(c, v, "label-value", "%s '%s' value '%s': %s", where, k, v->u.str.s, why);
	}
}

static void check_selector(struct lctx *c, const char *kind, const struct value *obj)
{
	const struct value *sel = get(obj, "spec.selector.matchLabels");
	const struct value *tl = get(obj, "spec.template.metadata.labels");
	check_labels(c, sel, "selector");
	check_labels(c, tl, "template label");
	if (!sel || sel->type != V_MAP)
		return;
	for (size_t i = 0; i < sel->u.map.len; i++) {
		const char *k = sel->u.map.e[i].key;
		const struct value *want = sel->u.map.e[i].val;
		const struct value *have = tl && tl->type == V_MAP ? value_map_get(tl, k) : NULL;
		if (!have || !value_equal(have, want))
			add(c, want, "selector-mismatch", "%s selector %s=%s does not match the pod template labels",
			    kind, k, str_of(want) ? str_of(want) : "?");
	}
}

static void check_port(struct lctx *c, const struct value *port, const char *field)
{
	if (!port || port->type != V_INT)
		return;
	if (port->u.i < 1 || port->u.i > 65535)
		add(c, port, "port-range", "%s %lld is outside 1-65535", field, (long long)port->u.i);
}

static void check_resources(struct lctx *c, const struct value *res, const char *cname)
{
	static const char *const groups[] = {"requests", "limits"};
	for (size_t g = 0; g < ARRAY_LEN(groups); g++) {
		const struct value *m = get(res, groups[g]);
		if (!m || m->type != V_MAP)
			continue;
		for (size_t i = 0; i < m->u.map.len; i++) {
			const struct value *q = m->u.map.e[i].val;
			if (q->type == V_STRING && !lint_is_quantity(q->u.str.s))
				add(c, q, "quantity", "container %s %s.%s '%s' is not a valid quantity", cname,
				    groups[g], m->u.map.e[i].key, q->u.str.s);
		}
	}
}

static bool pinned(const char *image)
{
	const char *at = strstr(image, "@sha256:");
	if (!at)
		return false;
	at += 8;
	size_t n = 0;
	while (isxdigit((unsigned char)at[n]))
		n++;
	return n == 64 && !at[n];
}

static void check_container(struct lctx *c, const struct value *ctr)
{
	const char *cname = str_of(get(ctr, "name"));
	cname = cname ? cname : "?";
	const struct value *img = get(ctr, "image");
	if (c->opts && c->opts->require_digests && str_of(img) && !pinned(img->u.str.s))
		add(c, img, "image-digest", "container %s image '%s' is not pinned by digest (@sha256:...)", cname,
		    img->u.str.s);
	const struct value *ports = get(ctr, "ports");
	for (size_t i = 0; ports && ports->type == V_LIST && i < ports->u.list.len; i++) {
		check_port(c, get(ports->u.list.items[i], "containerPort"), "containerPort");
		check_port(c, get(ports->u.list.items[i], "hostPort"), "hostPort");
	}
	check_resources(c, get(ctr, "resources"), cname);
}

static void check_pod_spec(struct lctx *c, const struct value *spec)
{
	static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};
	for (size_t l = 0; l < ARRAY_LEN(lists); l++) {
		const struct value *cs = get(spec, lists[l]);
		for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++)
			check_container(c, cs->u.list.items[i]);
	}
}

static void check_class(struct lctx *c, const struct value *cls)
{
	const char *name = str_of(cls);
	if (!c->opts || !c->opts->storage_classes || !name || !*name)
		return;
	for (const char *const *k = c->opts->storage_classes; *k; k++)
		if (strcmp(*k, name) == 0)
			return;
	add(c, cls, "storage-class", "storage class '%s' does not exist", name);
}

static void check_service(struct lctx *c, const struct value *obj)
{
	const struct value *ports = get(obj, "spec.ports");
	for (size_t i = 0; ports && ports->type == V_LIST && i < ports->u.list.len; i++) {
		const struct value *p = ports->u.list.items[i];
		check_port(c, get(p, "port"), "port");
		check_port(c, get(p, "targetPort"), "targetPort");
		const struct value *np = get(p, "nodePort");
		if (np && !(np->type == V_INT && np->u.i == 0))
			check_port(c, np, "nodePort");
	}
	check_labels(c, get(obj, "spec.selector"), "selector");
}

/* Where each kind keeps its pod spec. */
static const struct {
	const char *kind;
	const char *pod_spec;
	bool selector;
} kinds[] = {
	{"Pod", "spec", false},
	{"Deployment", "spec.template.spec", true},
	{"StatefulSet", "spec.template.spec", true},
	{"ReplicaSet", "spec.template.spec", true},
	{"DaemonSet", "spec.template.spec", true},
	{"Job", "spec.template.spec", true},
	{"ReplicationController", "spec.template.spec", false},
	{"CronJob", "spec.jobTemplate.spec.template.spec", false},
};

size_t lint_object(const struct value *obj, const struct lint_opts *opts, int line_offset,
		   struct lint_report *rep)
{
	struct lctx c = {.opts = opts, .rep = rep, .line_offset = line_offset};
	const char *kind = str_of(get(obj, "kind"));
	if (!obj || obj->type != V_MAP || !kind)
		return 0;
	check_name(&c, kind, obj);
	check_labels(&c, get(obj, "metadata.labels"), "label");
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
		if (strcmp(kinds[i].kind, kind) != 0)
			continue;
		check_pod_spec(&c, get(obj, kinds[i].pod_spec));
		if (kinds[i].selector)
			check_selector(&c, kind, obj);
	}
	if (strcmp(kind, "Service") == 0)
		check_service(&c, obj);
	if (strcmp(kind, "PersistentVolumeClaim") == 0)
		check_class(&c, get(obj, "spec.storageClassName"));
	const struct value *vct = strcmp(kind, "StatefulSet") == 0 ? get(obj, "spec.volumeClaimTemplates") : NULL;
	for (size_t i = 0; vct && vct->type == V_LIST && i < vct->u.list.len; i++)
		check_class(&c, get(vct->u.list.items[i], "spec.storageClassName"));
	return c.added;
}
