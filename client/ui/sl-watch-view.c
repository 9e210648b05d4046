/* sl-watch-view.c: watching a live class: the video, volume, fullscreen,
 * chat, raising a hand, connection details, offline and ended states
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-watch-view"

#include "config.h"

#include "sl-watch-view.h"

#include "sl-chat-panel.h"
#include "sl-client-error.h"
#include "sl-ui-errors.h"
#include "sl-video-paintable.h"
#include "sl-viewer.h"

#include <glib/gi18n.h>
#include <string.h>

/* Narrower than this, the chat goes below the video. */
#define NARROW_WIDTH 720
/* A class that is live but sends nothing is asked again this often. */
#define OFFLINE_RETRY_S 3

typedef enum {
  WATCH_CONNECTING,     /* the first link, or a new one after a gap */
  WATCH_LIVE,           /* frames are coming */
  WATCH_RECONNECTING,   /* the stream went away; the viewer asks again */
  WATCH_WAITING,        /* live, but the teacher sends nothing yet; we ask again */
  WATCH_NOT_LIVE,       /* not started: starts by itself on "class_started" */
  WATCH_ENDED,
  WATCH_FAILED,         /* gave up: why, and "Try Again" */
} WatchState;

struct _SlWatchView {
  AdwBin            parent_instance;

  AdwToastOverlay  *toasts;
  AdwWindowTitle   *window_title;
  GtkToggleButton  *hand_button;
  GtkLabel         *hand_label;
  GtkStack         *stack;
  AdwFlap          *flap;
  GtkPicture       *picture;
  GtkWidget        *state_box;
  GtkSpinner       *state_spinner;
  GtkLabel         *state_label;
  GtkToggleButton  *mute_button;
  GtkAdjustment    *volume_adjustment;
  GtkLabel         *live_label;
  GtkButton        *fullscreen_button;
  SlChatPanel      *chat;
  AdwStatusPage    *status_page;
  GtkWidget        *retry_button;
  GtkLabel         *path_value;
  GtkLabel         *bitrate_value;
  GtkLabel         *loss_value;
  GtkLabel         *jitter_value;
  GtkLabel         *rtt_value;
  GtkLabel         *decoded_value;
  GtkLabel         *dropped_value;
  GtkLabel         *freezes_value;
  GtkLabel         *first_frame_value;
  GtkLabel         *reconnects_value;

  SlSession        *session;
  SlWsClient       *hub;
  gint64            class_id;
  SlViewer         *viewer;
  SlVideoPaintable *paintable;
  GSettings        *settings;
  GCancellable     *cancellable;

  WatchState        state;
  guint64           frames_mark;      /* frames shown before the current (re)connection */
  char             *teacher;
  gboolean          hand_raised;
  gint64            hand_position;
  gboolean          updating_hand;
  gboolean          narrow;
  guint             layout_idle;
  guint             retry_id;
  guint             details_id;
  GtkWindow        *window;           /* our root, watched for fullscreen */
};

G_DEFINE_FINAL_TYPE (SlWatchView, sl_watch_view, ADW_TYPE_BIN)

static void start_watching (SlWatchView *self);

/* @name of @object when it is an object, else NULL: what comes
 * from the network may lack anything. */
static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static void
toast (SlWatchView *self,
       const char  *text)
{
  AdwToast *t = adw_toast_new (text);

  adw_toast_set_timeout (t, 5);
  adw_toast_overlay_add_toast (self->toasts, t);
}

/* ---- what is shown ------------------------------------------------------- */

static void
update_subtitle (SlWatchView *self)
{
  g_autofree char *text = NULL;

  if (self->hand_raised && self->hand_position > 0)
    text = g_strdup_printf (_("Your hand is up: number %u in the queue"), (guint) self->hand_position);
  else if (self->hand_raised)
    text = g_strdup (_("Your hand is up"));
  else
    text = g_strdup (self->teacher != NULL ? self->teacher : "");
  adw_window_title_set_subtitle (self->window_title, text);
}

static void
update_hand (SlWatchView *self)
{
  gboolean watching = self->state == WATCH_CONNECTING || self->state == WATCH_LIVE ||
                      self->state == WATCH_RECONNECTING || self->state == WATCH_WAITING;
  gboolean connected = self->hub != NULL && sl_ws_client_get_state (self->hub) == SL_WS_CONNECTED;

  self->updating_hand = TRUE;
  gtk_toggle_button_set_active (self->hand_button, self->hand_raised);
  self->updating_hand = FALSE;
  gtk_label_set_text_with_mnemonic (self->hand_label, self->hand_raised ? _("Lower _Hand")
                                                                        : _("Raise _Hand"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->hand_button), watching && connected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "watch.toggle-hand", watching && connected);
  update_subtitle (self);
}

static void
set_state (SlWatchView  *self,
           WatchState    state,
           const GError *error)
{
  const char *overlay = NULL;

  self->state = state;
  switch (state)
    {
    case WATCH_CONNECTING:
      overlay = _("Connecting to the class…");
      break;
    case WATCH_RECONNECTING:
    case WATCH_WAITING:
      overlay = _("The teacher’s video is not coming through… It resumes here by itself.");
      sl_video_paintable_clear (self->paintable);
      break;
    case WATCH_LIVE:
      break;
    case WATCH_NOT_LIVE:
      adw_status_page_set_icon_name (self->status_page, "camera-video-symbolic");
      adw_status_page_set_title (self->status_page, _("This class is not live"));
      adw_status_page_set_description (self->status_page,
                                       _("It starts here by itself when the teacher goes live."));
      break;
    case WATCH_ENDED:
      adw_status_page_set_icon_name (self->status_page, "emblem-ok-symbolic");
      adw_status_page_set_title (self->status_page, _("This class has ended"));
      adw_status_page_set_description (self->status_page, _("Thanks for watching."));
      break;
    case WATCH_FAILED:
      {
        g_autofree char *text = error != NULL ? sl_ui_error_text (error) : NULL;

        adw_status_page_set_icon_name (self->status_page, "dialog-error-symbolic");
        adw_status_page_set_title (self->status_page, _("The class cannot be shown"));
        adw_status_page_set_description (self->status_page, text);
      }
      break;
    }

  if (state == WATCH_NOT_LIVE || state == WATCH_ENDED || state == WATCH_FAILED)
    {
      /* trying again cannot bring back a class that is gone or forbidden */
      gboolean can_retry = state == WATCH_FAILED &&
                           !g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_NOT_FOUND) &&
                           !g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_FORBIDDEN) &&
                           !g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT);

      sl_video_paintable_clear (self->paintable);
      gtk_widget_set_visible (self->retry_button, can_retry);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "watch.retry", can_retry);
      gtk_stack_set_visible_child_name (self->stack, "status");
    }
  else
    {
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "watch.retry", FALSE);
      gtk_stack_set_visible_child_name (self->stack, "watch");
    }
  gtk_widget_set_visible (self->state_box, overlay != NULL);
  gtk_spinner_set_spinning (self->state_spinner, overlay != NULL);
  gtk_label_set_text (self->state_label, overlay != NULL ? overlay : "");
  gtk_widget_set_visible (GTK_WIDGET (self->live_label), state == WATCH_LIVE);
  update_hand (self);
}

/* For good (ended, or the class is gone): stops the video. */
static void
end_watching (SlWatchView  *self,
              WatchState    state,
              const GError *error)
{
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->viewer != NULL)
    sl_viewer_stop (self->viewer);
  self->hand_raised = FALSE;
  self->hand_position = 0;
  set_state (self, state, error);
}

/* ---- the class ------------------------------------------------------------- */

/* Takes in what the class object (API or hub) says. */
static void
class_known (SlWatchView *self,
             JsonObject  *klass)
{
  const char *title = json_object_get_string_member_with_default (klass, "title", NULL);
  const char *state = json_object_get_string_member_with_default (klass, "state", "");
  JsonObject *owner = object_member (klass, "owner");

  if (title != NULL && *title != '\0')
    adw_window_title_set_title (self->window_title, title);
  if (owner != NULL)
    {
      g_free (self->teacher);
      self->teacher = g_strdup (json_object_get_string_member_with_default (owner, "display_name", ""));
      update_subtitle (self);
    }
  if ((strcmp (state, "ended") == 0 || strcmp (state, "cancelled") == 0) &&
      self->state != WATCH_ENDED)
    end_watching (self, WATCH_ENDED, NULL);
}

static void
class_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SlWatchView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  JsonObject *klass;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->session == NULL)
    return;
  if (answer == NULL)
    {
      /* the video says more than a missing title: only a gone class stops it */
      if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_NOT_FOUND))
        end_watching (self, WATCH_FAILED, error);
      return;
    }
  klass = object_member (answer, "class");
  if (klass != NULL)
    class_known (self, klass);
}

static void
fetch_class (SlWatchView *self)
{
  SlApiClient *api = sl_session_get_api (self->session);

  if (api != NULL)
    sl_api_client_get_class_async (api, self->class_id, self->cancellable, class_cb,
                                   g_object_ref (self));
}

/* ---- the video -------------------------------------------------------------- */

static void
frame_cb (GstSample *sample,
          gpointer   user_data)
{
  sl_video_paintable_push_sample (user_data, sample);
}

static void
paintable_contents_cb (SlWatchView *self)
{
  /* the first frame of a (re)connection makes it live */
  if ((self->state == WATCH_CONNECTING || self->state == WATCH_RECONNECTING) &&
      self->viewer != NULL && sl_viewer_get_state (self->viewer) == SL_MEDIA_CONNECTED &&
      sl_video_paintable_get_frames_shown (self->paintable) > self->frames_mark)
    set_state (self, WATCH_LIVE, NULL);
}

static gboolean
retry_cb (gpointer data)
{
  SlWatchView *self = data;

  self->retry_id = 0;
  start_watching (self);
  return G_SOURCE_REMOVE;
}

static void
started_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SlWatchView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (sl_viewer_start_finish (SL_VIEWER (source), result, &error))
    return;   /* "state-changed" and the frames tell the rest */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->session == NULL ||
      self->state == WATCH_ENDED)
    return;

  if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_NOT_LIVE))
    {
      set_state (self, WATCH_NOT_LIVE, NULL);
      fetch_class (self);   /* ended rather than not started yet? */
    }
  else if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_OFFLINE))
    {
      /* live, nobody sending yet: ask again (and at once on "stream") */
      set_state (self, WATCH_WAITING, NULL);
      g_clear_handle_id (&self->retry_id, g_source_remove);
      self->retry_id = g_timeout_add_seconds (OFFLINE_RETRY_S, retry_cb, self);
    }
  else
    set_state (self, WATCH_FAILED, error);
}

static void
start_watching (SlWatchView *self)
{
  SlMediaState state;

  if (self->viewer == NULL)
    return;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  state = sl_viewer_get_state (self->viewer);
  if (state == SL_MEDIA_CONNECTING || state == SL_MEDIA_CONNECTED || state == SL_MEDIA_RECONNECTING)
    return;
  self->frames_mark = sl_video_paintable_get_frames_shown (self->paintable);
  if (self->state != WATCH_WAITING)
    set_state (self, WATCH_CONNECTING, NULL);
  sl_viewer_start_async (self->viewer, self->cancellable, started_cb, g_object_ref (self));
}

static void
viewer_state_cb (SlViewer    *viewer,
                 int          state,
                 SlWatchView *self)
{
  switch ((SlMediaState) state)
    {
    case SL_MEDIA_RECONNECTING:
      if (self->state == WATCH_ENDED)
        break;
      self->frames_mark = sl_video_paintable_get_frames_shown (self->paintable);
      set_state (self, WATCH_RECONNECTING, NULL);
      /* the stream may be gone because the class is */
      fetch_class (self);
      break;
    case SL_MEDIA_CONNECTED:
      if (self->state == WATCH_WAITING)
        set_state (self, WATCH_CONNECTING, NULL);
      paintable_contents_cb (self);
      break;
    default:
      break;
    }
}

static void
viewer_error_cb (SlViewer    *viewer,
                 GError      *error,
                 SlWatchView *self)
{
  if (self->state != WATCH_ENDED)
    set_state (self, WATCH_FAILED, error);
}

static void
retry_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  start_watching (SL_WATCH_VIEW (widget));
}

/* ---- volume --------------------------------------------------------------------- */

static void
apply_volume (SlWatchView *self)
{
  double volume = gtk_adjustment_get_value (self->volume_adjustment);
  gboolean muted = gtk_toggle_button_get_active (self->mute_button);
  const char *icon;

  if (muted || volume <= 0)
    icon = "audio-volume-muted-symbolic";
  else if (volume < 0.34)
    icon = "audio-volume-low-symbolic";
  else if (volume < 0.67)
    icon = "audio-volume-medium-symbolic";
  else
    icon = "audio-volume-high-symbolic";
  gtk_button_set_icon_name (GTK_BUTTON (self->mute_button), icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->mute_button), muted ? _("Unmute (M)") : _("Mute (M)"));
  if (self->viewer != NULL)
    sl_viewer_set_volume (self->viewer, volume, muted);
}

static void
toggle_mute_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SlWatchView *self = SL_WATCH_VIEW (widget);

  gtk_toggle_button_set_active (self->mute_button, !gtk_toggle_button_get_active (self->mute_button));
}

/* ---- the hand ---------------------------------------------------------------------- */

static void
hand_toggled_cb (SlWatchView *self)
{
  g_autoptr(GError) error = NULL;
  gboolean raise = gtk_toggle_button_get_active (self->hand_button);

  if (self->updating_hand)
    return;
  if (self->hub == NULL || !sl_ws_client_set_hand (self->hub, self->class_id, raise, &error))
    {
      g_autofree char *text = error != NULL ? sl_ui_error_text (error) : NULL;

      toast (self, text != NULL ? text : _("Not connected to the class. Try again in a moment."));
      update_hand (self);   /* back as it was */
      return;
    }
  self->hand_raised = raise;
  self->hand_position = 0;   /* the hub's "hand" says where in the queue */
  update_hand (self);
}

static void
toggle_hand_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SlWatchView *self = SL_WATCH_VIEW (widget);

  if (gtk_widget_is_sensitive (GTK_WIDGET (self->hand_button)))
    gtk_toggle_button_set_active (self->hand_button, !gtk_toggle_button_get_active (self->hand_button));
}

/* ---- the hub -------------------------------------------------------------------------- */

static gint64
message_class_id (JsonObject *message)
{
  JsonObject *klass;

  if (json_object_has_member (message, "class_id"))
    return json_object_get_int_member_with_default (message, "class_id", 0);
  klass = object_member (message, "class");
  return klass != NULL ? json_object_get_int_member_with_default (klass, "id", 0) : 0;
}

static void
hub_message_cb (SlWsClient  *hub,
                JsonObject  *message,
                SlWatchView *self)
{
  const char *type = json_object_get_string_member_with_default (message, "type", "");

  if (message_class_id (message) != self->class_id || self->state == WATCH_ENDED)
    return;

  if (strcmp (type, "class_ended") == 0)
    end_watching (self, WATCH_ENDED, NULL);
  else if (strcmp (type, "class_started") == 0 || strcmp (type, "class_updated") == 0)
    {
      JsonObject *klass = object_member (message, "class");

      if (klass != NULL)
        class_known (self, klass);
      if (strcmp (type, "class_started") == 0 && self->state == WATCH_NOT_LIVE)
        start_watching (self);
    }
  else if (strcmp (type, "stream") == 0)
    {
      if (json_object_get_boolean_member_with_default (message, "online", FALSE) &&
          self->state == WATCH_WAITING)
        start_watching (self);
    }
  else if (strcmp (type, "joined") == 0)
    {
      self->hand_position = json_object_get_int_member_with_default (message, "hand_position", 0);
      self->hand_raised = self->hand_position > 0;
      update_hand (self);
    }
  else if (strcmp (type, "hand") == 0)
    {
      self->hand_raised = json_object_get_boolean_member_with_default (message, "raised", FALSE);
      self->hand_position = self->hand_raised
        ? json_object_get_int_member_with_default (message, "position", 0) : 0;
      update_hand (self);
    }
}

static void
hub_state_cb (SlWatchView *self)
{
  update_hand (self);
}

/* ---- connection details ------------------------------------------------------------------ */

static void
set_count (GtkLabel *label,
           guint64   value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, value);

  gtk_label_set_text (label, text);
}

static void
refresh_details (SlWatchView *self)
{
  SlMediaStats stats;
  g_autofree char *bitrate = NULL;
  g_autofree char *loss = NULL;
  g_autofree char *jitter = NULL;
  g_autofree char *rtt = NULL;
  g_autofree char *first = NULL;

  memset (&stats, 0, sizeof stats);
  stats.first_frame_ms = -1;
  if (self->viewer != NULL)
    sl_viewer_get_stats (self->viewer, &stats);

  gtk_label_set_text (self->path_value, _("Direct from the server (WebRTC)"));
  bitrate = g_strdup_printf (_("%.0f kbit/s (video %.0f, audio %.0f)"),
                             stats.video_kbps + stats.audio_kbps, stats.video_kbps, stats.audio_kbps);
  gtk_label_set_text (self->bitrate_value, bitrate);
  loss = g_strdup_printf (_("%.1f %% in the last second"), stats.loss_percent);
  gtk_label_set_text (self->loss_value, loss);
  jitter = g_strdup_printf (_("%.0f ms"), stats.jitter_ms);
  gtk_label_set_text (self->jitter_value, jitter);
  rtt = g_strdup_printf (_("%.0f ms"), stats.rtt_ms);
  gtk_label_set_text (self->rtt_value, rtt);
  set_count (self->decoded_value, stats.frames_decoded);
  set_count (self->dropped_value, stats.frames_dropped);
  set_count (self->freezes_value, stats.freezes);
  first = stats.first_frame_ms < 0 ? g_strdup (_("Not yet"))
                                   : g_strdup_printf (_("%.1f s"), stats.first_frame_ms / 1000.0);
  gtk_label_set_text (self->first_frame_value, first);
  set_count (self->reconnects_value, stats.reconnects);
}

static gboolean
details_tick_cb (gpointer data)
{
  refresh_details (data);
  return G_SOURCE_CONTINUE;
}

static void
details_map_cb (SlWatchView *self)
{
  refresh_details (self);
  if (self->details_id == 0)
    self->details_id = g_timeout_add_seconds (1, details_tick_cb, self);
}

static void
details_unmap_cb (SlWatchView *self)
{
  g_clear_handle_id (&self->details_id, g_source_remove);
}

/* ---- layout: wide, narrow, fullscreen ------------------------------------------------------- */

static void
update_fullscreen (SlWatchView *self)
{
  gboolean fullscreen = self->window != NULL && gtk_window_is_fullscreen (self->window);

  /* the video alone in fullscreen */
  adw_flap_set_reveal_flap (self->flap, !fullscreen);
  gtk_button_set_icon_name (self->fullscreen_button,
                            fullscreen ? "view-restore-symbolic" : "view-fullscreen-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->fullscreen_button),
                               fullscreen ? _("Leave Fullscreen (F11)") : _("Fullscreen (F11)"));
}

static gboolean
apply_layout_cb (gpointer data)
{
  SlWatchView *self = data;

  self->layout_idle = 0;
  /* beside the video when wide, below it when narrow */
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->flap),
                                  self->narrow ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
  if (self->narrow)
    gtk_widget_set_size_request (GTK_WIDGET (self->chat), -1, 240);
  else
    gtk_widget_set_size_request (GTK_WIDGET (self->chat), 320, -1);
  return G_SOURCE_REMOVE;
}

/* The view lays its child out itself (no layout manager) to see its
 * width: libadwaita 1.2 has no breakpoints. */
static void
sl_watch_view_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  GtkWidget *child = adw_bin_get_child (ADW_BIN (widget));

  if (child != NULL && gtk_widget_should_layout (child))
    gtk_widget_measure (child, orientation, for_size, minimum, natural,
                        minimum_baseline, natural_baseline);
}

static void
sl_watch_view_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  SlWatchView *self = SL_WATCH_VIEW (widget);
  GtkWidget *child = adw_bin_get_child (ADW_BIN (widget));
  gboolean narrow = width < NARROW_WIDTH;

  /* changed after this allocation: a layout change inside one is not allowed */
  if (narrow != self->narrow)
    {
      self->narrow = narrow;
      if (self->layout_idle == 0)
        self->layout_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, apply_layout_cb, self, NULL);
    }
  if (child != NULL && gtk_widget_should_layout (child))
    gtk_widget_allocate (child, width, height, baseline, NULL);
}

static void
sl_watch_view_root (GtkWidget *widget)
{
  SlWatchView *self = SL_WATCH_VIEW (widget);
  GtkRoot *root;

  GTK_WIDGET_CLASS (sl_watch_view_parent_class)->root (widget);
  root = gtk_widget_get_root (widget);
  if (GTK_IS_WINDOW (root))
    {
      self->window = GTK_WINDOW (root);
      g_signal_connect_swapped (root, "notify::fullscreened", G_CALLBACK (update_fullscreen), self);
    }
  update_fullscreen (self);
}

static void
sl_watch_view_unroot (GtkWidget *widget)
{
  SlWatchView *self = SL_WATCH_VIEW (widget);

  if (self->window != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->window, update_fullscreen, self);
      self->window = NULL;
    }
  GTK_WIDGET_CLASS (sl_watch_view_parent_class)->unroot (widget);
}

static void
send_chat_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SlWatchView *self = SL_WATCH_VIEW (widget);

  gtk_widget_activate_action (GTK_WIDGET (self->chat), "chat.send", NULL);
}

/* Whether the keyboard focus is in the chat (its line to write, a row). */
static gboolean
focus_in_chat (SlWatchView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  return focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->chat));
}

/* F6: between the video (where M and the other keys of the view work) and
 * the chat's line to write, as F6 goes between the panes of a window */
static void
switch_pane_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SlWatchView *self = SL_WATCH_VIEW (widget);

  if (focus_in_chat (self))
    gtk_widget_grab_focus (widget);
  else if (gtk_widget_get_mapped (GTK_WIDGET (self->chat)))
    gtk_widget_grab_focus (GTK_WIDGET (self->chat));
}

/* Escape while writing in the chat goes to the video (what was written
 * stays), not out of the class; from the video, as in the window */
static void
escape_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SlWatchView *self = SL_WATCH_VIEW (widget);

  if (focus_in_chat (self))
    gtk_widget_grab_focus (widget);
  else
    gtk_widget_activate_action (widget, "win.escape", NULL);
}

/* ---- the object ------------------------------------------------------------------------------ */

static void
sl_watch_view_dispose (GObject *object)
{
  SlWatchView *self = SL_WATCH_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->details_id, g_source_remove);
  g_clear_handle_id (&self->layout_idle, g_source_remove);
  if (self->viewer != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->viewer, self);
      /* stopping waits for the streaming threads: no frame comes after */
      sl_viewer_stop (self->viewer);
      sl_viewer_set_frame_func (self->viewer, NULL, NULL, NULL);
      g_clear_object (&self->viewer);
    }
  if (self->hub != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->hub, self);
      g_clear_object (&self->hub);
    }
  if (self->paintable != NULL)
    g_signal_handlers_disconnect_by_data (self->paintable, self);
  /* the chat panel leaves the class's room as it goes; the bound
   * toast overlay is AdwBin's child: taken from it first, so that AdwBin
   * does not unparent it a second time */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SL_TYPE_WATCH_VIEW);
  g_clear_object (&self->paintable);
  g_clear_object (&self->settings);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (sl_watch_view_parent_class)->dispose (object);
}

static void
sl_watch_view_finalize (GObject *object)
{
  SlWatchView *self = SL_WATCH_VIEW (object);

  g_free (self->teacher);
  G_OBJECT_CLASS (sl_watch_view_parent_class)->finalize (object);
}

static void
sl_watch_view_class_init (SlWatchViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sl_watch_view_dispose;
  object_class->finalize = sl_watch_view_finalize;
  widget_class->measure = sl_watch_view_measure;
  widget_class->size_allocate = sl_watch_view_size_allocate;
  widget_class->root = sl_watch_view_root;
  widget_class->unroot = sl_watch_view_unroot;

  g_type_ensure (SL_TYPE_CHAT_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamlet/Streamlet/sl-watch-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, toasts);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, window_title);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, hand_button);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, hand_label);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, stack);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, flap);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, picture);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, state_box);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, state_spinner);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, state_label);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, mute_button);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, volume_adjustment);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, live_label);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, fullscreen_button);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, chat);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, status_page);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, retry_button);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, path_value);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, bitrate_value);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, loss_value);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, jitter_value);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, rtt_value);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, decoded_value);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, dropped_value);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, freezes_value);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, first_frame_value);
  gtk_widget_class_bind_template_child (widget_class, SlWatchView, reconnects_value);
  gtk_widget_class_bind_template_callback (widget_class, hand_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, details_map_cb);
  gtk_widget_class_bind_template_callback (widget_class, details_unmap_cb);

  gtk_widget_class_install_action (widget_class, "watch.retry", NULL, retry_activated);
  gtk_widget_class_install_action (widget_class, "watch.toggle-mute", NULL, toggle_mute_activated);
  gtk_widget_class_install_action (widget_class, "watch.toggle-hand", NULL, toggle_hand_activated);
  gtk_widget_class_install_action (widget_class, "watch.send-chat", NULL, send_chat_activated);
  gtk_widget_class_install_action (widget_class, "watch.switch-pane", NULL, switch_pane_activated);
  gtk_widget_class_install_action (widget_class, "watch.escape", NULL, escape_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, 0, "watch.toggle-mute", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_h, GDK_CONTROL_MASK, "watch.toggle-hand", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "watch.send-chat", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "watch.send-chat", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F6, 0, "watch.switch-pane", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F6, GDK_SHIFT_MASK, "watch.switch-pane", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "watch.escape", NULL);
}

static void
sl_watch_view_init (SlWatchView *self)
{
  /* measure and size_allocate above instead of AdwBin's GtkBinLayout */
  gtk_widget_set_layout_manager (GTK_WIDGET (self), NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->paintable = sl_video_paintable_new ();
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (self->paintable));
  g_signal_connect_swapped (self->paintable, "invalidate-contents",
                            G_CALLBACK (paintable_contents_cb), self);
  self->cancellable = g_cancellable_new ();
  self->state = WATCH_CONNECTING;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "watch.retry", FALSE);
  apply_layout_cb (self);
}

GtkWidget *
sl_watch_view_new (SlSession *session,
                   gint64     class_id)
{
  SlWatchView *self;
  SlApiClient *api;
  SlViewerOptions options = { .decode = TRUE, .audio_out = TRUE, .latency_ms = 0 };

  g_return_val_if_fail (SL_IS_SESSION (session), NULL);

  self = g_object_new (SL_TYPE_WATCH_VIEW, NULL);
  self->session = g_object_ref (session);
  self->class_id = class_id;

  /* the volume is the app's, remembered across classes */
  self->settings = g_settings_new (SL_APP_ID);
  g_settings_bind (self->settings, "volume", self->volume_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "muted", self->mute_button, "active", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_swapped (self->volume_adjustment, "value-changed", G_CALLBACK (apply_volume), self);
  g_signal_connect_swapped (self->mute_button, "notify::active", G_CALLBACK (apply_volume), self);

  api = sl_session_get_api (session);
  if (api == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT,
                                                     "signed out");

      set_state (self, WATCH_FAILED, error);
      return GTK_WIDGET (self);
    }

  /* The hub: hands and the class's end. The chat panel joins the class's
   * room for both of us (SlWsClient keeps one membership per room, and a
   * second leave would drop the other's), and leaves it when it goes,
   * which is when this view goes. */
  self->hub = sl_session_get_hub (session);
  if (self->hub != NULL)
    {
      g_object_ref (self->hub);
      g_signal_connect (self->hub, "message", G_CALLBACK (hub_message_cb), self);
      g_signal_connect_swapped (self->hub, "state-changed", G_CALLBACK (hub_state_cb), self);
    }
  sl_chat_panel_set_class (self->chat, session, class_id,
                           g_strcmp0 (sl_session_get_role (session), "admin") == 0);

  fetch_class (self);

  self->viewer = sl_viewer_new (api, class_id, &options, sl_session_get_ice_addresses (session));
  sl_viewer_set_frame_func (self->viewer, frame_cb, g_object_ref (self->paintable), g_object_unref);
  g_signal_connect (self->viewer, "state-changed", G_CALLBACK (viewer_state_cb), self);
  g_signal_connect (self->viewer, "error", G_CALLBACK (viewer_error_cb), self);
  apply_volume (self);
  start_watching (self);
  return GTK_WIDGET (self);
}
