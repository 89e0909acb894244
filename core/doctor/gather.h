/* gather — a doctor run's input read from the cluster (for `tops doctor`): the namespace's pods,
 * claims, services and events projected into a store, the classes, ingresses, budgets and
 * leases as API objects, the release records, the values and the chart's release notes. */
#ifndef TOPS_DOCTOR_GATHER_H
#define TOPS_DOCTOR_GATHER_H

#include "core/doctor/doctor.h"
#include "core/kube/kube.h"

struct doctor_gather_opts {
	const char *values_file;     /* -f: the values to check against (registry, digests), or NULL */
	const char *chart_dir;       /* --chart: where the release notes are read, or NULL */
	int ingress_wait_s;          /* 0: 60 */
	int log_lines;               /* last log lines of a crashed container; 0: 5 */
};

/* Everything the input borrows is owned here. */
struct doctor_data;

/* Reads the input of a run over namespace ns (release NULL: every object of it). The lists a
 * user may not read (403) or the cluster does not serve (404) are left unknown; the pods list
 * failing is an error. Log lines are fetched through the client when a rule asks (kc must
 * outlive the data). Caller frees with doctor_data_free(). */
int doctor_gather(struct kube_client *kc, const char *ns, const char *release,
		  const struct doctor_gather_opts *o, struct doctor_data **out, struct tops_err *err);
/* The input (borrowed from d). */
const struct doctor_input *doctor_data_input(const struct doctor_data *d);
/* Notes on what could not be read ("cannot list leases: forbidden"), one a line, or "". */
const char *doctor_data_notes(const struct doctor_data *d);
void doctor_data_free(struct doctor_data *d);

#endif
