/* tops test NAME [--timeout 5m0s] — helm's `test`: runs the release's test hooks
 * (helm.sh/hook: test) in weight order, waits for each, records their last run in the release
 * record and prints helm's block with each test's phase. Exit 1 when a test fails. */
#include "cli/commands.h"
#include "cli/release_cli.h"

#include "core/release/audit.h"
#include "core/release/hooks.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void when(const struct release_time *t, char *buf, size_t n)
{
	time_t s = (time_t)t->sec;
	struct tm tm;
	localtime_r(&s, &tm);
	strftime(buf, n, "%a %b %e %H:%M:%S %Y", &tm);
}

static void print_suite(const struct release *r)
{
	char deployed[64], a[64], b[64];
	when(&r->info.last_deployed, deployed, sizeof deployed);
	printf("NAME: %s\nLAST DEPLOYED: %s\nNAMESPACE: %s\nSTATUS: %s\nREVISION: %d\n", r->name, deployed,
	       r->namespace_, release_status_str(r->info.status), r->version);
	for (size_t i = 0; i < r->nhooks; i++) {
		const struct release_hook *h = &r->hooks[i];
		bool test = false;
		for (size_t e = 0; e < h->nevents; e++)
			test = test || !strcmp(h->events[e], "test");
		if (!test)
			continue;
		when(&h->started_at, a, sizeof a);
		when(&h->completed_at, b, sizeof b);
		printf("TEST SUITE:     %s\nLast Started:   %s\nLast Completed: %s\nPhase:          %s\n",
		       h->name, a, b, h->last_phase ? h->last_phase : "Unknown");
	}
	if (r->info.notes && *r->info.notes)
		printf("NOTES:\n%s\n", r->info.notes);
}

static void line(const char *s, void *ud)
{
	struct engine_event ev = {.kind = EE_PHASE, .line = s};
	rel_progress(&ev, ud);
}

static int run(struct kube_client *kc, struct release *r, long timeout, struct tops_err *err)
{
	static volatile sig_atomic_t stop;
	rel_signals(&stop);
	struct hooks_opts o = {.namespace_ = r->namespace_, .timeout_ms = timeout, .abort = &stop, .on_line = line};
	struct timespec t0;
	clock_gettime(CLOCK_REALTIME, &t0);
	int rc = hooks_run(kc, r->hooks, r->nhooks, "test", &o, err);
	struct tops_err e = {0};
	if (storage_write(kc, r, false, &e) < 0) /* the tests' last runs go into the record */
		fprintf(stderr, "tops: warning: %s\n", tops_err_msg(&e));
	tops_err_clear(&e);
	struct audit_entry ae = {.action = "test", .namespace_ = r->namespace_, .release = r->name,
				 .from_revision = r->version, .to_revision = r->version,
				 .result = rc == 0 ? "passed" : "failed", .error = rc < 0 ? tops_err_msg(err) : NULL,
				 .started_ms = (int64_t)t0.tv_sec * 1000 + t0.tv_nsec / 1000000,
				 .ended_ms = (int64_t)time(NULL) * 1000};
	audit_record(kc, &ae, &e);
	tops_err_clear(&e);
	return rc;
}

int cmd_test(int argc, char **argv)
{
	const char *name = NULL, *timeout = NULL;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return printf("Usage: tops test NAME [--timeout 5m0s]\n\nRuns the release's test hooks.\n"), 0;
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else
			return fprintf(stderr, "tops: test: unknown flag or argument: %s\n", argv[i]), 2;
	}
	long ms = rel_duration_ms(timeout, 300000);
	if (!name || ms < 0)
		return fprintf(stderr, name ? "tops: --timeout takes a duration\n" : "tops: \"tops test\" requires 1 argument\n"), 2;
	if (rel_readonly_refuses("test"))
		return 1;
	struct kube_client *kc = rel_client();
	struct history h = {0};
	int code = !kc || rel_load(kc, rel_namespace(kc), name, &h);
	struct release *r = code ? NULL : history_deployed(&h);
	struct tops_err err = {0};
	if (!code && !r)
		code = (fprintf(stderr, "tops: release: not found\n"), 1);
	if (r && run(kc, r, ms, &err) < 0)
		code = 1;
	rel_progress_end();
	if (r)
		print_suite(r);
	if (err.code)
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
	tops_err_clear(&err);
	history_done(&h);
	if (kc)
		kube_client_free(kc);
	return code;
}
