/* sl-viewers-chart.h: a line chart of viewers over time (the admin's
 * dashboard), drawn with GtkSnapshot in the theme's colours
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SL_TYPE_VIEWERS_CHART (sl_viewers_chart_get_type ())
G_DECLARE_FINAL_TYPE (SlViewersChart, sl_viewers_chart, SL, VIEWERS_CHART, GtkWidget)

/* Samples further apart than this are not joined by the line: nobody was
 * counting in between (the page was hidden). */
#define SL_VIEWERS_CHART_MAX_GAP_SECONDS 35

GtkWidget *sl_viewers_chart_new            (void);

/* Adds the count taken at @time_us (wall clock, g_get_real_time()); a
 * sample older than the newest is ignored. Samples that fall out of the
 * window (before the newest minus "window" seconds) are dropped. */
void       sl_viewers_chart_add_sample     (SlViewersChart *self,
                                            gint64          time_us,
                                            guint           viewers);
void       sl_viewers_chart_clear          (SlViewersChart *self);
guint      sl_viewers_chart_get_n_samples  (SlViewersChart *self);
/* The most time the chart keeps, in seconds (default 600, at least 60).
 * It spans from its oldest sample to its newest, and at least a minute.
 * Property "window". */
void       sl_viewers_chart_set_window     (SlViewersChart *self,
                                            guint           seconds);
guint      sl_viewers_chart_get_window     (SlViewersChart *self);

G_END_DECLS
