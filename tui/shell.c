/* shell — what a pane or a data source may ask of the console: redraw, a status message, a view
 * pushed or popped, the active pane, focus. It acts on struct ui alone and calls nothing above
 * it, so panes depend on it and tui/ui.c (the loop, which includes the panes) on them. */
#include "tui/tui.h"
#include "tui/data.h"

#include <stdarg.h>
#include <stdlib.h>

void ui_dirty(struct ui *ui)
{
	ui->dirty = true;
}

struct pane *ui_active(struct ui *ui)
{
	return ui->depth > 0 ? ui->stack[ui->depth - 1] : ui->dash[ui->focus];
}

void ui_push(struct ui *ui, struct pane *p)
{
	if (ui->depth == (int)ARRAY_LEN(ui->stack)) {
		p->ops->free(p);
		return;
	}
	p->ui = ui;
	ui->stack[ui->depth++] = p;
	ui_dirty(ui);
}

bool ui_pop(struct ui *ui)
{
	if (ui->depth == 0)
		return false;
	struct pane *p = ui->stack[--ui->depth];
	p->ops->free(p);
	ui_dirty(ui);
	return true;
}

void ui_focus(struct ui *ui, int i)
{
	while (ui_pop(ui))
		;
	ui->dash[ui->focus]->focused = false;
	ui->focus = i;
	ui->dash[i]->focused = true;
	ui_dirty(ui);
}

void ui_message(struct ui *ui, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(ui->message);
	ui->message = xvasprintf(fmt, ap);
	va_end(ap);
	ui->message_error = error;
	ui->message_until_ms = now_ms() + 5000;
	ui_dirty(ui);
}

void ui_data_dirty(struct ui *ui)
{
	ui->data_dirty = true;
	/* the first lists are not churn: the first change after them is drawn at once */
	if (ui->data && ui->data->synced)
		ui->data_changes[ui->data_change_i++ % ARRAY_LEN(ui->data_changes)] = now_ms();
}
