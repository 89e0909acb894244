/* portfwds — the console's port-forwards: `F` on a pod starts one per container port (the same
 * local port when it is free, else any), `:pf` lists them with their connections, `x` stops one.
 * They run on the console's loop (core/kube/portfwd) until stopped, the context or namespace
 * changes, or the console quits. Also `s`: a shell in a pod (tui/podshell.c). */
#ifndef TOPS_TUI_PORTFWDS_H
#define TOPS_TUI_PORTFWDS_H

#include "tui/tui.h"

/* Starts forwarding the pod's declared container ports (fetches the pod first). */
void portfwds_start(struct ui *ui, const char *ns, const char *pod);
/* Forwards local (the same port when it is free, else any) to the pod's remote port. */
void portfwds_start_port(struct ui *ui, const char *ns, const char *pod, int local, int remote);
/* Stops every forward (before the client they use goes away). */
void portfwds_stop_all(void);
/* The Port-forwards view. */
struct pane *portfwds_pane_new(struct ui *ui);
/* `:pf` */
int portfwds_command(struct ui *ui, const char *arg);
/* Number of forwards running. */
size_t portfwds_count(void);

/* An interactive shell in the pod's container (NULL: its default), the console suspended
 * meanwhile and drawn again afterwards. */
void podshell_open(struct ui *ui, const char *ns, const char *pod, const char *container);

#endif
