/* sim — kinds table, clock, random numbers and value helpers; see sim.h. */
#include "tests/kubesim/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KIND_ROW(id, g, v, r, k, s, sn, nsd) [id] = {g, v, r, k, s, sn, nsd},
const struct kind_info kinds[K_COUNT] = { KIND_LIST(KIND_ROW) };
#undef KIND_ROW

struct sim_config sim_cfg = {.speed = 1, .seed = 1, .history = 10000, .ready_delay = 4, .pull_delay = 2};
struct sim_faults sim_faults;
struct sim_stats sim_stats;
uv_loop_t *sim_loop;

static double start_real, start_mono;
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

int kind_by_resource(const char *group, const char *version, const char *resource)
{
	for (int i = 0; i < K_COUNT; i++)
		if (strcmp(kinds[i].group, group) == 0 && strcmp(kinds[i].version, version) == 0 &&
		    strcmp(kinds[i].resource, resource) == 0)
			return i;
	return -1;
}

const char *kind_api_version(int kind)
{
	static char buf[K_COUNT][64];
	if (!buf[kind][0])
		snprintf(buf[kind], sizeof(buf[kind]), "%s%s%s", kinds[kind].group,
			 *kinds[kind].group ? "/" : "", kinds[kind].version);
	return buf[kind];
}

int kind_by_kind(const char *api_version, const char *kind)
{
	for (int i = 0; i < K_COUNT; i++)
		if (strcmp(kinds[i].kind, kind) == 0 &&
		    (!api_version || strcmp(kind_api_version(i), api_version) == 0))
			return i;
	return -1;
}

static double mono_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sim_clock_init(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	start_real = ts.tv_sec + ts.tv_nsec / 1e9;
	start_mono = mono_seconds();
	rng_state ^= sim_cfg.seed * 0x2545F4914F6CDD1DULL;
	if (!rng_state)
		rng_state = 1;
}

double sim_now(void) { return start_real + (mono_seconds() - start_mono) * sim_cfg.speed; }
double sim_from_wall(double w) { return start_real + (w - start_real) * sim_cfg.speed; }
double sim_wall(void) { return start_real + (mono_seconds() - start_mono); }

char *sim_timestamp(double t)
{
	time_t s = (time_t)t;
	struct tm tm;
	gmtime_r(&s, &tm);
	char buf[32];
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

uint64_t sim_rand(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

double sim_randf(void) { return (sim_rand() >> 11) * (1.0 / 9007199254740992.0); }

void sim_rand_suffix(char *buf, int n)
{
	static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
	for (int i = 0; i < n; i++)
		buf[i] = alpha[sim_rand() % (sizeof(alpha) - 1)];
	buf[n] = 0;
}

uint64_t sim_hash(const void *data, size_t len, uint64_t h)
{
	const unsigned char *p = data;
	if (!h)
		h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

const char *vstr(const struct value *map, const char *dotted)
{
	if (!map || map->type != V_MAP)
		return NULL;
	struct value *v = value_map_path(map, dotted);
	return v && v->type == V_STRING ? v->u.str.s : NULL;
}

int64_t vint(const struct value *map, const char *dotted, int64_t dflt)
{
	if (!map || map->type != V_MAP)
		return dflt;
	struct value *v = value_map_path(map, dotted);
	if (v && v->type == V_INT)
		return v->u.i;
	if (v && v->type == V_FLOAT)
		return (int64_t)v->u.f;
	return dflt;
}

struct value *vmap(struct value *map, const char *key)
{
	struct value *v = value_map_get(map, key);
	if (v && v->type == V_MAP)
		return v;
	v = value_map();
	value_map_set(map, key, v);
	return v;
}

void vset_str(struct value *map, const char *key, const char *s) { value_map_set(map, key, s ? value_str(s) : value_null()); }
void vset_int(struct value *map, const char *key, int64_t i) { value_map_set(map, key, value_int(i)); }

double sim_quantity(const char *q)
{
	static const struct { const char *sfx; double mul; } units[] = {
		{"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
		{"m", 0.001}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}};
	if (!q)
		return 0;
	char *end;
	double v = strtod(q, &end);
	for (size_t i = 0; i < ARRAY_LEN(units); i++)
		if (strcmp(end, units[i].sfx) == 0)
			return v * units[i].mul;
	return v;
}
