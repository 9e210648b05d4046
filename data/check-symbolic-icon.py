#!/usr/bin/env python3
# check-symbolic-icon.py: fails unless a symbolic SVG icon paints in one colour only
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-symbolic-icon.py ICON.svg [COLOUR]   (COLOUR defaults to #2e3436)
#
# GTK recolours symbolic icons from their fill and stroke, so every painted
# shape must use the one colour (inherited fills count, and an unset fill is
# black), with no gradients, patterns, images or opacity tricks.

import sys
import xml.etree.ElementTree as ET

SVG_NS = '{http://www.w3.org/2000/svg}'
SHAPES = {'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'text', 'use'}
FORBIDDEN = {'linearGradient', 'radialGradient', 'pattern', 'image', 'filter', 'mask'}
PAINT_PROPS = ('fill', 'stroke')
OTHER_COLOUR_PROPS = ('stop-color', 'flood-color', 'lighting-color', 'color')


def style_of(elem):
    """The element's presentation attributes, overridden by its style=""."""
    props = {k: v.strip() for k, v in elem.attrib.items() if '}' not in k}
    for decl in elem.get('style', '').split(';'):
        if ':' in decl:
            key, value = decl.split(':', 1)
            props[key.strip()] = value.strip()
    return props


def main(argv):
    if len(argv) not in (2, 3):
        print(f'usage: {argv[0]} ICON.svg [COLOUR]', file=sys.stderr)
        return 2
    path = argv[1]
    wanted = (argv[2] if len(argv) == 3 else '#2e3436').lower()
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f'{path}: cannot read the SVG: {e}', file=sys.stderr)
        return 1

    problems = []
    painted = 0

    def walk(elem, inherited):
        nonlocal painted
        name = elem.tag.replace(SVG_NS, '')
        props = style_of(elem)
        if name in FORBIDDEN:
            problems.append(f'<{name}> is not allowed in a symbolic icon')
        for prop in OTHER_COLOUR_PROPS:
            if prop in props:
                problems.append(f'<{name}> sets {prop}="{props[prop]}"')
        for prop in ('opacity', 'fill-opacity', 'stroke-opacity'):
            if prop in props and props[prop] not in ('1', '1.0', '100%'):
                problems.append(f'<{name}> sets {prop}="{props[prop]}": symbolic icons are opaque')
        current = dict(inherited)
        for prop in PAINT_PROPS:
            if prop in props:
                current[prop] = props[prop].lower()
        if name in SHAPES:
            for prop in PAINT_PROPS:
                value = current[prop]
                if value == 'none':
                    continue
                painted += 1
                if value != wanted:
                    where = elem.get('id') or elem.get('d', '')[:30] or ' '.join(
                        f'{k}={v}' for k, v in elem.attrib.items() if k not in PAINT_PROPS)
                    problems.append(f'<{name} {where}> has {prop} {value}, not {wanted}')
        for child in elem:
            walk(child, current)

    # SVG defaults: fill black, no stroke.
    walk(root, {'fill': '#000000', 'stroke': 'none'})

    if painted == 0:
        problems.append('nothing is painted')
    if problems:
        for p in problems:
            print(f'{path}: {p}', file=sys.stderr)
        return 1
    print(f'{path}: {painted} painted fills/strokes, all {wanted}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
