/* serve — `tops serve`: the deployment API for CI, the third face beside the console and the
 * command line. One process, one libuv loop: requests are parsed and answered on the loop,
 * long operations (deploys, rollbacks, deletes) and release reads run on threads of their own
 * with their own clients and report back through the loop. See docs/api.md.
 */
#ifndef TOPS_SERVE_H
#define TOPS_SERVE_H

#include <stdbool.h>
#include <stddef.h>

struct serve_opts {
	const char *listen;          /* "127.0.0.1:8080"; "[::1]:8080" */
	const char *token_file;      /* NULL: $XDG_CONFIG_HOME/tops/serve-tokens, made when absent */
	const char *tls_cert, *tls_key;
	const char *chart_root;      /* NULL: only uploaded charts */
	bool readonly;               /* every mutating route answers 403 */
	bool health_auth;            /* GET /v1/health needs a read token */
	size_t max_body, max_conns;
	long header_timeout_ms, request_timeout_ms;
	double rate, burst;          /* requests a second per client, burst; rate 0: no limit */
	const char *runner;          /* "NS/NAME" of the runner Deployment; NULL: testops-runner in
	                              * the kubeconfig's namespace */
	long health_interval_ms;
};

/* Runs the server until SIGTERM/SIGINT (stop accepting, let running operations end, exit 0; a
 * second signal aborts them: atomic ones roll back). Prints "tops serve: listening on URL" on
 * stdout when ready. Returns the exit status: 0, 1 (cannot start: the reason on stderr). */
int serve_run(const struct serve_opts *o);

#endif
