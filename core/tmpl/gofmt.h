/* gofmt — Go's fmt formatting (Printf verbs, Sprint, Sprintln, %v) and strconv.Quote over
 * struct value. Used by the template builtins and by the Sprig/Helm functions. */
#ifndef TOPS_GOFMT_H
#define TOPS_GOFMT_H

#include "core/base/value.h"

/* fmt.Sprintf(fmt, args...) appended to out; args borrowed. Go's error forms included:
 * %!d(string=x), %!s(MISSING), %!(EXTRA int=1), %!(NOVERB), %!(BADWIDTH). */
void tmpl_printf(struct strbuf *out, const char *fmt, struct value **args, int nargs);
/* Go's %v of one value: map[a:1 b:2], [1 2 3], <nil>, 1e+06. */
void tmpl_fmt_value(struct strbuf *out, const struct value *v);
/* fmt.Sprint: spaces between operands when neither side is a string. */
void tmpl_sprint(struct strbuf *out, struct value **args, int nargs);
/* fmt.Sprintln: spaces between all operands and a final newline. */
void tmpl_sprintln(struct strbuf *out, struct value **args, int nargs);
/* strconv.Quote (ascii_only: strconv.QuoteToASCII). */
void go_quote(struct strbuf *out, const char *s, size_t n, bool ascii_only);

/* unicode.IsPrint (as strconv.Quote and the js escaper use it). */
bool go_is_print(uint32_t r);

#endif
