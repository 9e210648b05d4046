/* sl-recording-view.c: playing a class recording (its MP4, or its VOD
 * playlist) with a playbin whose video goes to an SlVideoPaintable; play,
 * pause, seek, volume
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-recording-view"

#include "config.h"

#include "sl-recording-view.h"

#include "sl-media.h"
#include "sl-ui-errors.h"
#include "sl-video-paintable.h"

#include <glib/gi18n.h>
#include <gst/app/gstappsink.h>
#include <gst/audio/streamvolume.h>

#define SEEK_STEP_S       10
#define POSITION_EVERY_MS 250
/* playbin's GstPlayFlags: text (subtitles) */
#define PLAY_FLAG_TEXT    (1 << 2)

struct _SlRecordingView {
  AdwBin            parent_instance;

  AdwWindowTitle   *window_title;
  GtkStack         *stack;
  GtkPicture       *picture;
  GtkSpinner       *spinner;
  AdwStatusPage    *error_page;
  GtkWidget        *retry_button;
  GtkWidget        *controls;
  GtkButton        *play_button;
  GtkLabel         *elapsed_label;
  GtkLabel         *total_label;
  GtkScale         *scale;
  GtkAdjustment    *position;
  GtkMenuButton    *volume_button;
  GtkAdjustment    *volume;

  SlSession        *session;
  SlApiClient      *api;
  JsonObject       *recording;
  char             *uri;
  GCancellable     *cancellable;

  SlVideoPaintable *paintable;
  GstElement       *pipeline;
  guint             bus_watch;
  guint             position_id;
  gint64            duration;      /* ns; -1: not known */
  gint64            resume_at;     /* ns to seek to once ready (a retry); -1: none */
  gboolean          ready;         /* prerolled once */
  gboolean          want_playing;
  gboolean          ended;
  gboolean          buffering;
  gboolean          seeking;
  gboolean          muted;
};

enum {
  PROP_0,
  PROP_MUTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SlRecordingView, sl_recording_view, ADW_TYPE_BIN)

/* ---- words ------------------------------------------------------------------------ */

static char *
format_clock_time (gint64 ns)
{
  gint64 s = MAX (ns, 0) / GST_SECOND;

  if (s >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", (int) (s / 3600), (int) (s / 60 % 60), (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

/* A GStreamer error in the words of someone watching a recording. */
static char *
playback_error_text (const GError *error)
{
  if (error->domain == GST_RESOURCE_ERROR)
    switch (error->code)
      {
      case GST_RESOURCE_ERROR_NOT_FOUND:
        return g_strdup (_("This recording is no longer on the server."));
      case GST_RESOURCE_ERROR_NOT_AUTHORIZED:
        return g_strdup (_("The link to this recording has expired. Go back and open the "
                           "recording again."));
      case GST_RESOURCE_ERROR_OPEN_READ:
      case GST_RESOURCE_ERROR_READ:
      case GST_RESOURCE_ERROR_OPEN_READ_WRITE:
      case GST_RESOURCE_ERROR_BUSY:
        return g_strdup_printf (_("The server cannot be reached. Check your network "
                                  "connection. (%s)"), error->message);
      default:
        break;
      }
  if ((error->domain == GST_CORE_ERROR && error->code == GST_CORE_ERROR_MISSING_PLUGIN) ||
      (error->domain == GST_STREAM_ERROR && error->code == GST_STREAM_ERROR_CODEC_NOT_FOUND))
    return g_strdup_printf (_("A part of GStreamer needed to play this recording is not "
                              "installed. (%s)"), error->message);
  if (error->domain == GST_STREAM_ERROR)
    return g_strdup_printf (_("This recording cannot be read: it may be damaged. (%s)"),
                            error->message);
  return g_strdup_printf (_("This recording cannot be played: %s"), error->message);
}

/* ---- showing the state -------------------------------------------------------------- */

static void
update_spinner (SlRecordingView *self)
{
  gboolean busy = self->pipeline != NULL && (!self->ready || self->buffering || self->seeking);

  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
}

static void
update_play_button (SlRecordingView *self)
{
  gboolean playing = self->want_playing && !self->ended;

  gtk_button_set_icon_name (self->play_button, playing ? "media-playback-pause-symbolic"
                                                       : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button), playing ? _("Pause") : _("Play"));
}

/* @can_retry: whether trying again may help (not for an expired link) */
static void
show_error (SlRecordingView *self,
            const char      *text,
            gboolean         can_retry)
{
  adw_status_page_set_description (self->error_page, text);
  gtk_widget_set_visible (self->retry_button, can_retry);
  self->want_playing = FALSE;
  update_play_button (self);
  gtk_stack_set_visible_child_name (self->stack, "error");
  gtk_spinner_set_spinning (self->spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  gtk_widget_set_sensitive (self->controls, FALSE);
}

static void
update_volume_icon (SlRecordingView *self)
{
  double volume = gtk_adjustment_get_value (self->volume);
  const char *icon;

  if (self->muted || volume <= 0.0)
    icon = "audio-volume-muted-symbolic";
  else if (volume < 0.34)
    icon = "audio-volume-low-symbolic";
  else if (volume < 0.67)
    icon = "audio-volume-medium-symbolic";
  else
    icon = "audio-volume-high-symbolic";
  gtk_menu_button_set_icon_name (self->volume_button, icon);
}

static void
show_position (SlRecordingView *self,
               gint64           ns)
{
  g_autofree char *text = format_clock_time (ns);

  gtk_adjustment_set_value (self->position, (double) ns / GST_SECOND);
  gtk_label_set_text (self->elapsed_label, text);
}

static void
set_duration (SlRecordingView *self,
              gint64           ns)
{
  g_autofree char *text = NULL;

  if (ns <= 0 || ns == self->duration)
    return;
  self->duration = ns;
  text = format_clock_time (ns);
  gtk_label_set_text (self->total_label, text);
  gtk_adjustment_set_upper (self->position, (double) ns / GST_SECOND);
  update_spinner (self);
}

/* ---- the pipeline -------------------------------------------------------------------- */

static GstFlowReturn
new_sample_cb (GstAppSink *sink,
               gpointer    user_data)
{
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;
  sl_video_paintable_push_sample (SL_VIDEO_PAINTABLE (user_data), sample);
  return GST_FLOW_OK;
}

static GstFlowReturn
new_preroll_cb (GstAppSink *sink,
                gpointer    user_data)
{
  g_autoptr(GstSample) sample = gst_app_sink_pull_preroll (sink);

  /* paused (or just sought): show where it stands */
  if (sample != NULL)
    sl_video_paintable_push_sample (SL_VIDEO_PAINTABLE (user_data), sample);
  return GST_FLOW_OK;
}

static void
query_duration (SlRecordingView *self)
{
  gint64 ns = -1;

  if (self->pipeline != NULL &&
      gst_element_query_duration (self->pipeline, GST_FORMAT_TIME, &ns) && ns > 0)
    set_duration (self, ns);
}

static gboolean
position_cb (gpointer user_data)
{
  SlRecordingView *self = user_data;
  gint64 ns = -1;

  if (self->pipeline == NULL || self->seeking)
    return G_SOURCE_CONTINUE;
  if (self->duration < 0)
    query_duration (self);
  if (gst_element_query_position (self->pipeline, GST_FORMAT_TIME, &ns) && ns >= 0)
    show_position (self, self->duration > 0 ? MIN (ns, self->duration) : ns);
  return G_SOURCE_CONTINUE;
}

static void
apply_volume (SlRecordingView *self)
{
  if (self->pipeline == NULL)
    return;
  /* the slider is as loud as it looks: a cubic scale */
  gst_stream_volume_set_volume (GST_STREAM_VOLUME (self->pipeline), GST_STREAM_VOLUME_FORMAT_CUBIC,
                                gtk_adjustment_get_value (self->volume));
  gst_stream_volume_set_mute (GST_STREAM_VOLUME (self->pipeline), self->muted);
}

static void
set_target_state (SlRecordingView *self)
{
  GstState target;

  if (self->pipeline == NULL)
    return;
  target = self->want_playing && !self->buffering && !self->ended ? GST_STATE_PLAYING
                                                                   : GST_STATE_PAUSED;
  if (gst_element_set_state (self->pipeline, target) == GST_STATE_CHANGE_FAILURE)
    g_debug ("the pipeline did not take state %s", gst_element_state_get_name (target));
}

static void
seek_to (SlRecordingView *self,
         gint64           ns)
{
  if (self->pipeline == NULL)
    return;
  if (self->duration > 0)
    ns = CLAMP (ns, 0, self->duration);
  else
    ns = MAX (ns, 0);
  if (!gst_element_seek_simple (self->pipeline, GST_FORMAT_TIME,
                                GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT, ns))
    {
      g_debug ("seeking to %" GST_TIME_FORMAT " was refused", GST_TIME_ARGS (ns));
      return;
    }
  /* the slider stays where it was put until the pipeline is there */
  self->seeking = TRUE;
  if (self->ended)
    {
      self->ended = FALSE;
      set_target_state (self);
      update_play_button (self);
    }
  show_position (self, ns);
  update_spinner (self);
}

static void stop_pipeline (SlRecordingView *self);

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    user_data)
{
  SlRecordingView *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *debug = NULL;
        g_autofree char *text = NULL;

        gst_message_parse_error (message, &error, &debug);
        g_debug ("playing %s failed: %s (%s)", self->uri, error->message, debug ? debug : "");
        text = playback_error_text (error);
        stop_pipeline (self);
        show_error (self, text,
                    !g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED) &&
                    !g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND));
        return G_SOURCE_REMOVE;
      }

    case GST_MESSAGE_WARNING:
      {
        g_autoptr(GError) error = NULL;

        gst_message_parse_warning (message, &error, NULL);
        g_debug ("while playing: %s", error->message);
      }
      break;

    case GST_MESSAGE_EOS:
      self->ended = TRUE;
      set_target_state (self);
      if (self->duration > 0)
        show_position (self, self->duration);
      update_play_button (self);
      break;

    case GST_MESSAGE_BUFFERING:
      {
        int percent = 100;

        gst_message_parse_buffering (message, &percent);
        if ((percent < 100) != self->buffering)
          {
            self->buffering = percent < 100;
            set_target_state (self);
            update_spinner (self);
          }
      }
      break;

    case GST_MESSAGE_DURATION_CHANGED:
      self->duration = -1;
      query_duration (self);
      break;

    case GST_MESSAGE_ASYNC_DONE:
      self->ready = TRUE;
      query_duration (self);
      if (self->resume_at > 0)
        {
          gint64 at = self->resume_at;

          self->resume_at = -1;
          seek_to (self, at);
          break;
        }
      self->seeking = FALSE;
      update_spinner (self);
      position_cb (self);
      break;

    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static void
stop_pipeline (SlRecordingView *self)
{
  g_clear_handle_id (&self->position_id, g_source_remove);
  if (self->bus_watch != 0)
    {
      g_source_remove (self->bus_watch);
      self->bus_watch = 0;
    }
  if (self->pipeline != NULL)
    {
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      gst_clear_object (&self->pipeline);
    }
  self->buffering = FALSE;
  self->seeking = FALSE;
  self->ready = FALSE;
}

static void
start_pipeline (SlRecordingView *self)
{
  static const char *const needed[] = {
    "playbin", "appsink", "videoconvert", "souphttpsrc", "qtdemux", "h264parse", "avdec_h264",
    NULL,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstAppSinkCallbacks callbacks = { .new_preroll = new_preroll_cb, .new_sample = new_sample_cb };
  GstElement *sink;
  guint flags = 0;

  stop_pipeline (self);
  if (self->uri == NULL)
    {
      show_error (self, _("This recording has no video to play yet."), FALSE);
      return;
    }
  if (!sl_media_check_elements (needed, &error))
    {
      g_autofree char *text = g_strdup_printf (_("A part of GStreamer needed to play recordings "
                                                 "is not installed: %s"), error->message);

      show_error (self, text, FALSE);
      return;
    }

  self->pipeline = gst_element_factory_make ("playbin", NULL);
  sink = gst_element_factory_make ("appsink", NULL);
  if (self->pipeline == NULL || sink == NULL)
    {
      if (sink != NULL)
        gst_object_unref (gst_object_ref_sink (sink));
      gst_clear_object (&self->pipeline);
      show_error (self, _("The video player could not be set up."), FALSE);
      return;
    }
  gst_object_ref_sink (self->pipeline);

  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGBA", NULL);
  g_object_set (sink, "caps", caps, "sync", TRUE, "max-buffers", 2, "drop", TRUE,
                "enable-last-sample", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, g_object_ref (self->paintable),
                              g_object_unref);

  g_object_get (self->pipeline, "flags", &flags, NULL);
  g_object_set (self->pipeline, "uri", self->uri, "video-sink", sink,
                "flags", flags & ~PLAY_FLAG_TEXT, NULL);
  apply_volume (self);

  bus = gst_element_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, bus_cb, self);
  self->position_id = g_timeout_add (POSITION_EVERY_MS, position_cb, self);

  gtk_stack_set_visible_child_name (self->stack, "video");
  gtk_widget_set_sensitive (self->controls, TRUE);
  self->ended = FALSE;
  self->want_playing = TRUE;
  update_play_button (self);
  update_spinner (self);
  set_target_state (self);
}

/* ---- actions ------------------------------------------------------------------------------- */

static void
play_pause_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SlRecordingView *self = SL_RECORDING_VIEW (widget);

  if (self->pipeline == NULL)
    return;
  if (self->ended)
    {
      /* from the start again */
      self->want_playing = TRUE;
      seek_to (self, 0);
    }
  else
    self->want_playing = !self->want_playing;
  set_target_state (self);
  update_play_button (self);
}

static gint64
current_position (SlRecordingView *self)
{
  return (gint64) (gtk_adjustment_get_value (self->position) * GST_SECOND);
}

static void
seek_backward_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  SlRecordingView *self = SL_RECORDING_VIEW (widget);

  seek_to (self, current_position (self) - SEEK_STEP_S * GST_SECOND);
}

static void
seek_forward_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  SlRecordingView *self = SL_RECORDING_VIEW (widget);

  seek_to (self, current_position (self) + SEEK_STEP_S * GST_SECOND);
}

static void
retry_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SlRecordingView *self = SL_RECORDING_VIEW (widget);

  self->resume_at = current_position (self);
  start_pipeline (self);
}

/* The user moved the slider (dragging, clicking, keys): go there. */
static gboolean
scale_change_value_cb (SlRecordingView *self,
                       GtkScrollType    scroll,
                       double           value)
{
  double upper = gtk_adjustment_get_upper (self->position);

  seek_to (self, (gint64) (CLAMP (value, 0.0, upper) * GST_SECOND));
  return TRUE;
}

static void
volume_changed_cb (SlRecordingView *self)
{
  apply_volume (self);
  update_volume_icon (self);
}

/* ---- the title ------------------------------------------------------------------------------ */

static void
show_class (SlRecordingView *self,
            JsonObject      *klass)
{
  const char *title = NULL;

  if (klass != NULL && json_object_has_member (klass, "title") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (klass, "title")))
    title = json_object_get_string_member (klass, "title");
  if (title != NULL)
    adw_window_title_set_title (self->window_title, title);
}

static void
class_loaded_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SlRecordingView) self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  if (answer == NULL)
    {
      /* the title stays "Recording"; playing does not need it */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("no class for the recording: %s", error->message);
      return;
    }
  if (json_object_has_member (answer, "class") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (answer, "class")))
    show_class (self, json_object_get_object_member (answer, "class"));
}

static void
show_recording (SlRecordingView *self)
{
  JsonObject *recording = self->recording;
  const char *started = NULL;
  const char *url = NULL;

  if (json_object_has_member (recording, "class") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (recording, "class")))
    show_class (self, json_object_get_object_member (recording, "class"));
  else if (json_object_has_member (recording, "class_id") && self->api != NULL)
    sl_api_client_get_class_async (self->api, json_object_get_int_member (recording, "class_id"),
                                   self->cancellable, class_loaded_cb, g_object_ref (self));

  if (json_object_has_member (recording, "started_at") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (recording, "started_at")))
    started = json_object_get_string_member (recording, "started_at");
  if (started != NULL)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_iso8601 (started, NULL);

      if (utc != NULL)
        {
          g_autoptr(GDateTime) local = g_date_time_to_local (utc);
          /* TRANSLATORS: when a recording was made, see strftime(3) */
          g_autofree char *when = g_date_time_format (local, _("%-d %B %Y, %H:%M"));
          /* TRANSLATORS: %s is a date and time */
          g_autofree char *subtitle = g_strdup_printf (_("Recorded %s"), when);

          adw_window_title_set_subtitle (self->window_title, subtitle);
        }
    }

  if (json_object_has_member (recording, "duration_ms") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (recording, "duration_ms")))
    set_duration (self, json_object_get_int_member (recording, "duration_ms") * GST_MSECOND);

  /* the MP4 seeks best; the playlist while there is no MP4 */
  for (guint i = 0; i < 2 && url == NULL; i++)
    {
      const char *name = i == 0 ? "mp4_url" : "playlist_url";
      JsonNode *node = json_object_has_member (recording, name)
                       ? json_object_get_member (recording, name) : NULL;

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_STRING && *json_node_get_string (node) != '\0')
        url = json_node_get_string (node);
    }
  g_clear_pointer (&self->uri, g_free);
  if (url != NULL && g_uri_peek_scheme (url) != NULL)
    self->uri = g_strdup (url);
  else if (url != NULL && url[0] == '/' && self->api != NULL)
    self->uri = g_strconcat (sl_api_client_get_base_url (self->api), url, NULL);
}

/* ---- the widget -------------------------------------------------------------------------------- */

GtkWidget *
sl_recording_view_new (SlSession  *session,
                       JsonObject *recording)
{
  SlRecordingView *self;

  g_return_val_if_fail (session == NULL || SL_IS_SESSION (session), NULL);
  g_return_val_if_fail (recording != NULL, NULL);

  self = g_object_new (SL_TYPE_RECORDING_VIEW, NULL);
  if (session != NULL)
    {
      self->session = g_object_ref (session);
      if (sl_session_get_api (session) != NULL)
        self->api = g_object_ref (sl_session_get_api (session));
    }
  self->recording = json_object_ref (recording);
  show_recording (self);
  start_pipeline (self);
  return GTK_WIDGET (self);
}

static gboolean
sl_recording_view_grab_focus (GtkWidget *widget)
{
  SlRecordingView *self = SL_RECORDING_VIEW (widget);

  if (gtk_widget_get_sensitive (self->controls))
    return gtk_widget_grab_focus (GTK_WIDGET (self->play_button));
  return GTK_WIDGET_CLASS (sl_recording_view_parent_class)->grab_focus (widget);
}

static void
sl_recording_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SlRecordingView *self = SL_RECORDING_VIEW (object);

  switch (prop_id)
    {
    case PROP_MUTED:
      g_value_set_boolean (value, self->muted);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sl_recording_view_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SlRecordingView *self = SL_RECORDING_VIEW (object);

  switch (prop_id)
    {
    case PROP_MUTED:
      if (self->muted != g_value_get_boolean (value))
        {
          self->muted = g_value_get_boolean (value);
          apply_volume (self);
          update_volume_icon (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sl_recording_view_dispose (GObject *object)
{
  SlRecordingView *self = SL_RECORDING_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  stop_pipeline (self);
  if (self->paintable != NULL)
    sl_video_paintable_clear (self->paintable);
  gtk_widget_dispose_template (GTK_WIDGET (self), SL_TYPE_RECORDING_VIEW);
  g_clear_object (&self->paintable);
  g_clear_object (&self->api);
  g_clear_object (&self->session);
  g_clear_pointer (&self->recording, json_object_unref);
  G_OBJECT_CLASS (sl_recording_view_parent_class)->dispose (object);
}

static void
sl_recording_view_finalize (GObject *object)
{
  SlRecordingView *self = SL_RECORDING_VIEW (object);

  g_free (self->uri);
  G_OBJECT_CLASS (sl_recording_view_parent_class)->finalize (object);
}

static void
sl_recording_view_class_init (SlRecordingViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sl_recording_view_dispose;
  object_class->finalize = sl_recording_view_finalize;
  object_class->get_property = sl_recording_view_get_property;
  object_class->set_property = sl_recording_view_set_property;
  widget_class->grab_focus = sl_recording_view_grab_focus;

  properties[PROP_MUTED] =
    g_param_spec_boolean ("muted", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamlet/Streamlet/sl-recording-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, window_title);
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, stack);
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, picture);
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, spinner);
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, error_page);
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, retry_button);
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, controls);
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, play_button);
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, elapsed_label);
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, total_label);
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, scale);
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, position);
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, volume_button);
  gtk_widget_class_bind_template_child (widget_class, SlRecordingView, volume);
  gtk_widget_class_bind_template_callback (widget_class, scale_change_value_cb);

  gtk_widget_class_install_action (widget_class, "recording.play-pause", NULL, play_pause_activated);
  gtk_widget_class_install_action (widget_class, "recording.seek-backward", NULL,
                                   seek_backward_activated);
  gtk_widget_class_install_action (widget_class, "recording.seek-forward", NULL,
                                   seek_forward_activated);
  gtk_widget_class_install_action (widget_class, "recording.retry", NULL, retry_activated);
  gtk_widget_class_install_property_action (widget_class, "recording.mute", "muted");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "recording.play-pause", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "recording.seek-backward", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "recording.seek-forward", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, 0, "recording.mute", NULL);
}

static void
sl_recording_view_init (SlRecordingView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->duration = -1;
  self->resume_at = -1;
  self->paintable = sl_video_paintable_new ();
  if (GDK_IS_PAINTABLE (self->paintable))
    gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (self->paintable));
  g_signal_connect_object (self->volume, "value-changed", G_CALLBACK (volume_changed_cb), self,
                           G_CONNECT_SWAPPED);
  update_play_button (self);
  update_volume_icon (self);
}
