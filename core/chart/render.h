/* render — Helm's template engine and `helm template` output over a loaded chart.
 *
 * render_engine_*() are Helm's pkg/engine: every template of the chart and its subcharts parsed
 * into one set (deepest path first), every template whose base name does not start with '_'
 * executed with missingkey=zero and "<no value>" removed, errors worded as Helm words them
 * ("parse error at (x:1): ...", "execution error at (x:1:2): ...").
 * render_chart() is `helm template`: dependencies, values, schema, engine, NOTES.txt dropped,
 * manifests split, checked as YAML and sorted in install order, hooks last, CRDs, --show-only,
 * --skip-tests and --output-dir.
 */
#ifndef TOPS_RENDER_H
#define TOPS_RENDER_H

#include "core/chart/chart.h"
#include "core/chart/manifest_sort.h"

/* .Files is a native object (Go's map[string][]byte with methods). Asked for this name with no
 * arguments, it answers the plain map of path -> bytes, for an executor's range/len/index over
 * native objects. The name cannot clash with a template field. */
#define RENDER_MAP_VIEW VALUE_MAP_VIEW

/* One rendered template. */
struct render_file {
	char *name;   /* "chart/templates/x.yaml" */
	char *text;
};

struct render_result {
	struct render_file *files;   /* sorted by name */
	size_t n;
};
void render_result_done(struct render_result *r);

/* Executes a chart: top is the top-level dot (Values, Release, Capabilities; borrowed),
 * as Helm's Engine.Render gets it. */
int render_engine_chart(const struct chart *c, struct value *top, struct render_result *out,
			struct tops_err *err);

/* Executes bare named templates, each with the same dot (Helm's Engine.render on templates). */
int render_engine_templates(const char *const *names, const char *const *texts, size_t n,
			    struct value *dot, struct render_result *out, struct tops_err *err);

/* Template parse order: more '/' first, then reverse bytewise (Helm's sortTemplates).
 * Sorts names in place. */
void render_sort_templates(const char **names, size_t n);

struct render_opts {
	const char *release_name;      /* NULL: "release-name" */
	const char *namespace_;        /* NULL: "default" */
	const char *kube_version;      /* NULL: "v1.20.0" (Helm's default capabilities) */
	const char *const *api_versions;   /* extra --api-versions */
	size_t n_api_versions;
	bool include_crds, skip_tests;
	bool no_hooks;                 /* --no-hooks: leave every hook out */
	bool use_release_name;         /* --release-name: --output-dir writes under DIR/RELEASE */
	const char *const *show_only;  /* --show-only paths or globs */
	size_t n_show_only;
	const char *output_dir;        /* NULL: output goes to out */
	const struct value *values;    /* user values (-f, --set ...), borrowed; NULL = {} */
	int revision;                  /* .Release.Revision; 0: 1 */
	bool debug;                    /* --debug: on a YAML error, out gets the rendered files too */
	bool is_upgrade;               /* .Release.IsUpgrade (and IsInstall false) */
};

/* `helm template`: renders c (modified: dependencies are processed) into out, byte-identical to
 * Helm. With output_dir, files are written there and out gets "wrote PATH" lines. */
int render_chart(struct chart *c, const struct render_opts *o, struct strbuf *out,
		 struct tops_err *err);

/* What a release stores: the manifests (install order) and hooks, the manifest text as helm
 * keeps it ("---\n# Source: NAME\nCONTENT\n" per manifest), the top chart's rendered NOTES.txt
 * (NULL when none) and the coalesced values the templates saw. */
struct render_release {
	struct manifest_set set;
	char *manifest;
	char *notes;
	struct value *values;
};
/* Renders c for an install or upgrade (o->revision, o->is_upgrade) as helm's action does.
 * Fills out (render_release_done()); errors as render_chart()'s. */
int render_for_release(struct chart *c, const struct render_opts *o, struct render_release *out,
		       struct tops_err *err);
void render_release_done(struct render_release *r);

#endif
