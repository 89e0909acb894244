/* funcs_math — Sprig's integer maths (cast.ToInt64 conversions, int64 results), the float
 * functions (addf... computed in decimal like shopspring/decimal, so 1.5 + 2.2 is 3.7), rounding,
 * conversions and sequences. */
#include "core/tmpl/funcs_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(struct tmpl_exec *ex, struct value **args, int nargs, \
				  struct value **out, struct tops_err *err)
#define INT(i, x) int64_t x; FU_TRY(fu_arg_int(args, i, &x, err))

static struct value *int64_val(int64_t i)
{
	struct value *v = value_int(i);
	v->sub = VS_INT64;
	return v;
}

enum iop { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_MAX, OP_MIN };

static int int_fold(struct value **args, int nargs, enum iop op, struct value **out,
		    struct tops_err *err)
{
	int64_t acc = fu_to_int64(args[0]);
	for (int i = 1; i < nargs; i++) {
		int64_t b = fu_to_int64(args[i]);
		if ((op == OP_DIV || op == OP_MOD) && b == 0)
			return tops_err_set(err, TOPS_EINVAL, "runtime error: integer divide by zero");
		switch (op) {
		case OP_ADD: acc = (int64_t)((uint64_t)acc + (uint64_t)b); break;
		case OP_SUB: acc = (int64_t)((uint64_t)acc - (uint64_t)b); break;
		case OP_MUL: acc = (int64_t)((uint64_t)acc * (uint64_t)b); break;
		case OP_DIV: acc = (acc == INT64_MIN && b == -1) ? acc : acc / b; break;
		case OP_MOD: acc = (acc == INT64_MIN && b == -1) ? 0 : acc % b; break;
		case OP_MAX: acc = b > acc ? b : acc; break;
		case OP_MIN: acc = b < acc ? b : acc; break;
		}
	}
	*out = int64_val(acc);
	return 0;
}

FN(f_add)
{
	if (nargs == 0) {
		*out = int64_val(0);
		return 0;
	}
	return int_fold(args, nargs, OP_ADD, out, err);
}

FN(f_add1)
{
	*out = int64_val((int64_t)((uint64_t)fu_to_int64(args[0]) + 1));
	return 0;
}

FN(f_sub) { return int_fold(args, nargs, OP_SUB, out, err); }
FN(f_mul) { return int_fold(args, nargs, OP_MUL, out, err); }
FN(f_div) { return int_fold(args, nargs, OP_DIV, out, err); }
FN(f_mod) { return int_fold(args, nargs, OP_MOD, out, err); }
FN(f_max) { return int_fold(args, nargs, OP_MAX, out, err); }
FN(f_min) { return int_fold(args, nargs, OP_MIN, out, err); }

/* A small exact decimal: m * 10^e, falling back to doubles when it overflows. */
struct dec {
	__int128 m;
	int e;
	bool ok;
	double f;
};

static struct dec dec_from(double f)
{
	struct dec d = {.f = f, .ok = isfinite(f)};
	if (!d.ok)
		return d;
	struct strbuf sb = STRBUF_INIT;
	value_fmt_float_g(&sb, f);
	const char *p = sb_str(&sb);
	bool neg = *p == '-';
	p += neg;
	for (; *p && *p != 'e'; p++) {
		if (*p == '.') {
			continue;
		}
		d.m = d.m * 10 + (*p - '0');
		if (strchr(p + 1, '.'))
			continue;
	}
	const char *dot = strchr(sb_str(&sb), '.');
	const char *ex = strchr(sb_str(&sb), 'e');
	if (dot)
		d.e -= (int)((ex ? ex : sb_str(&sb) + sb.len) - dot - 1);
	if (ex)
		d.e += atoi(ex + 1);
	if (neg)
		d.m = -d.m;
	sb_done(&sb);
	return d;
}

static bool scale_up(__int128 *m, int by)
{
	for (int i = 0; i < by; i++)
		if (__builtin_mul_overflow(*m, (__int128)10, m))
			return false;
	return true;
}

static struct dec dec_op(struct dec a, struct dec b, enum iop op)
{
	struct dec r = {.ok = a.ok && b.ok};
	r.f = op == OP_ADD ? a.f + b.f : op == OP_SUB ? a.f - b.f : op == OP_MUL ? a.f * b.f : a.f / b.f;
	if (!r.ok || op == OP_DIV || b.e - a.e > 60 || a.e - b.e > 60) {
		r.ok = false;
		return r;
	}
	if (op == OP_MUL) {
		r.ok = !__builtin_mul_overflow(a.m, b.m, &r.m);
		r.e = a.e + b.e;
	} else {
		if (a.e > b.e)
			r.ok = scale_up(&a.m, a.e - b.e), a.e = b.e;
		else if (b.e > a.e)
			r.ok = scale_up(&b.m, b.e - a.e), b.e = a.e;
		r.e = a.e;
		if (r.ok)
			r.ok = op == OP_ADD ? !__builtin_add_overflow(a.m, b.m, &r.m)
					    : !__builtin_sub_overflow(a.m, b.m, &r.m);
	}
	return r;
}

static double dec_to_double(struct dec d)
{
	if (!d.ok)
		return d.f;
	char buf[64];
	int i = (int)sizeof buf - 1;
	buf[i] = 0;
	unsigned __int128 u = d.m < 0 ? (unsigned __int128)-d.m : (unsigned __int128)d.m;
	do {
		buf[--i] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	char s[96];
	snprintf(s, sizeof s, "%s%se%d", d.m < 0 ? "-" : "", buf + i, d.e);
	return strtod(s, NULL);
}

static int float_fold(struct value *first, struct value **rest, int n, enum iop op,
		      struct value **out)
{
	struct dec acc = dec_from(fu_to_float64(first));
	for (int i = 0; i < n; i++)
		acc = dec_op(acc, dec_from(fu_to_float64(rest[i])), op);
	*out = value_float(dec_to_double(acc));
	return 0;
}

FN(f_addf)
{
	struct value *zero = value_float(0);
	float_fold(zero, args, nargs, OP_ADD, out);
	value_unref(zero);
	return 0;
}

FN(f_add1f)
{
	struct value *one = value_int(1);
	float_fold(args[0], &one, 1, OP_ADD, out);
	value_unref(one);
	return 0;
}

FN(f_subf) { return float_fold(args[0], args + 1, nargs - 1, OP_SUB, out); }
FN(f_mulf) { return float_fold(args[0], args + 1, nargs - 1, OP_MUL, out); }
FN(f_divf) { return float_fold(args[0], args + 1, nargs - 1, OP_DIV, out); }

FN(f_maxf)
{
	double acc = fu_to_float64(args[0]);
	for (int i = 1; i < nargs; i++)
		acc = fmax(acc, fu_to_float64(args[i]));
	*out = value_float(acc);
	return 0;
}

FN(f_minf)
{
	double acc = fu_to_float64(args[0]);
	for (int i = 1; i < nargs; i++)
		acc = fmin(acc, fu_to_float64(args[i]));
	*out = value_float(acc);
	return 0;
}

FN(f_floor)
{
	*out = value_float(floor(fu_to_float64(args[0])));
	return 0;
}

FN(f_ceil)
{
	*out = value_float(ceil(fu_to_float64(args[0])));
	return 0;
}

FN(f_round)
{
	INT(1, places);
	double on = 0.5;
	if (nargs > 2)
		FU_TRY(fu_arg_float(args, 2, &on, err));
	double val = fu_to_float64(args[0]);
	double pw = pow(10, (double)places);
	double digit = pw * val, ip;
	double frac = modf(digit, &ip);
	*out = value_float((frac >= on ? ceil(digit) : floor(digit)) / pw);
	return 0;
}

FN(f_int)
{
	*out = value_int(fu_to_int64(args[0]));
	return 0;
}

FN(f_int64)
{
	*out = int64_val(fu_to_int64(args[0]));
	return 0;
}

FN(f_float64)
{
	*out = value_float(fu_to_float64(args[0]));
	return 0;
}

FN(f_atoi)
{
	const char *s;
	FU_TRY(fu_arg_str(args, 0, &s, NULL, err));
	char *end;
	const char *p = s + (*s == '-' || *s == '+');
	long long v = strtoll(s, &end, 10);
	bool ok = *p >= '0' && *p <= '9' && !*end;
	*out = value_int(ok ? v : 0);
	return 0;
}

FN(f_to_decimal)
{
	size_t n;
	char *s = fu_strval(args[0], &n);
	const char *p = s + (*s == '-' || *s == '+');
	char *end;
	long long v = strtoll(s, &end, 8);
	bool ok = *p >= '0' && *p <= '7' && !*end && (*p != '0' || p[1] != 'x');
	free(s);
	*out = int64_val(ok ? v : 0);
	return 0;
}

/* untilStep over 128-bit arithmetic so extreme bounds cannot overflow; output is capped. */
static void seq_out(struct strbuf *sb, __int128 start, __int128 stop, __int128 step)
{
	if (stop < start ? step >= 0 : step <= 0)
		return;
	for (__int128 i = start; stop < start ? i > stop : i < stop; i += step) {
		if (sb->len)
			sb_addc(sb, ' ');
		sb_addf(sb, "%lld", (long long)i);
		if (sb->len > (16u << 20))
			return;
	}
}

FN(f_seq)
{
	int64_t p[3] = {0};
	for (int i = 0; i < nargs && i < 3; i++)
		FU_TRY(fu_arg_int(args, i, &p[i], err));
	struct strbuf sb = STRBUF_INIT;
	if (nargs == 1) {
		int inc = p[0] < 1 ? -1 : 1;
		seq_out(&sb, 1, (__int128)p[0] + inc, inc);
	} else if (nargs == 2) {
		int step = p[1] < p[0] ? -1 : 1;
		seq_out(&sb, p[0], (__int128)p[1] + step, step);
	} else if (nargs == 3) {
		int inc = 1;
		if (p[2] < p[0]) {
			inc = -1;
			if (p[1] > 0)
				return fu_ret_sb(&sb, out);
		}
		seq_out(&sb, p[0], (__int128)p[2] + inc, p[1]);
	}
	return fu_ret_sb(&sb, out);
}

FN(f_rand_int)
{
	INT(0, lo);
	INT(1, hi);
	if (hi <= lo)
		return tops_err_set(err, TOPS_EINVAL, "invalid argument to Intn");
	uint64_t span = (uint64_t)hi - (uint64_t)lo;
	*out = value_int((int64_t)((uint64_t)lo + (uint64_t)random() % span));
	return 0;
}

static const struct tmpl_func math_funcs[] = {
	{"add", f_add, 0, -1}, {"add1", f_add1, 1, 1}, {"sub", f_sub, 2, 2},
	{"mul", f_mul, 1, -1}, {"div", f_div, 2, 2}, {"mod", f_mod, 2, 2},
	{"max", f_max, 1, -1}, {"min", f_min, 1, -1}, {"biggest", f_max, 1, -1},
	{"addf", f_addf, 0, -1}, {"add1f", f_add1f, 1, 1}, {"subf", f_subf, 1, -1},
	{"mulf", f_mulf, 1, -1}, {"divf", f_divf, 1, -1},
	{"maxf", f_maxf, 1, -1}, {"minf", f_minf, 1, -1},
	{"floor", f_floor, 1, 1}, {"ceil", f_ceil, 1, 1}, {"round", f_round, 2, 3},
	{"int", f_int, 1, 1}, {"int64", f_int64, 1, 1}, {"float64", f_float64, 1, 1},
	{"atoi", f_atoi, 1, 1}, {"toDecimal", f_to_decimal, 1, 1}, {"seq", f_seq, 0, -1},
	{"randInt", f_rand_int, 2, 2},
};

FU_REGISTER(funcs_math_register, math_funcs)
