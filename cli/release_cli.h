/* release_cli — what the release commands (install, upgrade, rollback, uninstall, history,
 * status, list) share: one flag table with helm's names, the values flags, the progress printer,
 * signals, read-only mode and helm's output block. */
#ifndef TOPS_RELEASE_CLI_H
#define TOPS_RELEASE_CLI_H

#include "core/kube/kube.h"
#include "core/release/engine.h"
#include "core/release/storage.h"

#include <stdio.h>

enum rel_cmd {
	RC_INSTALL = 1 << 0, RC_UPGRADE = 1 << 1, RC_ROLLBACK = 1 << 2, RC_UNINSTALL = 1 << 3,
	RC_HISTORY = 1 << 4, RC_STATUS = 1 << 5, RC_LIST = 1 << 6,
};

/* A values flag as given (-f, --set, --set-string, ...), in command-line order. */
struct val_flag {
	const char *flag, *val;
};

struct rel_args {
	enum rel_cmd cmd;
	const char *pos[3];
	int npos;
	struct val_flag *vflags;
	size_t nvflags;
	bool install, create_namespace, wait, wait_for_jobs, atomic, no_hooks, diff, yes;
	bool force_conflicts, reuse_values, reset_values, reset_then_reuse, cleanup_on_fail;
	bool take_over, keep_history, all, deployed, failed, pending, superseded, uninstalled;
	bool skip_schema_validation;
	bool show_resources, help;
	bool snapshot;               /* upgrade --snapshot: pre before, post after, compare printed */
	const char *dry_run;         /* NULL, "client", "server", "none" */
	const char *timeout, *grace, *description, *field_manager, *cascade, *output, *filter;
	const char *max;             /* history --max */
	const char *gate;            /* install/upgrade --gate FILE */
	long history_max, restarts, revision;
};

/* Parses argv for cmd; prints the problem and returns -1 on a usage error. */
int rel_parse(enum rel_cmd cmd, int argc, char **argv, struct rel_args *a);
void rel_args_done(struct rel_args *a);
/* The command's usage, generated from the flag table. */
void rel_usage(enum rel_cmd cmd, FILE *f);

/* The user values of -f/--set/... (merged as helm merges them). New reference or NULL with err. */
struct value *rel_user_values(const struct rel_args *a, struct tops_err *err);
/* The same from a list of flags as given (-f or --values, --set, ...; others are ignored). */
struct value *rel_values_of(const struct val_flag *f, size_t n, struct tops_err *err);

/* "tops: read-only mode: ACTION refused" (exit 1) when --readonly or `readonly: true` in the
 * config file; checked before contacting the cluster. */
bool rel_readonly_refuses(const char *action);

/* Ignores SIGHUP and SIGPIPE (a lost terminal never stops an operation) and makes SIGINT and
 * SIGTERM set *flag (a second one says that the operation is already stopping). */
void rel_signals(volatile sig_atomic_t *flag);

/* The engine's events on stderr: workload lines redrawn in place on a terminal, appended
 * lines otherwise; a failing stderr is given up silently. */
void rel_progress(const struct engine_event *ev, void *ud);
/* Ends the in-place block (before the final output). */
void rel_progress_end(void);

/* helm's block: NAME, LAST DEPLOYED, NAMESPACE, STATUS, REVISION, TEST SUITE, NOTES. */
void rel_print_block(FILE *f, const struct release *r, bool notes);
/* A client for the release commands (global flags). NULL after printing the error. */
struct kube_client *rel_client(void);
/* The namespace: -n, else the kubeconfig context's, else "default". Borrowed. */
const char *rel_namespace(struct kube_client *kc);
/* Go duration text to ms; -1 when invalid. */
long rel_duration_ms(const char *s, long dflt);

/* helm's tables (uitable): every cell padded to its column's width, columns joined by a tab.
 * rows[r][c] borrowed. */
void rel_table(FILE *f, const char *const *header, size_t ncol, char ***rows, size_t nrows);
/* The release's CHART ("name-version") and APP VERSION cells. Caller frees. */
char *rel_chart_cell(const struct release *r);
const char *rel_app_version(const struct release *r);
/* The records of release NAME (ns) or of every release (name NULL), printing what is corrupt to
 * stderr. Returns 0 or 1 after printing the error. */
int rel_load(struct kube_client *kc, const char *ns, const char *name, struct history *h);
/* -o json / -o yaml of a value on stdout; 2 for an unknown format. */
int rel_print_value(const struct value *v, const char *format);

#endif
