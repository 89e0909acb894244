/* keys — the key table (tui/keys.def) used for dispatch, the footer and help. */
#include "tui/tui.h"

#include <curses.h>
#include <string.h>

static const struct key_entry key_table[] = {
#define K(id, k1, k2, label, scope, short_, help) {ACT_##id, k1, k2, label, scope, short_, help},
#include "tui/keys.def"
#undef K
};

const struct key_entry *keys_table(size_t *n)
{
	*n = ARRAY_LEN(key_table);
	return key_table;
}

enum tui_action keys_lookup(int ch, unsigned mask)
{
	for (size_t i = 0; i < ARRAY_LEN(key_table); i++) {
		const struct key_entry *k = &key_table[i];
		if ((k->scope & mask) && ch != 0 && (k->key1 == ch || k->key2 == ch))
			return k->action;
	}
	return ACT_NONE;
}

/* Arrows in labels have ASCII spellings for non-UTF-8 terminals. */
static const struct { const char *utf8, *ascii; } label_ascii[] = {
	{"j ↓", "j Down"},
	{"k ↑", "k Up"},
};

const char *keys_label(enum tui_action a)
{
	for (size_t i = 0; i < ARRAY_LEN(key_table); i++) {
		if (key_table[i].action != a)
			continue;
		if (term_utf8())
			return key_table[i].label;
		for (size_t j = 0; j < ARRAY_LEN(label_ascii); j++)
			if (strcmp(label_ascii[j].utf8, key_table[i].label) == 0)
				return label_ascii[j].ascii;
		return key_table[i].label;
	}
	return "";
}
