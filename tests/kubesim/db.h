/* db — objects of every kind kept as compact JSON text, sorted by namespace/name per kind,
 * with a global resourceVersion counter, a bounded watch history and change listeners. */
#ifndef KUBESIM_DB_H
#define KUBESIM_DB_H

#include "tests/kubesim/sim.h"

/* Immutable, reference-counted JSON text of one object version. */
struct blob {
	int refs;
	size_t len;
	char data[];
};
void blob_unref(struct blob *b);
/* The text of member key of the compact JSON object json (as value_to_json writes it), found
 * without parsing; NULL when missing or malformed. */
const char *json_member(const char *json, size_t len, const char *key, size_t *out_len);

struct obj {
	int kind;
	char *ns, *name, *uid;
	char *owner_uid;          /* controller ownerReference uid or NULL */
	uint64_t rv;
	struct blob *json;
	struct value *labels;     /* map; never NULL */
	bool queued;              /* waiting in the controller queue */
	bool ready;               /* pods: Ready condition true */
	char phase;               /* pods: first letter of status.phase */
	char *cells;              /* Table row cells with age slots (table_cells) or NULL */
	size_t dep_at;            /* position in its owner's dependents (db_owned) */
};

/* One entry of the watch history. */
struct hist {
	uint64_t rv;
	int kind;
	const char *type;         /* "ADDED", "MODIFIED", "DELETED" */
	struct blob *json;
	struct blob *prev;        /* MODIFIED: the version it replaced; else NULL */
	char *ns;
};

/* Change listener; o is borrowed for the call (for DELETED it is about to be freed). */
typedef void (*db_listener_fn)(int kind, const char *type, const struct obj *o, void *ctx);

void db_init(size_t history_cap);
void db_listen(db_listener_fn fn, void *ctx);
/* During a MODIFIED event's listeners: the JSON text of the version it replaced; else NULL. */
const struct blob *db_event_prev(void);
uint64_t db_rv(void);
/* The oldest resourceVersion a watch may resume from (older gets 410 Expired). */
uint64_t db_oldest_rv(void);

struct obj *db_find(int kind, const char *ns, const char *name);   /* borrowed or NULL */
/* Parsed copy of the object; new reference or NULL. */
struct value *db_get(int kind, const char *ns, const char *name);
struct value *obj_value(const struct obj *o);
size_t db_count(int kind);
struct obj *db_at(int kind, size_t i);                               /* borrowed */
/* Index of the first object whose (ns, name) sorts after the given key (name "" = ns start). */
size_t db_after(int kind, const char *ns, const char *name);
/* Index of the first object in namespace ns. */
size_t db_ns_start(int kind, const char *ns);
/* Index just past the last object in namespace ns. */
size_t db_ns_end(int kind, const char *ns);

/* The stored objects (any kind, in no order) whose controller owner has uid; borrowed array
 * that is valid until the next change to the store. O(1): no scan of the store. */
struct obj *const *db_owned(const char *uid, size_t *n);
/* How many pods in ns have uid as controller owner; *ready gets the Ready ones. Usually O(1). */
int db_owned_pods(const char *uid, const char *ns, int *ready);

/* Creates obj (borrowed, completed in place: uid, resourceVersion, creationTimestamp,
 * generation, namespace). err->code: SIM_EEXISTS, TOPS_EINVAL. */
int db_create(int kind, struct value *obj, struct tops_err *err);
/* Replaces an object. check_rv: a stale metadata.resourceVersion gives TOPS_ECONFLICT.
 * keep_status: status is taken from the stored object (writes to the main resource).
 * Bumps metadata.generation when spec changed. obj is completed in place. */
int db_update(int kind, struct value *obj, bool check_rv, bool keep_status, struct tops_err *err);
/* Deletes; *out (optional) gets the final object. TOPS_ENOENT when missing. */
int db_delete(int kind, const char *ns, const char *name, struct value **out, struct tops_err *err);

/* Calls fn for every history entry with rv > after, oldest first. */
void db_history(uint64_t after, void (*fn)(const struct hist *h, void *ctx), void *ctx);

#endif
