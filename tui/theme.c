/* theme — colour themes from YAML (themes/NAME.yaml) with built-in defaults per role. */
#include "tui/tui.h"

#include "core/base/value.h"
#include "core/base/yaml.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct role_default {
	const char *name, *fg, *bg, *attrs, *mono;
};
static const struct role_default role_defaults[ROLE__COUNT] = {
#define R(id, name, fg, bg, attrs, mono) [ROLE_##id] = {name, fg, bg, attrs, mono},
	TUI_ROLES(R)
#undef R
};

static const struct { const char *name; short num; } colour_names[] = {
	{"default", -1}, {"black", 0}, {"red", 1}, {"green", 2}, {"yellow", 3}, {"blue", 4},
	{"magenta", 5}, {"cyan", 6}, {"white", 7}, {"gray", 8}, {"grey", 8}, {"bright-black", 8},
	{"bright-red", 9}, {"bright-green", 10}, {"bright-yellow", 11}, {"bright-blue", 12},
	{"bright-magenta", 13}, {"bright-cyan", 14}, {"bright-white", 15},
};
static const struct { const char *name; int attr; } attr_names[] = {
	{"bold", A_BOLD}, {"dim", A_DIM}, {"reverse", A_REVERSE}, {"underline", A_UNDERLINE},
	{"standout", A_STANDOUT}, {"blink", A_BLINK}, {"italic", A_ITALIC}, {"normal", 0},
};

static int parse_colour(const char *s, short *out)
{
	for (size_t i = 0; i < ARRAY_LEN(colour_names); i++)
		if (strcasecmp(s, colour_names[i].name) == 0) {
			*out = colour_names[i].num;
			return 0;
		}
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end && n >= 0 && n <= 255) {
		*out = (short)n;
		return 0;
	}
	return -1;
}

/* "bold,reverse" or "bold reverse" */
static int parse_attrs(const char *s, int *out)
{
	int a = 0;
	char *copy = xstrdup(s), *save = NULL;
	for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		size_t i;
		for (i = 0; i < ARRAY_LEN(attr_names); i++)
			if (strcasecmp(t, attr_names[i].name) == 0)
				break;
		if (i == ARRAY_LEN(attr_names)) {
			free(copy);
			return -1;
		}
		a |= attr_names[i].attr;
	}
	free(copy);
	*out = a;
	return 0;
}

static void theme_defaults(struct theme *th)
{
	for (int r = 0; r < ROLE__COUNT; r++) {
		const struct role_default *d = &role_defaults[r];
		struct theme_role *tr = &th->roles[r];
		parse_colour(d->fg, &tr->fg);
		parse_colour(d->bg, &tr->bg);
		parse_attrs(d->attrs, &tr->attrs);
		parse_attrs(d->mono, &tr->mono);
	}
}

/* A list of attribute names is accepted as well as a string. */
static const char *scalar_text(struct value *v, struct strbuf *sb)
{
	sb_reset(sb);
	if (v->type == V_STRING)
		return v->u.str.s;
	if (v->type == V_INT) {
		sb_addf(sb, "%lld", (long long)v->u.i);
		return sb_str(sb);
	}
	if (v->type != V_LIST)
		return NULL;
	for (size_t i = 0; i < v->u.list.len; i++) {
		struct value *it = v->u.list.items[i];
		if (it->type != V_STRING)
			return NULL;
		sb_addf(sb, "%s%s", i ? "," : "", it->u.str.s);
	}
	return sb_str(sb);
}

static int role_field(const char *file, struct theme_role *tr, const char *key, struct value *v,
		      struct tops_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = scalar_text(v, &sb);
	int rc = s ? 0 : -1;
	if (rc == 0 && strcmp(key, "fg") == 0)
		rc = parse_colour(s, &tr->fg);
	else if (rc == 0 && strcmp(key, "bg") == 0)
		rc = parse_colour(s, &tr->bg);
	else if (rc == 0 && strcmp(key, "attrs") == 0)
		rc = parse_attrs(s, &tr->attrs);
	else if (rc == 0 && strcmp(key, "mono") == 0)
		rc = parse_attrs(s, &tr->mono);
	else if (rc == 0)
		rc = -2;
	if (rc == -2)
		tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: unknown field \"%s\" (fg, bg, attrs, mono)",
			     file, v->line, v->col, key);
	else if (rc < 0)
		tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: invalid %s value%s%s", file, v->line, v->col,
			     key, s ? " " : "", s ? s : "");
	sb_done(&sb);
	return rc < 0 ? -TOPS_EINVAL : 0;
}

static int theme_apply(struct theme *th, const char *file, struct value *doc, struct tops_err *err)
{
	struct value *roles = doc && doc->type == V_MAP ? value_map_get(doc, "roles") : NULL;
	if (!roles || roles->type != V_MAP)
		return tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: a theme needs a \"roles\" mapping", file,
				    doc ? doc->line : 1, doc ? doc->col : 1);
	for (size_t i = 0; i < roles->u.map.len; i++) {
		struct vmap_entry *e = &roles->u.map.e[i];
		int r;
		for (r = 0; r < ROLE__COUNT; r++)
			if (strcmp(role_defaults[r].name, e->key) == 0)
				break;
		if (r == ROLE__COUNT || e->val->type != V_MAP)
			return tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: %s \"%s\"", file, e->val->line,
					    e->val->col, r == ROLE__COUNT ? "unknown role" : "expected a mapping for",
					    e->key);
		for (size_t j = 0; j < e->val->u.map.len; j++) {
			struct vmap_entry *f = &e->val->u.map.e[j];
			if (role_field(file, &th->roles[r], f->key, f->val, err) < 0)
				return -TOPS_EINVAL;
		}
	}
	return 0;
}

static char *theme_find(const char *name)
{
	if (strchr(name, '/') || str_has_suffix(name, ".yaml"))
		return access(name, R_OK) == 0 ? xstrdup(name) : NULL;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char *dirs[4] = {
		xstrdup("themes"),
		xdg && *xdg ? xasprintf("%s/tops/themes", xdg)
			    : xasprintf("%s/.local/share/tops/themes", home ? home : "."),
		xasprintf("%s/../themes", n > 0 ? exe : "."),
		xstrdup("/usr/local/share/tops/themes"),
	};
	char *found = NULL;
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++) {
		char *p = xasprintf("%s/%s.yaml", dirs[i], name);
		if (!found && access(p, R_OK) == 0)
			found = p;
		else
			free(p);
		free(dirs[i]);
	}
	return found;
}

int theme_load(const char *name, struct theme **out, struct tops_err *err)
{
	struct theme *th = xcalloc(1, sizeof *th);
	theme_defaults(th);
	bool builtin_ok = !name;
	th->name = xstrdup(name ? name : "default");
	th->path = theme_find(th->name);
	*out = th;
	if (!th->path) {
		if (builtin_ok)
			return 0;
		theme_free(th);
		*out = NULL;
		return tops_err_set(err, TOPS_ENOENT,
				    "theme \"%s\" not found (looked for themes/%s.yaml in ./themes, "
				    "$XDG_DATA_HOME/tops/themes, /usr/local/share/tops/themes)", name, name);
	}
	struct value *doc = yaml_load_file(th->path, NULL, err);
	int rc = doc ? theme_apply(th, th->path, doc, err) : -TOPS_EINVAL;
	value_unref(doc);
	if (rc < 0) {
		theme_free(th);
		*out = NULL;
	}
	return rc;
}

void theme_free(struct theme *th)
{
	if (!th)
		return;
	free(th->name);
	free(th->path);
	free(th);
}
