/* tmpl_internal — private structures shared by the tmpl_* files (lexer, parser, executor,
 * builtins). Not part of the public contract; include only from core/tmpl_*.c. */
#ifndef TOPS_TMPL_INTERNAL_H
#define TOPS_TMPL_INTERNAL_H

#include "core/tmpl/tmpl.h"

/* ---- lexer ---- */
enum tok_type {
	TK_EOF, TK_ERROR, TK_TEXT, TK_LEFT, TK_RIGHT, TK_SPACE, TK_BOOL, TK_CHAR, TK_CHARCONST,
	TK_NUMBER, TK_STRING, TK_RAWSTRING, TK_DOT, TK_FIELD, TK_VARIABLE, TK_IDENT, TK_PIPE,
	TK_LPAREN, TK_RPAREN, TK_DECLARE, TK_ASSIGN, TK_NIL,
	/* keywords */
	TK_BLOCK, TK_BREAK, TK_CONTINUE, TK_DEFINE, TK_ELSE, TK_END, TK_IF, TK_RANGE,
	TK_TEMPLATE, TK_WITH,
};

struct tok {
	enum tok_type type;
	const char *s;   /* points into the source (TK_ERROR: the message in lexer storage) */
	size_t len;
	size_t pos;      /* byte offset in the source */
	int line;        /* 1-based */
	int col;         /* 0-based byte offset in the line, as Go reports it */
};

struct tmpl_tokens {
	struct tok *t;
	size_t n, cap;
	char *errmsg;    /* owned; message of the TK_ERROR token if any */
};

/* Lexes the whole source; always ends with TK_EOF or TK_ERROR. */
void tmpl_lex(const char *src, size_t len, struct tmpl_tokens *out);
void tmpl_tokens_done(struct tmpl_tokens *toks);
/* Decodes one UTF-8 sequence of s (n > 0 bytes); returns its length (1 on invalid input, with
 * *cp = U+FFFD). */
int tmpl_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Go's strconv.Unquote for "..", `..` and '..' literals. Returns 0 and the bytes in out. */
int tmpl_unquote(const char *s, size_t len, struct strbuf *out);
/* Go's parse.NumberNode classification of a number or char constant literal. */
struct tmpl_number {
	bool is_int, is_uint, is_float;
	int64_t i;
	uint64_t u;
	double f;
};
int tmpl_parse_number(const char *s, size_t len, bool is_char, struct tmpl_number *n,
		      struct strbuf *errmsg);

/* ---- parse tree ---- */
enum tnode_type {
	N_LIST, N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH, N_TEMPLATE, N_BREAK, N_CONTINUE,
	N_PIPE, N_COMMAND, N_FIELD, N_VARIABLE, N_CHAIN, N_DOT, N_NIL, N_BOOL, N_NUMBER,
	N_STRING, N_IDENT,
	N_END, N_ELSE,   /* transient, only while parsing */
};

struct tnode {
	enum tnode_type type;
	int line, col;
	char *text;              /* N_TEXT bytes, literal source, ident name, template name */
	size_t len;
	struct value *val;       /* N_BOOL/N_NUMBER/N_STRING constant (N_NUMBER: see num) */
	struct tmpl_number num;  /* N_NUMBER */
	struct tnode *pipe;      /* action/if/range/with/template pipeline; chain operand */
	struct tnode *list, *else_list;
	struct tnode **kids;     /* N_LIST items, N_PIPE commands, N_COMMAND args */
	int nkids, capkids;
	char **idents;           /* N_FIELD/N_VARIABLE/N_CHAIN names; N_PIPE declared vars */
	int nidents;
	bool is_assign;          /* N_PIPE: `=` rather than `:=` */
	const struct tmpl_func *fn; /* N_IDENT resolved function */
	bool builtin;            /* N_IDENT: fn is a Go builtin */
};

void tnode_free(struct tnode *n);
/* Go's Node.String() for error contexts. */
void tnode_string(const struct tnode *n, struct strbuf *sb);

/* One named template: a parse tree plus the source it came from. Refcounted so clones share. */
struct tmpl_tree {
	int refs;
	char *name;          /* template name */
	char *parse_name;    /* name given to tmpl_parse (Go's ParseName) */
	struct tnode *root;  /* N_LIST */
};

struct tmpl_entry {
	char *name;
	struct tmpl_tree *tree;
};

/* Finds a builtin function by name (tmpl_builtin_find); NULL when there is none. */
typedef const struct tmpl_func *(*tmpl_builtin_fn)(const char *name);

struct tmpl_set {
	const struct tmpl_funcs *funcs;
	tmpl_builtin_fn builtins;  /* looked up after funcs; NULL: none */
	enum tmpl_missingkey mode;
	void *user;
	struct tmpl_entry *e;   /* sorted by name */
	size_t n, cap;
	int err_line, err_col;  /* position of the last parse error (1-based) */
};

struct tmpl_tree *tmpl_set_lookup(const struct tmpl_set *set, const char *name);
void tmpl_tree_unref(struct tmpl_tree *t);
/* A new empty set that parses with funcs and then builtins (tmpl_set_new() hands it the
 * builtin table). Caller frees with tmpl_set_free(). */
struct tmpl_set *tmpl_set_init(const struct tmpl_funcs *funcs, tmpl_builtin_fn builtins,
			       enum tmpl_missingkey mode);
/* Shares the trees (refcounted); funcs/builtins/mode/user copied. */
struct tmpl_set *tmpl_set_clone(const struct tmpl_set *set);
bool tmpl_tree_empty(const struct tnode *list);
/* tmpl_parse that also returns a reference to the tree parsed for `name` itself. */
int tmpl_parse_main(struct tmpl_set *set, const char *name, const char *text, size_t len,
		    struct tmpl_tree **main_out, struct tops_err *err);

/* ---- builtins ---- */
extern const struct tmpl_func tmpl_builtins[];
extern const size_t tmpl_nbuiltins;
const struct tmpl_func *tmpl_builtin_find(const char *name);

/* The "missing" value: Go's invalid reflect.Value (a map key that is not there, a nil pipeline
 * result). It is a V_NULL that prints "<no value>" at the top level of an action. */
struct value *tmpl_missing(void);
bool tmpl_is_missing(const struct value *v);

/* Executor entry used by builtins that print values: Go's printableValue. */
void tmpl_print_value(struct strbuf *out, const struct value *v);

#define TMPL_MAX_PARSE_DEPTH 1000
#define TMPL_MAX_EXEC_DEPTH 10000

#endif
