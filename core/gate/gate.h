/* gate — metric gates with Argo Rollouts' AnalysisTemplate semantics on Prometheus.
 *
 * A gate file is either tops' own form
 *
 *     metrics:
 *     - name: error-rate
 *       query: sum(rate(x{namespace="{{ .Namespace }}",color="{{ .Color }}"}[1m]))
 *       interval: 30s
 *       count: 4
 *       successCondition: result[0] < 0.05
 *
 * (the query is a template of core/tmpl with .Release.Name, .Namespace, .Color and .Args), or
 * an Argo Rollouts AnalysisTemplate (kind AnalysisTemplate or ClusterAnalysisTemplate; its
 * spec.metrics[].provider.prometheus.{address,query}, {{args.NAME}} filled from spec.args and
 * the caller's arguments).
 *
 * Measurements follow Argo exactly: a measurement is Successful, Failed, Inconclusive or Error
 * (query error or no data); a metric is Failed when failed > failureLimit, Inconclusive when
 * inconclusive > inconclusiveLimit, Error when consecutive errors > consecutiveErrorLimit
 * (default 4), Successful when count is reached; the gate is the worst of its metrics, and
 * stops as soon as one metric is Failed, Error or Inconclusive (the others end Successful).
 */
#ifndef TOPS_GATE_H
#define TOPS_GATE_H

#include "core/base/value.h"

/* In order of severity (Argo's IsWorse). */
#define GATE_PHASES(X) \
	X(GP_PENDING, "Pending") X(GP_RUNNING, "Running") X(GP_SUCCESSFUL, "Successful") \
	X(GP_INCONCLUSIVE, "Inconclusive") X(GP_ERROR, "Error") X(GP_FAILED, "Failed")
#define GP_ENUM(id, s) id,
enum gate_phase { GATE_PHASES(GP_ENUM) GP_COUNT };
#undef GP_ENUM

struct gate_metric {
	char *name, *query, *address;     /* address: Argo's provider.prometheus.address or NULL */
	char *success, *failure;          /* conditions, NULL when not given */
	long interval_ms, initial_delay_ms;
	int count;                        /* 0: not given (Argo's effective count rules apply) */
	int failure_limit, inconclusive_limit, consecutive_error_limit;
	int line;                         /* where the metric is in its file */
	bool literal;                     /* the query is final (an AnalysisTemplate's, args filled) */
};

struct gate {
	char *file;                       /* for messages */
	char *name;
	bool argo;                        /* read from an AnalysisTemplate */
	struct gate_metric *metrics;
	size_t n;
};

struct gate_measurement {
	double t;                         /* wall seconds when it finished */
	double value;                     /* result[0], NaN when none */
	size_t nvalues;
	enum gate_phase phase;
	char *message;                    /* why (error, no data, which condition) or NULL */
};

/* One metric's state during a run (Argo's MetricResult). */
struct gate_metric_result {
	enum gate_phase phase;
	int count, successful, failed, inconclusive, error, consecutive_error;
	struct gate_measurement *m;
	size_t n;
	char *message;                    /* the last measurement's message when the phase is set */
	double next_at;                   /* wall seconds of the next measurement */
};

struct gate_run {
	const struct gate *g;             /* borrowed */
	struct gate_metric_result *r;     /* one per metric */
	enum gate_phase phase;
	double started;
};

const char *gate_phase_name(enum gate_phase p);
/* By name ("Successful"); GP_PENDING when unknown. */
enum gate_phase gate_phase_parse(const char *s);

/* Reads a gate file. args (a map of strings, borrowed, may be NULL) fill an AnalysisTemplate's
 * spec.args (an argument without a value and without a default is an error naming it).
 * Errors name file:line:col ("gates.yaml:7:24: successCondition: col 10: unknown name ...").
 * Caller frees with gate_free(). */
int gate_load(const char *path, const struct value *args, struct gate **out, struct tops_err *err);
/* The same from text; name is used in messages. */
int gate_parse(const char *text, size_t len, const char *name, const struct value *args,
	       struct gate **out, struct tops_err *err);
void gate_free(struct gate *g);

/* The query of metric m with the template values (.Release.Name, .Namespace, .Color; vars is
 * a map, borrowed). Caller frees *out. */
int gate_query_text(const struct gate_metric *m, const struct value *vars, char **out, struct tops_err *err);

/* One measurement's phase from the query's values (Argo's EvaluateResult), or GP_ERROR when
 * query_err is set (a failed query) or when the query returned nothing ("no data ...: QUERY").
 * *message (caller frees) says why for every phase but Successful. */
enum gate_phase gate_evaluate(const struct gate_metric *m, const double *values, size_t n,
			      const char *query_err, const char *query, char **message);

/* Argo's assessMetricStatus: the metric's phase after its latest measurement. */
enum gate_phase gate_assess(const struct gate_metric *m, const struct gate_metric_result *r,
			    bool terminating);

void gate_run_init(struct gate_run *run, const struct gate *g, double now);
void gate_run_done(struct gate_run *run);
/* Records measurement meas (its message is taken over) for metric i and reassesses the run. */
void gate_run_record(struct gate_run *run, size_t i, const struct gate_measurement *meas);
/* The metric due next (the smallest next_at among the running ones), or -1 when the run is over. */
int gate_run_next(const struct gate_run *run);
/* Ends the run (the caller's time is up, or it was told to stop): running metrics end as Argo
 * ends them when terminating. */
void gate_run_terminate(struct gate_run *run);

/* The run as JSON-able value: {"gate": name, "phase": ..., "metrics": [{"name", "phase",
 * "message", "counts": {...}, "measurements": [{"t", "value", "phase", "message"}]}]}.
 * New reference. */
struct value *gate_run_to_value(const struct gate_run *run);

/* How a run queries Prometheus and waits: supplied by the caller (the faces bind them to a
 * promclient and to their loop, so lease renewals go on while a gate waits). */
struct gate_io {
	/* Runs query against address (NULL: the configured Prometheus). On success *values (caller
	 * frees) and *n; on failure a negative code with err worded. */
	int (*query)(void *ud, const char *address, const char *query, double **values, size_t *n,
		     struct tops_err *err);
	void (*sleep_ms)(void *ud, long ms);
	double (*now)(void *ud);          /* wall seconds */
	/* After each measurement; may be NULL. */
	void (*on_measure)(void *ud, const struct gate_run *run, size_t metric);
	void *ud;
	const volatile int *stop;         /* non-zero: terminate the run (may be NULL) */
	long max_ms;                      /* a run with only open-ended metrics ends after this */
};

/* Runs every metric of g to its end with the template values vars (map, borrowed). The result
 * is in run (caller frees with gate_run_done()); returns the gate's phase. */
enum gate_phase gate_execute(const struct gate *g, const struct value *vars, const struct gate_io *io,
			     struct gate_run *run);

/* "error-rate Failed: result[0] < 0.05 is false (0.31) after 2 of 4 measurements" for every
 * metric that is not Successful, joined by "; ". Caller frees. */
char *gate_run_summary(const struct gate_run *run);

#endif
