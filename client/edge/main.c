/* main.c: streamlet-edge, the command-line client: publish or watch a class
 * without a window, for relay boxes, scripted tests and benchmarks
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "streamlet-edge"

#include "config.h"

#include "sl-api-client.h"
#include "sl-client-error.h"
#include "sl-media.h"
#include "sl-publisher.h"
#include "sl-viewer.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A bad command line (sysexits.h's EX_USAGE). */
#define EXIT_USAGE 64

#define PROGRAM "streamlet-edge"

static const char exit_codes_text[] =
  "Exit status:\n"
  "   0  success (--duration elapsed, or stopped by Ctrl-C/SIGTERM)\n"
  "   1  any other error\n"
  "   2  the server is unreachable\n"
  "   3  wrong user name or password\n"
  "   4  signed out (the session could not be kept)\n"
  "   5  not allowed (e.g. a student publishing)\n"
  "   6  no such class\n"
  "   7  the class is not live\n"
  "   8  the class is live but nobody is publishing\n"
  "   9  busy (someone else publishes; too many viewers)\n"
  "  10  refused by the server (the message says why)\n"
  "  11  server error\n"
  "  12  an answer this client cannot read\n"
  "  13  missing device (camera, screen or microphone)\n"
  "  14  missing GStreamer plugin (the message names the Debian package)\n"
  "  15  the media pipeline or the WebRTC link failed\n"
  "  64  bad command line (unknown option, missing or bad value)\n";

static const char password_text[] =
  "The password comes from the environment variable STREAMLET_PASSWORD or\n"
  "from the first line of --password-file FILE, never from the command line.\n";

typedef enum {
  COMMAND_PUBLISH,
  COMMAND_WATCH,
} Command;

/* Everything one run needs; lives on main()'s stack. */
typedef struct {
  Command       command;
  GMainLoop    *loop;
  int           status;
  gint64        started;     /* monotonic µs */
  gboolean      stopping;

  /* options */
  char         *server;
  char         *user;
  char         *class_text;
  gint64        class_id;
  char         *password_file;
  char         *password;
  char         *ice_text;
  char        **ice_addresses;
  char         *duration_text;
  guint         duration_s;  /* 0: until a signal */
  gboolean      json;
  gboolean      verbose;
  /* publish */
  gboolean      test_source;
  char         *video_device;
  gboolean      screen;
  gboolean      no_audio;
  char         *preset_text;
  SlPreset      preset;
  /* watch */
  gboolean      no_decode;
  gboolean      audio_out;
  int           latency_ms;

  SlApiClient  *api;
  SlPublisher  *publisher;
  SlViewer     *viewer;
  guint         tick_id;
  guint         duration_id;
  guint         sigint_id;
  guint         sigterm_id;
} Edge;

static void
usage_error (const char *format,
             ...) G_GNUC_PRINTF (1, 2);

static void
usage_error (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, PROGRAM ": %s\n", message);
  fflush (stderr);
}

static double
seconds_since_start (Edge *edge)
{
  return (double) (g_get_monotonic_time () - edge->started) / G_USEC_PER_SEC;
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  fprintf (stdout, "%s\n", text);
  fflush (stdout);
}

/* json-glib writes doubles with 17 significant digits ("21.899999999999999"):
 * figures go out as whole numbers, which is all the precision they carry. */
static void
add_rounded (JsonBuilder *builder,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, (gint64) (value + (value < 0 ? -0.5 : 0.5)));
}

static void
add_nullable_rounded (JsonBuilder *builder,
                     const char  *name,
                     gboolean     known,
                     double       value)
{
  if (known)
    add_rounded (builder, name, value);
  else
    {
      json_builder_set_member_name (builder, name);
      json_builder_add_null_value (builder);
    }
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

/* ---- stopping --------------------------------------------------------------- */

static void
teardown (Edge *edge)
{
  g_clear_handle_id (&edge->tick_id, g_source_remove);
  g_clear_handle_id (&edge->duration_id, g_source_remove);
  if (edge->publisher != NULL)
    sl_publisher_stop (edge->publisher);
  if (edge->viewer != NULL)
    sl_viewer_stop (edge->viewer);
}

/* A runtime failure: its one-line message and its exit status. */
static void
fail (Edge         *edge,
      const GError *error)
{
  if (edge->stopping)
    return;
  edge->stopping = TRUE;
  fprintf (stderr, PROGRAM ": %s\n", error->message);
  fflush (stderr);
  edge->status = sl_client_error_exit_code (error);
  teardown (edge);
  g_main_loop_quit (edge->loop);
}

static void
print_summary (Edge *edge)
{
  SlMediaStats stats;
  double offset = 0;
  gboolean have_offset = FALSE;
  double duration = seconds_since_start (edge);

  if (edge->viewer != NULL)
    {
      sl_viewer_get_stats (edge->viewer, &stats);
      have_offset = sl_viewer_get_av_offset (edge->viewer, &offset);
    }
  else if (edge->publisher != NULL)
    sl_publisher_get_stats (edge->publisher, &stats);
  else
    return;

  if (edge->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "summary");
      json_builder_add_boolean_value (builder, TRUE);
      if (edge->command == COMMAND_WATCH)
        {
          add_int (builder, "frames_decoded", (gint64) stats.frames_decoded);
          add_int (builder, "frames_dropped", (gint64) stats.frames_dropped);
          json_builder_set_member_name (builder, "first_frame_ms");
          if (stats.first_frame_ms >= 0)
            json_builder_add_int_value (builder, stats.first_frame_ms);
          else
            json_builder_add_null_value (builder);
          add_int (builder, "freezes", stats.freezes);
          add_int (builder, "reconnects", stats.reconnects);
          add_nullable_rounded (builder, "av_offset_ms", have_offset, offset);
        }
      else
        {
          add_int (builder, "frames_sent", (gint64) stats.frames_sent);
          add_int (builder, "keyframe_requests", stats.keyframe_requests);
        }
      add_rounded (builder, "duration_s", duration);
      json_builder_end_object (builder);
      print_json (builder);
    }
  else if (edge->command == COMMAND_WATCH)
    {
      g_autofree char *first = stats.first_frame_ms >= 0
        ? g_strdup_printf ("%" G_GINT64_FORMAT " ms", stats.first_frame_ms)
        : g_strdup ("none");
      g_autofree char *av = have_offset ? g_strdup_printf ("%+.0f ms", offset) : g_strdup ("unknown");

      fprintf (stdout, "summary: %.1f s, %" G_GUINT64_FORMAT " frames decoded, first frame %s, "
               "%u freezes, %u reconnects, a/v offset %s\n",
               duration, stats.frames_decoded, first, stats.freezes, stats.reconnects, av);
      fflush (stdout);
    }
  else
    {
      fprintf (stdout, "summary: %.1f s, %" G_GUINT64_FORMAT " frames sent, %u keyframe requests\n",
               duration, stats.frames_sent, stats.keyframe_requests);
      fflush (stdout);
    }
}

/* The end of a run that went well: --duration, SIGINT or SIGTERM. */
static void
finish (Edge *edge)
{
  if (edge->stopping)
    return;
  edge->stopping = TRUE;
  print_summary (edge);
  /* the publisher's DELETE goes out here */
  teardown (edge);
  edge->status = EXIT_SUCCESS;
  g_main_loop_quit (edge->loop);
}

static gboolean
duration_cb (gpointer user_data)
{
  Edge *edge = user_data;

  edge->duration_id = 0;
  finish (edge);
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer user_data)
{
  finish (user_data);
  return G_SOURCE_CONTINUE;
}

/* ---- status lines ----------------------------------------------------------- */

static void
print_publish_status (Edge *edge)
{
  SlMediaStats stats;
  const char *state = sl_media_state_to_string (sl_publisher_get_state (edge->publisher));

  sl_publisher_get_stats (edge->publisher, &stats);
  if (edge->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_rounded (builder, "t", seconds_since_start (edge));
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, state);
      add_rounded (builder, "video_kbps", stats.video_kbps);
      add_rounded (builder, "audio_kbps", stats.audio_kbps);
      add_int (builder, "frames_sent", (gint64) stats.frames_sent);
      add_int (builder, "keyframe_requests", stats.keyframe_requests);
      add_rounded (builder, "rtt_ms", stats.rtt_ms);
      json_builder_end_object (builder);
      print_json (builder);
      return;
    }
  fprintf (stdout, "%6.1f s  %-12s  video %5.0f kbit/s  audio %4.0f kbit/s  "
           "%" G_GUINT64_FORMAT " frames sent  %u keyframe requests\n",
           seconds_since_start (edge), state, stats.video_kbps, stats.audio_kbps,
           stats.frames_sent, stats.keyframe_requests);
  fflush (stdout);
}

static void
print_watch_status (Edge *edge)
{
  SlMediaStats stats;
  const char *state = sl_media_state_to_string (sl_viewer_get_state (edge->viewer));
  double offset = 0;
  gboolean have_offset = sl_viewer_get_av_offset (edge->viewer, &offset);

  sl_viewer_get_stats (edge->viewer, &stats);
  if (edge->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_rounded (builder, "t", seconds_since_start (edge));
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, state);
      add_rounded (builder, "video_kbps", stats.video_kbps);
      add_rounded (builder, "audio_kbps", stats.audio_kbps);
      add_int (builder, "frames_decoded", (gint64) stats.frames_decoded);
      add_int (builder, "frames_dropped", (gint64) stats.frames_dropped);
      add_int (builder, "freezes", stats.freezes);
      json_builder_set_member_name (builder, "loss_percent");
      json_builder_add_double_value (builder, stats.loss_percent);
      add_rounded (builder, "jitter_ms", stats.jitter_ms);
      add_rounded (builder, "rtt_ms", stats.rtt_ms);
      add_int (builder, "reconnects", stats.reconnects);
      add_nullable_rounded (builder, "av_offset_ms", have_offset, offset);
      json_builder_set_member_name (builder, "first_frame_ms");
      if (stats.first_frame_ms >= 0)
        json_builder_add_int_value (builder, stats.first_frame_ms);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
      print_json (builder);
      return;
    }
  {
    g_autofree char *av = have_offset ? g_strdup_printf ("%+.0f ms", offset) : g_strdup ("?");

    fprintf (stdout, "%6.1f s  %-12s  video %5.0f kbit/s  audio %4.0f kbit/s  "
             "%" G_GUINT64_FORMAT " frames (%" G_GUINT64_FORMAT " dropped)  %u freezes  "
             "loss %.1f %%  jitter %.1f ms  %u reconnects  a/v %s\n",
             seconds_since_start (edge), state, stats.video_kbps, stats.audio_kbps,
             stats.frames_decoded, stats.frames_dropped, stats.freezes,
             stats.loss_percent, stats.jitter_ms, stats.reconnects, av);
    fflush (stdout);
  }
}

static gboolean
tick_cb (gpointer user_data)
{
  Edge *edge = user_data;

  if (edge->publisher != NULL)
    print_publish_status (edge);
  else if (edge->viewer != NULL)
    print_watch_status (edge);
  return G_SOURCE_CONTINUE;
}

/* ---- publishing and watching ------------------------------------------------ */

static void
media_error_cb (GObject      *media,
                const GError *error,
                gpointer      user_data)
{
  fail (user_data, error);
}

static void
signed_out_cb (SlApiClient  *api,
               const GError *error,
               gpointer      user_data)
{
  fail (user_data, error);
}

static void
publisher_started_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Edge *edge = user_data;
  g_autoptr(GError) error = NULL;

  if (!sl_publisher_start_finish (SL_PUBLISHER (source), result, &error))
    {
      fail (edge, error);
      return;
    }
  if (edge->stopping)
    return;
  if (!edge->json)
    {
      fprintf (stdout, "publishing class %" G_GINT64_FORMAT " to %s\n",
               edge->class_id, edge->server);
      fflush (stdout);
    }
  g_signal_connect (edge->publisher, "error", G_CALLBACK (media_error_cb), edge);
}

static void
viewer_started_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Edge *edge = user_data;
  g_autoptr(GError) error = NULL;

  if (!sl_viewer_start_finish (SL_VIEWER (source), result, &error))
    {
      fail (edge, error);
      return;
    }
  if (edge->stopping)
    return;
  if (!edge->json)
    {
      fprintf (stdout, "watching class %" G_GINT64_FORMAT " on %s\n",
               edge->class_id, edge->server);
      fflush (stdout);
    }
  g_signal_connect (edge->viewer, "error", G_CALLBACK (media_error_cb), edge);
}

static void
start_publishing (Edge *edge)
{
  SlPublisherOptions options = {
    .video = SL_VIDEO_SOURCE_CAMERA,
    .video_device = edge->video_device,
    .audio = edge->no_audio ? SL_AUDIO_SOURCE_NONE : SL_AUDIO_SOURCE_MICROPHONE,
    .preset = edge->preset,
  };

  if (edge->test_source)
    {
      options.video = SL_VIDEO_SOURCE_TEST;
      if (!edge->no_audio)
        options.audio = SL_AUDIO_SOURCE_TEST;
    }
  else if (edge->screen)
    options.video = SL_VIDEO_SOURCE_SCREEN;

  edge->publisher = sl_publisher_new (edge->api, edge->class_id, &options,
                                      (const char *const *) edge->ice_addresses);
  sl_publisher_start_async (edge->publisher, NULL, publisher_started_cb, edge);
}

static void
start_watching (Edge *edge)
{
  SlViewerOptions options = {
    .decode = !edge->no_decode,
    .audio_out = !edge->no_decode && edge->audio_out,
    .latency_ms = (guint) edge->latency_ms,
  };

  edge->viewer = sl_viewer_new (edge->api, edge->class_id, &options,
                                (const char *const *) edge->ice_addresses);
  sl_viewer_start_async (edge->viewer, NULL, viewer_started_cb, edge);
}

static void
logged_in_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Edge *edge = user_data;
  g_autoptr(GError) error = NULL;

  if (!sl_api_client_login_finish (SL_API_CLIENT (source), result, &error))
    {
      fail (edge, error);
      return;
    }
  if (edge->stopping)
    return;
  g_signal_connect (edge->api, "signed-out", G_CALLBACK (signed_out_cb), edge);
  if (edge->command == COMMAND_PUBLISH)
    start_publishing (edge);
  else
    start_watching (edge);
  edge->tick_id = g_timeout_add_seconds (1, tick_cb, edge);
}

/* ---- the command line -------------------------------------------------------- */

static gboolean
parse_class_id (const char *text,
                gint64     *id)
{
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &value, NULL))
    return FALSE;
  *id = (gint64) value;
  return TRUE;
}

static gboolean
valid_server_url (const char *text)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  const char *scheme;

  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return FALSE;
  return g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0';
}

/* The first line of @path, without its line end. */
static char *
read_password_file (const char  *path,
                    GError     **error)
{
  g_autofree char *contents = NULL;
  char *end;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  end = strpbrk (contents, "\r\n");
  if (end != NULL)
    *end = '\0';
  return g_steal_pointer (&contents);
}

/* TRUE when the command line holds a plain --password (any spelling GLib
 * would take for it, including the abbreviation-free "--password=…"). */
static gboolean
has_password_argument (int    argc,
                       char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_strcmp0 (argv[i], "--") == 0)
        break;
      if (g_strcmp0 (argv[i], "--password") == 0 || g_str_has_prefix (argv[i], "--password="))
        return TRUE;
    }
  return FALSE;
}

static void
top_level_help (gboolean to_stderr)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("COMMAND [OPTION…]");
  g_autofree char *help = NULL;
  g_autofree char *description = g_strconcat (
    "Commands:\n"
    "  publish   publish a class: a test source, or a camera/screen and the microphone\n"
    "  watch     watch a class and print its statistics once a second\n"
    "  relay     (not yet: arrives with the mesh)\n"
    "\n"
    "\"" PROGRAM " COMMAND --help\" explains the options of COMMAND.\n\n",
    password_text, "\n", exit_codes_text, NULL);

  g_option_context_set_summary (context,
                                "The streamlet command-line client: publishes or watches a live "
                                "class without a window.");
  g_option_context_set_description (context, description);
  help = g_option_context_get_help (context, TRUE, NULL);
  fputs (help, to_stderr ? stderr : stdout);
}

static void
edge_clear (Edge *edge)
{
  if (edge->publisher != NULL)
    g_signal_handlers_disconnect_by_data (edge->publisher, edge);
  if (edge->viewer != NULL)
    g_signal_handlers_disconnect_by_data (edge->viewer, edge);
  if (edge->api != NULL)
    g_signal_handlers_disconnect_by_data (edge->api, edge);
  g_clear_handle_id (&edge->sigint_id, g_source_remove);
  g_clear_handle_id (&edge->sigterm_id, g_source_remove);
  g_clear_object (&edge->publisher);
  g_clear_object (&edge->viewer);
  g_clear_object (&edge->api);
  g_clear_pointer (&edge->loop, g_main_loop_unref);
  g_free (edge->server);
  g_free (edge->user);
  g_free (edge->class_text);
  g_free (edge->password_file);
  if (edge->password != NULL)
    memset (edge->password, 0, strlen (edge->password));
  g_free (edge->password);
  g_free (edge->ice_text);
  g_strfreev (edge->ice_addresses);
  g_free (edge->duration_text);
  g_free (edge->video_device);
  g_free (edge->preset_text);
}

/* Parses the options of @edge->command; FALSE (message printed) on a bad
 * command line. */
static gboolean
parse_options (Edge   *edge,
               int    *argc,
               char ***argv)
{
  GOptionEntry common[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &edge->server,
      "The server's address (required)", "URL" },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &edge->user,
      "Sign in as NAME (required)", "NAME" },
    { "class", 'c', 0, G_OPTION_ARG_STRING, &edge->class_text,
      "The class's number (required)", "ID" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &edge->password_file,
      "Read the password from the first line of FILE (else STREAMLET_PASSWORD)", "FILE" },
    { "duration", 'd', 0, G_OPTION_ARG_STRING, &edge->duration_text,
      "Stop after S seconds (default: until Ctrl-C or SIGTERM)", "S" },
    { "ice-addresses", 0, 0, G_OPTION_ARG_STRING, &edge->ice_text,
      "Only these local addresses carry media (comma-separated; default: every interface)", "IP,IP" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &edge->json,
      "Print each status line as one JSON object, and a summary object last", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &edge->verbose,
      "Log what happens on stderr", NULL },
    { NULL }
  };
  GOptionEntry publish[] = {
    { "test-source", 0, 0, G_OPTION_ARG_NONE, &edge->test_source,
      "Publish a test picture (a white flash each second) and sound (a beep at each flash) "
      "instead of a camera and the microphone", NULL },
    { "video-device", 0, 0, G_OPTION_ARG_FILENAME, &edge->video_device,
      "The camera to publish (default: the first one)", "DEV" },
    { "screen", 0, 0, G_OPTION_ARG_NONE, &edge->screen,
      "Publish the screen instead of a camera", NULL },
    { "no-audio", 0, 0, G_OPTION_ARG_NONE, &edge->no_audio,
      "Publish no sound", NULL },
    { "preset", 'p', 0, G_OPTION_ARG_STRING, &edge->preset_text,
      "Picture size and bitrate: 360p (800 kbit/s), 720p (1500 kbit/s, the default) "
      "or 1080p (3000 kbit/s)", "PRESET" },
    { NULL }
  };
  GOptionEntry watch[] = {
    { "no-decode", 0, 0, G_OPTION_ARG_NONE, &edge->no_decode,
      "Receive and count, decode nothing (relays, benchmarks)", NULL },
    { "latency", 'l', 0, G_OPTION_ARG_INT, &edge->latency_ms,
      "Jitter buffer in milliseconds (default: 100)", "MS" },
    { "audio-out", 0, 0, G_OPTION_ARG_NONE, &edge->audio_out,
      "Play the sound (off by default)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  const char *env;
  int conflicts = 0;

  edge->latency_ms = -1;
  if (edge->command == COMMAND_PUBLISH)
    {
      g_set_prgname (PROGRAM " publish");
      context = g_option_context_new (NULL);
      g_option_context_set_summary (context,
                                    "Signs in as the class's teacher and publishes it: a test "
                                    "source, or a camera (or the screen) and the microphone.\n"
                                    "Prints a status line once a second: state, bitrates, frames "
                                    "sent, keyframe requests.");
    }
  else
    {
      g_set_prgname (PROGRAM " watch");
      context = g_option_context_new (NULL);
      g_option_context_set_summary (context,
                                    "Signs in and watches a live class, decoding it (without "
                                    "playing the sound unless --audio-out), and prints its "
                                    "statistics once a second: state, bitrates, frames decoded "
                                    "and dropped, freezes, loss, jitter, reconnections, the a/v "
                                    "offset of a test source and the time to the first frame.\n"
                                    "Keeps watching through a lost stream or a server restart.");
    }
  description = g_strconcat (password_text, "\n", exit_codes_text, NULL);
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, common, NULL);
  g_option_context_add_main_entries (context, edge->command == COMMAND_PUBLISH ? publish : watch,
                                     NULL);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      usage_error ("%s (see --help)", error->message);
      return FALSE;
    }
  if (*argc > 1)
    {
      usage_error ("unexpected argument “%s” (see --help)", (*argv)[1]);
      return FALSE;
    }

  if (edge->server == NULL || edge->user == NULL || edge->class_text == NULL)
    {
      usage_error ("%s is required (see --help)",
                   edge->server == NULL ? "--server URL"
                   : edge->user == NULL ? "--user NAME" : "--class ID");
      return FALSE;
    }
  if (!valid_server_url (edge->server))
    {
      usage_error ("--server: “%s” is not an http:// or https:// URL", edge->server);
      return FALSE;
    }
  if (*edge->user == '\0')
    {
      usage_error ("--user: the user name is empty");
      return FALSE;
    }
  if (!parse_class_id (edge->class_text, &edge->class_id))
    {
      usage_error ("--class: “%s” is not a class number (a positive whole number)",
                   edge->class_text);
      return FALSE;
    }
  if (edge->duration_text != NULL)
    {
      guint64 value;

      if (!g_ascii_string_to_unsigned (edge->duration_text, 10, 1, G_MAXUINT / 1000, &value, NULL))
        {
          usage_error ("--duration: “%s” is not a number of seconds (a positive whole number)",
                       edge->duration_text);
          return FALSE;
        }
      edge->duration_s = (guint) value;
    }
  if (edge->ice_text != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (edge->ice_text, ",", -1);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; parts[i] != NULL; i++)
        {
          g_autoptr(GInetAddress) address = NULL;

          g_strstrip (parts[i]);
          address = g_inet_address_new_from_string (parts[i]);
          if (address == NULL)
            {
              usage_error ("--ice-addresses: “%s” is not an IP address", parts[i]);
              return FALSE;
            }
          g_strv_builder_add (builder, parts[i]);
        }
      edge->ice_addresses = g_strv_builder_end (builder);
    }

  if (edge->command == COMMAND_PUBLISH)
    {
      conflicts = (edge->test_source ? 1 : 0) + (edge->video_device != NULL ? 1 : 0) +
                  (edge->screen ? 1 : 0);
      if (conflicts > 1)
        {
          usage_error ("--test-source, --video-device and --screen exclude each other");
          return FALSE;
        }
      edge->preset = SL_PRESET_720P;
      if (edge->preset_text != NULL && !sl_preset_from_string (edge->preset_text, &edge->preset))
        {
          usage_error ("--preset: “%s” is not one of 360p, 720p, 1080p", edge->preset_text);
          return FALSE;
        }
    }
  else
    {
      if (edge->latency_ms == -1)
        edge->latency_ms = 100;
      if (edge->latency_ms < 1 || edge->latency_ms > 10000)
        {
          usage_error ("--latency: %d is not between 1 and 10000 milliseconds", edge->latency_ms);
          return FALSE;
        }
    }

  /* the password: a file named on the command line, else the environment */
  if (edge->password_file != NULL)
    {
      edge->password = read_password_file (edge->password_file, &error);
      if (edge->password == NULL)
        {
          usage_error ("--password-file: %s", error->message);
          return FALSE;
        }
      if (*edge->password == '\0')
        {
          usage_error ("--password-file: %s holds no password on its first line",
                       edge->password_file);
          return FALSE;
        }
    }
  else if ((env = g_getenv ("STREAMLET_PASSWORD")) != NULL && *env != '\0')
    edge->password = g_strdup (env);
  else
    {
      usage_error ("no password: set STREAMLET_PASSWORD or use --password-file FILE");
      return FALSE;
    }
  return TRUE;
}

static void
drained_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
}

int
main (int   argc,
      char *argv[])
{
  Edge edge = { 0, };
  g_autoptr(GError) error = NULL;
  const char *command;
  int status;

  setlocale (LC_ALL, "");
  g_set_prgname (PROGRAM);
  /* stdout is for status lines (and JSON) only */
  g_log_writer_default_set_use_stderr (TRUE);

  if (argc < 2)
    {
      top_level_help (TRUE);
      return EXIT_USAGE;
    }
  command = argv[1];
  if (g_strcmp0 (command, "--help") == 0 || g_strcmp0 (command, "-h") == 0 ||
      g_strcmp0 (command, "-?") == 0 || g_strcmp0 (command, "help") == 0)
    {
      top_level_help (FALSE);
      return EXIT_SUCCESS;
    }
  if (g_strcmp0 (command, "--version") == 0)
    {
      fprintf (stdout, PROGRAM " %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (g_strcmp0 (command, "relay") == 0)
    {
      usage_error ("relay arrives with the mesh; this version publishes and watches only");
      return EXIT_USAGE;
    }
  if (g_strcmp0 (command, "publish") == 0)
    edge.command = COMMAND_PUBLISH;
  else if (g_strcmp0 (command, "watch") == 0)
    edge.command = COMMAND_WATCH;
  else
    {
      usage_error ("unknown command “%s”: use publish or watch (see --help)", command);
      return EXIT_USAGE;
    }

  if (has_password_argument (argc, argv))
    {
      usage_error ("--password is refused: a password on the command line is visible to "
                   "every user of this machine; use STREAMLET_PASSWORD or --password-file FILE");
      return EXIT_USAGE;
    }

  /* drop the command word: the options follow it */
  argv[1] = argv[0];
  argc--;
  argv++;
  if (!parse_options (&edge, &argc, &argv))
    {
      edge_clear (&edge);
      return EXIT_USAGE;
    }
  if (edge.verbose && g_getenv ("G_MESSAGES_DEBUG") == NULL)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);

  sl_media_init ();
  edge.api = sl_api_client_new (edge.server, &error);
  if (edge.api == NULL)
    {
      usage_error ("%s", error->message);
      edge_clear (&edge);
      return EXIT_USAGE;
    }

  edge.loop = g_main_loop_new (NULL, FALSE);
  edge.started = g_get_monotonic_time ();
  edge.sigint_id = g_unix_signal_add (SIGINT, signal_cb, &edge);
  edge.sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, &edge);
  if (edge.duration_s > 0)
    edge.duration_id = g_timeout_add_seconds (edge.duration_s, duration_cb, &edge);

  sl_api_client_login_async (edge.api, edge.user, edge.password, NULL, logged_in_cb, &edge);
  g_main_loop_run (edge.loop);

  /* let the publisher's DELETE go out (with the access token), then the
   * logout */
  g_timeout_add_once (500, drained_cb, edge.loop);
  g_main_loop_run (edge.loop);
  sl_api_client_logout (edge.api);
  g_timeout_add_once (200, drained_cb, edge.loop);
  g_main_loop_run (edge.loop);

  status = edge.status;
  edge_clear (&edge);
  return status;
}
