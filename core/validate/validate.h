/* validate — kubeconform's pipeline: find manifests (files, directories, stdin), split YAML
 * streams into documents, unwrap Lists, look up each document's JSON schema through
 * schema-location templates, validate it with core/jsonschema, and write the results in
 * kubeconform's text, json, tap, junit or pretty formats.
 *
 * Schema locations are kubeconform's templates ({{ .NormalizedKubernetesVersion }},
 * {{ .StrictSuffix }}, {{ .ResourceKind }}, {{ .KindSuffix }}, {{ .Group }},
 * {{ .ResourceAPIVersion }}) over local paths. "default" means the local schema cache
 * (validate_default_location()); a location that does not end in "json" gets kubeconform's
 * "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
 * appended. Parsed schemas are cached per file path for the life of the validator.
 */
#ifndef TOPS_VALIDATE_H
#define TOPS_VALIDATE_H

#include "core/validate/lint.h"
#include "core/validate/openapi_cluster.h"
#include "core/base/value.h"

#include <stdio.h>

enum validate_status { VAL_EMPTY, VAL_VALID, VAL_INVALID, VAL_ERROR, VAL_SKIPPED };

/* One schema violation (kubeconform's ValidationError). */
struct validate_verr {
	char *path;     /* JSON pointer in the document, "/spec/replicas" */
	char *msg;      /* "got string, want null or integer" */
	int line, col;  /* in the file (0 = unknown) */
};

/* The outcome for one document. Strings are owned by the result; validate_result_done(). */
struct validate_result {
	enum validate_status status;
	char *path;                    /* file name, or "stdin" */
	char *kind, *version, *name, *namespace_; /* signature ("" when absent) */
	char *err;                     /* message for invalid/error results, else NULL */
	struct validate_verr *verrs;   /* schema violations of an invalid result */
	size_t nverrs;
	int line;                      /* first line of the document in the file (1-based, 0 = unknown) */
	struct lint_report lint;       /* lint findings (only when opts.lint) */
};

struct validate_opts {
	const char *const *schema_locations; /* NULL-terminated; NULL or empty = {"default"} */
	const char *kubernetes_version;      /* "master" (default) or "x.y.z" */
	bool strict;                         /* strict schemas + duplicate keys are errors */
	bool ignore_missing_schemas;
	const char *const *skip;             /* NULL-terminated kinds or group/version/kind */
	const char *const *reject;
	const char *const *ignore_filename_patterns; /* NULL-terminated regexes on paths */
	bool debug;                          /* log schema lookups to stderr */
	bool lint;                           /* run core/lint on every valid document */
	struct lint_opts lint_opts;
	/* The cluster's OpenAPI v3 schemas (core/validate/openapi_cluster), asked first; then the
	 * schema locations (none when schema_locations is NULL and cluster is set). Borrowed. */
	struct openapi_cluster *cluster;
};

struct validator;
typedef void (*validate_cb)(const struct validate_result *res, void *ud);

/* Checks the options (templates, version, patterns). NULL with err set, worded like
 * kubeconform ("failed initialising schema location registry: ..."). Caller frees. */
struct validator *validator_new(const struct validate_opts *opts, struct tops_err *err);
void validator_free(struct validator *v);

/* Validates every document of a YAML/JSON stream named path; calls cb once per document
 * (lists unwrapped). When the stream has no document and count_empty is set, one
 * VAL_EMPTY result is reported so the file still counts. The result passed to cb is
 * borrowed for the duration of the call. */
void validator_run_text(struct validator *v, const char *path, const char *text, size_t len,
			bool count_empty, validate_cb cb, void *ud);

/* Walks files and directories (recursively: *.yaml, *.yml, *.json, lexical order), skipping
 * paths that match an ignore pattern, and validates each file. Unreadable paths give a
 * VAL_ERROR result ("lstat x: no such file or directory"). */
void validator_run_paths(struct validator *v, const char *const *paths, size_t npaths,
			 validate_cb cb, void *ud);

/* Validates one parsed object (borrowed) as a document of file path. Fills *out; caller
 * frees with validate_result_done(). */
void validator_check_value(struct validator *v, const char *path, const struct value *obj,
			   struct validate_result *out);

void validate_result_done(struct validate_result *r);

/* kubeconform's rule for --kubernetes-version: "master" or x.y.z. */
bool validate_version_ok(const char *version);

/* The default schema location: $XDG_DATA_HOME/tops/schemas (or ~/.local/share/tops/schemas)
 * followed by kubeconform's standalone layout. Caller frees. */
char *validate_default_location(void);

/* ---- output writers (kubeconform's formats) ---- */

struct validate_output;
/* format: text, json, tap, junit or pretty. NULL with err set ("'x' is not a valid output
 * format") for anything else. Writes to f (borrowed). */
struct validate_output *validate_output_new(const char *format, FILE *f, bool summary, bool is_stdin,
					    bool verbose, struct tops_err *err);
void validate_output_write(struct validate_output *o, const struct validate_result *r);
/* Writes what is buffered (json, junit) and the summary. */
void validate_output_flush(struct validate_output *o);
void validate_output_free(struct validate_output *o);

#endif
