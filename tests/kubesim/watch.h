/* watch — watch streams: initial state or history replay from a resourceVersion, live events
 * from the store, bookmarks, timeoutSeconds, 410 Expired, and dropping all streams on demand. */
#ifndef KUBESIM_WATCH_H
#define KUBESIM_WATCH_H

#include "tests/kubesim/srv.h"
#include "tests/kubesim/select.h"

void watch_init(void);
/* Starts a watch on kind in ns ("" = all). Takes ownership of sel. table: objects are sent
 * as one-row Tables (kubectl get -w). Answers errors itself. */
void watch_start(struct srv_conn *c, const struct srv_req *r, int kind, const char *ns,
		 struct selector *sel, bool table);
/* Closes every open watch stream (the drop_watches fault). */
void watch_drop_all(void);
int watch_count(void);
/* Milliseconds between bookmarks (default 1000). */
extern unsigned watch_bookmark_ms;

#endif
