/* kstatus — kubectl's printers logic (printPod, HumanDuration) on store records. */
#include "core/kube/kstatus.h"

#include <stdio.h>
#include <string.h>

char *kstatus_human_duration(int64_t secs, char *buf, size_t n)
{
	if (secs < -1) {
		snprintf(buf, n, "<invalid>");
		return buf;
	}
	if (secs < 0)
		secs = 0;
	int64_t mins = secs / 60, hours = secs / 3600, days = hours / 24;
	if (secs < 120)
		snprintf(buf, n, "%llds", (long long)secs);
	else if (mins < 10 && secs % 60)
		snprintf(buf, n, "%lldm%llds", (long long)mins, (long long)(secs % 60));
	else if (mins < 60 * 3)
		snprintf(buf, n, "%lldm", (long long)mins);
	else if (hours < 8 && mins % 60)
		snprintf(buf, n, "%lldh%lldm", (long long)hours, (long long)(mins % 60));
	else if (hours < 48)
		snprintf(buf, n, "%lldh", (long long)hours);
	else if (hours < 24 * 8 && hours % 24)
		snprintf(buf, n, "%lldd%lldh", (long long)days, (long long)(hours % 24));
	else if (hours < 24 * 365 * 2)
		snprintf(buf, n, "%lldd", (long long)days);
	else if (hours < 24 * 365 * 8 && days % 365)
		snprintf(buf, n, "%lldy%lldd", (long long)(days / 365), (long long)(days % 365));
	else
		snprintf(buf, n, "%lldy", (long long)(days / 365));
	return buf;
}

char *kstatus_age(int64_t t, int64_t now, char *buf, size_t n)
{
	if (t == 0) {
		snprintf(buf, n, "<unknown>");
		return buf;
	}
	return kstatus_human_duration(now - t, buf, n);
}

int64_t kstatus_event_time(const struct st_event *e)
{
	return e->last ? e->last : e->event_time ? e->event_time : e->first ? e->first : e->meta.created;
}

static bool cond_true(const struct st_pod *p, const char *type)
{
	for (uint32_t i = 0; i < p->nconditions; i++)
		if (strcmp(p->conditions[i].type, type) == 0)
			return strcmp(p->conditions[i].status, "True") == 0;
	return false;
}

bool kstatus_pod_is_ready(const struct st_pod *p)
{
	return cond_true(p, "Ready");
}

/* The result of kubectl's printPod walk. */
struct pod_walk {
	int ready, total, restarts;
	int64_t last_restart;
	char reason[128];
};

static bool sidecar_named(const struct st_pod *p, const char *name)
{
	for (uint32_t i = 0; i < p->ninit; i++)
		if (strcmp(p->init[i].name, name) == 0)
			return p->init[i].sidecar;
	return false;
}

static void note_restart(const struct st_container *c, int64_t *last)
{
	if (c->last.state == ST_TERMINATED && c->last.finished_at > *last)
		*last = c->last.finished_at;
}

/* Init containers: returns true when the pod is still initializing. */
static bool walk_init(const struct st_pod *p, struct pod_walk *w, int *side_restarts,
		      int64_t *side_last)
{
	uint32_t idx = 0;
	for (uint32_t i = 0; i < p->ninit; i++) {
		const struct st_container *c = &p->init[i];
		if (!c->has_status)
			continue;
		bool side = sidecar_named(p, c->name);
		w->restarts += c->restarts;
		note_restart(c, &w->last_restart);
		if (side) {
			*side_restarts += c->restarts;
			note_restart(c, side_last);
		}
		uint32_t pos = idx++;
		if (c->cur.state == ST_TERMINATED && c->cur.exit_code == 0)
			continue;
		if (side && c->has_started && c->started) {
			if (c->ready)
				w->ready++;
			continue;
		}
		if (c->cur.state == ST_TERMINATED) {
			if (!*c->cur.reason && c->cur.signal)
				snprintf(w->reason, sizeof w->reason, "Init:Signal:%d", c->cur.signal);
			else if (!*c->cur.reason)
				snprintf(w->reason, sizeof w->reason, "Init:ExitCode:%d", c->cur.exit_code);
			else
				snprintf(w->reason, sizeof w->reason, "Init:%s", c->cur.reason);
		} else if (c->cur.state == ST_WAITING && *c->cur.reason &&
			   strcmp(c->cur.reason, "PodInitializing") != 0) {
			snprintf(w->reason, sizeof w->reason, "Init:%s", c->cur.reason);
		} else {
			snprintf(w->reason, sizeof w->reason, "Init:%u/%u", pos, p->spec_init);
		}
		return true;
	}
	return false;
}

static void walk_containers(const struct st_pod *p, struct pod_walk *w)
{
	bool has_running = false;
	for (uint32_t k = p->ncontainers; k-- > 0;) {
		const struct st_container *c = &p->containers[k];
		if (!c->has_status)
			continue;
		w->restarts += c->restarts;
		note_restart(c, &w->last_restart);
		if (c->cur.state == ST_WAITING && *c->cur.reason)
			snprintf(w->reason, sizeof w->reason, "%s", c->cur.reason);
		else if (c->cur.state == ST_TERMINATED && *c->cur.reason)
			snprintf(w->reason, sizeof w->reason, "%s", c->cur.reason);
		else if (c->cur.state == ST_TERMINATED && c->cur.signal)
			snprintf(w->reason, sizeof w->reason, "Signal:%d", c->cur.signal);
		else if (c->cur.state == ST_TERMINATED)
			snprintf(w->reason, sizeof w->reason, "ExitCode:%d", c->cur.exit_code);
		else if (c->ready && c->cur.state == ST_RUNNING) {
			has_running = true;
			w->ready++;
		}
	}
	if (strcmp(w->reason, "Completed") == 0 && has_running)
		snprintf(w->reason, sizeof w->reason, "%s",
			 kstatus_pod_is_ready(p) ? "Running" : "NotReady");
}

static bool phase_terminal(const char *phase)
{
	return strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0;
}

static void pod_walk(const struct st_pod *p, struct pod_walk *w)
{
	memset(w, 0, sizeof *w);
	w->total = (int)p->spec_containers;
	snprintf(w->reason, sizeof w->reason, "%s", *p->reason ? p->reason : p->phase);
	for (uint32_t i = 0; i < p->nconditions; i++)
		if (!strcmp(p->conditions[i].type, "PodScheduled") &&
		    !strcmp(p->conditions[i].reason, "SchedulingGated"))
			snprintf(w->reason, sizeof w->reason, "SchedulingGated");
	for (uint32_t i = 0; i < p->ninit; i++)
		if (p->init[i].sidecar)
			w->total++;
	int side_restarts = 0;
	int64_t side_last = 0;
	bool initializing = walk_init(p, w, &side_restarts, &side_last);
	if (!initializing || cond_true(p, "Initialized")) {
		w->restarts = side_restarts;
		w->last_restart = side_last;
		walk_containers(p, w);
	}
	if (p->meta.deleted && strcmp(p->reason, "NodeLost") == 0)
		snprintf(w->reason, sizeof w->reason, "Unknown");
	else if (p->meta.deleted && !phase_terminal(p->phase))
		snprintf(w->reason, sizeof w->reason, "Terminating");
}

char *kstatus_pod_ready(const struct st_pod *p, char *buf, size_t n)
{
	struct pod_walk w;
	pod_walk(p, &w);
	snprintf(buf, n, "%d/%d", w.ready, w.total);
	return buf;
}

char *kstatus_pod_status(const struct st_pod *p, char *buf, size_t n)
{
	struct pod_walk w;
	pod_walk(p, &w);
	snprintf(buf, n, "%s", w.reason);
	return buf;
}

int kstatus_pod_restart_count(const struct st_pod *p)
{
	struct pod_walk w;
	pod_walk(p, &w);
	return w.restarts;
}

char *kstatus_pod_restarts(const struct st_pod *p, int64_t now, char *buf, size_t n)
{
	struct pod_walk w;
	pod_walk(p, &w);
	if (w.restarts != 0 && w.last_restart != 0) {
		char age[32];
		snprintf(buf, n, "%d (%s ago)", w.restarts, kstatus_age(w.last_restart, now, age, sizeof age));
	} else {
		snprintf(buf, n, "%d", w.restarts);
	}
	return buf;
}
