/* gate_cli — gates for the command line: Prometheus clients made on first use (the configured
 * one, else an AnalysisTemplate's address, else discovery), waits on the kube client's loop so
 * lease renewals go on, the wall clock; and `tops upgrade --gate`'s post-ready check. */
#ifndef TOPS_GATE_CLI_H
#define TOPS_GATE_CLI_H

#include "core/base/config.h"
#include "core/gate/gate.h"
#include "core/kube/kube.h"
#include "core/prom/promclient.h"

#include <signal.h>

struct gate_cli {
	struct kube_client *kc;
	const struct tops_config *cfg;
	const char *ns;
	struct { char *addr; struct promclient *pc; struct http *http; } c[4];
	int n;
};

/* Binds io to g (all borrowed; they must outlive the run). stop may be NULL. */
void gate_cli_init(struct gate_cli *g, struct kube_client *kc, const struct tops_config *cfg, const char *ns,
		   volatile sig_atomic_t *stop, long max_ms, struct gate_io *io);
void gate_cli_done(struct gate_cli *g);

/* A post-ready check for engine_opts: runs the gate file on the release just made ready.
 * Fill it and pass it as the engine's ud-side data (see gate_cli_post_ready). */
struct gate_cli_check {
	const char *file;
	const struct value *values;  /* the user values (for .Color) */
	struct value *args;          /* --arg, may be NULL */
	const struct tops_config *cfg;
	volatile sig_atomic_t *stop;
	long max_ms;
	struct value *run;           /* out: the run's record (caller unrefs) */
};
/* engine_opts.post_ready: 0 when the gate is Successful, else -TOPS_EINVAL with the summary. */
int gate_cli_post_ready(struct kube_client *kc, const char *ns, const char *release, void *check,
			struct tops_err *err);

#endif
