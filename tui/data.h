/* data — the console's view of the cluster: one kube client, informers for the dashboard kinds
 * filling one store, and the connection state shown in the header and the disconnect banner.
 * Store changes bump a per-kind version and tell the dashboard panes; nothing polls. */
#ifndef TOPS_TUI_DATA_H
#define TOPS_TUI_DATA_H

#include "core/kube/informer.h"
#include "core/kube/kube.h"
#include "core/kube/store.h"
#include "tui/tui.h"

struct tui_data;
struct data_slot {
	struct tui_data *d;
	enum kube_kind kind;
};

struct tui_data {
	struct ui *ui;
	struct data_slot slot[KK__COUNT];
	struct kube_client *client;
	struct informer_env env;
	bool env_ok;
	struct store *store;
	int sub;
	struct informer *inf[KK__COUNT];
	bool down[KK__COUNT];      /* informer is backing off after an error */
	uint64_t version[KK__COUNT];
	char *error;               /* words of the last connection error (owned) */
	uint64_t retry_at_ms;      /* when the next reconnect happens (monotonic) */
	int64_t fresh_wall;        /* wall time the data was last known current */
	bool synced;               /* every informer listed once */
	char *ns;                  /* NULL: all namespaces */
	char *context;             /* owned copies for the header */
	char *server;
	struct relwatch *rel;      /* release records (tui/relwatch.c) */
};

/* Creates the client from tops_opts (kubeconfig errors are returned with words) and starts the
 * informers. ui->data is set. */
int data_new(struct ui *ui, struct tops_err *err);
/* Stops everything (handles close when the loop runs next). NULL-safe. */
void data_free(struct tui_data *d);
/* Switches namespace (ns NULL keeps it; "" or "all" means all namespaces) and/or context
 * (ctx NULL keeps it): a new store and new informers. On error the old data stays. */
int data_switch(struct ui *ui, const char *ns, const char *ctx, struct tops_err *err);
/* True while any informer is disconnected. */
bool data_is_down(const struct tui_data *d);
/* Store (borrowed) and its version for a kind. */
const struct store *data_store(const struct tui_data *d);

/* GET of one object as JSON. on_done gets the result (status, body); the request is owned by
 * the client (cancel with http_cancel()). NULL with err set when it could not start. */
struct http_req *data_get(struct tui_data *d, enum kube_kind k, const char *ns, const char *name,
			  http_done_fn on_done, void *ud, struct tops_err *err);
/* Streams a pod's log, split into lines. tail < 0: all lines. */
struct http_req *data_logs(struct tui_data *d, const char *ns, const char *pod, const char *container,
			   bool follow, long tail, bool previous, http_line_fn on_line,
			   http_done_fn on_done, void *ud, struct tops_err *err);

/* Pane constructors (one file each). */
struct pane *pods_pane_new(struct ui *ui);
struct pane *pvcs_pane_new(struct ui *ui);
struct pane *workloads_pane_new(struct ui *ui);
struct pane *events_pane_new(struct ui *ui);
/* Full-screen views: describe, YAML and logs of an object (kind + namespace/name copied). */
struct pane *detail_new(struct ui *ui, enum kube_kind k, const char *ns, const char *name);
struct pane *yaml_new(struct ui *ui, enum kube_kind k, const char *ns, const char *name);
struct pane *logs_new(struct ui *ui, const char *ns, const char *pod);

#endif
