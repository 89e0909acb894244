/* timefmt — times and durations as Kubernetes and Go write them. */
#ifndef TOPS_TIMEFMT_H
#define TOPS_TIMEFMT_H

#include "core/base/util.h"

#include <stdint.h>

/* Parses an RFC 3339 timestamp ("2024-01-02T03:04:05Z", fractional seconds and offsets
 * accepted) into Unix seconds; 0 for NULL/"" or invalid. */
int64_t time_parse_rfc3339(const char *s);

/* Parses a Go-style duration ("30s", "1m", "1h30m", "500ms", or a bare number of seconds)
 * into milliseconds; -1 when invalid. */
long time_parse_duration_ms(const char *s);

/* Go's time.Time as encoding/json writes it (time.RFC3339Nano), without the quotes: Unix time
 * sec + nsec shown at a UTC offset of utc_offset_s seconds, "2006-01-02T15:04:05.999999999Z07:00":
 * the fraction's trailing zeros trimmed (no fraction when nsec is 0), "Z" for offset 0, else
 * "+01:00" (seconds of an offset are not shown). Appends to sb. */
void time_format_rfc3339nano(struct strbuf *sb, int64_t sec, long nsec, int utc_offset_s);

/* Parses RFC 3339 as Go's time.Time.UnmarshalJSON does (strictly): "2006-01-02T15:04:05" with an
 * optional "." fraction (digits past the ninth are dropped, as Go drops them) and "Z" or
 * "+hh:mm"/"-hh:mm"; day checked against its month, hour < 24, offset hour < 24. Sets *sec (Unix
 * seconds), *nsec and *utc_offset_s (each may be NULL). 0, or -TOPS_EINVAL (outputs untouched). */
int time_parse_rfc3339_ns(const char *s, int64_t *sec, long *nsec, int *utc_offset_s);

/* Go's time.ANSIC, "Mon Jan _2 15:04:05 2006" (day padded with a space), of Unix time sec at a UTC
 * offset of utc_offset_s seconds, as `helm history` prints UPDATED. Appends to sb. */
void time_format_ansic(struct strbuf *sb, int64_t sec, int utc_offset_s);

#endif
