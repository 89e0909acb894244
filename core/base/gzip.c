#include "core/base/gzip.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CHUNK_MAX ((size_t)UINT_MAX)   /* zlib counts bytes in uInt */
#define OUT_STEP ((size_t)1 << 16)

bool gzip_is(const void *p, size_t n)
{
	const unsigned char *b = p;
	return n >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8;
}

/* Feeds the next piece of [*pos, end) to zlib; large inputs go in uInt-sized pieces. */
static void feed(z_stream *zs, const unsigned char **pos, const unsigned char *end)
{
	if (zs->avail_in || *pos == end)
		return;
	size_t n = (size_t)(end - *pos) < CHUNK_MAX ? (size_t)(end - *pos) : CHUNK_MAX;
	zs->next_in = (Bytef *)*pos;
	zs->avail_in = (uInt)n;
	*pos += n;
}

int gzip_compress(const void *in, size_t n, struct strbuf *out, struct tops_err *err)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return tops_err_set(err, TOPS_EINTERNAL, "gzip: cannot start zlib's compressor");
	gz_header head;
	memset(&head, 0, sizeof head);
	head.os = 255; /* Go writes "unknown"; zlib would write its own OS */
	deflateSetHeader(&zs, &head);
	const unsigned char *pos = in, *end = pos + n;
	size_t start = out->len;
	if (n < CHUNK_MAX)
		sb_grow(out, deflateBound(&zs, (uLong)n) + 1); /* one deflate() call is then enough */
	int zr = Z_OK;
	while (zr == Z_OK) {
		feed(&zs, &pos, end);
		if (out->cap - out->len < 64)
			sb_grow(out, OUT_STEP);
		zs.next_out = (Bytef *)out->buf + out->len;
		zs.avail_out = (uInt)(out->cap - out->len - 1 < CHUNK_MAX ? out->cap - out->len - 1 : CHUNK_MAX);
		uInt room = zs.avail_out;
		zr = deflate(&zs, pos == end ? Z_FINISH : Z_NO_FLUSH);
		out->len += room - zs.avail_out;
		out->buf[out->len] = 0;
		if (zr == Z_BUF_ERROR)
			zr = Z_OK; /* no progress possible this round: more room comes next round */
	}
	deflateEnd(&zs);
	if (zr != Z_STREAM_END) {
		out->len = start;
		return tops_err_set(err, TOPS_EINTERNAL, "gzip: zlib failed to compress (%d)", zr);
	}
	return 0;
}

/* The words for how inflate() stopped, or NULL when it may go on. */
static const char *inflate_trouble(int zr, const z_stream *zs)
{
	switch (zr) {
	case Z_OK: case Z_STREAM_END: case Z_BUF_ERROR:
		return NULL;
	case Z_DATA_ERROR:
		return zs->msg ? zs->msg : "corrupt deflate data";
	case Z_MEM_ERROR:
		return "out of memory";
	default:
		return zs->msg ? zs->msg : "zlib failed";
	}
}

/* After a member ends: done, another member follows (reset), or trailing garbage (as Go's
 * reader, which looks for another header there, an error). */
static int member_end(z_stream *zs, const unsigned char **pos, const unsigned char *end,
		      bool *done, struct tops_err *err)
{
	feed(zs, pos, end);
	size_t left = zs->avail_in + (size_t)(end - *pos);
	if (left == 0) {
		*done = true;
		return 0;
	}
	if (!gzip_is(zs->next_in, zs->avail_in))
		return tops_err_set(err, TOPS_EINVAL, "gzip: %zu bytes after the end of the compressed "
				    "data are not another gzip member", left);
	inflateReset(zs);
	return 0;
}

static int inflate_loop(z_stream *zs, const unsigned char *pos, const unsigned char *end, size_t max,
			struct strbuf *sb, struct tops_err *err)
{
	for (bool done = false; !done;) {
		feed(zs, &pos, end);
		sb_grow(sb, OUT_STEP);
		size_t room = sb->cap - sb->len - 1;
		zs->next_out = (Bytef *)sb->buf + sb->len;
		zs->avail_out = (uInt)(room < CHUNK_MAX ? room : CHUNK_MAX);
		uInt before = zs->avail_out;
		int zr = inflate(zs, Z_NO_FLUSH);
		sb->len += before - zs->avail_out;
		sb->buf[sb->len] = 0;
		const char *why = inflate_trouble(zr, zs);
		if (why)
			return tops_err_set(err, TOPS_EINVAL, "gzip: corrupt data (%s)", why);
		if (max && sb->len > max)
			return tops_err_set(err, TOPS_ETOOBIG, "gzip: the data is over %zu bytes when "
					    "decompressed", max);
		if (zr == Z_STREAM_END) {
			if (member_end(zs, &pos, end, &done, err) < 0)
				return -TOPS_EINVAL;
		} else if (zs->avail_in == 0 && pos == end && zs->avail_out != 0) {
			return tops_err_set(err, TOPS_EINVAL, "gzip: the data ends before the compressed "
					    "stream does (truncated)");
		}
	}
	return 0;
}

int gzip_decompress(const void *in, size_t n, size_t max, char **out, size_t *outlen,
		    struct tops_err *err)
{
	*out = NULL;
	if (outlen)
		*outlen = 0;
	if (n < 3)
		return tops_err_set(err, TOPS_EINVAL, "gzip: %zu bytes are too short for a gzip header", n);
	if (!gzip_is(in, n))
		return tops_err_set(err, TOPS_EINVAL, "gzip: not gzip data (no 1f 8b 08 magic)");
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, 15 + 16) != Z_OK) /* gzip wrapper only: no zlib or raw streams */
		return tops_err_set(err, TOPS_EINTERNAL, "gzip: cannot start zlib's decompressor");
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *pos = in;
	int rc = inflate_loop(&zs, pos, pos + n, max, &sb, err);
	inflateEnd(&zs);
	if (rc < 0) {
		sb_done(&sb);
		return rc;
	}
	size_t len = sb.len;
	*out = sb_detach(&sb, NULL);
	if (outlen)
		*outlen = len;
	return 0;
}
