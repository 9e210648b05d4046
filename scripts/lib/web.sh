# shellcheck shell=bash
# Installs the web viewer's npm packages (hls.js; playwright-core for its
# test) into data/web/node_modules from data/web/package-lock.json. Nothing
# from npm is ever committed. Source it; it defines functions only.
# SPDX-License-Identifier: GPL-3.0-or-later

# sl_web_deps: runs `npm ci` in data/web unless node_modules is up to date
# with the lock file.
sl_web_deps ()
{
  local dir=data/web
  local stamp="$dir/node_modules/.package-lock.json"
  if [[ -f "$stamp" && "$stamp" -nt "$dir/package-lock.json" ]]; then
    return 0
  fi
  echo "streamlet: installing the web viewer's npm packages in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || {
    echo "streamlet: npm ci in $dir failed: the web viewer's player (hls.js) is missing" >&2
    return 1
  }
}
