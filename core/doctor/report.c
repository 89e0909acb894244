/* report — the findings of a doctor run: adding, merging, text, JSON and the console's hint. */
#include "core/doctor/doctor.h"

#include <stdlib.h>
#include <string.h>

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static struct doctor_finding *merge_target(struct doctor_report *out, const char *rule,
					   const char *cause, const char *fix)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->f[i].rule == rule && same(out->f[i].cause, cause) && same(out->f[i].fix, fix))
			return &out->f[i];
	return NULL;
}

void doctor_add(struct doctor_report *out, const char *rule, enum doctor_sev sev, const char *kind,
		const char *ns, const char *name, const char *cause, const char *fix,
		const char *detail, const char *forward)
{
	struct doctor_finding *f = out->keep_all ? NULL : merge_target(out, rule, cause, fix);
	if (f) {
		f->count++;
		return;
	}
	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 8;
		out->f = xrealloc(out->f, out->cap * sizeof(*out->f));
	}
	f = &out->f[out->n++];
	*f = (struct doctor_finding){
		.rule = rule, .sev = sev, .kind = xstrdup(kind), .ns = xstrdup(ns ? ns : ""),
		.name = xstrdup(name), .cause = xstrdup(cause), .fix = xstrdup(fix),
		.detail = detail ? xstrdup(detail) : NULL, .forward = forward ? xstrdup(forward) : NULL,
		.count = 1,
	};
}

void doctor_report_done(struct doctor_report *r)
{
	for (size_t i = 0; r && i < r->n; i++) {
		struct doctor_finding *f = &r->f[i];
		free(f->kind);
		free(f->ns);
		free(f->name);
		free(f->cause);
		free(f->fix);
		free(f->detail);
		free(f->forward);
	}
	if (r) {
		bool keep = r->keep_all;
		free(r->f);
		memset(r, 0, sizeof(*r));
		r->keep_all = keep;
	}
}

static const char *sev_word(enum doctor_sev s) { return s == DOC_ERROR ? "error" : "warning"; }

static void text_one(const struct doctor_finding *f, struct strbuf *sb)
{
	sb_addf(sb, "%s %s/%s", sev_word(f->sev), f->kind, f->name);
	if (*f->ns)
		sb_addf(sb, " (namespace %s)", f->ns);
	if (f->count > 1)
		sb_addf(sb, " and %d more like it", f->count - 1);
	sb_addf(sb, " [%s]\n  cause: %s\n  fix:   %s\n", f->rule, f->cause, f->fix);
	for (const char *l = f->detail; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		sb_addf(sb, "  | %.*s\n", (int)n, l);
		l += n + (e != NULL);
	}
}

void doctor_report_text(const struct doctor_report *r, const char *scope, struct strbuf *sb)
{
	if (!r->n) {
		sb_addf(sb, "no problems found in %s\n", scope);
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			sb_addc(sb, '\n');
		text_one(&r->f[i], sb);
	}
	sb_addf(sb, "\n%zu problem%s found in %s\n", r->n, r->n == 1 ? "" : "s", scope);
}

static void json_str(struct strbuf *sb, const char *key, const char *s, bool comma)
{
	sb_addf(sb, "%s\"%s\":", comma ? "," : "", key);
	if (s)
		value_json_string(sb, s, strlen(s), false);
	else
		sb_adds(sb, "null");
}

static void json_one(const struct doctor_finding *f, struct strbuf *sb)
{
	json_str(sb, "rule", f->rule, false);
	json_str(sb, "severity", sev_word(f->sev), true);
	sb_adds(sb, ",\"object\":{");
	json_str(sb, "kind", f->kind, false);
	json_str(sb, "namespace", f->ns, true);
	json_str(sb, "name", f->name, true);
	sb_adds(sb, "}");
	json_str(sb, "cause", f->cause, true);
	json_str(sb, "fix", f->fix, true);
	if (f->detail)
		json_str(sb, "detail", f->detail, true);
	if (f->forward)
		json_str(sb, "forward", f->forward, true);
	sb_addf(sb, ",\"count\":%d", f->count);
}

char *doctor_report_json(const struct doctor_report *r, const char *ns, const char *release)
{
	struct strbuf sb;
	sb_init(&sb);
	sb_adds(&sb, "{");
	json_str(&sb, "namespace", ns, false);
	json_str(&sb, "release", release, true);
	sb_addf(&sb, ",\"problems\":%zu,\"findings\":[", r->n);
	for (size_t i = 0; i < r->n; i++) {
		sb_adds(&sb, i ? ",{" : "{");
		json_one(&r->f[i], &sb);
		sb_adds(&sb, "}");
	}
	sb_adds(&sb, "]}\n");
	return sb_detach(&sb, NULL);
}

char *doctor_hint(const struct doctor_report *r, const char *kind, const char *ns, const char *name)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct doctor_finding *f = &r->f[i];
		if (name && (strcmp(f->kind, kind) || strcmp(f->name, name) || (ns && strcmp(f->ns, ns))))
			continue;
		return xasprintf("%s/%s: %s \xe2\x86\x92 %s", f->kind, f->name, f->cause, f->fix);
	}
	return NULL;
}
