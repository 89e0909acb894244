/* doctor — finds the failures operators meet (image pulls, pending claims, ingresses without a
 * controller, crash loops, unschedulable pods, failing readiness, blocking disruption budgets,
 * pending release records) and says for each the object, the cause and the exact command that
 * fixes it.
 *
 * The rules are one table (DOCTOR_RULES, doctor.c); each reads a struct doctor_input (the store
 * the console or the CLI filled, plus the lists the store does not keep) and adds findings. The
 * rules only read: they do no I/O of their own. Whatever a rule needs that the input lacks
 * (lists left NULL in the console) makes it say less, never guess.
 */
#ifndef TOPS_DOCTOR_H
#define TOPS_DOCTOR_H

#include "core/kube/store.h"
#include "core/release/record.h"

enum doctor_sev { DOC_WARNING, DOC_ERROR };

/* An image digest the chart's release notes pin (notes.c). */
struct doctor_pin {
	char *chart_version, *app_version;  /* "" when the table has no such column */
	char *image;                        /* repository without registry: "testops/runner" */
	char *digest;                       /* "sha256:..." */
};

struct doctor_pins {
	struct doctor_pin *v;
	size_t n;
	char *file;                          /* where they were read ("VERSIONING_AND_RELEASE_NOTES.md") */
};

/* Last log lines of a container's previous run: caller frees; NULL when unknown. */
typedef char *(*doctor_logs_fn)(void *ud, const char *ns, const char *pod, const char *container);

/* What the rules look at. Everything is borrowed from the caller for the run. Lists are V_LIST
 * values of API objects; NULL means "not known" (the rule that needs one says less). */
struct doctor_input {
	const char *namespace_;
	const char *release;                 /* NULL: every object of the namespace */
	const struct store *store;           /* pods, pvcs, services, events */
	struct value *storage_classes, *ingress_classes, *ingresses, *pdbs, *leases;
	struct value *pods_raw;              /* the pods as the API gave them (limits), or NULL */
	struct value *services;              /* Services as API objects, when the store has none */
	struct release **records;            /* newest record of each release in the namespace */
	size_t nrecords;
	const char *registry;                /* the registry the values configure, or NULL */
	const char *registry_key;            /* the values key it came from ("global.imageRegistry") */
	const struct doctor_pins *pins;      /* NULL: no release notes */
	const char *chart_version, *app_version;   /* the release's chart, or NULL */
	const char *chart_ref;               /* how fix commands name the chart; NULL: "charts/testops" */
	int64_t now;                         /* wall seconds */
	int ingress_wait_s;                  /* no address after this many seconds; 0: 60 */
	doctor_logs_fn logs;                 /* NULL: no log lines */
	void *logs_ud;
};

struct doctor_finding {
	const char *rule;                    /* the rule's id (static) */
	enum doctor_sev sev;
	char *kind, *ns, *name;              /* the object */
	char *cause, *fix;                   /* words; the exact command */
	char *detail;                        /* more lines (log tail), or NULL */
	char *forward;                       /* "svc/NAME LOCAL:PORT" when the fix is a port-forward */
	int count;                           /* objects with the same cause (pods of one workload) */
};

struct doctor_report {
	struct doctor_finding *f;
	size_t n, cap;
	bool keep_all;                       /* set by the caller: one finding per object, never merged */
};

/* One rule of the table. */
struct doctor_rule {
	const char *id;
	const char *looks_at;                /* what it reads, for --help and the docs */
	void (*check)(const struct doctor_input *in, struct doctor_report *out);
};

/* The rule table (static, borrowed) and its length. */
const struct doctor_rule *doctor_rules(size_t *n);
/* A rule by id, or NULL. */
const struct doctor_rule *doctor_rule(const char *id);

/* Runs every rule over in; findings are added to out (initialised by the caller to zero),
 * most severe first, then in rule order. Free with doctor_report_done(). */
void doctor_run(const struct doctor_input *in, struct doctor_report *out);
void doctor_report_done(struct doctor_report *r);

/* Adds a finding (the strings are copied; detail and forward may be NULL). Findings of one rule
 * with the same cause and fix are merged: count grows. For rules. */
void doctor_add(struct doctor_report *out, const char *rule, enum doctor_sev sev, const char *kind,
		const char *ns, const char *name, const char *cause, const char *fix,
		const char *detail, const char *forward);

/* The report as text (one block per finding: object, cause, fix) into sb; "no problems found in
 * SCOPE" when empty. */
void doctor_report_text(const struct doctor_report *r, const char *scope, struct strbuf *sb);
/* The report as JSON {"namespace","release","problems":N,"findings":[{rule, severity, object:
 * {kind, namespace, name}, cause, fix, detail?, forward?, count}]}. Caller frees. */
char *doctor_report_json(const struct doctor_report *r, const char *ns, const char *release);

/* The one-line hint for the console: "kind/name: cause → fix" of the first finding about the
 * object kind/ns/name (name NULL: the first finding of all). Caller frees; NULL when none. */
char *doctor_hint(const struct doctor_report *r, const char *kind, const char *ns, const char *name);

/* Parses the release notes table (notes.c): a Markdown table whose header names the columns
 * "Chart" (optional), "App version" (or "Version"), "Image" and "Digest". Rows that do not fit
 * are errors with file:line:col. Caller frees out with doctor_pins_done(). */
int doctor_notes_parse(const char *text, size_t len, const char *file, struct doctor_pins *out,
		       struct tops_err *err);
void doctor_pins_done(struct doctor_pins *p);
/* The digest pinned for image (a repository path, registry and tag or digest stripped) at the
 * given chart or app version (either may be NULL: then the newest row of the table, the first
 * one). Borrowed or NULL. */
const struct doctor_pin *doctor_pin_find(const struct doctor_pins *p, const char *image,
					 const char *chart_version, const char *app_version);

/* Image reference parts (helpers the rules and tests share). Caller frees. The registry is
 * "docker.io" when the first path part is not a host (no '.', ':' and not "localhost"). */
char *doctor_image_registry(const char *image);
/* The repository path without registry, tag and digest: "testops/runner". */
char *doctor_image_repo(const char *image);

#endif
