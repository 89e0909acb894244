#!/usr/bin/python3
"""Render a tmux `capture-pane -e -p` dump (text with SGR escapes) into a PNG.

usage: ansi2png.py INPUT.ans OUTPUT.png [--cols N] [--rows N] [--title TEXT]
Needs python3-pil and fonts-dejavu-core (DejaVuSansMono).
"""
import re
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
SIZE = 15
DEFAULT_FG = (208, 208, 208)
DEFAULT_BG = (24, 26, 33)
PALETTE = [
    (40, 42, 54), (230, 80, 80), (80, 200, 120), (230, 190, 80),
    (90, 140, 230), (200, 110, 210), (80, 200, 210), (208, 208, 208),
    (98, 102, 120), (255, 110, 110), (110, 230, 150), (255, 220, 110),
    (130, 170, 255), (230, 140, 240), (120, 230, 240), (255, 255, 255),
]


def xterm256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


class Attr:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = self.dim = self.underline = self.reverse = False

    def copy(self):
        a = Attr()
        a.__dict__.update(self.__dict__)
        return a


def apply_sgr(attr, params):
    p = [int(x) if x else 0 for x in params.split(";")] if params else [0]
    i = 0
    while i < len(p):
        c = p[i]
        if c == 0:
            attr.reset()
        elif c == 1:
            attr.bold = True
        elif c == 2:
            attr.dim = True
        elif c == 4:
            attr.underline = True
        elif c == 7:
            attr.reverse = True
        elif c == 22:
            attr.bold = attr.dim = False
        elif c == 24:
            attr.underline = False
        elif c == 27:
            attr.reverse = False
        elif 30 <= c <= 37:
            attr.fg = PALETTE[c - 30]
        elif 90 <= c <= 97:
            attr.fg = PALETTE[c - 90 + 8]
        elif 40 <= c <= 47:
            attr.bg = PALETTE[c - 40]
        elif 100 <= c <= 107:
            attr.bg = PALETTE[c - 100 + 8]
        elif c == 39:
            attr.fg = None
        elif c == 49:
            attr.bg = None
        elif c in (38, 48) and i + 1 < len(p):
            if p[i + 1] == 5 and i + 2 < len(p):
                col = xterm256(p[i + 2])
                i += 2
            elif p[i + 1] == 2 and i + 4 < len(p):
                col = (p[i + 2], p[i + 3], p[i + 4])
                i += 4
            else:
                col = None
            if c == 38:
                attr.fg = col
            else:
                attr.bg = col
        i += 1


def parse(text, cols, rows):
    grid = [[(" ", Attr())] * cols for _ in range(rows)]
    attr = Attr()
    lines = text.split("\n")
    for y, line in enumerate(lines[:rows]):
        x = 0
        pos = 0
        while pos < len(line):
            m = re.match(r"\x1b\[([0-9;]*)m", line[pos:])
            if m:
                apply_sgr(attr, m.group(1))
                pos += m.end()
                continue
            if line[pos] == "\x1b":
                m = re.match(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07|.)", line[pos:])
                pos += m.end() if m else 1
                continue
            ch = line[pos]
            pos += 1
            if x < cols:
                grid[y][x] = (ch, attr.copy())
                wide = unicodedata.east_asian_width(ch) in ("W", "F")
                x += 2 if wide else 1
    return grid


def blend(a, b, t):
    return tuple(int(a[i] * (1 - t) + b[i] * t) for i in range(3))


def render(grid, out, title=None):
    font = ImageFont.truetype(FONT_DIR + "DejaVuSansMono.ttf", SIZE)
    bold = ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Bold.ttf", SIZE)
    left, top, right, bottom = font.getbbox("M")
    cw = int(round(font.getlength("M")))
    ch = SIZE + 4
    rows, cols = len(grid), len(grid[0])
    pad = 12
    bar = 28 if title else 0
    img = Image.new("RGB", (cols * cw + 2 * pad, rows * ch + 2 * pad + bar), DEFAULT_BG)
    d = ImageDraw.Draw(img)
    if title:
        d.rectangle([0, 0, img.width, bar], fill=(44, 46, 58))
        for i, c in enumerate([(255, 95, 86), (255, 189, 46), (39, 201, 63)]):
            d.ellipse([10 + i * 20, 8, 22 + i * 20, 20], fill=c)
        d.text((80, 6), title, font=font, fill=(170, 170, 180))
    for y, row in enumerate(grid):
        for x, (c, a) in enumerate(row):
            fg = a.fg or DEFAULT_FG
            bg = a.bg or DEFAULT_BG
            if a.reverse:
                fg, bg = bg, fg
            if a.dim:
                fg = blend(fg, bg, 0.45)
            px, py = pad + x * cw, pad + bar + y * ch
            if bg != DEFAULT_BG:
                d.rectangle([px, py, px + cw - 1, py + ch - 1], fill=bg)
            if c in "─━":
                d.line([px, py + ch // 2, px + cw, py + ch // 2], fill=fg)
            elif c == "│":
                d.line([px + cw // 2, py, px + cw // 2, py + ch], fill=fg)
            elif c in "┌┐└┘":
                cx, cy = px + cw // 2, py + ch // 2
                d.line([cx, cy, px + cw if c in "┌└" else px, cy], fill=fg)
                d.line([cx, cy, cx, py + ch if c in "┌┐" else py], fill=fg)
            elif c == "█":
                d.rectangle([px, py + 3, px + cw - 1, py + ch - 4], fill=fg)
            elif c == "░":
                d.rectangle([px, py + 3, px + cw - 1, py + ch - 4], fill=blend(fg, bg, 0.75))
            elif c != " ":
                d.text((px, py + 2), c, font=bold if a.bold else font, fill=fg)
            if a.underline:
                d.line([px, py + ch - 2, px + cw, py + ch - 2], fill=fg)
    img.save(out)


def main():
    args = sys.argv[1:]
    cols, rows, title = None, None, None
    rest = []
    while args:
        a = args.pop(0)
        if a == "--cols":
            cols = int(args.pop(0))
        elif a == "--rows":
            rows = int(args.pop(0))
        elif a == "--title":
            title = args.pop(0)
        else:
            rest.append(a)
    if len(rest) != 2:
        sys.exit(__doc__)
    text = open(rest[0], encoding="utf-8", errors="replace").read()
    lines = text.rstrip("\n").split("\n")
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", l) for l in lines]
    rows = rows or len(lines)
    cols = cols or max(len(l) for l in plain)
    render(parse(text, cols, rows), rest[1], title)


if __name__ == "__main__":
    main()
