/* test-ui-watch.c: a student watches a live class in the app: moving video,
 * the title, chat both ways, a raised hand the teacher sees, being muted,
 * a lost stream, the class's end; a class not live yet; an unknown class
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-ui-watch"

#include "config.h"

#include "sl-chat-panel.h"
#include "sl-test-media.h"
#include "sl-test-server.h"
#include "sl-test-ui.h"
#include "sl-test-ws.h"
#include "sl-video-paintable.h"
#include "sl-watch-view.h"

#include <string.h>

#define CLIENT_ICE_ADDRESS "10.231.0.2"

static gboolean have_network;
static char *network_problem;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlTestServer, sl_test_server_free)

static gboolean
need_network (void)
{
  if (!have_network)
    g_test_skip_printf ("no private network namespace: %s", network_problem);
  return have_network;
}


/* Waits until GET /api/watch/<id> says the stream is online. */
static gboolean
wait_online (SlTestServer *ts,
             gint64        id,
             guint         timeout_ms)
{
  g_autofree char *path = g_strdup_printf ("/api/watch/%" G_GINT64_FORMAT, id);
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, NULL, NULL);

      g_assert_cmpuint (resp->status, ==, 200);
      if (json_object_get_boolean_member (sl_test_response_object (resp), "online"))
        return TRUE;
      sl_test_ui_run_for (50);
    }
  return FALSE;
}

/* ---- what the user sees ---------------------------------------------------- */

static gboolean
hub_connected_cb (gpointer data)
{
  int state = SL_WS_DISCONNECTED;

  g_object_get (data, "hub-state", &state, NULL);
  return state == SL_WS_CONNECTED;
}

static SlSession *
session_new (SlTestServer *ts,
             const char   *username,
             const char   *password)
{
  SlSession *session = sl_test_ui_session (ts, username, password);

  g_assert_true (sl_test_ui_wait_until (hub_connected_cb, session, 10000));
  return session;
}

static SlVideoPaintable *
view_paintable (GtkWidget *view)
{
  GtkWidget *picture = sl_test_ui_find (view, GTK_TYPE_PICTURE, NULL);

  g_assert_nonnull (picture);
  return SL_VIDEO_PAINTABLE (gtk_picture_get_paintable (GTK_PICTURE (picture)));
}

typedef struct {
  GtkWidget *root;
  GType      type;
  const char *text;
  guint64    frames;
} Look;

/* A widget of that type with that text is on screen. */
static gboolean
shown_cb (gpointer data)
{
  Look *look = data;
  GtkWidget *found = sl_test_ui_find (look->root, look->type, look->text);

  return found != NULL && gtk_widget_get_mapped (found);
}

static gboolean
gone_cb (gpointer data)
{
  return !shown_cb (data);
}

static gboolean
wait_shown (GtkWidget  *root,
            GType       type,
            const char *text,
            guint       timeout_ms)
{
  Look look = { root, type, text, 0 };

  return sl_test_ui_wait_until (shown_cb, &look, timeout_ms);
}

static gboolean
wait_gone (GtkWidget  *root,
           GType       type,
           const char *text,
           guint       timeout_ms)
{
  Look look = { root, type, text, 0 };

  return sl_test_ui_wait_until (gone_cb, &look, timeout_ms);
}

static gboolean
frames_cb (gpointer data)
{
  Look *look = data;

  return sl_video_paintable_get_frames_shown (view_paintable (look->root)) >= look->frames;
}

static gboolean
wait_frames (GtkWidget *view,
             guint64    frames,
             guint      timeout_ms)
{
  Look look = { view, G_TYPE_NONE, NULL, frames };

  return sl_test_ui_wait_until (frames_cb, &look, timeout_ms);
}

static gboolean
subtitle_cb (gpointer data)
{
  Look *look = data;
  GtkWidget *title = sl_test_ui_find (look->root, ADW_TYPE_WINDOW_TITLE, NULL);
  const char *subtitle = adw_window_title_get_subtitle (ADW_WINDOW_TITLE (title));

  return subtitle != NULL && strstr (subtitle, look->text) != NULL;
}

static gboolean
entry_sensitive_cb (gpointer data)
{
  return gtk_widget_is_sensitive (data);
}

static gboolean
entry_insensitive_cb (gpointer data)
{
  return !gtk_widget_is_sensitive (data);
}

static gboolean
queue_has_cb (gpointer data)
{
  gpointer *args = data;
  SlTestWs *ws = args[0];
  gint64 user_id = *(gint64 *) args[1];

  /* the latest "hands" the teacher got names the student */
  for (guint i = ws->received->len; i > 0; i--)
    {
      JsonObject *message = g_ptr_array_index (ws->received, i - 1);
      JsonArray *queue;

      if (g_strcmp0 (json_object_get_string_member_with_default (message, "type", ""), "hands") != 0)
        continue;
      queue = json_object_get_array_member (message, "queue");
      for (guint j = 0; queue != NULL && j < json_array_get_length (queue); j++)
        {
          JsonObject *entry = json_array_get_object_element (queue, j);
          JsonObject *user = json_object_get_object_member (entry, "user");

          if (user != NULL && json_object_get_int_member (user, "id") == user_id)
            return TRUE;
        }
      return FALSE;
    }
  return FALSE;
}

/* The share of a frame of the test picture (a white ball on black) that is
 * neither black nor white: decoding garbage (the grey-green of missing
 * references) when high. */
static double
garbage_share (GdkPaintable *frame)
{
  GdkTexture *texture = GDK_TEXTURE (frame);
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = (gsize) width * 4;
  g_autofree guchar *pixels = g_malloc (stride * height);
  guint64 other = 0;

  gdk_texture_download (texture, pixels, stride);
  for (gsize i = 0; i < stride * height; i += 4)
    {
      int low = MIN (MIN (pixels[i], pixels[i + 1]), pixels[i + 2]);
      int high = MAX (MAX (pixels[i], pixels[i + 1]), pixels[i + 2]);

      if (high > 48 && low < 208)
        other++;
    }
  return (double) other / ((double) width * height);
}

/* ---- the whole class, as a student ------------------------------------------ */

static void
test_watch (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(SlTestPublisher) pub = NULL;
  g_autoptr(SlSession) student = NULL;
  g_autoptr(SlSession) teacher = NULL;
  g_autoptr(SlTestWs) teacher_ws = NULL;
  g_autoptr(GdkTexture) first = NULL;
  g_autoptr(GdkTexture) second = NULL;
  g_autoptr(GdkTexture) narrow = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GdkPaintable) frame = NULL;
  g_autofree char *key = NULL;
  g_autofree char *whip = NULL;
  g_autofree char *teacher_token = NULL;
  GtkWindow *window, *teacher_window;
  GtkWidget *view, *entry, *panel, *title;
  gint64 id, student_id, message_id;
  guint status = 0;
  double difference;

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, &key);
  whip = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, id);
  teacher_token = sl_test_login (ts, "teacher", "teacher123", NULL);

  /* the teacher goes live (publishing starts the class) */
  pub = sl_test_publisher_start (ts, whip, key, 30, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (wait_online (ts, id, 10000));

  /* the teacher's side of the hub, raw */
  teacher_ws = sl_test_ws_connect_as (ts, "teacher", "teacher123");
  sl_test_ws_sendf (teacher_ws, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", id);
  json_object_unref (sl_test_ws_expect (teacher_ws, "joined"));

  /* the student opens the class */
  g_setenv ("STREAMLET_ICE_ADDRESSES", CLIENT_ICE_ADDRESS, TRUE);
  student = session_new (ts, "student", "student123");
  student_id = sl_session_get_user_id (student);
  view = sl_watch_view_new (student, id);
  window = sl_test_ui_window (view, 1100, 700);

  /* moving video */
  g_assert_true (wait_frames (view, 30, 20000));
  g_assert_true (wait_shown (view, GTK_TYPE_LABEL, "Live", 5000));
  first = sl_test_ui_screenshot (view, "watch-live-1");
  sl_test_ui_run_for (1000);
  second = sl_test_ui_screenshot (view, "watch-live-2");
  difference = sl_test_ui_difference (first, second);
  g_test_message ("two screenshots 1 s apart differ in %.2f %% of their pixels", difference * 100);
  g_assert_cmpfloat (difference, >, 0.001);
  g_assert_cmpuint (sl_video_paintable_get_frames_shown (view_paintable (view)), >, 45);
  /* a frame as decoded, judged at the end */
  frame = gdk_paintable_get_current_image (GDK_PAINTABLE (view_paintable (view)));
  g_assert_true (GDK_IS_TEXTURE (frame));
  g_assert_cmpint (gdk_texture_get_width (GDK_TEXTURE (frame)), ==, 320);
  g_assert_cmpint (gdk_texture_get_height (GDK_TEXTURE (frame)), ==, 240);

  /* the class's title */
  title = sl_test_ui_find (view, ADW_TYPE_WINDOW_TITLE, NULL);
  g_assert_nonnull (title);
  g_assert_cmpstr (adw_window_title_get_title (ADW_WINDOW_TITLE (title)), ==, "Optics");

  /* chat from the app to the room */
  entry = sl_test_ui_find (view, GTK_TYPE_ENTRY, NULL);
  g_assert_nonnull (entry);
  g_assert_true (sl_test_ui_wait_until (entry_sensitive_cb, entry, 5000));
  gtk_editable_set_text (GTK_EDITABLE (entry), "Is <b>this</b> on the test?");
  /* Enter in the entry's text */
  g_signal_emit_by_name (sl_test_ui_find (entry, GTK_TYPE_TEXT, NULL), "activate");
  {
    g_autoptr(JsonObject) chat = sl_test_ws_expect (teacher_ws, "chat");

    g_assert_cmpstr (json_object_get_string_member (chat, "text"), ==, "Is <b>this</b> on the test?");
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (chat, "from"), "id"),
                     ==, student_id);
    message_id = json_object_get_int_member (chat, "id");
  }
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  /* shown as typed (plain text, not markup), marked as one's own */
  g_assert_true (wait_shown (view, GTK_TYPE_LABEL, "Is <b>this</b> on the test?", 5000));
  {
    GtkWidget *label = sl_test_ui_find (view, GTK_TYPE_LABEL, "Is <b>this</b> on the test?");
    GtkWidget *row = gtk_widget_get_ancestor (label, GTK_TYPE_LIST_BOX_ROW);

    g_assert_nonnull (row);
    g_assert_true (gtk_widget_has_css_class (row, "sl-chat-own"));
  }

  /* and from the room to the app */
  sl_test_ws_sendf (teacher_ws, "{\"type\":\"chat\",\"class_id\":%" G_GINT64_FORMAT ","
                    "\"text\":\"Yes, chapter 4 & 5\"}", id);
  g_assert_true (wait_shown (view, GTK_TYPE_LABEL, "Yes, chapter 4 & 5", 5000));
  {
    GtkWidget *label = sl_test_ui_find (view, GTK_TYPE_LABEL, "Yes, chapter 4 & 5");
    GtkWidget *row = gtk_widget_get_ancestor (label, GTK_TYPE_LIST_BOX_ROW);

    g_assert_false (gtk_widget_has_css_class (row, "sl-chat-own"));
  }
  g_assert_nonnull (sl_test_ui_find (view, GTK_TYPE_LABEL, "Demo teacher"));

  /* a raised hand (Ctrl+H) reaches the teacher's queue, and the student
   * sees their place in it */
  sl_test_ws_clear (teacher_ws);
  g_assert_true (gtk_widget_activate_action (view, "watch.toggle-hand", NULL));
  {
    gpointer args[2] = { teacher_ws, &student_id };
    Look look = { view, G_TYPE_NONE, "number 1 in the queue", 0 };

    g_assert_true (sl_test_ui_wait_until (queue_has_cb, args, 5000));
    g_assert_true (sl_test_ui_wait_until (subtitle_cb, &look, 5000));
  }
  g_assert_nonnull (sl_test_ui_find (view, GTK_TYPE_LABEL, "Lower _Hand"));
  /* the view as the app's metainfo shows it (data/screenshots): video,
   * chat, a raised hand */
  g_object_unref (sl_test_ui_screenshot (view, "metainfo-watch"));

  /* m mutes, remembered in the settings */
  settings = g_settings_new (SL_APP_ID);
  g_assert_false (g_settings_get_boolean (settings, "muted"));
  g_assert_true (gtk_widget_activate_action (view, "watch.toggle-mute", NULL));
  g_assert_true (g_settings_get_boolean (settings, "muted"));
  g_assert_true (gtk_widget_activate_action (view, "watch.toggle-mute", NULL));
  g_assert_false (g_settings_get_boolean (settings, "muted"));

  /* connection details, while open */
  {
    GtkWidget *details = sl_test_ui_find (view, GTK_TYPE_MENU_BUTTON, NULL);
    GtkWidget *path;

    /* the first menu button of the view is the one in the video's bar */
    g_assert_nonnull (details);
    gtk_menu_button_popup (GTK_MENU_BUTTON (details));
    sl_test_ui_run_for (1500);
    path = sl_test_ui_find (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (details))),
                            GTK_TYPE_LABEL, "Direct from the server (WebRTC)");
    g_assert_nonnull (path);
    g_assert_true (gtk_widget_get_mapped (path));
    g_assert_null (sl_test_ui_find (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (details))),
                                    GTK_TYPE_LABEL, "Not yet"));
    gtk_menu_button_popdown (GTK_MENU_BUTTON (details));
  }

  /* the teacher moderates from the app: deletes the message, mutes */
  teacher = session_new (ts, "teacher", "teacher123");
  panel = sl_chat_panel_new ();
  teacher_window = sl_test_ui_window (panel, 420, 600);
  sl_chat_panel_set_class (SL_CHAT_PANEL (panel), teacher, id, TRUE);
  g_assert_true (wait_shown (panel, GTK_TYPE_LABEL, "Is <b>this</b> on the test?", 5000));
  g_assert_nonnull (sl_test_ui_find (panel, GTK_TYPE_MENU_BUTTON, NULL));
  shot = sl_test_ui_screenshot (panel, "watch-teacher-chat");
  g_assert_true (gtk_widget_activate_action (panel, "chat.delete", "x", message_id));
  g_assert_true (wait_gone (view, GTK_TYPE_LABEL, "Is <b>this</b> on the test?", 5000));
  g_assert_true (wait_gone (panel, GTK_TYPE_LABEL, "Is <b>this</b> on the test?", 5000));
  g_assert_true (gtk_widget_activate_action (panel, "chat.mute", "x", student_id));
  g_assert_true (sl_test_ui_wait_until (entry_insensitive_cb, entry, 5000));
  g_assert_true (wait_shown (view, GTK_TYPE_LABEL, "muted you", 5000));
  g_clear_object (&shot);
  shot = sl_test_ui_screenshot (view, "watch-muted");
  /* and lets them speak again */
  g_assert_true (gtk_widget_activate_action (panel, "chat.unmute", "x", student_id));
  g_assert_true (sl_test_ui_wait_until (entry_sensitive_cb, entry, 5000));
  gtk_window_destroy (teacher_window);
  /* and the view's Ctrl+Enter sends what was typed */
  sl_test_ws_clear (teacher_ws);
  gtk_editable_set_text (GTK_EDITABLE (entry), "Thank you");
  g_assert_true (gtk_widget_activate_action (view, "watch.send-chat", NULL));
  {
    g_autoptr(JsonObject) chat = sl_test_ws_expect (teacher_ws, "chat");

    g_assert_cmpstr (json_object_get_string_member (chat, "text"), ==, "Thank you");
  }

  /* muted again: a moderator who opens the chat only now is offered to
   * unmute them (the hub's joined says who is muted) */
  sl_test_ws_sendf (teacher_ws, "{\"type\":\"mute\",\"class_id\":%" G_GINT64_FORMAT ","
                    "\"user_id\":%" G_GINT64_FORMAT "}", id, student_id);
  g_assert_true (sl_test_ui_wait_until (entry_insensitive_cb, entry, 5000));
  {
    GtkWidget *late = sl_chat_panel_new ();
    GtkWindow *late_window = sl_test_ui_window (late, 420, 600);
    GtkWidget *label, *button;
    GMenuModel *model;
    gboolean unmute = FALSE, mute = FALSE;

    sl_chat_panel_set_class (SL_CHAT_PANEL (late), teacher, id, TRUE);
    g_assert_true (wait_shown (late, GTK_TYPE_LABEL, "Thank you", 5000));
    label = sl_test_ui_find (late, GTK_TYPE_LABEL, "Thank you");
    button = sl_test_ui_find (gtk_widget_get_ancestor (label, GTK_TYPE_LIST_BOX_ROW),
                              GTK_TYPE_MENU_BUTTON, NULL);
    g_assert_nonnull (button);
    gtk_menu_button_popup (GTK_MENU_BUTTON (button));
    sl_test_ui_run_for (200);
    model = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (button));
    g_assert_nonnull (model);
    for (int i = 0; i < g_menu_model_get_n_items (model); i++)
      {
        g_autofree char *text = NULL;

        if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_LABEL, "s", &text))
          {
            unmute |= g_strcmp0 (text, "_Unmute Demo student") == 0;
            mute |= g_strcmp0 (text, "_Mute Demo student") == 0;
          }
      }
    g_assert_true (unmute);
    g_assert_false (mute);
    gtk_menu_button_popdown (GTK_MENU_BUTTON (button));
    gtk_window_destroy (late_window);
  }
  sl_test_ws_sendf (teacher_ws, "{\"type\":\"unmute\",\"class_id\":%" G_GINT64_FORMAT ","
                    "\"user_id\":%" G_GINT64_FORMAT "}", id, student_id);
  g_assert_true (sl_test_ui_wait_until (entry_sensitive_cb, entry, 5000));

  /* 360 px wide: the chat goes below the video */
  gtk_window_set_default_size (window, 360, 700);
  sl_test_ui_run_for (500);
  narrow = sl_test_ui_screenshot (view, "watch-narrow-360");
  g_assert_cmpint (gtk_widget_get_width (view), <=, 360);
  {
    GtkWidget *picture = sl_test_ui_find (view, GTK_TYPE_PICTURE, NULL);
    graphene_rect_t video, line;

    g_assert_true (gtk_widget_compute_bounds (picture, view, &video));
    g_assert_true (gtk_widget_compute_bounds (entry, view, &line));
    g_assert_true (gtk_widget_get_mapped (entry));
    g_assert_cmpfloat (line.origin.y, >=, video.origin.y + video.size.height - 1);
    g_assert_cmpfloat (line.origin.x + line.size.width, <=, 361);
  }
  gtk_window_set_default_size (window, 1100, 700);
  sl_test_ui_run_for (300);

  /* the teacher's video stops coming */
  sl_test_publisher_kill (pub);
  g_assert_true (wait_shown (view, GTK_TYPE_LABEL, "not coming through", 15000));
  g_clear_object (&shot);
  shot = sl_test_ui_screenshot (view, "watch-reconnecting");

  /* the teacher ends the class */
  {
    g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/end", id);
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", path, teacher_token, NULL);

    g_assert_cmpuint (resp->status, ==, 200);
  }
  g_assert_true (wait_shown (view, ADW_TYPE_STATUS_PAGE, "This class has ended", 10000));
  g_assert_true (wait_shown (view, GTK_TYPE_BUTTON, "_Back", 1000));
  g_clear_object (&shot);
  shot = sl_test_ui_screenshot (view, "watch-ended");

  /* closing lets go of everything */
  {
    gpointer paintable = view_paintable (view);

    g_object_add_weak_pointer (G_OBJECT (view), (gpointer *) &view);
    g_object_add_weak_pointer (G_OBJECT (paintable), &paintable);
    gtk_window_destroy (window);
    sl_test_ui_run_for (200);
    g_assert_null (view);
    g_assert_null (paintable);
  }

  /* the picture itself: the ball on black, not decoding garbage */
  {
    double garbage = garbage_share (frame);

    g_test_message ("%.1f %% of the frame is neither black nor white", garbage * 100);
    g_assert_cmpfloat (garbage, <, 0.1);
  }
}

/* ---- a class that is not live yet starts by itself ---------------------------- */

static void
test_not_live (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(SlTestPublisher) pub = NULL;
  g_autoptr(SlSession) student = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  g_autofree char *key = NULL;
  g_autofree char *whip = NULL;
  GtkWindow *window;
  GtkWidget *view;
  guint status = 0;
  gint64 id;

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, &key);
  whip = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, id);

  g_setenv ("STREAMLET_ICE_ADDRESSES", CLIENT_ICE_ADDRESS, TRUE);
  student = session_new (ts, "student", "student123");
  view = sl_watch_view_new (student, id);
  window = sl_test_ui_window (view, 900, 600);
  g_assert_true (wait_shown (view, ADW_TYPE_STATUS_PAGE, "This class is not live", 10000));
  /* nothing to try again: it comes by itself */
  {
    GtkWidget *retry = sl_test_ui_find (view, GTK_TYPE_BUTTON, "_Try Again");

    g_assert_true (retry == NULL || !gtk_widget_get_mapped (retry));
  }
  shot = sl_test_ui_screenshot (view, "watch-not-live");

  pub = sl_test_publisher_start (ts, whip, key, 30, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (wait_frames (view, 10, 30000));
  g_assert_true (wait_shown (view, GTK_TYPE_LABEL, "Live", 5000));

  gtk_window_destroy (window);
  sl_test_ui_run_for (200);
}

/* ---- a class that does not exist ------------------------------------------------ */

static void
test_unknown_class (void)
{
  g_autoptr(SlTestServer) ts = sl_test_server_new ("sqlite", NULL);
  g_autoptr(SlSession) student = session_new (ts, "student", "student123");
  g_autoptr(GdkTexture) shot = NULL;
  GtkWindow *window;
  GtkWidget *view;

  view = sl_watch_view_new (student, 987654);
  window = sl_test_ui_window (view, 900, 600);
  g_assert_true (wait_shown (view, ADW_TYPE_STATUS_PAGE, "The class cannot be shown", 10000));
  g_assert_nonnull (sl_test_ui_find (view, ADW_TYPE_STATUS_PAGE, NULL));
  g_assert_cmpstr (adw_status_page_get_description (ADW_STATUS_PAGE (sl_test_ui_find (view, ADW_TYPE_STATUS_PAGE, NULL))),
                   ==, "That class no longer exists.");
  /* nothing to try again, only the way back */
  g_assert_true (wait_shown (view, GTK_TYPE_BUTTON, "_Back", 1000));
  {
    GtkWidget *retry = sl_test_ui_find (view, GTK_TYPE_BUTTON, "_Try Again");

    g_assert_true (retry == NULL || !gtk_widget_get_mapped (retry));
  }
  shot = sl_test_ui_screenshot (view, "watch-unknown-class");

  gtk_window_destroy (window);
  sl_test_ui_run_for (200);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;

  /* before any thread exists */
  have_network = sl_test_enter_private_network (&error);
  if (!have_network)
    network_problem = g_strdup (error->message);

  sl_test_ui_init (&argc, &argv);

  g_test_add_func ("/ui-watch/watch", test_watch);
  g_test_add_func ("/ui-watch/not-live", test_not_live);
  g_test_add_func ("/ui-watch/unknown-class", test_unknown_class);

  return g_test_run ();
}
