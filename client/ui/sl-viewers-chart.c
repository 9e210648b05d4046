/* sl-viewers-chart.c: a line chart of viewers over time, drawn with
 * GtkSnapshot (cairo for the line and the area under it, layout nodes for
 * the labels) in the colours of the current style, dark or light
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-viewers-chart"

#include "config.h"

#include "sl-viewers-chart.h"

#include <glib/gi18n.h>
#include <math.h>

#define DEFAULT_WINDOW_SECONDS 600
#define MIN_WINDOW_SECONDS 60
#define MIN_SPAN_SECONDS 60
#define LABEL_GAP 6.0

typedef struct {
  gint64 time_us;
  guint  viewers;
} Sample;

struct _SlViewersChart {
  GtkWidget  parent_instance;

  GArray    *samples;    /* Sample, oldest first */
  guint      window;     /* seconds */
};

G_DEFINE_FINAL_TYPE (SlViewersChart, sl_viewers_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_WINDOW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- the samples ---------------------------------------------------------- */

static void
drop_old_samples (SlViewersChart *self)
{
  gint64 newest, since;
  guint keep_from = 0;

  if (self->samples->len == 0)
    return;
  newest = g_array_index (self->samples, Sample, self->samples->len - 1).time_us;
  since = newest - (gint64) self->window * G_USEC_PER_SEC;
  while (keep_from < self->samples->len &&
         g_array_index (self->samples, Sample, keep_from).time_us < since)
    keep_from++;
  if (keep_from > 0)
    g_array_remove_range (self->samples, 0, keep_from);
}

static void
update_accessible (SlViewersChart *self)
{
  g_autofree char *description = NULL;
  guint highest = 0;

  for (guint i = 0; i < self->samples->len; i++)
    highest = MAX (highest, g_array_index (self->samples, Sample, i).viewers);

  if (self->samples->len == 0)
    description = g_strdup (_("No counts yet"));
  else
    description = g_strdup_printf (_("Now %u, at most %u in the last %u minutes"),
                                   g_array_index (self->samples, Sample, self->samples->len - 1).viewers,
                                   highest, self->window / 60);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

void
sl_viewers_chart_add_sample (SlViewersChart *self,
                             gint64          time_us,
                             guint           viewers)
{
  Sample sample = { time_us, viewers };

  g_return_if_fail (SL_IS_VIEWERS_CHART (self));

  if (self->samples->len > 0 &&
      time_us < g_array_index (self->samples, Sample, self->samples->len - 1).time_us)
    return;
  g_array_append_val (self->samples, sample);
  drop_old_samples (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
sl_viewers_chart_clear (SlViewersChart *self)
{
  g_return_if_fail (SL_IS_VIEWERS_CHART (self));

  g_array_set_size (self->samples, 0);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
sl_viewers_chart_get_n_samples (SlViewersChart *self)
{
  g_return_val_if_fail (SL_IS_VIEWERS_CHART (self), 0);

  return self->samples->len;
}

void
sl_viewers_chart_set_window (SlViewersChart *self,
                             guint           seconds)
{
  g_return_if_fail (SL_IS_VIEWERS_CHART (self));

  seconds = MAX (seconds, MIN_WINDOW_SECONDS);
  if (self->window == seconds)
    return;
  self->window = seconds;
  drop_old_samples (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW]);
}

guint
sl_viewers_chart_get_window (SlViewersChart *self)
{
  g_return_val_if_fail (SL_IS_VIEWERS_CHART (self), 0);

  return self->window;
}

GtkWidget *
sl_viewers_chart_new (void)
{
  return g_object_new (SL_TYPE_VIEWERS_CHART, NULL);
}

/* ---- drawing ------------------------------------------------------------------ */

/* The smallest step of 1, 2 or 5 × 10ⁿ that covers @highest in at most
 * four steps. */
static guint
nice_step (guint highest)
{
  guint magnitude = 1;

  for (;;)
    {
      static const guint factors[] = { 1, 2, 5 };

      for (guint i = 0; i < G_N_ELEMENTS (factors); i++)
        {
          guint step = factors[i] * magnitude;

          if ((guint64) step * 4 >= highest)
            return step;
        }
      if (magnitude > G_MAXUINT / 100)
        return G_MAXUINT / 4;
      magnitude *= 10;
    }
}

static PangoLayout *
small_layout (GtkWidget  *widget,
              const char *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (0.85));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attrs);
  return layout;
}

static void
append_layout_at (GtkSnapshot   *snapshot,
                  PangoLayout   *layout,
                  double         x,
                  double         y,
                  const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) x, (float) y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static GdkRGBA
with_alpha (const GdkRGBA *color,
            float          alpha)
{
  GdkRGBA result = *color;

  result.alpha *= alpha;
  return result;
}

static char *
time_label (gint64   unix_seconds,
            gboolean seconds)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (unix_seconds);

  if (local == NULL)
    return g_strdup ("");
  if (seconds)
    /* TRANSLATORS: a time on the chart's axis, with seconds (strftime) */
    return g_date_time_format (local, _("%H:%M:%S"));
  /* TRANSLATORS: a time on the chart's axis (strftime) */
  return g_date_time_format (local, _("%H:%M"));
}

static void
sl_viewers_chart_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  SlViewersChart *self = SL_VIEWERS_CHART (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  GdkRGBA fg, accent, area, grid, text;
  guint highest = 0, step, top, n_steps;
  gint64 end_us, start_us;
  double left, right, plot_top, bottom, plot_w, plot_h;
  int label_w = 0, label_h = 0;
  guint x_interval;
  cairo_t *cr;

  if (width < 40 || height < 40)
    return;

  gtk_style_context_get_color (style, &fg);
  if (!gtk_style_context_lookup_color (style, "accent_color", &accent))
    gdk_rgba_parse (&accent, "#3584e4");
  area = with_alpha (&accent, 0.25f);
  grid = with_alpha (&fg, 0.12f);
  text = with_alpha (&fg, 0.7f);

  for (guint i = 0; i < self->samples->len; i++)
    highest = MAX (highest, g_array_index (self->samples, Sample, i).viewers);
  step = nice_step (MAX (highest, 1));
  n_steps = (highest + step - 1) / step;
  n_steps = CLAMP (n_steps, 1, 4);
  top = step * n_steps;
  if (top < 4 && highest <= 4)
    {
      /* small counts: 0 to 4 in ones rather than 0 to 1 */
      step = 1;
      n_steps = 4;
      top = 4;
    }

  /* the widest y label sets the left margin */
  for (guint i = 0; i <= n_steps; i++)
    {
      g_autofree char *value = g_strdup_printf ("%u", i * step);
      g_autoptr(PangoLayout) layout = small_layout (widget, value);
      int w, h;

      pango_layout_get_pixel_size (layout, &w, &h);
      label_w = MAX (label_w, w);
      label_h = MAX (label_h, h);
    }

  left = label_w + LABEL_GAP * 1.5;
  plot_top = label_h / 2.0 + 2;
  bottom = height - label_h - LABEL_GAP;
  right = width - 20;
  plot_w = right - left;
  plot_h = bottom - plot_top;
  if (plot_w < 20 || plot_h < 20)
    return;

  /* from the oldest sample kept (at most "window" ago) to the newest, and
   * never less than a minute */
  if (self->samples->len > 0)
    {
      end_us = g_array_index (self->samples, Sample, self->samples->len - 1).time_us;
      start_us = g_array_index (self->samples, Sample, 0).time_us;
    }
  else
    start_us = end_us = g_get_real_time ();
  start_us = MAX (start_us, end_us - (gint64) self->window * G_USEC_PER_SEC);
  start_us = MIN (start_us, end_us - MIN_SPAN_SECONDS * G_USEC_PER_SEC);

  /* the grid and the y labels */
  for (guint i = 0; i <= n_steps; i++)
    {
      g_autofree char *value = g_strdup_printf ("%u", i * step);
      g_autoptr(PangoLayout) layout = small_layout (widget, value);
      double y = bottom - plot_h * i / n_steps;
      int w, h;

      gtk_snapshot_append_color (snapshot, i == 0 ? &text : &grid,
                                 &GRAPHENE_RECT_INIT ((float) left, (float) (y - 0.5),
                                                      (float) plot_w, 1.f));
      pango_layout_get_pixel_size (layout, &w, &h);
      append_layout_at (snapshot, layout, left - LABEL_GAP - w, y - h / 2.0, &text);
    }
  gtk_snapshot_append_color (snapshot, &text,
                             &GRAPHENE_RECT_INIT ((float) (left - 0.5), (float) plot_top,
                                                  1.f, (float) plot_h));

  /* the time axis: ticks at round times, as many as fit */
  {
    static const guint intervals[] = { 15, 30, 60, 120, 300, 600, 900, 1800, 3600 };
    gint64 span = (end_us - start_us) / G_USEC_PER_SEC;
    int w, h;

    x_interval = intervals[G_N_ELEMENTS (intervals) - 1];
    for (guint i = 0; i < G_N_ELEMENTS (intervals); i++)
      {
        g_autofree char *sample_text = time_label (end_us / G_USEC_PER_SEC, intervals[i] < 60);
        g_autoptr(PangoLayout) sample_layout = small_layout (widget, sample_text);
        guint fit;

        pango_layout_get_pixel_size (sample_layout, &w, &h);
        fit = MAX (1, (guint) (plot_w / (w + 3 * LABEL_GAP)));
        if (span / intervals[i] < fit)
          {
            x_interval = intervals[i];
            break;
          }
      }

    for (gint64 t = (start_us / G_USEC_PER_SEC / x_interval + 1) * x_interval;
         t * G_USEC_PER_SEC <= end_us; t += x_interval)
      {
        g_autofree char *label = time_label (t, x_interval < 60);
        g_autoptr(PangoLayout) layout = small_layout (widget, label);
        double x = left + plot_w * (double) (t * G_USEC_PER_SEC - start_us) / (double) (end_us - start_us);

        gtk_snapshot_append_color (snapshot, &grid,
                                   &GRAPHENE_RECT_INIT ((float) (x - 0.5), (float) plot_top,
                                                        1.f, (float) plot_h));
        gtk_snapshot_append_color (snapshot, &text,
                                   &GRAPHENE_RECT_INIT ((float) (x - 0.5), (float) bottom, 1.f, 4.f));
        pango_layout_get_pixel_size (layout, &w, &h);
        if (x - w / 2.0 >= 0 && x + w / 2.0 <= width)
          append_layout_at (snapshot, layout, x - w / 2.0, bottom + LABEL_GAP / 2, &text);
      }
  }

  if (self->samples->len == 0)
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, _("Waiting for the first count…"));
      int w, h;

      pango_layout_get_pixel_size (layout, &w, &h);
      append_layout_at (snapshot, layout, left + (plot_w - w) / 2, plot_top + (plot_h - h) / 2, &text);
      return;
    }

  /* the area and the line, one run per stretch without a gap */
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, (float) width, (float) height));
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (guint run_start = 0; run_start < self->samples->len;)
    {
      guint run_end = run_start + 1;
      double x0 = 0, xn = 0;

      while (run_end < self->samples->len &&
             g_array_index (self->samples, Sample, run_end).time_us -
             g_array_index (self->samples, Sample, run_end - 1).time_us <=
             SL_VIEWERS_CHART_MAX_GAP_SECONDS * G_USEC_PER_SEC)
        run_end++;

      cairo_new_path (cr);
      for (guint i = run_start; i < run_end; i++)
        {
          const Sample *s = &g_array_index (self->samples, Sample, i);
          double x = left + plot_w * (double) (s->time_us - start_us) / (double) (end_us - start_us);
          double y = bottom - plot_h * (double) s->viewers / top;

          if (i == run_start)
            {
              x0 = x;
              cairo_move_to (cr, x, y);
            }
          else
            cairo_line_to (cr, x, y);
          xn = x;
        }

      if (run_end - run_start > 1)
        {
          cairo_path_t *line = cairo_copy_path (cr);

          cairo_line_to (cr, xn, bottom);
          cairo_line_to (cr, x0, bottom);
          cairo_close_path (cr);
          gdk_cairo_set_source_rgba (cr, &area);
          cairo_fill (cr);

          cairo_new_path (cr);
          cairo_append_path (cr, line);
          cairo_path_destroy (line);
          gdk_cairo_set_source_rgba (cr, &accent);
          cairo_set_line_width (cr, 2.5);
          cairo_stroke (cr);
        }
      cairo_new_path (cr);

      /* a dot on the newest sample of each run (and on a lone one) */
      {
        const Sample *s = &g_array_index (self->samples, Sample, run_end - 1);
        double y = bottom - plot_h * (double) s->viewers / top;

        cairo_arc (cr, xn, y, 3.5, 0, 2 * G_PI);
        gdk_cairo_set_source_rgba (cr, &accent);
        cairo_fill (cr);
      }
      run_start = run_end;
    }
  cairo_destroy (cr);
}

static void
sl_viewers_chart_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 560;
    }
  else
    {
      *minimum = 160;
      *natural = 220;
    }
}

static void
sl_viewers_chart_css_changed (GtkWidget         *widget,
                              GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (sl_viewers_chart_parent_class)->css_changed (widget, change);
  /* the accent and text colours change with the colour scheme */
  gtk_widget_queue_draw (widget);
}

/* ---- the object ---------------------------------------------------------------- */

static void
sl_viewers_chart_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SlViewersChart *self = SL_VIEWERS_CHART (object);

  switch (prop_id)
    {
    case PROP_WINDOW:
      g_value_set_uint (value, self->window);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sl_viewers_chart_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SlViewersChart *self = SL_VIEWERS_CHART (object);

  switch (prop_id)
    {
    case PROP_WINDOW:
      sl_viewers_chart_set_window (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sl_viewers_chart_finalize (GObject *object)
{
  SlViewersChart *self = SL_VIEWERS_CHART (object);

  g_clear_pointer (&self->samples, g_array_unref);
  G_OBJECT_CLASS (sl_viewers_chart_parent_class)->finalize (object);
}

static void
sl_viewers_chart_class_init (SlViewersChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = sl_viewers_chart_finalize;
  object_class->get_property = sl_viewers_chart_get_property;
  object_class->set_property = sl_viewers_chart_set_property;
  widget_class->snapshot = sl_viewers_chart_snapshot;
  widget_class->measure = sl_viewers_chart_measure;
  widget_class->css_changed = sl_viewers_chart_css_changed;

  properties[PROP_WINDOW] =
    g_param_spec_uint ("window", NULL, NULL,
                       MIN_WINDOW_SECONDS, G_MAXUINT / 2, DEFAULT_WINDOW_SECONDS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "sl-viewers-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
sl_viewers_chart_init (SlViewersChart *self)
{
  self->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  self->window = DEFAULT_WINDOW_SECONDS;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Viewers over time"),
                                  -1);
  update_accessible (self);
}
