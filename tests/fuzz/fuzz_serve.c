/* libFuzzer target: the HTTP face's input handling on arbitrary bytes. The first byte picks
 * the part: even, the request parser (serve/req) fed in chunks whose sizes come from the input,
 * with pipelined requests; odd, a JSON body against the preview's field table (serve/body).
 * Invariants: the parser never takes more than it is given, a complete request has a method
 * and a body within the limit, every refusal has a status and words; a body is either refused
 * with words that say where or what, or accepted as a map holding only known fields.
 * The two modules are compiled in here (they use only core/). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/req.c"
#include "serve/body.c"

#define MAX_BODY 4096

static void fuzz_req(const uint8_t *d, size_t n)
{
	struct req r;
	req_init(&r, MAX_BODY);
	size_t off = 0, step = 1 + (n ? d[0] % 64 : 0);
	int requests = 0;
	while (off < n && requests < 64) {
		size_t len = n - off < step ? n - off : step, used;
		enum req_state st = req_feed(&r, (const char *)d + off, len, &used);
		if (used > len)
			abort();
		off += used;
		if (st == REQ_ERROR) {
			if (r.error_status < 400 || !r.error_msg)
				abort();
			break;
		}
		if (st == REQ_DONE) {
			char path[256], buf[64];
			if (!r.method[0] || r.body.len > MAX_BODY)
				abort();
			req_path(&r, path, sizeof path);
			req_query_get(&r, "release", buf, sizeof buf);
			req_query_nth(&r, "set", 1, buf, sizeof buf);
			req_reset(&r);
			requests++;
		} else if (used == 0 && len > 0) {
			break;   /* paused or needs nothing more: stop */
		}
	}
	req_done(&r);
}

static const struct body_field fields[] = {
	{"chart", BT_STRING}, {"values", BT_OBJECT}, {"set", BT_STRINGS}, {"release", BT_STRING},
	{"namespace", BT_STRING}, {"ttl", BT_STRING}, {"dryRun", BT_BOOL}, {"revision", BT_INT},
};

static void fuzz_body(const uint8_t *d, size_t n)
{
	struct tops_err err = {0};
	struct value *v = body_parse((const char *)d, n, fields, sizeof fields / sizeof fields[0], &err);
	if (!v) {
		const char *m = tops_err_msg(&err);
		if (!strstr(m, "line ") && !strstr(m, "unknown field") && !strstr(m, "must be") &&
		    !strstr(m, "JSON object"))
			abort();
		tops_err_clear(&err);
		return;
	}
	if (v->type != V_MAP)
		abort();
	for (size_t i = 0; i < v->u.map.len; i++) {
		bool known = false;
		for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
			known |= !strcmp(v->u.map.e[i].key, fields[k].name);
		if (!known)
			abort();
	}
	value_unref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_body(data + 1, size - 1);
	else
		fuzz_req(data + 1, size - 1);
	return 0;
}
