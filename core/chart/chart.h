/* chart — a Helm chart in memory: Chart.yaml metadata, values.yaml, templates, other files and
 * subcharts, loaded from a directory (honouring .helmignore) or a .tgz archive, and validated the
 * way Helm's loader does (messages as Helm prints them, e.g.
 * "validation: chart.metadata.type must be application or library").
 */
#ifndef TOPS_CHART_H
#define TOPS_CHART_H

#include "core/base/value.h"

struct chart_file {
	char *name;   /* relative to the chart root, '/' separated: "templates/x.yaml" */
	char *data;   /* NUL-terminated */
	size_t len;
};

/* One entry of Chart.yaml `dependencies` (or requirements.yaml). */
struct chart_dep {
	char *name, *version, *repository, *condition, *alias;
	char **tags;
	size_t ntags;
	struct value *import_values;  /* list as written (strings or {child,parent} maps) or NULL */
	bool enabled;
};

struct chart {
	char *name, *version, *api_version, *type, *app_version, *kube_version, *description;
	struct value *meta;       /* .Chart as templates see it: Go field names (Name, Version, ...) */
	struct chart_dep *deps;   /* metadata dependencies */
	size_t ndeps;
	struct value *values;     /* values.yaml as a map (numbers are floats, as in Helm) */
	char *schema;             /* values.schema.json or NULL */
	size_t schema_len;
	struct chart_file *templates;  /* sorted by name */
	size_t ntemplates;
	struct chart_file *files;      /* every other file (crds/, config files, ...), sorted */
	size_t nfiles;
	struct chart **charts;    /* subcharts (Helm's Dependencies()) */
	size_t ncharts;
	struct chart *parent;     /* borrowed; NULL for the root */
};

/* Loads a chart directory or archive. Caller frees with chart_free(). Errors name the chart. */
int chart_load(const char *path, struct chart **out, struct tops_err *err);
/* Loads from an in-memory list of files (names relative to the chart root). */
int chart_load_files(struct chart_file *files, size_t n, struct chart **out, struct tops_err *err);
void chart_free(struct chart *c);
/* Deep copy (Helm copies a subchart to apply an alias); parent is set to the given one. */
struct chart *chart_copy(const struct chart *c, struct chart *parent);
/* Renames a chart (alias), updating .Chart.Name. */
void chart_rename(struct chart *c, const char *name);
/* "root" or "root/charts/child/charts/grandchild" (Helm's ChartFullPath). Caller frees. */
char *chart_full_path(const struct chart *c);
bool chart_is_library(const struct chart *c);

/* A version Masterminds/semver accepts ("v1.2", "1.2.3-rc.1+b"): Helm's chart version check. */
bool chart_semver_valid(const char *v);
/* Helm's IsCompatibleRange: false when the constraint or the version does not parse. */
bool chart_version_satisfies(const char *constraint, const char *version);

#endif
