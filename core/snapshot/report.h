/* report — a compare report (compare.h) in words: text for a terminal, Markdown for a CI
 * comment, JSON for tools. */
#ifndef TOPS_SNAPREPORT_H
#define TOPS_SNAPREPORT_H

#include "core/base/value.h"

/* Appends the report in format "text", "markdown" or "json" to out. -TOPS_EINVAL for another
 * format (err names the three). */
int snapreport_write(const struct value *report, const char *format, struct strbuf *out,
		     struct tops_err *err);

/* One change, health, drift or metric entry of a report as a line of text without a newline
 * ("image deployment/x runner: a → b"); the console draws these. Appends to out. */
void snapreport_line(const struct value *entry, struct strbuf *out);

/* A byte count as the report writes it ("1.5Gi", "312Mi", "900"). Appends to out. */
void snapreport_bytes(struct strbuf *out, double v);

#endif
