/* sl-go-live-view.c: the teacher's broadcast: source pickers, preview,
 * start/end, viewers, raised hands, chat with moderation, stream key
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-go-live-view"

#include "config.h"

#include "sl-go-live-view.h"

#include "sl-chat-panel.h"
#include "sl-client-error.h"
#include "sl-media.h"
#include "sl-publisher.h"
#include "sl-ui-errors.h"
#include "sl-video-paintable.h"
#include "sl-window.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <gst/app/gstappsink.h>
#include <linux/videodev2.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* what the preview shows: the size SlPublisher's preview tap gives too */
#define PREVIEW_CAPS "video/x-raw,format=RGBA,width=320,height=180,pixel-aspect-ratio=1/1"
#define KEY_MASK "••••••••••••••••"

typedef enum {
  BROADCAST_IDLE,
  BROADCAST_STARTING,
  BROADCAST_LIVE,
} BroadcastState;

/* one entry of the video picker */
typedef struct {
  SlVideoSource  source;
  char          *device;     /* a camera's /dev/videoN; NULL: none found */
} VideoChoice;

enum {
  AUDIO_CHOICE_TEST,
  AUDIO_CHOICE_MICROPHONE,
  AUDIO_CHOICE_NONE,
};

struct _SlGoLiveView {
  AdwBin            parent_instance;

  AdwWindowTitle   *window_title;
  GtkLabel         *viewer_count_label;
  AdwFlap          *flap;
  GtkPicture       *frame_picture;
  GtkPicture       *preview_picture;
  GtkLabel         *preview_status;
  GtkLabel         *live_badge;
  GtkButton        *start_button;
  GtkSpinner       *start_spinner;
  GtkButton        *stop_button;
  GtkButton        *end_class_button;
  GtkLabel         *status_label;
  GtkLabel         *error_label;
  AdwPreferencesGroup *sources_group;
  AdwComboRow      *video_row;
  AdwComboRow      *audio_row;
  AdwComboRow      *preset_row;
  GtkListBox       *hands_list;
  AdwPreferencesGroup *viewers_group;
  GtkListBox       *viewers_list;
  AdwActionRow     *whip_row;
  AdwActionRow     *key_row;
  GtkToggleButton  *show_key_button;
  SlChatPanel      *chat_panel;

  SlSession        *session;
  SlWsClient       *hub;
  gint64            class_id;
  JsonObject       *klass;          /* nullable until read */
  GSettings        *settings;
  GCancellable     *cancellable;
  SlVideoPaintable *paintable;
  GPtrArray        *video_choices;  /* VideoChoice * */

  GstElement       *preview;        /* the preview before broadcasting */
  guint             preview_watch;
  SlPublisher      *publisher;
  BroadcastState    broadcast;
  gboolean          stream_online;
  guint             viewers;
  char             *stream_key;
  char             *whip_url;
};

G_DEFINE_FINAL_TYPE (SlGoLiveView, sl_go_live_view, ADW_TYPE_BIN)

static void start_local_preview (SlGoLiveView *self);
static void stop_local_preview (SlGoLiveView *self);

/* ---- messages ------------------------------------------------------------- */

static void
set_error (SlGoLiveView *self,
           const char   *text)
{
  gtk_label_set_text (self->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static void
set_gerror (SlGoLiveView *self,
            const GError *error)
{
  g_autofree char *text = sl_ui_error_text (error);

  set_error (self, text);
}

static void
toast (SlGoLiveView *self,
       const char   *text)
{
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self), SL_TYPE_WINDOW);

  if (window != NULL)
    sl_window_toast (SL_WINDOW (window), text);
}

static void
set_preview_status (SlGoLiveView *self,
                    const char   *text)
{
  gtk_label_set_text (self->preview_status, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->preview_status), text != NULL);
}

/* ---- sources -------------------------------------------------------------- */

static void
video_choice_free (VideoChoice *choice)
{
  g_free (choice->device);
  g_free (choice);
}

static VideoChoice *
video_choice_new (SlVideoSource  source,
                  const char    *device)
{
  VideoChoice *choice = g_new0 (VideoChoice, 1);

  choice->source = source;
  choice->device = g_strdup (device);
  return choice;
}

static int
compare_video_nodes (gconstpointer a,
                     gconstpointer b)
{
  const char *na = *(const char *const *) a;
  const char *nb = *(const char *const *) b;

  return (int) (g_ascii_strtoull (na + 5, NULL, 10) > g_ascii_strtoull (nb + 5, NULL, 10)) -
         (int) (g_ascii_strtoull (na + 5, NULL, 10) < g_ascii_strtoull (nb + 5, NULL, 10));
}

/* The cameras: /dev/videoN nodes that capture video (a webcam's metadata
 * node does not), with their names. */
static void
add_cameras (GtkStringList *names,
             GPtrArray     *choices)
{
  g_autoptr(GDir) dir = g_dir_open ("/dev", 0, NULL);
  g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "video") && name[5] != '\0' &&
        strspn (name + 5, "0123456789") == strlen (name + 5))
      g_ptr_array_add (nodes, g_strdup (name));
  g_ptr_array_sort (nodes, compare_video_nodes);

  for (guint i = 0; i < nodes->len; i++)
    {
      g_autofree char *path = g_build_filename ("/dev", g_ptr_array_index (nodes, i), NULL);
      g_autofree char *label = NULL;
      struct v4l2_capability cap;
      guint32 caps;
      int fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

      if (fd < 0)
        continue;
      memset (&cap, 0, sizeof cap);
      if (ioctl (fd, VIDIOC_QUERYCAP, &cap) != 0)
        {
          close (fd);
          continue;
        }
      close (fd);
      caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
      if (!(caps & V4L2_CAP_VIDEO_CAPTURE))
        continue;
      /* TRANSLATORS: a camera in the video picker: its name, its device */
      label = g_strdup_printf (_("Camera: %s (%s)"), (const char *) cap.card, path);
      gtk_string_list_append (names, label);
      g_ptr_array_add (choices, video_choice_new (SL_VIDEO_SOURCE_CAMERA, path));
    }
}

static void
build_video_picker (SlGoLiveView *self)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autofree char *remembered = g_settings_get_string (self->settings, "video-device");
  guint selected = 0;
  guint first_camera = 0;

  self->video_choices = g_ptr_array_new_with_free_func ((GDestroyNotify) video_choice_free);
  gtk_string_list_append (names, _("Test Picture"));
  g_ptr_array_add (self->video_choices, video_choice_new (SL_VIDEO_SOURCE_TEST, NULL));
  add_cameras (names, self->video_choices);
  if (self->video_choices->len == 1)
    {
      /* stays in the list, saying why it cannot be chosen */
      gtk_string_list_append (names, _("Camera (none found)"));
      g_ptr_array_add (self->video_choices, video_choice_new (SL_VIDEO_SOURCE_CAMERA, NULL));
    }
  else
    first_camera = 1;
  gtk_string_list_append (names, _("Screen"));
  g_ptr_array_add (self->video_choices, video_choice_new (SL_VIDEO_SOURCE_SCREEN, NULL));

  /* a camera when there is one (the one chosen last time), else the test picture */
  for (guint i = 0; i < self->video_choices->len; i++)
    {
      VideoChoice *choice = g_ptr_array_index (self->video_choices, i);

      if (choice->source == SL_VIDEO_SOURCE_CAMERA && choice->device != NULL &&
          g_strcmp0 (choice->device, remembered) == 0)
        selected = i;
    }
  if (selected == 0)
    selected = first_camera;
  adw_combo_row_set_model (self->video_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->video_row, selected);
}

static VideoChoice *
chosen_video (SlGoLiveView *self)
{
  guint i = adw_combo_row_get_selected (self->video_row);

  if (self->video_choices == NULL || i >= self->video_choices->len)
    return NULL;
  return g_ptr_array_index (self->video_choices, i);
}

/* Whether the screen will come through the desktop portal (it asks the
 * user which screen at start): SlPublisher's rule for it. */
static gboolean
screen_through_portal (void)
{
  const char *force = g_getenv ("STREAMLET_SCREEN_PORTAL");
  const char *display = g_getenv ("DISPLAY");
  const char *wayland = g_getenv ("WAYLAND_DISPLAY");

  if (g_strcmp0 (force, "1") == 0)
    return TRUE;
  if (g_strcmp0 (force, "0") == 0)
    return FALSE;
  return display == NULL || *display == '\0' || (wayland != NULL && *wayland != '\0') ||
         g_strcmp0 (g_getenv ("XDG_SESSION_TYPE"), "wayland") == 0 ||
         g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

static gboolean
preset_get_mapping (GValue   *value,
                    GVariant *variant,
                    gpointer  data)
{
  SlPreset preset;

  if (!sl_preset_from_string (g_variant_get_string (variant, NULL), &preset))
    preset = SL_PRESET_720P;
  g_value_set_uint (value, (guint) preset);
  return TRUE;
}

static GVariant *
preset_set_mapping (const GValue       *value,
                    const GVariantType *type,
                    gpointer            data)
{
  static const char *const names[] = { "360p", "720p", "1080p" };
  guint i = g_value_get_uint (value);

  return g_variant_new_string (i < G_N_ELEMENTS (names) ? names[i] : "720p");
}

/* ---- what is shown ----------------------------------------------------------- */

static const char *
class_state (SlGoLiveView *self)
{
  return self->klass != NULL
         ? json_object_get_string_member_with_default (self->klass, "state", "") : NULL;
}

static void
update_controls (SlGoLiveView *self)
{
  const char *state = class_state (self);
  VideoChoice *video = chosen_video (self);
  gboolean open = g_strcmp0 (state, "scheduled") == 0 || g_strcmp0 (state, "live") == 0;
  gboolean video_ok = video != NULL && !(video->source == SL_VIDEO_SOURCE_CAMERA && video->device == NULL);
  gboolean idle = self->broadcast == BROADCAST_IDLE;
  gboolean live = self->broadcast == BROADCAST_LIVE;
  gboolean starting = self->broadcast == BROADCAST_STARTING;
  g_autofree char *status = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "golive.start",
                                 idle && open && video_ok &&
                                 sl_session_get_api (self->session) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "golive.stop", live);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "golive.end-class",
                                 idle && g_strcmp0 (state, "live") == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->start_button), !live);
  gtk_widget_set_visible (GTK_WIDGET (self->start_spinner), starting);
  gtk_spinner_set_spinning (self->start_spinner, starting);
  gtk_widget_set_visible (GTK_WIDGET (self->stop_button), live);
  gtk_widget_set_visible (GTK_WIDGET (self->end_class_button),
                          idle && g_strcmp0 (state, "live") == 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sources_group), idle);
  gtk_widget_set_visible (GTK_WIDGET (self->live_badge), live);

  if (video != NULL && video->source == SL_VIDEO_SOURCE_CAMERA && video->device == NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->video_row),
                                 _("No camera was found. Connect one, then open this view again."));
  else if (video != NULL && video->source == SL_VIDEO_SOURCE_SCREEN && screen_through_portal ())
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->video_row),
                                 _("Your desktop asks which screen to share when you start"));
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->video_row), "");

  if (state == NULL)
    status = g_strdup (_("Reading the class…"));
  else if (g_str_equal (state, "ended"))
    status = g_strdup (_("This class has ended. It cannot go live again."));
  else if (g_str_equal (state, "cancelled"))
    status = g_strdup (_("This class was cancelled. It cannot go live."));
  else if (starting)
    status = g_strdup (_("Connecting to the server…"));
  else if (live && self->stream_online)
    status = g_strdup_printf (ngettext ("You are live. %u person is in the class.",
                                        "You are live. %u people are in the class.",
                                        self->viewers), self->viewers);
  else if (live)
    status = g_strdup (_("You are broadcasting. Waiting for the server to receive it…"));
  else if (g_str_equal (state, "live") && self->stream_online)
    status = g_strdup (_("Someone else is broadcasting this class right now, perhaps OBS with "
                         "its stream key."));
  else if (g_str_equal (state, "live"))
    status = g_strdup (_("The class is live, but you are not broadcasting. Start again, or end "
                         "the class."));
  else
    status = g_strdup (_("Starting the broadcast takes the class live for your students."));
  gtk_label_set_text (self->status_label, status);

  adw_window_title_set_subtitle (self->window_title,
                                 live ? _("On Air")
                                 : starting ? _("Connecting…")
                                 : _("Not Broadcasting"));
}

static void
set_class (SlGoLiveView *self,
           JsonObject   *klass)
{
  g_clear_pointer (&self->klass, json_object_unref);
  self->klass = json_object_ref (klass);
  adw_window_title_set_title (self->window_title,
                              json_object_get_string_member_with_default (klass, "title", ""));
  update_controls (self);
}

/* Every row, not the placeholder (GTK 4.8 has no remove_all). */
static void
clear_list (GtkListBox *list)
{
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list));

  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);

      if (GTK_IS_LIST_BOX_ROW (child))
        gtk_list_box_remove (list, child);
      child = next;
    }
}

static void
update_people (SlGoLiveView *self,
               JsonObject   *message)
{
  JsonArray *users = json_object_has_member (message, "users")
                     ? json_object_get_array_member (message, "users") : NULL;
  gint64 me = sl_session_get_user_id (self->session);
  g_autofree char *count = NULL;

  clear_list (self->viewers_list);

  if (users != NULL)
    {
      self->viewers = 0;
      for (guint i = 0; i < json_array_get_length (users); i++)
        {
          JsonObject *user = json_array_get_object_element (users, i);
          const char *role;
          GtkWidget *row;

          if (user == NULL || json_object_get_int_member_with_default (user, "id", 0) == me)
            continue;
          self->viewers++;
          role = json_object_get_string_member_with_default (user, "role", "student");
          row = adw_action_row_new ();
          adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                         json_object_get_string_member_with_default (user, "display_name", ""));
          if (g_str_equal (role, "teacher"))
            adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Teacher"));
          else if (g_str_equal (role, "admin"))
            adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Administrator"));
          gtk_list_box_append (self->viewers_list, row);
        }
    }
  else
    {
      gint64 n = json_object_get_int_member_with_default (message, "count", 0);

      /* the count includes this teacher */
      self->viewers = n > 0 ? (guint) n - 1 : 0;
    }

  count = g_strdup_printf ("%u", self->viewers);
  gtk_label_set_text (self->viewer_count_label, count);
  if (self->viewers == 0)
    adw_preferences_group_set_description (self->viewers_group, NULL);
  else
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u person in the class",
                                                         "%u people in the class", self->viewers),
                                               self->viewers);

      adw_preferences_group_set_description (self->viewers_group, text);
    }
  update_controls (self);
}

static void
update_hands (SlGoLiveView *self,
              JsonArray    *queue)
{
  clear_list (self->hands_list);

  for (guint i = 0; queue != NULL && i < json_array_get_length (queue); i++)
    {
      JsonObject *hand = json_array_get_object_element (queue, i);
      JsonObject *user = hand != NULL && json_object_has_member (hand, "user")
                         ? json_object_get_object_member (hand, "user") : NULL;
      const char *name;
      const char *raised;
      g_autoptr(GDateTime) utc = NULL;
      g_autofree char *lower_label = NULL;
      GtkWidget *row;
      GtkWidget *lower;

      if (user == NULL)
        continue;
      name = json_object_get_string_member_with_default (user, "display_name", "");
      raised = json_object_get_string_member_with_default (hand, "raised_at", NULL);
      utc = raised != NULL ? g_date_time_new_from_iso8601 (raised, NULL) : NULL;

      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      if (utc != NULL)
        {
          g_autoptr(GDateTime) local = g_date_time_to_local (utc);
          /* TRANSLATORS: when a hand went up, see g_date_time_format() */
          g_autofree char *at = g_date_time_format (local, _("%H:%M"));
          g_autofree char *subtitle = g_strdup_printf (_("Raised at %s"), at);

          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
        }
      lower = gtk_button_new_with_mnemonic (_("_Lower"));
      gtk_widget_set_valign (lower, GTK_ALIGN_CENTER);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (lower), "golive.lower-hand");
      gtk_actionable_set_action_target_value (
        GTK_ACTIONABLE (lower),
        g_variant_new_int64 (json_object_get_int_member_with_default (user, "id", 0)));
      lower_label = g_strdup_printf (_("Lower the hand of %s"), name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (lower), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      lower_label, -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), lower);
      gtk_list_box_append (self->hands_list, row);
    }
}

/* ---- the hub ------------------------------------------------------------------- */

static void
hub_message_cb (SlWsClient   *hub,
                JsonObject   *message,
                SlGoLiveView *self)
{
  const char *type = json_object_get_string_member_with_default (message, "type", "");

  if (g_str_equal (type, "class_started") || g_str_equal (type, "class_updated") ||
      g_str_equal (type, "class_ended"))
    {
      JsonNode *node = json_object_get_member (message, "class");

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node) &&
          json_object_get_int_member_with_default (json_node_get_object (node), "id", 0) == self->class_id)
        set_class (self, json_node_get_object (node));
      return;
    }
  if (json_object_get_int_member_with_default (message, "class_id", 0) != self->class_id)
    return;
  g_debug ("class %" G_GINT64_FORMAT ": %s", self->class_id, type);

  if (g_str_equal (type, "joined"))
    {
      JsonNode *klass = json_object_get_member (message, "class");

      if (klass != NULL && JSON_NODE_HOLDS_OBJECT (klass))
        set_class (self, json_node_get_object (klass));
      update_people (self, message);
      if (json_object_has_member (message, "hands"))
        update_hands (self, json_object_get_array_member (message, "hands"));
    }
  else if (g_str_equal (type, "presence"))
    update_people (self, message);
  else if (g_str_equal (type, "hands"))
    update_hands (self, json_object_has_member (message, "queue")
                       ? json_object_get_array_member (message, "queue") : NULL);
  else if (g_str_equal (type, "stream"))
    {
      self->stream_online = json_object_get_boolean_member_with_default (message, "online", FALSE);
      update_controls (self);
    }
}

/* ---- the preview before broadcasting ------------------------------------------- */

static GstFlowReturn
preview_sample_cb (GstAppSink *sink,
                   gpointer    data)
{
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;
  sl_video_paintable_push_sample (SL_VIDEO_PAINTABLE (data), sample);
  return GST_FLOW_OK;
}

static void
preview_frame_cb (GstSample *sample,
                  gpointer   data)
{
  sl_video_paintable_push_sample (SL_VIDEO_PAINTABLE (data), sample);
}

static gboolean
preview_bus_cb (GstBus     *bus,
                GstMessage *message,
                gpointer    data)
{
  SlGoLiveView *self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    return G_SOURCE_CONTINUE;
  gst_message_parse_error (message, &error, NULL);
  g_debug ("preview: %s: %s", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message);
  text = g_strdup_printf (_("No preview: %s"), error->message);
  /* the watch goes with the pipeline */
  self->preview_watch = 0;
  stop_local_preview (self);
  sl_video_paintable_clear (self->paintable);
  set_preview_status (self, text);
  return G_SOURCE_REMOVE;
}

static void
stop_local_preview (SlGoLiveView *self)
{
  g_clear_handle_id (&self->preview_watch, g_source_remove);
  if (self->preview != NULL)
    {
      gst_element_set_state (self->preview, GST_STATE_NULL);
      gst_clear_object (&self->preview);
    }
}

/* What the chosen source looks like, before anything is sent. */
static void
start_local_preview (SlGoLiveView *self)
{
  VideoChoice *video = chosen_video (self);
  g_autofree char *description = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstAppSinkCallbacks callbacks = { .new_sample = preview_sample_cb };
  const char *tail = " ! videoconvert ! videoscale ! " PREVIEW_CAPS " ! appsink name=sink "
                     "drop=true max-buffers=1 sync=false enable-last-sample=false";

  stop_local_preview (self);
  if (self->broadcast != BROADCAST_IDLE || video == NULL)
    return;
  sl_video_paintable_clear (self->paintable);

  switch (video->source)
    {
    case SL_VIDEO_SOURCE_TEST:
      description = g_strconcat ("videotestsrc is-live=true pattern=ball ! "
                                 "video/x-raw,width=640,height=360,framerate=30/1", tail, NULL);
      break;
    case SL_VIDEO_SOURCE_CAMERA:
      if (video->device == NULL)
        {
          set_preview_status (self, _("No camera was found"));
          return;
        }
      {
        g_autofree char *device = g_strescape (video->device, NULL);

        description = g_strdup_printf ("v4l2src device=\"%s\" ! decodebin%s", device, tail);
      }
      break;
    case SL_VIDEO_SOURCE_SCREEN:
    default:
      if (screen_through_portal ())
        {
          set_preview_status (self, _("Your desktop asks which screen to share when you start. "
                                      "The preview shows it then."));
          return;
        }
      description = g_strconcat ("ximagesrc use-damage=false ! video/x-raw,framerate=10/1", tail,
                                 NULL);
      break;
    }

  set_preview_status (self, _("Starting the preview…"));
  self->preview = gst_parse_launch (description, &error);
  if (self->preview == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("No preview: %s"), error->message);

      set_preview_status (self, text);
      return;
    }
  gst_object_ref_sink (self->preview);
  sink = gst_bin_get_by_name (GST_BIN (self->preview), "sink");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, g_object_ref (self->paintable),
                              g_object_unref);
  bus = gst_element_get_bus (self->preview);
  self->preview_watch = gst_bus_add_watch (bus, preview_bus_cb, self);
  if (gst_element_set_state (self->preview, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      stop_local_preview (self);
      set_preview_status (self, _("No preview: the source could not be started"));
    }
}

static void
frame_shown_cb (SlGoLiveView *self)
{
  if (sl_video_paintable_get_frames_shown (self->paintable) > 0)
    set_preview_status (self, NULL);
}

static void
source_changed_cb (SlGoLiveView *self)
{
  VideoChoice *video = chosen_video (self);

  if (video != NULL && video->source == SL_VIDEO_SOURCE_CAMERA && video->device != NULL)
    g_settings_set_string (self->settings, "video-device", video->device);
  set_error (self, NULL);
  update_controls (self);
  if (self->broadcast == BROADCAST_IDLE && self->video_choices != NULL)
    start_local_preview (self);
}

/* ---- broadcasting ------------------------------------------------------------------ */

static void
drop_publisher (SlGoLiveView *self)
{
  if (self->publisher == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->publisher, self);
  sl_publisher_set_preview_func (self->publisher, NULL, NULL, NULL);
  sl_publisher_stop (self->publisher);
  g_clear_object (&self->publisher);
}

static void
back_to_idle (SlGoLiveView *self)
{
  drop_publisher (self);
  self->broadcast = BROADCAST_IDLE;
  self->stream_online = FALSE;
  update_controls (self);
  start_local_preview (self);
}

static char *
start_error_text (const GError *error)
{
  /* (the server's own words are for developers here) */
  if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_BUSY))
    return g_strdup (_("Someone is already broadcasting this class, perhaps OBS with its "
                       "stream key. Stop that broadcast, then start again."));
  return sl_ui_error_text (error);
}

static void
class_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SlGoLiveView) self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answer == NULL)
    {
      if (self->klass == NULL)
        set_gerror (self, error);
      return;
    }
  if (json_object_has_member (answer, "class") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (answer, "class")))
    set_class (self, json_object_get_object_member (answer, "class"));
}

static void
read_class (SlGoLiveView *self)
{
  SlApiClient *api = sl_session_get_api (self->session);

  if (api != NULL)
    sl_api_client_get_class_async (api, self->class_id, self->cancellable, class_read_cb,
                                   g_object_ref (self));
}

static void
publisher_error_cb (SlPublisher  *publisher,
                    GError       *error,
                    SlGoLiveView *self)
{
  g_autofree char *words = sl_ui_error_text (error);
  g_autofree char *text = g_strdup_printf (_("The broadcast stopped. %s"), words);

  set_error (self, text);
  back_to_idle (self);
}

static void
started_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SlGoLiveView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!sl_publisher_start_finish (SL_PUBLISHER (source), result, &error))
    {
      g_autofree char *text = NULL;

      /* stopped: the view went, or another run took over */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          SL_PUBLISHER (source) != self->publisher)
        return;
      text = start_error_text (error);
      set_error (self, text);
      back_to_idle (self);
      return;
    }
  if (SL_PUBLISHER (source) != self->publisher)
    return;
  self->broadcast = BROADCAST_LIVE;
  update_controls (self);
  /* publishing took the class live */
  read_class (self);
}

static void
start_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SlGoLiveView *self = SL_GO_LIVE_VIEW (widget);
  SlApiClient *api = sl_session_get_api (self->session);
  VideoChoice *video = chosen_video (self);
  SlPublisherOptions options = { 0 };

  if (api == NULL || video == NULL || self->broadcast != BROADCAST_IDLE)
    return;

  options.video = video->source;
  options.video_device = video->device;
  switch (adw_combo_row_get_selected (self->audio_row))
    {
    case AUDIO_CHOICE_TEST:
      options.audio = SL_AUDIO_SOURCE_TEST;
      break;
    case AUDIO_CHOICE_MICROPHONE:
      options.audio = SL_AUDIO_SOURCE_MICROPHONE;
      break;
    case AUDIO_CHOICE_NONE:
    default:
      options.audio = SL_AUDIO_SOURCE_NONE;
      break;
    }
  options.preset = (SlPreset) MIN (adw_combo_row_get_selected (self->preset_row),
                                   (guint) SL_PRESET_1080P);

  /* the camera is the publisher's from now on */
  stop_local_preview (self);
  set_error (self, NULL);
  set_preview_status (self, _("Starting…"));
  self->publisher = sl_publisher_new (api, self->class_id, &options,
                                      sl_session_get_ice_addresses (self->session));
  sl_publisher_set_preview_func (self->publisher, preview_frame_cb,
                                 g_object_ref (self->paintable), g_object_unref);
  g_signal_connect (self->publisher, "error", G_CALLBACK (publisher_error_cb), self);
  self->broadcast = BROADCAST_STARTING;
  update_controls (self);
  sl_publisher_start_async (self->publisher, NULL, started_cb, g_object_ref (self));
}

static void
stop_response_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  SlGoLiveView     *self)
{
  if (!g_str_equal (response, "end") || self->broadcast != BROADCAST_LIVE)
    return;
  back_to_idle (self);
  toast (self, _("The broadcast has ended. The class is still live."));
}

static AdwMessageDialog *
confirm (SlGoLiveView *self,
         const char   *heading,
         const char   *body,
         const char   *keep_label,
         const char   *end_label,
         GCallback     callback)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", keep_label,
                                    "end", end_label, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "end",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", callback, self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return ADW_MESSAGE_DIALOG (dialog);
}

static void
stop_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  confirm (SL_GO_LIVE_VIEW (widget), _("End the Broadcast?"),
           _("Your students stop seeing and hearing you. The class stays live: you can "
             "broadcast again, or end the class."),
           _("_Keep Broadcasting"), _("_End Broadcast"), G_CALLBACK (stop_response_cb));
}

static void
class_ended_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SlGoLiveView) self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answer == NULL)
    {
      set_gerror (self, error);
      update_controls (self);
      return;
    }
  if (json_object_has_member (answer, "class") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (answer, "class")))
    set_class (self, json_object_get_object_member (answer, "class"));
  stop_local_preview (self);
  set_preview_status (self, _("The class has ended"));
  sl_video_paintable_clear (self->paintable);
  toast (self, _("The class has ended."));
}

static void
end_class_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       SlGoLiveView     *self)
{
  SlApiClient *api = sl_session_get_api (self->session);
  g_autofree char *path = NULL;

  if (!g_str_equal (response, "end") || api == NULL || self->broadcast != BROADCAST_IDLE)
    return;
  path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/end", self->class_id);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "golive.end-class", FALSE);
  set_error (self, NULL);
  sl_api_client_request_async (api, "POST", path, NULL, self->cancellable, class_ended_cb,
                               g_object_ref (self));
}

static void
end_class_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  confirm (SL_GO_LIVE_VIEW (widget), _("End the Class?"),
           _("The class ends for everyone and cannot go live again. Its chat and recordings "
             "are kept."),
           _("_Cancel"), _("_End Class"), G_CALLBACK (end_class_response_cb));
}

static void
lower_hand_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SlGoLiveView *self = SL_GO_LIVE_VIEW (widget);
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(GError) error = NULL;

  if (self->hub == NULL)
    return;
  json_object_set_string_member (message, "type", "hand_dismiss");
  json_object_set_int_member (message, "class_id", self->class_id);
  json_object_set_int_member (message, "user_id", g_variant_get_int64 (parameter));
  if (!sl_ws_client_send (self->hub, message, &error))
    set_gerror (self, error);
}

/* ---- the stream key ---------------------------------------------------------------- */

static void
show_key (SlGoLiveView *self)
{
  gboolean shown = gtk_toggle_button_get_active (self->show_key_button);

  if (self->stream_key == NULL)
    return;
  adw_action_row_set_subtitle (self->key_row, shown ? self->stream_key : KEY_MASK);
  gtk_button_set_label (GTK_BUTTON (self->show_key_button), shown ? _("Hid_e") : _("Sho_w"));
}

static void
show_key_toggled_cb (SlGoLiveView *self)
{
  show_key (self);
}

static void
stream_key_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SlGoLiveView) self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  const char *key;
  const char *url;

  answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  key = answer != NULL ? json_object_get_string_member_with_default (answer, "stream_key", NULL) : NULL;
  url = answer != NULL ? json_object_get_string_member_with_default (answer, "whip_url", NULL) : NULL;
  if (key == NULL || url == NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_FORBIDDEN))
        text = g_strdup (_("Only the class’s own teacher can see its stream key."));
      else if (error != NULL)
        text = sl_ui_error_text (error);
      else
        text = g_strdup (_("The server sent no stream key."));
      adw_action_row_set_subtitle (self->whip_row, text);
      adw_action_row_set_subtitle (self->key_row, _("Not available"));
      return;
    }
  self->stream_key = g_strdup (key);
  self->whip_url = g_strdup (url);
  adw_action_row_set_subtitle (self->whip_row, url);
  gtk_widget_set_sensitive (GTK_WIDGET (self->show_key_button), TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "golive.copy-url", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "golive.copy-key", TRUE);
  show_key (self);
}

static void
copy_url_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SlGoLiveView *self = SL_GO_LIVE_VIEW (widget);

  if (self->whip_url == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->whip_url);
  toast (self, _("Server address copied"));
}

static void
copy_key_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SlGoLiveView *self = SL_GO_LIVE_VIEW (widget);

  if (self->stream_key == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->stream_key);
  toast (self, _("Stream key copied"));
}

/* ---- the object ----------------------------------------------------------------------- */

static gboolean
sl_go_live_view_grab_focus (GtkWidget *widget)
{
  SlGoLiveView *self = SL_GO_LIVE_VIEW (widget);

  if (gtk_widget_is_sensitive (GTK_WIDGET (self->start_button)) &&
      gtk_widget_get_visible (GTK_WIDGET (self->start_button)))
    return gtk_widget_grab_focus (GTK_WIDGET (self->start_button));
  return GTK_WIDGET_CLASS (sl_go_live_view_parent_class)->grab_focus (widget);
}

static void
sl_go_live_view_dispose (GObject *object)
{
  SlGoLiveView *self = SL_GO_LIVE_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* a broadcast under way ends with the view */
  drop_publisher (self);
  stop_local_preview (self);
  if (self->hub != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->hub, self);
      if (self->class_id > 0)
        sl_ws_client_leave (self->hub, self->class_id);
      g_clear_object (&self->hub);
    }
  if (self->settings != NULL)
    {
      g_settings_unbind (self->preset_row, "selected");
      g_clear_object (&self->settings);
    }
  if (self->paintable != NULL)
    g_signal_handlers_disconnect_by_data (self->paintable, self);
  g_clear_object (&self->paintable);
  g_clear_object (&self->session);
  g_clear_pointer (&self->klass, json_object_unref);
  g_clear_pointer (&self->video_choices, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), SL_TYPE_GO_LIVE_VIEW);
  G_OBJECT_CLASS (sl_go_live_view_parent_class)->dispose (object);
}

static void
sl_go_live_view_finalize (GObject *object)
{
  SlGoLiveView *self = SL_GO_LIVE_VIEW (object);

  g_free (self->stream_key);
  g_free (self->whip_url);
  G_OBJECT_CLASS (sl_go_live_view_parent_class)->finalize (object);
}

static void
sl_go_live_view_class_init (SlGoLiveViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sl_go_live_view_dispose;
  object_class->finalize = sl_go_live_view_finalize;
  widget_class->grab_focus = sl_go_live_view_grab_focus;

  g_type_ensure (SL_TYPE_CHAT_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamlet/Streamlet/sl-go-live-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, window_title);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, viewer_count_label);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, flap);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, frame_picture);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, preview_picture);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, preview_status);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, live_badge);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, start_button);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, start_spinner);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, stop_button);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, end_class_button);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, status_label);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, error_label);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, sources_group);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, video_row);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, audio_row);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, preset_row);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, hands_list);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, viewers_group);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, viewers_list);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, whip_row);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, key_row);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, show_key_button);
  gtk_widget_class_bind_template_child (widget_class, SlGoLiveView, chat_panel);
  gtk_widget_class_bind_template_callback (widget_class, show_key_toggled_cb);

  gtk_widget_class_install_action (widget_class, "golive.start", NULL, start_activated);
  gtk_widget_class_install_action (widget_class, "golive.stop", NULL, stop_activated);
  gtk_widget_class_install_action (widget_class, "golive.end-class", NULL, end_class_activated);
  gtk_widget_class_install_action (widget_class, "golive.lower-hand", "x", lower_hand_activated);
  gtk_widget_class_install_action (widget_class, "golive.copy-url", NULL, copy_url_activated);
  gtk_widget_class_install_action (widget_class, "golive.copy-key", NULL, copy_key_activated);
}

static void
sl_go_live_view_init (SlGoLiveView *self)
{
  g_autoptr(GdkPaintable) frame = gdk_paintable_new_empty (16, 9);

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_picture_set_paintable (self->frame_picture, frame);
  self->paintable = sl_video_paintable_new ();
  gtk_picture_set_paintable (self->preview_picture, GDK_PAINTABLE (self->paintable));
  g_signal_connect_swapped (self->paintable, "invalidate-contents", G_CALLBACK (frame_shown_cb), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "golive.copy-url", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "golive.copy-key", FALSE);
}

GtkWidget *
sl_go_live_view_new (SlSession *session,
                     gint64     class_id)
{
  SlGoLiveView *self;
  SlApiClient *api;

  g_return_val_if_fail (SL_IS_SESSION (session), NULL);

  /* GStreamer, for the preview */
  sl_media_init ();
  self = g_object_new (SL_TYPE_GO_LIVE_VIEW, NULL);
  self->session = g_object_ref (session);
  self->class_id = class_id;
  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (SL_APP_ID);
  api = sl_session_get_api (session);

  g_settings_bind_with_mapping (self->settings, "preferred-preset", self->preset_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, preset_get_mapping, preset_set_mapping,
                                NULL, NULL);
  adw_combo_row_set_selected (self->audio_row, AUDIO_CHOICE_MICROPHONE);
  build_video_picker (self);
  g_signal_connect_swapped (self->video_row, "notify::selected", G_CALLBACK (source_changed_cb), self);
  g_signal_connect_swapped (self->audio_row, "notify::selected", G_CALLBACK (source_changed_cb), self);

  if (sl_session_get_hub (session) != NULL)
    {
      self->hub = g_object_ref (sl_session_get_hub (session));
      g_signal_connect_object (self->hub, "message", G_CALLBACK (hub_message_cb), self, 0);
      sl_ws_client_join (self->hub, class_id);
    }
  sl_chat_panel_set_class (self->chat_panel, session, class_id, TRUE);

  if (api != NULL)
    {
      read_class (self);
      sl_api_client_stream_key_async (api, class_id, self->cancellable, stream_key_cb,
                                      g_object_ref (self));
    }
  else
    set_error (self, _("You are signed out. Sign in again to broadcast."));
  update_controls (self);
  start_local_preview (self);
  return GTK_WIDGET (self);
}
