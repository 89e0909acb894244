/* The parts of an operation shared by its loop side (ops.c) and its thread (opwork.c). */
#ifndef TOPS_SERVE_OPS_INT_H
#define TOPS_SERVE_OPS_INT_H

#include "serve/ops.h"

enum msg_kind { MSG_EVENT, MSG_ACCEPT, MSG_DONE };

struct op {
	struct ops *owner;
	char id[40];
	enum op_kind kind;
	enum op_state state;
	char *release, *ns, *chart, *actor, *tmpdir;
	struct value *values;
	bool dry_run;
	int revision;
	long timeout_ms, ttl_s;
	int64_t created_ms, ended_ms, expires_ms;
	bool expired;                /* its ttl ran out and its delete was started */
	char **events;               /* SSE data lines (JSON) */
	size_t nevents;
	struct conn *waiter;         /* the request that started it, until answered */
	struct conn **subs;
	size_t nsubs;
	int status;                  /* MSG_DONE: the answer for a waiter (200, 409, 422, 500) */
	char *result;                /* JSON object text, or NULL */
	char *error;
	uv_thread_t thread;
	bool joined;
};

/* The thread's entry (opwork.c): runs the operation, reporting through ops_post(). */
void opwork_main(void *op);
/* From the thread: queue a message for the loop (text taken over; may be NULL). For MSG_DONE,
 * status, state, result and error are given; the thread then returns. */
void ops_post(struct op *op, enum msg_kind kind, char *text);
void ops_post_done(struct op *op, int status, enum op_state state, char *result, char *error);
/* The abort flag the engine watches. */
volatile sig_atomic_t *ops_abort_of(struct op *op);

#endif
