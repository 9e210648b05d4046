#!/usr/bin/env python3
# check-manifest.py: fails unless the Flatpak manifest parses and matches the app
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-manifest.py MANIFEST.json APP_ID COMMAND
#
# Checks what would otherwise only show when someone runs flatpak-builder:
# the manifest is JSON, its app id and command are the app's, the last module
# builds streamlet itself with the profile that owns that id, and every other
# module's source names an upstream tag or branch.

import json
import sys


def main(argv):
    if len(argv) != 4:
        print(f'usage: {argv[0]} MANIFEST.json APP_ID COMMAND', file=sys.stderr)
        return 2
    path, app_id, command = argv[1:]
    try:
        with open(path, encoding='utf-8') as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print(f'{path}: cannot read the manifest: {e}', file=sys.stderr)
        return 1

    problems = []
    found_id = manifest.get('app-id', manifest.get('id'))
    if found_id != app_id:
        problems.append(f'app-id is {found_id!r}, expected {app_id!r}')
    if manifest.get('command') != command:
        problems.append(f'command is {manifest.get("command")!r}, expected {command!r}')
    for key, wanted in (('runtime', 'org.gnome.Platform'), ('sdk', 'org.gnome.Sdk')):
        if manifest.get(key) != wanted:
            problems.append(f'{key} is {manifest.get(key)!r}, expected {wanted!r}')
    if not isinstance(manifest.get('runtime-version'), str):
        problems.append('runtime-version is missing or not a string')

    modules = manifest.get('modules') or []
    if not modules:
        problems.append('there are no modules')
    else:
        app = modules[-1]
        opts = app.get('config-opts', []) if isinstance(app, dict) else []
        if not isinstance(app, dict) or app.get('name') != 'streamlet':
            problems.append('the last module is not streamlet')
        elif app_id.endswith('.Devel') and '-Dprofile=development' not in opts:
            problems.append(f'streamlet is not built with -Dprofile=development, '
                            f'which is what installs {app_id}')
        for module in modules[:-1]:
            if not isinstance(module, dict):
                continue  # a path to a module file: not ours to check here
            for source in module.get('sources', []):
                if source.get('type') == 'git' and not (source.get('tag') or
                                                        source.get('branch') or
                                                        source.get('commit')):
                    problems.append(f'module {module.get("name")}: git source '
                                    f'{source.get("url")} names no tag, branch or commit')
                if source.get('type') in ('archive', 'file') and not source.get('sha256'):
                    problems.append(f'module {module.get("name")}: {source.get("url")} has no sha256')

    finish_args = manifest.get('finish-args', [])
    for arg in finish_args:
        if arg.startswith('--talk-name=org.freedesktop.portal.'):
            problems.append(f'{arg}: portals are reachable without it')

    if problems:
        for p in problems:
            print(f'{path}: {p}', file=sys.stderr)
        return 1
    print(f'{path}: {found_id}, command {command}, {len(modules)} modules')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
