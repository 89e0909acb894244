#!/usr/bin/env python3
"""deps — which module calls which, read from the sources.

A module is a .c file (with the header of the same name). An arrow A -> B means A uses a
function or global that B defines (not static). Prints the arrows, the circles, and the arrows
that break the layer rules; exits 1 when there is a circle or a broken rule.

Usage: tests/layout/deps.py [--arrows] [ROOT]
"""
import os
import re
import sys

# The faces, lowest first: cli starts the console and the server (`tops ui`, `tops serve`).
FACES = ("tui", "serve", "cli")
# The folders of core by layer, lowest first. A module uses modules of its own folder and of
# folders on lower layers only; two folders of one layer do not use each other.
CORE_LAYERS = [
    ["base"],                 # values, YAML, JSON, time, util: nothing above them
    ["tmpl", "kube"],         # the template language; the Kubernetes client
    ["validate", "diff", "prom"],
    ["chart"],                # charts, values and rendering (validates and diffs)
    ["release"],              # the release engine
    ["gate", "snapshot", "exec", "doctor"],  # metric gates; snapshots; exec; doctor
    ["bluegreen"],            # blue/green releases: runs gates, so above them
]

DEF_RE = re.compile(r"^(?!static\b)(?!typedef\b)(?!extern\b)(?!struct\b[^(]*;)[A-Za-z_][\w \t\*]*?\b([a-z_]\w*)\s*\([^;{]*\)\s*$|"
                    r"^(?!static\b)(?!typedef\b)(?!extern\b)[A-Za-z_][\w \t\*]*?\b([a-z_]\w*)\s*\([^;{]*$",
                    re.M)
VAR_RE = re.compile(r"^(?!static\b)(?!extern\b)(?!typedef\b)(?:const\s+)?(?:struct\s+)?\w[\w\s\*]*?\b([a-z_]\w*)(?:\[[^\]]*\])?\s*(?:=|;)", re.M)
IDENT_RE = re.compile(r"\b([A-Za-z_]\w*)\b")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)


TOKEN_RE = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*', re.S)


def strip(text):
    """The code without comments and with empty strings and chars, in one pass (a "//" inside a
    string is not a comment, a quote inside a comment is not a string)."""
    def repl(m):
        t = m.group(0)
        if t.startswith("/*"):
            return "\n" * t.count("\n")
        if t.startswith("//"):
            return ""
        return '""' if t[0] == '"' else "''"
    return TOKEN_RE.sub(repl, text)


def definitions(code, statics=False):
    """Names a file defines at top level and does not keep static (with statics: those it keeps
    static, which shadow other files' names inside it)."""
    names = set()
    depth = 0
    lines = code.split("\n")
    for i, line in enumerate(lines):
        if depth == 0 and line and not line[0].isspace() and not line.startswith("#"):
            pat = (r"^static\b[\w \t\*]*?\b([a-z_]\w*)\s*\(" if statics else
                   r"^(?!static\b|typedef\b|extern\b|return\b)[A-Za-z_][\w \t\*]*?\b([a-z_]\w*)\s*\(")
            m = re.match(pat, line)
            if m:
                rest = "\n".join(lines[i:i + 12])
                body = re.match(r"[^;{]*\{", rest, re.S)
                if body:
                    names.add(m.group(1))
            elif not statics:
                m = re.match(r"^(?!static\b|typedef\b|extern\b|struct\s+\w+\s*\{|enum\b|union\b)"
                             r"(?:const\s+)?(?:struct\s+\w+\s+|unsigned\s+|signed\s+)?\w+[\s\*]+(?:const\s+)?([a-z_]\w*)\s*(?:\[[^\]]*\])*\s*(?:=|;)", line)
                if m:
                    names.add(m.group(1))
        depth += line.count("{") - line.count("}")
    return names


def module_of(path):
    return path[:-2] if path.endswith((".c", ".h")) else path


def scan(root):
    files = {}
    for top in ("core",) + FACES:
        base = os.path.join(root, top)
        for d, _, fs in os.walk(base):
            for f in fs:
                if f.endswith((".c", ".h", ".def")):
                    p = os.path.relpath(os.path.join(d, f), root)
                    with open(os.path.join(root, p), encoding="utf-8", errors="replace") as fh:
                        files[p] = fh.read()
    return files


def build(files):
    defs = {}
    for p, text in files.items():
        if p.endswith(".c"):
            for n in definitions(strip(text)):
                defs.setdefault(n, set()).add(module_of(p))
    arrows = {}
    for p, text in files.items():
        if not p.endswith(".c"):
            continue
        me = module_of(p)
        code = strip(text)
        # a name the file defines static is its own, whoever else defines it
        used = set(IDENT_RE.findall(code)) - definitions(code, statics=True)
        for n in used:
            for owner in defs.get(n, ()):
                if owner != me:
                    arrows.setdefault(me, {}).setdefault(owner, set()).add(n)
    return arrows


def circles(arrows):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in arrows.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(arrows):
        if v not in index:
            visit(v)
    return out


def layer(mod):
    parts = mod.split("/")
    if parts[0] in FACES:
        return (len(CORE_LAYERS) + FACES.index(parts[0]) + (parts[0] == "cli"), parts[0])
    if parts[0] == "core" and len(parts) > 2:
        for i, names in enumerate(CORE_LAYERS):
            if parts[1] in names:
                return (i, parts[1])
        return (None, parts[1])
    return (None, mod)


def rule_breaks(arrows, files):
    out = []
    for a, targets in arrows.items():
        la, fa = layer(a)
        if la is None:
            out.append(f"{a}: not in a known folder of core/ (see CORE_LAYERS)")
            continue
        for b, names in targets.items():
            lb, fb = layer(b)
            if lb is None:
                continue
            if fa in FACES and fb in FACES and fa != fb and fa != "cli":
                out.append(f"{a} -> {b}: one face uses another ({', '.join(sorted(names)[:4])})")
            elif lb > la:
                out.append(f"{a} -> {b}: a lower layer uses a higher one ({', '.join(sorted(names)[:4])})")
            elif lb == la and fa != fb and la < len(CORE_LAYERS):
                out.append(f"{a} -> {b}: folders of one layer use each other ({', '.join(sorted(names)[:4])})")
    for p, text in files.items():
        if not p.startswith("core/"):
            continue
        for inc in INCLUDE_RE.findall(text):
            if "curses" in inc or inc.split("/")[0] in FACES:
                out.append(f"{p}: core includes {inc}")
    return out


def main(argv):
    show = "--arrows" in argv
    args = [a for a in argv if not a.startswith("--")]
    root = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "..")
    files = scan(root)
    arrows = build(files)
    if show:
        for a in sorted(arrows):
            for b in sorted(arrows[a]):
                print(f"{a} -> {b}: {', '.join(sorted(arrows[a][b])[:6])}")
    bad = 0
    for c in circles(arrows):
        bad += 1
        print("circle: " + " -> ".join(c))
        for a in c:
            for b in c:
                if b in arrows.get(a, {}):
                    print(f"  {a} -> {b}: {', '.join(sorted(arrows[a][b])[:6])}")
    for r in rule_breaks(arrows, files):
        bad += 1
        print("layer: " + r)
    n = sum(len(t) for t in arrows.values())
    print(f"{len(files)} files, {n} arrows, {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
