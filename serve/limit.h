/* limit — the per-client rate limit: a token bucket per client address (rate tokens a second,
 * up to burst), in a fixed table (the least recently seen client gives its slot up). */
#ifndef TOPS_SERVE_LIMIT_H
#define TOPS_SERVE_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct limit;

/* rate 0: no limit. Caller frees with limit_free(). */
struct limit *limit_new(double rate, double burst);
void limit_free(struct limit *l);
/* Takes one token for client at now_ms. False when none is left: *retry_s (≥ 1) is when the
 * next one will be there, for Retry-After. */
bool limit_take(struct limit *l, const char *client, int64_t now_ms, int *retry_s);

#endif
