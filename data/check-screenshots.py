#!/usr/bin/env python3
# check-screenshots.py: the metainfo's screenshots are pictures of the real
# app kept in data/screenshots/ (taken by the UI tests, copied there by
# `ninja -C <build> update-screenshots`).
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: check-screenshots.py METAINFO.xml SCREENSHOTS-DIR
# Fails when an <image> names no file of that directory, a file is not a
# PNG of at least 620x350 (what app centres show), a screenshot has no
# caption, there is no default one, or the directory holds a PNG the
# metainfo does not list.
import os
import struct
import sys
import xml.etree.ElementTree as ET

MIN_WIDTH, MIN_HEIGHT = 620, 350


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def main(metainfo, directory):
    problems = []
    shots = ET.parse(metainfo).getroot().findall("./screenshots/screenshot")
    if not shots:
        problems.append("the metainfo lists no screenshot")
    if sum(1 for s in shots if s.get("type") == "default") != 1:
        problems.append("exactly one screenshot must be type=\"default\"")
    listed = set()
    for shot in shots:
        image = shot.find("image")
        caption = shot.find("caption")
        if image is None or not (image.text or "").strip():
            problems.append("a screenshot without an <image>")
            continue
        name = image.text.strip().rsplit("/", 1)[-1]
        listed.add(name)
        if caption is None or not (caption.text or "").strip():
            problems.append(f"{name}: no caption")
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            problems.append(f"{name}: not in {directory}")
            continue
        size = png_size(path)
        if size is None:
            problems.append(f"{name}: not a PNG")
        elif size[0] < MIN_WIDTH or size[1] < MIN_HEIGHT:
            problems.append(f"{name}: {size[0]}x{size[1]}, smaller than {MIN_WIDTH}x{MIN_HEIGHT}")
        else:
            print(f"{name}: {size[0]}x{size[1]}")
    for name in sorted(os.listdir(directory)):
        if name.endswith(".png") and name not in listed:
            problems.append(f"{name}: in {directory} but not in the metainfo")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__ or "usage: check-screenshots.py METAINFO.xml SCREENSHOTS-DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
