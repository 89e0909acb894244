/* releases — the console's release panes and the entry points of the acting commands:
 * Releases (tui/pane_releases.c), a release's history and its revisions' values, manifest,
 * notes and diff against the live objects (tui/pane_history.c), the upgrade dialog
 * (tui/pane_upgrade.c), the supervision view of an operation (tui/pane_op.c) and the audit log
 * (tui/pane_audit.c). */
#ifndef TOPS_TUI_RELEASES_H
#define TOPS_TUI_RELEASES_H

#include "core/release/record.h"
#include "tui/tui.h"

struct pane *releases_pane_new(struct ui *ui);
/* The history of release name in ns. */
struct pane *history_pane_new(struct ui *ui, const char *ns, const char *name);
/* A text view of text (copied) titled title; lines starting with + or - are coloured when diff. */
struct pane *text_pane_new(struct ui *ui, const char *title, const char *text, bool diff);
/* The diff of revision rev of release name against the live objects (computed off the loop). */
struct pane *revdiff_pane_new(struct ui *ui, const struct release *r);
/* The upgrade dialog for release (ns/name), prefilled from its newest record; chart and args
 * (`-f FILE`, `--set K=V`) as typed after :upgrade override it. */
struct pane *upgrade_pane_new(struct ui *ui, const char *ns, const char *name, const char *args);
/* The supervision view of the current operation (read-only when it is another process's). */
struct pane *op_pane_new(struct ui *ui);
/* Follows a pending release another process is changing (read-only supervision). */
struct pane *op_pane_follow(struct ui *ui, const char *ns, const char *name);
struct pane *audit_pane_new(struct ui *ui);

/* Commands (tui/cmdline.c's table). */
int releases_command(struct ui *ui, const char *arg);
int upgrade_command(struct ui *ui, const char *arg);
int rollback_command(struct ui *ui, const char *arg);
int uninstall_command(struct ui *ui, const char *arg);
int apply_command(struct ui *ui, const char *arg);
int op_command(struct ui *ui, const char *arg);
int audit_command(struct ui *ui, const char *arg);

/* Starts a rollback of ns/name to rev (asks with the diff first) and opens the supervision. */
void releases_rollback(struct ui *ui, const char *ns, const char *name, int rev);

#endif
