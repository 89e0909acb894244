/* Unit tests for core/tar: ustar, GNU long names, pax paths, gzip, corrupt input and limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/base/tar.h"

static void header(struct strbuf *sb, const char *name, size_t size, char type)
{
	unsigned char h[512] = {0};
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "0000644");
	snprintf((char *)h + 124, 12, "%011zo", size);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	sb_add(sb, h, 512);
}

static void entry(struct strbuf *sb, const char *name, const char *data, char type)
{
	size_t n = strlen(data);
	header(sb, name, n, type);
	sb_add(sb, data, n);
	static const char zero[512];
	if (n % 512)
		sb_add(sb, zero, 512 - n % 512);
}

static void finish(struct strbuf *sb)
{
	static const char zero[1024];
	sb_add(sb, zero, sizeof(zero));
}

static char *gzip(const char *d, size_t n, size_t *outlen)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = deflateBound(&zs, n) + 64;
	char *out = xmalloc(cap);
	zs.next_in = (Bytef *)d;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*outlen = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

static void test_plain_and_gzip(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	char longname[200];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	entry(&sb, "chart/", "", '5');
	entry(&sb, "chart/Chart.yaml", "name: c\n", '0');
	entry(&sb, "././@LongLink", longname, 'L');
	entry(&sb, "ignored", "long", '0');
	entry(&sb, "pax", "20 path=chart/p.txt\n", 'x');
	entry(&sb, "short", "pax body", '0');
	finish(&sb);
	struct tar_archive ar;
	struct tops_err err = {0};
	assert_int_equal(tar_read(sb.buf, sb.len, 0, &ar, &err), 0);
	assert_int_equal(ar.n, 3);
	assert_string_equal(ar.entries[0].name, "chart/Chart.yaml");
	assert_string_equal(ar.entries[0].data, "name: c\n");
	assert_string_equal(ar.entries[1].name, longname);
	assert_string_equal(ar.entries[2].name, "chart/p.txt");
	assert_string_equal(ar.entries[2].data, "pax body");
	tar_archive_done(&ar);

	size_t gl;
	char *gz = gzip(sb.buf, sb.len, &gl);
	assert_int_equal(tar_read(gz, gl, 0, &ar, &err), 0);
	assert_int_equal(ar.n, 3);
	tar_archive_done(&ar);
	/* A limit smaller than the content is refused. */
	assert_int_equal(tar_read(gz, gl, 100, &ar, &err), -TOPS_ETOOBIG);
	/* Truncated gzip data is an error, not a crash. */
	assert_true(tar_read(gz, gl / 2, 0, &ar, &err) < 0);
	free(gz);
	sb_done(&sb);
	tops_err_clear(&err);
}

static void test_corrupt(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	entry(&sb, "a", "hello", '0');
	sb.buf[148] = '9';   /* bad checksum */
	struct tar_archive ar;
	struct tops_err err = {0};
	assert_int_equal(tar_read(sb.buf, sb.len, 0, &ar, &err), -TOPS_EINVAL);
	assert_non_null(strstr(tops_err_msg(&err), "invalid header"));
	sb_reset(&sb);
	header(&sb, "big", 1 << 20, '0');   /* size beyond the data */
	assert_int_equal(tar_read(sb.buf, sb.len, 0, &ar, &err), -TOPS_EINVAL);
	sb_done(&sb);
	tops_err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_gzip),
		cmocka_unit_test(test_corrupt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
