# shellcheck shell=bash
# Configure-and-build helper shared by scripts/run, scripts/test and the
# benchmarks. Source it; it defines functions only.
# SPDX-License-Identifier: GPL-3.0-or-later

# sl_meson_build DIR [MESON_SETUP_ARGS...]
# Sets DIR up with the given options, or reconfigures it when it already is a
# meson build dir (so changed options take effect), then builds it with ninja.
# meson's own output is shown only when configuring fails.
sl_meson_build ()
{
  local dir="$1"
  shift
  local out
  out="$(mktemp "${TMPDIR:-/tmp}/streamlet-meson.XXXXXX")" || return 1

  if [[ -f "$dir/meson-private/coredata.dat" ]]; then
    if ! meson setup --reconfigure "$dir" "$@" >"$out" 2>&1; then
      cat "$out"
      rm -f "$out"
      echo "streamlet: reconfiguring $dir failed (if meson.build is fine, remove $dir and try again)" >&2
      return 1
    fi
  elif ! meson setup "$dir" "$@" >"$out" 2>&1; then
    cat "$out"
    rm -f "$out"
    return 1
  fi
  rm -f "$out"
  echo "Configured $dir ${*:-(default options)}; log in $dir/meson-logs/meson-log.txt"
  ninja -C "$dir"
}
