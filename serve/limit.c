/* limit — token buckets per client address. */
#include "serve/limit.h"

#include "core/base/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_SLOTS 1024
#define LIMIT_PROBE 8

struct bucket {
	char client[48];
	double tokens;
	int64_t seen_ms;
};

struct limit {
	double rate, burst;
	struct bucket b[LIMIT_SLOTS];
};

struct limit *limit_new(double rate, double burst)
{
	struct limit *l = xcalloc(1, sizeof *l);
	l->rate = rate;
	l->burst = burst < 1 ? 1 : burst;
	return l;
}

void limit_free(struct limit *l)
{
	free(l);
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The client's bucket, or the stalest of its probe window made fresh for it. */
static struct bucket *slot(struct limit *l, const char *client, int64_t now)
{
	uint32_t h = hash(client);
	struct bucket *old = NULL;
	for (int i = 0; i < LIMIT_PROBE; i++) {
		struct bucket *b = &l->b[(h + i) % LIMIT_SLOTS];
		if (!strcmp(b->client, client))
			return b;
		if (!old || b->seen_ms < old->seen_ms)
			old = b;
	}
	snprintf(old->client, sizeof old->client, "%s", client);
	old->tokens = l->burst;
	old->seen_ms = now;
	return old;
}

bool limit_take(struct limit *l, const char *client, int64_t now_ms, int *retry_s)
{
	if (!l || l->rate <= 0)
		return true;
	struct bucket *b = slot(l, client, now_ms);
	b->tokens += (double)(now_ms - b->seen_ms) / 1000.0 * l->rate;
	if (b->tokens > l->burst)
		b->tokens = l->burst;
	b->seen_ms = now_ms;
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return true;
	}
	*retry_s = (int)ceil((1 - b->tokens) / l->rate);
	if (*retry_s < 1)
		*retry_s = 1;
	return false;
}
