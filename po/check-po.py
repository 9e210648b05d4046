#!/usr/bin/env python3
# check-po.py SOURCE_ROOT: the translations are complete.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# 1. Every file under client/ and data/ with a translatable string (_(),
#    N_(), C_(), NC_(), ngettext in C; translatable="yes" in .ui; a
#    translatable key in a .desktop.in or .metainfo.xml.in) is listed in
#    po/POTFILES.in, and everything listed exists.
# 2. The template made from POTFILES.in (xgettext) is fully translated by
#    each language in po/LINGUAS: no message missing, untranslated or fuzzy
#    (msgcmp), and each .po compiles cleanly (msgfmt --check).
import os
import re
import subprocess
import sys
import tempfile

root = sys.argv[1]
po = os.path.join(root, "po")
problems = []

C_MARK = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|g_dngettext|ngettext)\s*\(\s*"')
UI_MARK = re.compile(r'translatable="yes"')
DATA_MARK = re.compile(r'^(?:Name|GenericName|Comment|Keywords)=|<(?:summary|p|li|name)\b', re.M)


def wants_translation(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if path.endswith((".c", ".h")):
        return bool(C_MARK.search(text))
    if path.endswith(".ui"):
        return bool(UI_MARK.search(text))
    if path.endswith((".desktop.in", ".metainfo.xml.in")):
        return bool(DATA_MARK.search(text))
    return False


listed = []
with open(os.path.join(po, "POTFILES.in"), encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith("#"):
            listed.append(line)
for name in listed:
    if not os.path.isfile(os.path.join(root, name)):
        problems.append(f"po/POTFILES.in lists {name}, which does not exist")

for top in ("client", "data"):
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
        dirnames[:] = [d for d in dirnames if d not in ("node_modules", "web")]
        for filename in filenames:
            path = os.path.join(dirpath, filename)
            rel = os.path.relpath(path, root)
            if rel.startswith("client/edge/") or rel.startswith("client/core/"):
                continue   # no GTK, no translations: command line and engine
            if wants_translation(path) and rel not in listed:
                problems.append(f"{rel} has translatable strings but is not in po/POTFILES.in")

with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, "streamlet.pot")
    cmd = ["xgettext", "--from-code=UTF-8", "--add-comments", "--keyword=_", "--keyword=N_",
           "--keyword=C_:1c,2", "--keyword=NC_:1c,2", "--keyword=g_dngettext:2,3",
           "--keyword=ngettext:1,2", "--keyword=GenericName", "--keyword=Comment",
           "--keyword=Keywords", "--directory", root, "--files-from",
           os.path.join(po, "POTFILES.in"), "--output", pot]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        problems.append("xgettext failed: " + run.stderr.strip())
    else:
        with open(os.path.join(po, "LINGUAS"), encoding="utf-8") as f:
            languages = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        if len(languages) < 2:
            problems.append("po/LINGUAS names fewer than two languages")
        for lang in languages:
            path = os.path.join(po, lang + ".po")
            if not os.path.isfile(path):
                problems.append(f"po/{lang}.po is missing")
                continue
            check = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, path],
                                   capture_output=True, text=True)
            print(f"{lang}: {check.stderr.strip()}")
            if check.returncode != 0 or "untranslated" in check.stderr or "fuzzy" in check.stderr:
                problems.append(f"po/{lang}.po: {check.stderr.strip()}")
            cmp = subprocess.run(["msgcmp", path, pot], capture_output=True, text=True)
            if cmp.returncode != 0:
                lines = [l for l in cmp.stderr.splitlines() if l.strip()]
                problems.append(f"po/{lang}.po lacks {len(lines)} message(s) of the template, "
                                f"first: {lines[0] if lines else '?'}")

for p in problems:
    print(p, file=sys.stderr)
print(f"{len(problems)} problem(s)")
sys.exit(1 if problems else 0)
