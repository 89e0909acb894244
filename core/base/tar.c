/* tar — a small tar reader over memory (zlib for gzip). */
#include "core/base/tar.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define TAR_BLOCK 512
#define TAR_DEFAULT_MAX (256u << 20)

int tar_gunzip(const void *data, size_t len, size_t max, char **out, size_t *outlen,
	       struct tops_err *err)
{
	z_stream zs;
	struct strbuf sb = STRBUF_INIT;
	int zr = Z_OK;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return tops_err_set(err, TOPS_EINTERNAL, "gzip: cannot initialise zlib");
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	while (zs.avail_in > 0) {
		sb_grow(&sb, 65536);
		zs.next_out = (Bytef *)sb.buf + sb.len;
		zs.avail_out = (uInt)(sb.cap - sb.len - 1);
		size_t before = zs.avail_out;
		zr = inflate(&zs, Z_NO_FLUSH);
		sb.len += before - zs.avail_out;
		sb.buf[sb.len] = 0;
		if (max && sb.len > max) {
			inflateEnd(&zs);
			sb_done(&sb);
			return tops_err_set(err, TOPS_ETOOBIG, "gzip: archive is larger than %zu bytes when unpacked", max);
		}
		if (zr == Z_STREAM_END) {
			if (zs.avail_in == 0)
				break;
			inflateReset(&zs);   /* another gzip member follows */
			continue;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			const char *m = zs.msg ? zs.msg : "corrupt data";
			tops_err_set(err, TOPS_EINVAL, "gzip: invalid header or data: %s", m);
			inflateEnd(&zs);
			sb_done(&sb);
			return -TOPS_EINVAL;
		}
		if (zr == Z_BUF_ERROR && zs.avail_out != 0)
			break;
	}
	inflateEnd(&zs);
	if (zr != Z_STREAM_END) {
		sb_done(&sb);
		return tops_err_set(err, TOPS_EINVAL, "gzip: unexpected EOF");
	}
	*out = sb_detach(&sb, outlen);
	return 0;
}

static size_t tar_octal(const char *p, size_t n)
{
	size_t v = 0;
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == 0))
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (size_t)(p[i] - '0');
	return v;
}

static bool tar_checksum_ok(const unsigned char *h)
{
	size_t sum = 0;
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum == tar_octal((const char *)h + 148, 8);
}

/* Extracts "path" from a pax extended header ("LEN path=VALUE\n" records). */
static char *pax_path(const char *d, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t rl = 0, j = i;
		while (j < len && d[j] >= '0' && d[j] <= '9')
			rl = rl * 10 + (size_t)(d[j++] - '0');
		if (!rl || i + rl > len || j >= len)
			return NULL;
		const char *kv = d + j + 1;
		size_t kvlen = i + rl - (j + 1);
		if (kvlen > 5 && !strncmp(kv, "path=", 5))
			return xstrndup(kv + 5, kvlen - 5 - (kv[kvlen - 1] == '\n'));
		i += rl;
	}
	return NULL;
}

static void tar_add(struct tar_archive *ar, char *name, const char *data, size_t len)
{
	if (ar->n == ar->cap) {
		ar->cap = ar->cap ? ar->cap * 2 : 16;
		ar->entries = xrealloc(ar->entries, ar->cap * sizeof(*ar->entries));
	}
	struct tar_entry *e = &ar->entries[ar->n++];
	e->name = name;
	e->data = xmalloc(len + 1);
	memcpy(e->data, data, len);
	e->data[len] = 0;
	e->len = len;
}

static char *header_name(const unsigned char *h)
{
	char name[101], prefix[156];
	memcpy(name, h, 100);
	name[100] = 0;
	memcpy(prefix, h + 345, 155);
	prefix[155] = 0;
	if (!memcmp(h + 257, "ustar", 5) && prefix[0])
		return xasprintf("%s/%s", prefix, name);
	return xstrdup(name);
}

static int tar_parse(const unsigned char *d, size_t len, size_t max, struct tar_archive *ar,
		     struct tops_err *err)
{
	size_t off = 0, total = 0;
	char *longname = NULL;
	while (off + TAR_BLOCK <= len) {
		const unsigned char *h = d + off;
		if (h[0] == 0)
			break;   /* end-of-archive blocks */
		if (!tar_checksum_ok(h)) {
			free(longname);
			return tops_err_set(err, TOPS_EINVAL, "tar: invalid header at offset %zu", off);
		}
		size_t size = tar_octal((const char *)h + 124, 12);
		char type = (char)h[156];
		off += TAR_BLOCK;
		if (size > len - off) {
			free(longname);
			return tops_err_set(err, TOPS_EINVAL, "tar: unexpected EOF in %.100s", (const char *)h);
		}
		total += size;
		if (total > max) {
			free(longname);
			return tops_err_set(err, TOPS_ETOOBIG, "tar: archive is larger than %zu bytes", max);
		}
		const char *body = (const char *)d + off;
		off += (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		if (type == 'L' || type == 'x') {
			free(longname);
			longname = type == 'L' ? xstrndup(body, size) : pax_path(body, size);
			continue;
		}
		if (type != '0' && type != 0 && type != '7') {
			free(longname);
			longname = NULL;
			continue;   /* directories, links, global pax headers */
		}
		char *name = longname ? longname : header_name(h);
		longname = NULL;
		tar_add(ar, name, body, size);
	}
	free(longname);
	return 0;
}

int tar_read(const void *data, size_t len, size_t max, struct tar_archive *ar, struct tops_err *err)
{
	const unsigned char *d = data;
	char *raw = NULL;
	size_t rawlen = 0;
	int rc;
	memset(ar, 0, sizeof(*ar));
	if (!max)
		max = TAR_DEFAULT_MAX;
	if (len >= 2 && d[0] == 0x1f && d[1] == 0x8b) {
		if ((rc = tar_gunzip(data, len, max, &raw, &rawlen, err)) < 0)
			return rc;
		d = (const unsigned char *)raw;
		len = rawlen;
	}
	rc = tar_parse(d, len, max, ar, err);
	free(raw);
	if (rc < 0)
		tar_archive_done(ar);
	return rc;
}

void tar_archive_done(struct tar_archive *ar)
{
	for (size_t i = 0; i < ar->n; i++) {
		free(ar->entries[i].name);
		free(ar->entries[i].data);
	}
	free(ar->entries);
	memset(ar, 0, sizeof(*ar));
}
