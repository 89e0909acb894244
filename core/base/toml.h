/* toml — the TOML that Helm's toToml writes and fromToml reads. */
#ifndef TOPS_TOML_H
#define TOPS_TOML_H

#include "core/base/value.h"

/* TOML writer. Returns 0 and a new string, or -1 with err. */
int toml_emit(const struct value *v, struct strbuf *out, struct tops_err *err);
/* Minimal TOML reader for fromToml; NULL with err (message "toml: line N: ...") on failure. */
struct value *toml_parse(const char *text, size_t len, struct tops_err *err);

#endif
