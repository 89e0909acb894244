/* hints — the console's Hints line: the top doctor finding (core/doctor) for what is selected
 * (the row under the cursor, the object of a describe view), else for the namespace, with the
 * command that fixes it.
 *
 * One console runs per process, so the state is one instance owned by this module. Findings are
 * computed off the console's store, again only when the store changed, and at most once a
 * second while it churns. The lists the store does not keep (StorageClasses, IngressClasses,
 * Ingresses, PodDisruptionBudgets, Services) are read once with one GET each when the data source starts
 * or switches: no polling.
 */
#ifndef TOPS_TUI_HINTS_H
#define TOPS_TUI_HINTS_H

#include "tui/tui.h"

/* Starts for ui->data (the GETs go out at once). Never fails. */
void hints_start(struct ui *ui);
/* Cancels the GETs and frees everything (before ui->data's client goes away). */
void hints_stop(void);
/* True when there is a hint to show (computes the findings when the store changed). */
bool hints_have(struct ui *ui);
/* Draws the Hints line at row y, w columns. */
void hints_draw(struct ui *ui, int y, int w);
/* The Hints key: when the shown finding's fix is a port-forward (an Ingress nothing serves),
 * starts it to a running pod of the Service (tui/portfwds: listed by :pf); other fixes are
 * said on the message line, to copy. */
void hints_fix(struct ui *ui);

#endif
