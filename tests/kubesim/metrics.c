/* metrics — see metrics.h. */
#include "tests/kubesim/metrics.h"

#include "tests/kubesim/api.h"

void metrics_handle(struct srv_conn *c, const struct srv_req *r)
{
	srv_respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", "", 0);
}
