/* sl-log.h: one-line, timestamped log output for the streamlet programs
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  SL_LOG_QUIET,     /* warnings and errors only */
  SL_LOG_NORMAL,    /* + messages and info (one line per request) */
  SL_LOG_VERBOSE,   /* + debug */
} SlLogLevel;

void sl_log_init (SlLogLevel level);

G_END_DECLS
