/* logs — synthetic, deterministic container logs with timestamps in simulated time. */
#ifndef KUBESIM_LOGS_H
#define KUBESIM_LOGS_H

#include "tests/kubesim/srv.h"

/* GET /api/v1/namespaces/NS/pods/NAME/log (container, tailLines, follow, previous,
 * timestamps, sinceSeconds). */
void logs_handle(struct srv_conn *c, const struct srv_req *r, const char *ns, const char *name);

#endif
