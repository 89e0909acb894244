/* informer — keeps one kind (in one namespace or all, optionally filtered by a label selector)
 * of a cluster mirrored in a store, the way client-go's reflector does.
 *
 * State machine: LIST (pages of limit=500 with continue) -> WATCH from the list's
 * resourceVersion with allowWatchBookmarks=true. Events are applied to the store as they come.
 * - 410 Gone (status or ERROR event) -> relist; when the list is complete it is reconciled with
 *   the store: adds, updates (resourceVersion changed) and deletes the consumer missed are
 *   synthesised, and nothing else is notified.
 * - Disconnect or error -> reconnect (watch from the last resourceVersion, or relist when no
 *   list succeeded yet) after an exponential backoff with jitter: base 500 ms, doubling, capped
 *   at 30 s; the attempt count resets when an event or a page arrives.
 * - A watch that stays silent (no event, no bookmark) for silence_ms is restarted.
 * - A watch the server ends normally is resumed at once from the last resourceVersion.
 *
 * Time and transport are injected (struct informer_env) so the machine can be driven by a fake
 * clock and a fake transport in tests; informer_env_kube() gives the real ones. All calls
 * happen on the loop thread; transport results are fed back through informer_list_done(),
 * informer_watch_line() and informer_watch_done(). Big list pages are parsed on libuv's thread
 * pool when the env has a loop.
 */
#ifndef TOPS_INFORMER_H
#define TOPS_INFORMER_H

#include "core/kube/kube.h"
#include "core/kube/store.h"

struct informer;

/* Injected transport and clock. `ctx` is passed back to every function. */
struct informer_env {
	void *ctx;
	uv_loop_t *loop;     /* for off-thread parsing; NULL: parse inline (tests) */
	/* Starts a GET of an API path (list or watch; a watch streams lines). Returns an opaque
	 * handle, or NULL when it could not start (the informer then backs off). Results come back
	 * through informer_list_done() or informer_watch_line()/informer_watch_done(). */
	void *(*start)(void *ctx, struct informer *inf, const char *path, bool watch);
	/* Stops a started request; no result is delivered for it afterwards. */
	void (*cancel)(void *ctx, void *handle);
	/* Monotonic milliseconds. */
	uint64_t (*now)(void *ctx);
	/* Arms (replacing any armed one) the informer's single timer; fires informer_timer(). */
	void (*timer)(void *ctx, struct informer *inf, uint64_t delay_ms);
	void (*timer_stop)(void *ctx, struct informer *inf);
	/* A random 32-bit number (jitter). */
	uint32_t (*random)(void *ctx);
};

enum informer_state {
	INF_IDLE,        /* not started */
	INF_LISTING,     /* a list page is in flight */
	INF_WATCHING,    /* the watch is open */
	INF_BACKOFF,     /* waiting to reconnect */
	INF_STOPPED,
};

struct informer_opts {
	enum kube_kind kind;
	const char *namespace_;    /* NULL/"": all namespaces */
	const char *label_selector;   /* may be NULL */
	const char *field_selector;   /* may be NULL */
	uint32_t page_size;        /* 0: 500 */
	uint64_t silence_ms;       /* 0: 5 minutes */
	uint64_t backoff_base_ms;  /* 0: 500 */
	uint64_t backoff_cap_ms;   /* 0: 30000 */
	uint32_t watch_timeout_s;  /* timeoutSeconds asked of the server; 0: 300..600 random */
	/* Called (loop thread) when the state changes or an error happens; err may be NULL.
	 * A relist after 410 Gone reports INF_LISTING with err code TOPS_EGONE. */
	void (*on_state)(struct informer *inf, enum informer_state st, const struct tops_err *err,
			 void *ud);
	/* Called once, after the first complete list was applied to the store. */
	void (*on_synced)(struct informer *inf, void *ud);
	void *ud;
};

/* Creates an informer filling `store` (borrowed; must outlive the informer). env is copied.
 * Caller frees with informer_free(). */
struct informer *informer_new(const struct informer_env *env, struct store *store,
			      const struct informer_opts *opts);
/* Starts listing. */
void informer_start(struct informer *inf);
/* Cancels what is in flight and stops the timer; the store keeps its records. */
void informer_stop(struct informer *inf);
void informer_free(struct informer *inf);

enum informer_state informer_state(const struct informer *inf);
bool informer_synced(const struct informer *inf);
/* The last resourceVersion seen (borrowed, "" before the first list). */
const char *informer_resource_version(const struct informer *inf);
/* The delay chosen for the current backoff, in ms (0 when not backing off). */
uint64_t informer_backoff_ms(const struct informer *inf);
/* Statistics for tests and the status line. */
struct informer_stats {
	uint64_t lists, list_pages, watches, events, bookmarks, relists_410, reconnects, silences;
	uint64_t errors;
};
const struct informer_stats *informer_stats(const struct informer *inf);

/* Transport results (loop thread). `handle` is what env->start returned.
 * informer_list_done: status is the HTTP status (0 on network failure, err set); body is the
 * page (borrowed; an informer with a loop copies it for the worker). */
void informer_list_done(struct informer *inf, void *handle, long status, const char *body,
			size_t len, const struct tops_err *err);
/* The same with a malloc'd body (len + 1 bytes, NUL-terminated) that the informer may keep
 * instead of copying: it then sets *body to NULL and frees it itself. */
void informer_list_done_owned(struct informer *inf, void *handle, long status, char **body,
			      size_t len, const struct tops_err *err);
/* One line of the watch stream (one JSON watch event). */
void informer_watch_line(struct informer *inf, void *handle, const char *line, size_t len);
/* The watch ended: status as above (200 for a stream the server closed). */
void informer_watch_done(struct informer *inf, void *handle, long status,
			 const struct tops_err *err);
/* The env's timer fired. */
void informer_timer(struct informer *inf);

/* The real env on a kube client: requests through kube_request(), uv timers, now_ms(),
 * random(). Caller frees with informer_env_kube_free() after every informer using it is freed
 * (closes uv handles; run the loop afterwards). */
int informer_env_kube(struct kube_client *c, struct informer_env *env, struct tops_err *err);
void informer_env_kube_free(struct informer_env *env);

#endif
