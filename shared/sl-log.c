/* sl-log.c: one-line, timestamped log output for the streamlet programs
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-log"

#include "config.h"

#include "sl-log.h"

#include <stdio.h>
#include <string.h>

static GLogWriterOutput
sl_log_writer (GLogLevelFlags   log_level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  SlLogLevel level = GPOINTER_TO_INT (user_data);
  const char *domain = NULL;
  const char *message = NULL;
  const char *tag;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;
  FILE *out = stderr;

  if ((log_level & G_LOG_LEVEL_DEBUG) && level < SL_LOG_VERBOSE)
    return G_LOG_WRITER_HANDLED;
  if ((log_level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_MESSAGE)) && level < SL_LOG_NORMAL)
    return G_LOG_WRITER_HANDLED;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }

  if (log_level & G_LOG_LEVEL_ERROR)
    tag = "ERROR";
  else if (log_level & G_LOG_LEVEL_CRITICAL)
    tag = "CRITICAL";
  else if (log_level & G_LOG_LEVEL_WARNING)
    tag = "WARNING";
  else if (log_level & G_LOG_LEVEL_DEBUG)
    tag = "DEBUG";
  else
    {
      tag = "INFO";
      out = stdout;
    }

  now = g_date_time_new_now_utc ();
  stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  /* %f gives microseconds: keep milliseconds */
  if (stamp != NULL && strlen (stamp) > 24)
    {
      stamp[23] = 'Z';
      stamp[24] = '\0';
    }

  fprintf (out, "%s %s %s: %s\n", stamp ? stamp : "-", tag,
           domain ? domain : "streamlet", message ? message : "");
  fflush (out);
  return G_LOG_WRITER_HANDLED;
}

void
sl_log_init (SlLogLevel level)
{
  g_log_set_writer_func (sl_log_writer, GINT_TO_POINTER (level), NULL);
}
