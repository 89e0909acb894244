/* ops — the API's long operations (preview deploys, preview deletes, rollbacks). The release
 * engine blocks and runs its own client's loop, so each operation runs on a thread of its own
 * with its own kube_client; its progress comes back to the server's loop through uv_async_send
 * and is kept (for GET /v1/operations/ID and for late subscribers) and streamed to Server-Sent
 * Events subscribers. The HTTP loop never waits for the cluster.
 *
 * A request that starts an operation is answered when the operation has been accepted (the
 * release's lease is free: 202), refused (409 naming the holder), or, for a dry run, done (200).
 */
#ifndef TOPS_SERVE_OPS_H
#define TOPS_SERVE_OPS_H

#include "serve/conn.h"

#include "core/base/value.h"

#include <signal.h>

enum op_kind { OPK_PREVIEW, OPK_DELETE, OPK_ROLLBACK };
enum op_state { OPS_PENDING, OPS_RUNNING, OPS_SUCCEEDED, OPS_FAILED, OPS_REFUSED };

struct op_spec {
	enum op_kind kind;
	const char *release, *namespace_, *chart, *actor;   /* copied */
	const char *tmpdir;          /* an uploaded chart's folder, removed at the end; copied */
	struct value *values;        /* borrowed (a reference is taken) */
	bool dry_run;
	int revision;                /* rollback: 0 = the previous one */
	long timeout_ms;
	long ttl_s;                  /* preview: removed this long after it is deployed; 0: kept */
};

struct ops;
struct op;

/* Called on the loop when an operation ends, with its state and kind. */
typedef void (*ops_done_fn)(const struct op *op, void *ud);

/* work is the thread's entry, given the operation (serve/opwork.c's opwork_main). */
struct ops *ops_new(uv_loop_t *loop, void (*work)(void *op), ops_done_fn done, void *ud);
/* Starts spec; the answer to c is given later (see above). Refuses at once with -TOPS_ECONFLICT
 * (err names the running operation and its caller) when this server already runs one on the
 * release. */
int ops_start(struct ops *o, const struct op_spec *spec, struct conn *c, struct tops_err *err);
/* The operation, NULL when unknown. Borrowed. */
struct op *ops_find(struct ops *o, const char *id);
/* {"id","kind","release","namespace","actor","state","createdAt","endedAt","events","result",
 * "error"}. Caller frees. */
char *op_json(const struct op *op);
enum op_state op_state_of(const struct op *op);
enum op_kind op_kind_of(const struct op *op);
const char *op_state_name(enum op_state s);
/* Streams the operation's events to c (those so far, then live; ends after the last). */
void ops_subscribe(struct ops *o, struct op *op, struct conn *c);
/* Operations still running. */
int ops_running(const struct ops *o);
/* Previews whose ttl ran out are removed by a delete operation (actor "ttl"). */
void ops_expire(struct ops *o, int64_t now_ms);
/* Set by a second SIGTERM: running operations abort (atomic ones roll back). */
volatile sig_atomic_t *ops_abort_flag(struct ops *o);
/* Closes the async handle (no operation may still run). Frees after the loop ran. */
void ops_free(struct ops *o);

#endif
