/* timefmt — times and durations as Kubernetes and Go write them. */
#ifndef TOPS_TIMEFMT_H
#define TOPS_TIMEFMT_H

#include <stdint.h>

/* Parses an RFC 3339 timestamp ("2024-01-02T03:04:05Z", fractional seconds and offsets
 * accepted) into Unix seconds; 0 for NULL/"" or invalid. */
int64_t time_parse_rfc3339(const char *s);

/* Parses a Go-style duration ("30s", "1m", "1h30m", "500ms", or a bare number of seconds)
 * into milliseconds; -1 when invalid. */
long time_parse_duration_ms(const char *s);

#endif
