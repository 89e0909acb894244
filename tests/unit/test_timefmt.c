/* Unit tests for core/base/timefmt's Go time text: RFC3339Nano as encoding/json writes time.Time,
 * its strict parse, and time.ANSIC. Expected strings are Go's for the same instants (checked
 * against python's datetime for the calendar part). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/timefmt.h"

static void expect_nano(int64_t sec, long nsec, int off, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	time_format_rfc3339nano(&sb, sec, nsec, off);
	assert_string_equal(sb_str(&sb), want);
	int64_t s = 0;
	long ns = -1;
	int o = -1;
	/* and back: the same instant, fraction and offset */
	assert_int_equal(time_parse_rfc3339_ns(sb_str(&sb), &s, &ns, &o), 0);
	assert_int_equal(s, sec);
	assert_int_equal(ns, nsec);
	assert_int_equal(o, off);
	sb_done(&sb);
}

static void test_rfc3339nano(void **state)
{
	(void)state;
	expect_nano(1700000000, 123456789, 0, "2023-11-14T22:13:20.123456789Z");
	expect_nano(1700000100, 500000000, 3600, "2023-11-14T23:15:00.5+01:00");
	expect_nano(1700000000, 1000, 0, "2023-11-14T22:13:20.000001Z");      /* zeros trimmed */
	expect_nano(1700000000, 0, -12600, "2023-11-14T18:43:20-03:30");      /* no fraction at all */
	expect_nano(1700000000, 10, 20700, "2023-11-15T03:58:20.00000001+05:45");
	expect_nano(1136239445, 0, -25200, "2006-01-02T15:04:05-07:00");      /* Go's reference time */
	expect_nano(-62135596800, 0, 0, "0001-01-01T00:00:00Z");              /* Go's zero time */
	expect_nano(-1, 999999999, 0, "1969-12-31T23:59:59.999999999Z");
	expect_nano(951782400, 0, 0, "2000-02-29T00:00:00Z");
	expect_nano(253402300799, 0, 0, "9999-12-31T23:59:59Z");
}

static void test_parse_ns(void **state)
{
	(void)state;
	int64_t s = 0;
	long ns = 0;
	int off = 0;
	/* digits past the ninth are dropped, as Go drops them */
	assert_int_equal(time_parse_rfc3339_ns("2024-01-02T03:04:05.1234567891Z", &s, &ns, &off), 0);
	assert_int_equal(ns, 123456789);
	assert_int_equal(time_parse_rfc3339_ns("2024-02-29T00:00:00Z", &s, NULL, NULL), 0);
	assert_int_equal(s, 1709164800);
	assert_int_equal(time_parse_rfc3339_ns("2024-05-01T10:30:00.25-01:30", &s, &ns, &off), 0);
	assert_int_equal(s, 1714564800);
	assert_int_equal(ns, 250000000);
	assert_int_equal(off, -5400);
	static const char *const bad[] = {
		"", "garbage", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-04-31T00:00:00Z",
		"2024-01-02 03:04:05Z", "2024-01-02t03:04:05Z", "2024-01-02T03:04:05",
		"2024-01-02T03:04:05+0100", "2024-01-02T03:04:05+24:00", "2024-01-02T03:04:05.Z",
		"2024-01-02T03:04:05,5Z", "2024-01-02T24:00:00Z", "2024-01-02T03:60:00Z",
		"2024-01-02T03:04:60Z", "2024-13-02T03:04:05Z", "2024-01-02T03:04:05Zjunk",
		"2024-01-02T03:04:05+01:00:00", "\"2024-01-02T03:04:05Z\"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		s = 42;
		if (time_parse_rfc3339_ns(bad[i], &s, &ns, &off) != -TOPS_EINVAL)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(s, 42); /* outputs untouched on refusal */
	}
	assert_int_equal(time_parse_rfc3339_ns(NULL, &s, &ns, &off), -TOPS_EINVAL);
}

static void expect_ansic(int64_t sec, int off, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	time_format_ansic(&sb, sec, off);
	assert_string_equal(sb_str(&sb), want);
	sb_done(&sb);
}

static void test_ansic(void **state)
{
	(void)state;
	expect_ansic(1136239445, -25200, "Mon Jan  2 15:04:05 2006"); /* Go's layout itself */
	expect_ansic(1700000000, 0, "Tue Nov 14 22:13:20 2023");
	expect_ansic(1700000000, 20700, "Wed Nov 15 03:58:20 2023");  /* the offset moves the day */
	expect_ansic(-1, 0, "Wed Dec 31 23:59:59 1969");
	expect_ansic(-62135596800, 0, "Mon Jan  1 00:00:00 0001");    /* four-digit year, as Go */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339nano),
		cmocka_unit_test(test_parse_ns),
		cmocka_unit_test(test_ansic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
