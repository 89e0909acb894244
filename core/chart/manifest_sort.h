/* manifest_sort — Helm's releaseutil: splitting rendered templates into YAML documents
 * (SplitManifests), telling hooks (helm.sh/hook) from manifests, and sorting both in Helm's
 * install order by kind (kind_sorter.go), stable within a kind.
 */
#ifndef TOPS_MANIFEST_SORT_H
#define TOPS_MANIFEST_SORT_H

#include "core/base/util.h"

struct manifest {
	char *name;      /* the template path, "chart/templates/x.yaml" */
	char *content;   /* one document, trimmed */
	char *kind;      /* "" when absent */
	bool is_hook;
	bool is_test;    /* a hook whose events include test */
};

struct manifest_set {
	struct manifest *manifests;  /* plain manifests, in install order */
	size_t nmanifests;
	struct manifest *hooks;      /* hooks, by kind order */
	size_t nhooks;
};

/* SplitManifests: documents separated by "---" at a line start, each trimmed, empty ones
 * dropped. *docs receives n strings; caller frees each and the array. */
void manifest_split(const char *text, size_t len, char ***docs, size_t *n);

/* SortManifests over rendered files (names sorted bytewise first; names whose base starts with
 * '_' and blank files skipped). Each document is parsed as YAML; a bad one fails with
 * "YAML parse error on NAME: error converting YAML to JSON: yaml: line N: PROBLEM".
 * Fills set (embedded; manifest_set_done()). */
int manifest_sort(const char *const *names, const char *const *texts, size_t n,
		  struct manifest_set *set, struct tops_err *err);
void manifest_set_done(struct manifest_set *set);

#endif
