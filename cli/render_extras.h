/* render_extras — what `tops render` does beyond the renderer, for helm template's flags:
 * --post-renderer, --validate and --dependency-update. */
#ifndef TOPS_RENDER_EXTRAS_H
#define TOPS_RENDER_EXTRAS_H

#include "core/chart/chart.h"

/* Pipes out through the program (argv: path and args; no shell) and replaces out with what it
 * prints. Its failure is helm's words with the program's stderr. */
int render_post(const char *path, const char *const *args, size_t nargs, struct strbuf *out,
		struct tops_err *err);
/* Whether the post-renderer can be run (checked before rendering); helm's words when not. */
int render_post_check(const char *path, struct tops_err *err);
/* --validate: the cluster checks every rendered object (server-side apply with dryRun=All;
 * nothing is stored). Errors name each object and the server's causes. */
int render_validate(const char *manifests, const char *ns, struct tops_err *err);
/* --dependency-update, offline: dependencies with a file:// repository are loaded from their
 * folder when charts/ lacks them; one that needs a network repository and is not in charts/
 * is an error naming it and saying what to do. Nothing is downloaded. */
int render_dependency_update(struct chart *c, const char *chart_path, struct tops_err *err);

#endif
