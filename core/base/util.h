/* util — memory, errors, growable strings and file helpers shared by every module. */
#ifndef TOPS_UTIL_H
#define TOPS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation never fails: out-of-memory aborts with a message. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Caller frees the result. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Error codes returned (negated) by functions that return int. */
enum tops_errcode {
	TOPS_OK = 0,
	TOPS_EINVAL = 1,   /* bad input: syntax, type, usage */
	TOPS_ENOENT,       /* file, key, object or template not found */
	TOPS_EIO,          /* read/write failure, full disk */
	TOPS_ENET,         /* connection refused, reset, DNS, TLS */
	TOPS_ETIMEOUT,
	TOPS_ETOOBIG,      /* size, depth or recursion limit hit */
	TOPS_EHTTP,        /* server answered with an HTTP error status */
	TOPS_EAUTH,
	TOPS_ECONFLICT,
	TOPS_EGONE,        /* 410 Gone: resourceVersion too old */
	TOPS_EINTERNAL,
};

/* An error with words for the user. msg is owned by the struct. */
struct tops_err {
	int code;   /* enum tops_errcode, 0 when no error */
	char *msg;  /* NULL when no error */
};

/* Sets code and message (replacing any previous one); returns -code so callers can
 * `return tops_err_set(err, ...)`. err may be NULL. */
int tops_err_set(struct tops_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes the existing message with "prefix: "; returns -err->code. */
int tops_err_prefix(struct tops_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tops_err_clear(struct tops_err *err);
const char *tops_err_msg(const struct tops_err *err); /* "" when none */

/* Growable NUL-terminated byte buffer. Embedded: sb_init()/sb_done(). */
struct strbuf {
	char *buf;
	size_t len, cap;
};
#define STRBUF_INIT {NULL, 0, 0}
void sb_init(struct strbuf *sb);
void sb_done(struct strbuf *sb);
void sb_reset(struct strbuf *sb);            /* len = 0, keeps memory */
void sb_grow(struct strbuf *sb, size_t extra);
void sb_add(struct strbuf *sb, const void *data, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Returns the buffer (never NULL) and leaves sb empty; caller frees. */
char *sb_detach(struct strbuf *sb, size_t *len);
/* Appends code point cp as UTF-8 (surrogates and values past U+10FFFF become U+FFFD). */
void sb_add_utf8(struct strbuf *sb, uint32_t cp);
/* Always a valid C string, "" when empty; borrowed. */
const char *sb_str(const struct strbuf *sb);

/* Reads a whole file (NUL-terminated; len excludes the NUL). path "-" reads stdin.
 * Refuses files larger than max bytes (0 = no limit) with TOPS_ETOOBIG. Caller frees *out. */
int read_file(const char *path, size_t max, char **out, size_t *len, struct tops_err *err);
/* Writes data atomically (temp file + rename); reports a full disk clearly. */
int write_file_atomic(const char *path, const void *data, size_t len, struct tops_err *err);

/* Monotonic clock in milliseconds and wall clock in seconds (overridable in tests). */
uint64_t now_ms(void);
int64_t now_wall(void);
extern int64_t (*now_wall_hook)(void);

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
/* Validates UTF-8; returns the byte offset of the first invalid sequence or -1. */
long utf8_invalid_at(const char *s, size_t len);

#endif
