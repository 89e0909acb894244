/* req — one HTTP/1.1 request read from a byte stream (http-parser underneath), with the limits
 * the server enforces before any handler runs: header bytes, body bytes, one request at a time
 * (a pipelined next request waits in the stream until req_reset()).
 * Pure: no sockets, no loop, so it is unit-tested and fuzzed on its own.
 */
#ifndef TOPS_SERVE_REQ_H
#define TOPS_SERVE_REQ_H

#include "core/base/util.h"

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>

#define REQ_MAX_HEADER_BYTES 16384

enum req_state { REQ_MORE, REQ_DONE, REQ_ERROR };

struct req {
	http_parser p;
	http_parser_settings s;
	size_t max_body;
	size_t header_bytes;
	enum req_state state;
	int error_status;            /* REQ_ERROR: 400, 413, 431 or 501 */
	const char *error_msg;       /* REQ_ERROR: static words */
	/* the request (valid until req_reset()) */
	char method[16];
	struct strbuf url, body;
	struct strbuf authorization, content_type, hname, hval;
	bool in_value, keep_alive, expect_continue;
	bool started, headers_done;  /* a byte of the request came; its headers are complete */
	uint64_t content_length;     /* from the header, 0 when absent */
};

/* Prepares r for a connection; max_body is the body limit in bytes. Release with req_done(). */
void req_init(struct req *r, size_t max_body);
void req_done(struct req *r);
/* Forgets the request that was read, ready for the next one on the same stream. */
void req_reset(struct req *r);
/* Feeds len bytes. Returns the state; *used is how many bytes were taken (less than len when a
 * request ended in the middle: the rest belongs to the next request). */
enum req_state req_feed(struct req *r, const char *data, size_t len, size_t *used);
/* The path without the query, and the query (after '?', "" when none). Borrowed from r->url;
 * req_path copies into buf (n bytes). */
const char *req_path(const struct req *r, char *buf, size_t n);
const char *req_query(const struct req *r);
/* The value of query parameter key, percent-decoded into buf (n bytes); NULL when absent. */
const char *req_query_get(const struct req *r, const char *key, char *buf, size_t n);
/* The idx-th (0-based) occurrence of a repeated parameter, as req_query_get. */
const char *req_query_nth(const struct req *r, const char *key, int idx, char *buf, size_t n);

#endif
