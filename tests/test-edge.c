/* test-edge.c: the streamlet-edge program, run as a user would, against the
 * in-process server inside a private network
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sl-media.h"
#include "sl-test-media.h"
#include "sl-test-server.h"
#include "sl-test-ws.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <unistd.h>

#define CLIENT_ICE_ADDRESS "10.231.0.2"
#define EXIT_USAGE 64

static gboolean have_network;

/* For the servers a test starts (Xvfb, PulseAudio): they go when the test
 * program does, even when an assertion ends it. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static char *network_problem;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlTestServer, sl_test_server_free)

static gboolean
need_network (void)
{
  if (!have_network)
    g_test_skip_printf ("no private network namespace: %s", network_problem);
  return have_network;
}


/* Waits until GET /api/watch/<id> says the stream is @online. */
static gboolean
wait_online (SlTestServer *ts,
             gint64        id,
             gboolean      online,
             guint         timeout_ms)
{
  g_autofree char *path = g_strdup_printf ("/api/watch/%" G_GINT64_FORMAT, id);
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, NULL, NULL);

      g_assert_cmpuint (resp->status, ==, 200);
      if (json_object_get_boolean_member (sl_test_response_object (resp), "online") == online)
        return TRUE;
      sl_test_settle (50);
    }
  return FALSE;
}

/* ---- running streamlet-edge ------------------------------------------------- */

typedef struct {
  GSubprocess *process;
  gboolean     done;
  char        *out;
  char        *err;
} Edge;

static void
edge_free (Edge *edge)
{
  if (edge->process != NULL && !edge->done)
    g_subprocess_force_exit (edge->process);
  /* let the communication finish (it holds the Edge) */
  while (edge->process != NULL && !edge->done)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&edge->process);
  g_free (edge->out);
  g_free (edge->err);
  g_free (edge);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Edge, edge_free)

static void
communicated_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Edge *edge = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                        &edge->out, &edge->err, &error);
  g_assert_no_error (error);
  edge->done = TRUE;
}

/* Starts streamlet-edge with @args (NULL-terminated), @password in
 * STREAMLET_PASSWORD (NULL: none) and @env ("NAME", "VALUE" pairs, NULL
 * terminated; NULL: none) added to its environment. */
static Edge *
edge_spawn_env (const char        *password,
                const char *const *env,
                const char *const *args)
{
  const char *binary = g_getenv ("SL_TEST_EDGE");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  Edge *edge = g_new0 (Edge, 1);

  g_assert_nonnull (binary);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (password != NULL)
    g_subprocess_launcher_setenv (launcher, "STREAMLET_PASSWORD", password, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "STREAMLET_PASSWORD");
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  g_ptr_array_add (argv, (gpointer) binary);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  line = g_strjoinv (" ", (char **) argv->pdata + 1);
  g_test_message ("running: streamlet-edge %s", line);
  edge->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata,
                                                &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (edge->process, NULL, NULL, communicated_cb, edge);
  return edge;
}

static Edge *
edge_spawn (const char        *password,
            const char *const *args)
{
  return edge_spawn_env (password, NULL, args);
}

/* Runs the main context (the server lives there) until @edge exits, at
 * most @timeout_s; returns its exit status (-1: killed by a signal). */
static int
edge_wait (Edge  *edge,
           guint  timeout_s)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (!edge->done)
    {
      if (g_get_monotonic_time () > until)
        {
          g_test_message ("streamlet-edge did not finish in %u s", timeout_s);
          g_subprocess_force_exit (edge->process);
          while (!edge->done)
            g_main_context_iteration (NULL, TRUE);
          g_test_message ("stdout: %s\nstderr: %s", edge->out, edge->err);
          g_assert_not_reached ();
        }
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  /* the pipes close just before the exit: reap it */
  g_subprocess_wait (edge->process, NULL, NULL);
  if (edge->err != NULL && *edge->err != '\0')
    g_test_message ("streamlet-edge's stderr: %s", edge->err);
  if (!g_subprocess_get_if_exited (edge->process))
    return -1;    /* killed */
  return g_subprocess_get_exit_status (edge->process);
}

/* Runs to the end; returns the exit status. */
static int
edge_run (const char        *password,
          const char *const *args,
          char             **err)
{
  g_autoptr(Edge) edge = edge_spawn (password, args);
  int status = edge_wait (edge, 60);

  if (err != NULL)
    *err = g_strdup (edge->err);
  return status;
}

static void
run_for (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

/* Each line of --json output, parsed (asserting each is one object). */
static GPtrArray *
json_lines (const char *out)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  GPtrArray *objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonNode *root;

      if (lines[i][0] == '\0' && lines[i + 1] == NULL)
        break;    /* after the last newline */
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      root = json_parser_get_root (parser);
      g_assert_nonnull (root);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
      g_ptr_array_add (objects, json_object_ref (json_node_get_object (root)));
    }
  return objects;
}

static JsonObject *
summary_of (GPtrArray *objects)
{
  JsonObject *last;

  g_assert_cmpuint (objects->len, >=, 2);
  last = g_ptr_array_index (objects, objects->len - 1);
  g_assert_true (json_object_has_member (last, "summary"));
  g_assert_true (json_object_get_boolean_member (last, "summary"));
  for (guint i = 0; i + 1 < objects->len; i++)
    {
      JsonObject *line = g_ptr_array_index (objects, i);
      const char *members[] = { "t", "state", "video_kbps", "audio_kbps", "frames_decoded",
                                "frames_dropped", "freezes", "loss_percent", "jitter_ms",
                                "reconnects", "av_offset_ms", "first_frame_ms" };

      for (guint m = 0; m < G_N_ELEMENTS (members); m++)
        g_assert_true (json_object_has_member (line, members[m]));
      g_assert_false (json_object_has_member (line, "summary"));
    }
  return last;
}

/* ---- the command line ---------------------------------------------------------- */

static void
test_options (void)
{
  g_autofree char *dir = g_dir_make_tmp ("streamlet-edge-XXXXXX", NULL);
  g_autofree char *pwfile = g_build_filename (dir, "password", NULL);
  g_autofree char *missing = g_build_filename (dir, "nothing-here", NULL);
  const char *server = "http://127.0.0.1:9";
  struct {
    const char *name;
    const char *args[16];
    const char *password;
    const char *says;
  } bad[] = {
    { "unknown option", { "watch", "--server", server, "--user", "s", "--class", "1", "--bogus", NULL }, "pw", "--bogus" },
    { "no --server", { "watch", "--user", "s", "--class", "1", NULL }, "pw", "--server" },
    { "no --user", { "watch", "--server", server, "--class", "1", NULL }, "pw", "--user" },
    { "no --class", { "publish", "--server", server, "--user", "t", NULL }, "pw", "--class" },
    { "class not a number", { "watch", "--server", server, "--user", "s", "--class", "abc", NULL }, "pw", "--class" },
    { "class zero", { "watch", "--server", server, "--user", "s", "--class", "0", NULL }, "pw", "--class" },
    { "class negative", { "watch", "--server", server, "--user", "s", "--class", "-3", NULL }, "pw", "--class" },
    { "bad preset", { "publish", "--server", server, "--user", "t", "--class", "1", "--test-source", "--preset", "4k", NULL }, "pw", "--preset" },
    { "bad duration", { "watch", "--server", server, "--user", "s", "--class", "1", "--duration", "soon", NULL }, "pw", "--duration" },
    { "zero duration", { "watch", "--server", server, "--user", "s", "--class", "1", "--duration", "0", NULL }, "pw", "--duration" },
    { "bad URL", { "watch", "--server", "ftp://example.org", "--user", "s", "--class", "1", NULL }, "pw", "--server" },
    { "not a URL", { "watch", "--server", "localhost", "--user", "s", "--class", "1", NULL }, "pw", "--server" },
    { "test source and camera", { "publish", "--server", server, "--user", "t", "--class", "1", "--test-source", "--video-device", "/dev/video0", NULL }, "pw", "exclude" },
    { "bad ICE address", { "watch", "--server", server, "--user", "s", "--class", "1", "--ice-addresses", "10.0.0.1,nowhere", NULL }, "pw", "--ice-addresses" },
    { "password argument", { "watch", "--server", server, "--user", "s", "--class", "1", "--password", "student123", NULL }, "pw", "--password is refused" },
    { "password= argument", { "watch", "--server", server, "--user", "s", "--class", "1", "--password=student123", NULL }, NULL, "--password is refused" },
    { "no password", { "watch", "--server", server, "--user", "s", "--class", "1", NULL }, NULL, "STREAMLET_PASSWORD" },
    { "unreadable password file", { "watch", "--server", server, "--user", "s", "--class", "1", "--password-file", missing, NULL }, "pw", "--password-file" },
    { "unknown command", { "dance", NULL }, "pw", "dance" },
    { "relay", { "relay", "--server", server, NULL }, "pw", "mesh" },
    { "no command", { NULL }, "pw", "COMMAND" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *err = NULL;
      int status;

      g_test_message ("bad command line: %s", bad[i].name);
      status = edge_run (bad[i].password, bad[i].args, &err);
      g_assert_cmpint (status, ==, EXIT_USAGE);
      if (bad[i].args[0] != NULL)
        {
          /* one line */
          g_assert_true (g_str_has_prefix (err, "streamlet-edge: "));
          g_assert_nonnull (strchr (err, '\n'));
          g_assert_cmpstr (strchr (err, '\n') + 1, ==, "");
        }
      g_assert_nonnull (strstr (err, bad[i].says));
    }

  /* --help lists the commands, the options and the exit codes */
  {
    const char *top[] = { "--help", NULL };
    const char *publish[] = { "publish", "--help", NULL };
    const char *watch[] = { "watch", "--help", NULL };
    g_autoptr(Edge) edge = edge_spawn (NULL, top);

    g_assert_cmpint (edge_wait (edge, 30), ==, 0);
    g_assert_nonnull (strstr (edge->out, "relay"));
    g_assert_nonnull (strstr (edge->out, "not yet"));
    g_assert_nonnull (strstr (edge->out, "64"));
    g_assert_nonnull (strstr (edge->out, "STREAMLET_PASSWORD"));
    g_clear_pointer (&edge, edge_free);

    edge = edge_spawn (NULL, publish);
    g_assert_cmpint (edge_wait (edge, 30), ==, 0);
    for (const char *const *o = (const char *[]) { "--server", "--user", "--class", "--test-source",
                                                   "--video-device", "--screen", "--no-audio",
                                                   "--preset", "--duration", "--ice-addresses",
                                                   "--json", "--password-file", "  13  ", NULL };
         *o != NULL; o++)
      g_assert_nonnull (strstr (edge->out, *o));
    g_clear_pointer (&edge, edge_free);

    edge = edge_spawn (NULL, watch);
    g_assert_cmpint (edge_wait (edge, 30), ==, 0);
    for (const char *const *o = (const char *[]) { "--no-decode", "--latency", "--json",
                                                   "--audio-out", "--duration", "  7  ", NULL };
         *o != NULL; o++)
      g_assert_nonnull (strstr (edge->out, *o));
  }

  /* a password file's first line, without its newline (here: refused by
   * an unreachable server, so past the command line) */
  {
    const char *args[] = { "watch", "--server", server, "--user", "s", "--class", "1",
                           "--password-file", pwfile, NULL };
    g_autofree char *err = NULL;

    g_assert_true (g_file_set_contents (pwfile, "student123\nsecond line\n", -1, NULL));
    g_assert_cmpint (edge_run (NULL, args, &err), ==, 2);
    g_assert_true (g_str_has_prefix (err, "streamlet-edge: "));
    g_unlink (pwfile);
  }
  g_rmdir (dir);
}

/* ---- runtime errors ---------------------------------------------------------------- */

static void
test_errors (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autofree char *err = NULL;
  g_autofree char *class_text = NULL;
  gint64 id;

  /* nobody listens on a closed loopback port (discard) */
  {
    const char *args[] = { "watch", "--server", "http://127.0.0.1:9", "--user", "student",
                           "--class", "1", NULL };

    g_assert_cmpint (edge_run ("student123", args, &err), ==, 2);
    g_assert_true (g_str_has_prefix (err, "streamlet-edge: "));
    g_assert_nonnull (strstr (err, "127.0.0.1:9"));
    g_clear_pointer (&err, g_free);
  }

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, NULL);
  class_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  {
    struct {
      const char *name;
      const char *args[16];
      const char *password;
      int         status;
    } cases[] = {
      { "wrong password", { "watch", "--user", "student", "--class", class_text, NULL }, "nope", 3 },
      { "not live", { "watch", "--user", "student", "--class", class_text, NULL }, "student123", 7 },
      { "unknown class", { "watch", "--user", "student", "--class", "987654", NULL }, "student123", 6 },
      { "student publishing", { "publish", "--user", "student", "--class", class_text,
                                "--test-source", "--preset", "360p", NULL }, "student123", 5 },
      { "missing camera", { "publish", "--user", "teacher", "--class", class_text,
                            "--video-device", "/dev/video99", "--no-audio", NULL }, "teacher123", 13 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(GPtrArray) args = g_ptr_array_new ();

        g_ptr_array_add (args, (gpointer) cases[i].args[0]);
        g_ptr_array_add (args, (gpointer) "--server");
        g_ptr_array_add (args, ts->base_url);
        g_ptr_array_add (args, (gpointer) "--ice-addresses");
        g_ptr_array_add (args, (gpointer) CLIENT_ICE_ADDRESS);
        for (guint a = 1; cases[i].args[a] != NULL; a++)
          g_ptr_array_add (args, (gpointer) cases[i].args[a]);
        g_ptr_array_add (args, NULL);

        g_test_message ("runtime error: %s", cases[i].name);
        g_assert_cmpint (edge_run (cases[i].password, (const char *const *) args->pdata, &err),
                         ==, cases[i].status);
        g_assert_true (g_str_has_prefix (err, "streamlet-edge: "));
        g_assert_nonnull (strchr (err, '\n'));
        g_assert_cmpstr (strchr (err, '\n') + 1, ==, "");
        if (cases[i].status == 13)
          g_assert_nonnull (strstr (err, "/dev/video99"));
        g_clear_pointer (&err, g_free);
      }
  }

  /* and nothing went live */
  g_assert_true (wait_online (ts, id, FALSE, 100));
}

/* A GStreamer plugin directory like the system's but without @file, and a
 * registry of its own next to it: the environment for streamlet-edge. */
static GStrv
plugins_without (const char *dir,
                 const char *file)
{
  g_autoptr(GstPlugin) core = gst_registry_find_plugin (gst_registry_get (), "coreelements");
  g_autofree char *system = NULL;
  g_autofree char *plugins = g_build_filename (dir, "plugins", NULL);
  g_autofree char *registry = g_build_filename (dir, "registry.bin", NULL);
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) env = g_strv_builder_new ();
  const char *name;
  gboolean seen = FALSE;

  g_assert_nonnull (core);
  system = g_path_get_dirname (gst_plugin_get_filename (core));
  g_assert_cmpint (g_mkdir_with_parents (plugins, 0700), ==, 0);
  listing = g_dir_open (system, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *from = g_build_filename (system, name, NULL);
      g_autofree char *to = g_build_filename (plugins, name, NULL);

      if (g_str_equal (name, file))
        {
          seen = TRUE;
          continue;
        }
      if (g_str_has_suffix (name, ".so"))
        g_assert_cmpint (symlink (from, to), ==, 0);
    }
  g_assert_true (seen);   /* scripts/test installs every plugin */
  g_strv_builder_add_many (env, "GST_PLUGIN_SYSTEM_PATH_1_0", plugins,
                           "GST_PLUGIN_PATH_1_0", "", "GST_REGISTRY_1_0", registry, NULL);
  return g_strv_builder_end (env);
}

static void
remove_plugins_dir (const char *dir)
{
  g_autofree char *plugins = g_build_filename (dir, "plugins", NULL);
  g_autofree char *registry = g_build_filename (dir, "registry.bin", NULL);
  g_autoptr(GDir) listing = g_dir_open (plugins, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (plugins, name, NULL);

      g_unlink (path);
    }
  g_rmdir (plugins);
  g_unlink (registry);
  g_rmdir (dir);
}

/* A missing GStreamer plugin: exit 14, naming the element and the Debian
 * package to install. */
static void
test_missing_plugin (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autofree char *class_text = NULL;
  struct {
    const char *file;
    const char *command;
    const char *element;
    const char *package;
  } cases[] = {
    { "libgstx264.so", "publish", "x264enc", "gstreamer1.0-plugins-ugly" },
    { "libgstnice.so", "watch", "nicesrc", "gstreamer1.0-nice" },
    { "libgstopus.so", "watch", "opusdec", "gstreamer1.0-plugins-base" },
  };

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  class_text = g_strdup_printf ("%" G_GINT64_FORMAT, sl_test_make_class (ts, TRUE, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = g_dir_make_tmp ("streamlet-test-plugins-XXXXXX", NULL);
      g_auto(GStrv) env = plugins_without (dir, cases[i].file);
      gboolean publish = g_str_equal (cases[i].command, "publish");
      const char *args[] = { cases[i].command, "--server", ts->base_url,
                             "--user", publish ? "teacher" : "student", "--class", class_text,
                             "--ice-addresses", CLIENT_ICE_ADDRESS,
                             publish ? "--test-source" : "--duration", publish ? "--no-audio" : "2",
                             NULL };
      g_autoptr(Edge) edge = NULL;

      g_test_message ("without %s", cases[i].file);
      edge = edge_spawn_env (publish ? "teacher123" : "student123", (const char *const *) env, args);
      g_assert_cmpint (edge_wait (edge, 60), ==, 14);
      g_test_message ("%s", edge->err);
      g_assert_true (g_str_has_prefix (edge->err, "streamlet-edge: "));
      g_assert_nonnull (strstr (edge->err, cases[i].element));
      g_assert_nonnull (strstr (edge->err, cases[i].package));
      remove_plugins_dir (dir);
    }
  /* nothing went live */
  g_assert_true (wait_online (ts, g_ascii_strtoll (class_text, NULL, 10), FALSE, 100));
}

/* ---- edge publish → edge watch, and a plain WHEP viewer -------------------- */

static Edge *
spawn_publisher (SlTestServer *ts,
                 const char   *class_text,
                 const char   *duration)
{
  const char *args[] = { "publish", "--server", ts->base_url, "--user", "teacher",
                         "--class", class_text, "--test-source", "--preset", "360p",
                         "--duration", duration, "--ice-addresses", CLIENT_ICE_ADDRESS, NULL };

  return edge_spawn ("teacher123", args);
}

static Edge *
spawn_watcher (SlTestServer *ts,
               const char   *class_text,
               const char   *duration)
{
  const char *args[] = { "watch", "--server", ts->base_url, "--user", "student",
                         "--class", class_text, "--json", "--duration", duration,
                         "--ice-addresses", CLIENT_ICE_ADDRESS, NULL };

  return edge_spawn ("student123", args);
}

/* ---- a sound server of the test's own ----------------------------------------- */

/* A private PulseAudio with one null sink: `watch --audio-out` plays into
 * it, and the test listens to the sink's monitor. */
typedef struct {
  char        *dir;
  char        *server;     /* unix:DIR/native, for PULSE_SERVER */
  GSubprocess *daemon;
  GstElement  *listener;
  gint         loud;       /* atomic: 10 ms blocks with a beep in them */
  gint         quiet;      /* atomic: 10 ms blocks of near silence */
} SoundServer;

static void
sound_server_free (SoundServer *sound)
{
  if (sound->listener != NULL)
    {
      gst_element_set_state (sound->listener, GST_STATE_NULL);
      gst_object_unref (sound->listener);
    }
  if (sound->daemon != NULL)
    {
      g_subprocess_send_signal (sound->daemon, SIGTERM);
      g_subprocess_wait (sound->daemon, NULL, NULL);
      g_object_unref (sound->daemon);
    }
  if (sound->dir != NULL)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (sound->dir);
      g_autoptr(GFileEnumerator) children = g_file_enumerate_children (
        dir, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
      GFileInfo *info;

      /* PulseAudio leaves a socket, a pid file and a cookie: one level */
      while (children != NULL &&
             g_file_enumerator_iterate (children, &info, NULL, NULL, NULL) && info != NULL)
        {
          g_autoptr(GFile) child = g_file_get_child (dir, g_file_info_get_name (info));

          g_file_delete (child, NULL, NULL);
        }
      g_rmdir (sound->dir);
    }
  g_free (sound->dir);
  g_free (sound->server);
  g_free (sound);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SoundServer, sound_server_free)

static GstPadProbeReturn
listen_probe_cb (GstPad          *pad,
                 GstPadProbeInfo *info,
                 gpointer         data)
{
  SoundServer *sound = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  for (gsize block = 0; block + 960 <= map.size; block += 960)   /* 10 ms, S16 mono 48 kHz */
    {
      const gint16 *s = (const gint16 *) (map.data + block);
      int peak = 0;

      for (guint i = 0; i < 480; i++)
        peak = MAX (peak, ABS ((int) s[i]));
      if (peak > 8000)
        g_atomic_int_inc (&sound->loud);
      else if (peak < 300)
        g_atomic_int_inc (&sound->quiet);
    }
  gst_buffer_unmap (buffer, &map);
  return GST_PAD_PROBE_OK;
}

static SoundServer *
sound_server_start (void)
{
  g_autoptr(SoundServer) sound = g_new0 (SoundServer, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *socket = NULL, *native = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GstPad) pad = NULL;
  GstElement *sink;
  gint64 until;

  /* scripts/test installs it */
  g_assert_true (g_file_test ("/usr/bin/pulseaudio", G_FILE_TEST_IS_EXECUTABLE));
  sound->dir = g_dir_make_tmp ("streamlet-test-sound-XXXXXX", &error);
  g_assert_no_error (error);
  socket = g_build_filename (sound->dir, "native", NULL);
  sound->server = g_strdup_printf ("unix:%s", socket);
  native = g_strdup_printf ("module-native-protocol-unix socket=%s auth-anonymous=1", socket);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  for (const char *const *v = (const char *[]) { "HOME", "XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH",
                                                 "PULSE_STATE_PATH", NULL }; *v != NULL; v++)
    g_subprocess_launcher_setenv (launcher, *v, sound->dir, TRUE);
  sound->daemon = g_subprocess_launcher_spawn (
    launcher, &error, "/usr/bin/pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1",
    "--use-pid-file=no", "--disable-shm=yes", "--log-target=stderr",
    "--load", native, "--load", "module-null-sink sink_name=streamlet_test", NULL);
  g_assert_no_error (error);
  for (until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       !g_file_test (socket, G_FILE_TEST_EXISTS); g_usleep (20000))
    g_assert_cmpint (g_get_monotonic_time (), <, until);

  description = g_strdup_printf ("pulsesrc server=\"%s\" device=streamlet_test.monitor ! "
                                 "audioconvert ! audioresample ! "
                                 "audio/x-raw,format=S16LE,channels=1,rate=48000 ! "
                                 "fakesink name=ears sync=false", sound->server);
  sound->listener = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (sound->listener), "ears");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_object_unref (sink);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, listen_probe_cb, sound, NULL);
  g_assert_cmpint (gst_element_set_state (sound->listener, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  return g_steal_pointer (&sound);
}

static void
test_publish_watch (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(Edge) publisher = NULL;
  g_autoptr(Edge) watcher = NULL;
  g_autoptr(SoundServer) sound = NULL;
  g_autoptr(SlTestViewer) plain = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char *class_text = NULL, *student = NULL, *whep = NULL;
  JsonObject *summary;
  gint64 offset;
  guint status = 0;
  gint64 id;

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, NULL);
  class_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  publisher = spawn_publisher (ts, class_text, "60");
  g_assert_true (wait_online (ts, id, TRUE, 20000));

  /* edge watch decodes picture and sound, in sync, and plays the sound
   * (--audio-out) into a sound server of the test's own */
  sound = sound_server_start ();
  {
    const char *args[] = { "watch", "--server", ts->base_url, "--user", "student",
                           "--class", class_text, "--json", "--duration", "14", "--audio-out",
                           "--ice-addresses", CLIENT_ICE_ADDRESS, NULL };
    const char *env[] = { "PULSE_SERVER", sound->server, NULL };

    watcher = edge_spawn_env ("student123", env, args);
  }
  /* meanwhile a plain webrtcbin WHEP viewer decodes the edge publisher */
  student = sl_test_login (ts, "student", "student123", NULL);
  whep = g_strdup_printf ("/whep/%" G_GINT64_FORMAT, id);
  plain = sl_test_viewer_start (ts, whep, student, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (sl_test_viewer_wait_frames (plain, 30, 15));
  g_assert_cmpuint (sl_test_viewer_get_audio_buffers (plain), >, 0);
  g_test_message ("SlTestViewer of edge publish: first frame after %" G_GINT64_FORMAT " ms",
                  sl_test_viewer_get_first_frame_ms (plain));

  g_assert_cmpint (edge_wait (watcher, 60), ==, 0);
  g_test_message ("edge watch --json:\n%s", watcher->out);
  /* the test source beeps 100 ms each second and is silent in between:
   * over 14 s, well over 50 loud and 500 quiet 10 ms blocks were heard */
  g_test_message ("heard: %d loud and %d quiet 10 ms blocks",
                  g_atomic_int_get (&sound->loud), g_atomic_int_get (&sound->quiet));
  g_assert_cmpint (g_atomic_int_get (&sound->loud), >=, 50);
  g_assert_cmpint (g_atomic_int_get (&sound->quiet), >=, 500);
  lines = json_lines (watcher->out);
  summary = summary_of (lines);
  g_assert_cmpint (json_object_get_int_member (summary, "frames_decoded"), >=, 100);
  g_assert_false (json_object_get_null_member (summary, "first_frame_ms"));
  g_assert_cmpint (json_object_get_int_member (summary, "first_frame_ms"), >=, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "first_frame_ms"), <, 5000);
  g_assert_true (json_object_has_member (summary, "freezes"));
  g_assert_cmpint (json_object_get_int_member (summary, "reconnects"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "duration_s"), >=, 14);
  g_assert_false (json_object_get_null_member (summary, "av_offset_ms"));
  offset = json_object_get_int_member (summary, "av_offset_ms");
  g_test_message ("A/V offset at edge watch: %" G_GINT64_FORMAT " ms", offset);
  g_assert_cmpint (ABS (offset), <=, 80);
  {
    JsonObject *late = g_ptr_array_index (lines, lines->len - 2);

    g_assert_cmpstr (json_object_get_string_member (late, "state"), ==, "connected");
    g_assert_cmpfloat (json_object_get_int_member (late, "video_kbps"), >, 50);
    g_assert_cmpint (json_object_get_int_member (late, "audio_kbps"), >, 5);
  }

  /* SIGTERM: the publisher ends its session (DELETE) and exits 0 */
  g_subprocess_send_signal (publisher->process, SIGTERM);
  g_assert_cmpint (edge_wait (publisher, 20), ==, 0);
  g_assert_true (wait_online (ts, id, FALSE, 2000));
  g_test_message ("edge publish:\n%s", publisher->out);
  g_assert_nonnull (strstr (publisher->out, "frames sent"));
}

/* ---- the screen as the source ------------------------------------------------- */

/* The X display to capture: scripts/test's Xvfb ($DISPLAY), or else an Xvfb
 * of the test's own, returned (NULL when the display is not ours).
 *
 * A second Xvfb must not look for a free display itself (-displayfd): run
 * in this test's network namespace it cannot see the other server's
 * abstract socket, takes over display 0's socket file and lock, and removes
 * them when it ends, cutting every later client off. So it gets a number
 * of its own. */
static GSubprocess *
xvfb_start (char **display)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) xvfb = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *lock = NULL, *socket = NULL;
  const char *outer = g_getenv ("DISPLAY");
  guint number;
  gint64 until;

  if (outer != NULL && *outer != '\0')
    {
      *display = g_strdup (outer);
      return NULL;
    }
  /* scripts/test installs it */
  g_assert_true (g_file_test ("/usr/bin/Xvfb", G_FILE_TEST_IS_EXECUTABLE));
  for (number = 300 + getpid () % 300;; number++)
    {
      g_clear_pointer (&lock, g_free);
      lock = g_strdup_printf ("/tmp/.X%u-lock", number);
      if (!g_file_test (lock, G_FILE_TEST_EXISTS))
        break;
    }
  *display = g_strdup_printf (":%u", number);
  socket = g_strdup_printf ("/tmp/.X11-unix/X%u", number);
  /* it dies with the test (a failed assertion must not leave an X server
   * behind), and never resets */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  xvfb = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/Xvfb", *display,
                                      "-nolisten", "tcp", "-noreset",
                                      "-screen", "0", "1280x720x24", NULL);
  g_assert_no_error (error);
  for (until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       !g_file_test (socket, G_FILE_TEST_EXISTS); g_usleep (20000))
    g_assert_cmpint (g_get_monotonic_time (), <, until);
  return g_steal_pointer (&xvfb);
}

static void
xvfb_stop (GSubprocess *xvfb)
{
  if (xvfb == NULL)
    return;
  g_subprocess_send_signal (xvfb, SIGTERM);
  g_subprocess_wait (xvfb, NULL, NULL);
}

static void
test_screen (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(GSubprocess) xvfb = NULL;
  g_autoptr(Edge) publisher = NULL;
  g_autoptr(Edge) watcher = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char *class_text = NULL, *display = NULL;
  JsonObject *summary;
  gint64 id;

  if (!need_network ())
    return;
  xvfb = xvfb_start (&display);
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, NULL);
  class_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  {
    const char *args[] = { "publish", "--server", ts->base_url, "--user", "teacher",
                           "--class", class_text, "--screen", "--no-audio", "--preset", "360p",
                           "--duration", "30", "--ice-addresses", CLIENT_ICE_ADDRESS, NULL };
    /* X11 capture (ximagesrc), not the desktop portal */
    const char *env[] = { "DISPLAY", display, "WAYLAND_DISPLAY", "", "XDG_SESSION_TYPE", "x11",
                          "STREAMLET_SCREEN_PORTAL", "0", NULL };

    publisher = edge_spawn_env ("teacher123", env, args);
  }
  g_assert_true (wait_online (ts, id, TRUE, 20000));
  watcher = spawn_watcher (ts, class_text, "5");
  g_assert_cmpint (edge_wait (watcher, 60), ==, 0);
  lines = json_lines (watcher->out);
  summary = summary_of (lines);
  g_test_message ("edge watch of the screen:\n%s", watcher->out);
  g_assert_cmpint (json_object_get_int_member (summary, "frames_decoded"), >=, 60);
  /* no sound from the publisher: the server fills in silence, and its HLS
   * goes on (it used to fail on the missing track) */
  {
    g_autofree char *path = g_strdup_printf ("/hls/%" G_GINT64_FORMAT "/index.m3u8", id);
    g_autoptr(SlTestResponse) playlist = sl_test_request (ts, "GET", path, NULL, NULL);

    g_autofree char *text = NULL;

    g_assert_cmpuint (playlist->status, ==, 200);
    text = g_strndup (g_bytes_get_data (playlist->body, NULL), g_bytes_get_size (playlist->body));
    g_assert_nonnull (strstr (text, "seg-"));
  }

  g_subprocess_send_signal (publisher->process, SIGTERM);
  g_assert_cmpint (edge_wait (publisher, 20), ==, 0);
  xvfb_stop (xvfb);

  /* without an X display (and no portal), a clear error: exit 13 */
  {
    const char *args[] = { "publish", "--server", ts->base_url, "--user", "teacher",
                           "--class", class_text, "--screen", "--no-audio",
                           "--ice-addresses", CLIENT_ICE_ADDRESS, NULL };
    const char *env[] = { "DISPLAY", "", "WAYLAND_DISPLAY", "", "STREAMLET_SCREEN_PORTAL", "0",
                          NULL };
    g_autoptr(Edge) refused = edge_spawn_env ("teacher123", env, args);

    g_assert_cmpint (edge_wait (refused, 60), ==, 13);
    g_test_message ("%s", refused->err);
    g_assert_nonnull (strstr (refused->err, "screen"));
  }
}

/* The microphone (autoaudiosrc: PulseAudio's default source, here the
 * monitor of the test's own sound server, into which the test plays a
 * tone) with the screen: the tone reaches a watcher. */
static void
test_microphone (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(GSubprocess) xvfb = NULL;
  g_autoptr(SoundServer) sound = NULL;
  g_autoptr(GstElement) tone = NULL;
  g_autoptr(Edge) publisher = NULL;
  g_autoptr(Edge) watcher = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *class_text = NULL, *display = NULL, *description = NULL;
  gint64 loudest = 0;
  gint64 id;

  if (!need_network ())
    return;
  xvfb = xvfb_start (&display);
  sound = sound_server_start ();
  description = g_strdup_printf ("audiotestsrc is-live=true wave=sine freq=440 volume=0.6 ! "
                                 "pulsesink server=\"%s\" device=streamlet_test", sound->server);
  tone = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_element_set_state (tone, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);

  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, NULL);
  class_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  {
    const char *args[] = { "publish", "--server", ts->base_url, "--user", "teacher",
                           "--class", class_text, "--screen", "--preset", "360p",
                           "--duration", "30", "--ice-addresses", CLIENT_ICE_ADDRESS, NULL };
    const char *env[] = { "DISPLAY", display, "WAYLAND_DISPLAY", "", "XDG_SESSION_TYPE", "x11",
                          "STREAMLET_SCREEN_PORTAL", "0", "PULSE_SERVER", sound->server, NULL };

    publisher = edge_spawn_env ("teacher123", env, args);
  }
  g_assert_true (wait_online (ts, id, TRUE, 20000));
  watcher = spawn_watcher (ts, class_text, "6");
  g_assert_cmpint (edge_wait (watcher, 60), ==, 0);
  g_test_message ("edge watch of screen and microphone:\n%s", watcher->out);
  lines = json_lines (watcher->out);
  /* a 440 Hz tone takes Opus tens of kbit/s; the silence the server puts
   * in for a publisher without sound takes a few */
  for (guint i = 0; i < lines->len; i++)
    {
      JsonObject *line = g_ptr_array_index (lines, i);

      if (json_object_has_member (line, "audio_kbps"))
        loudest = MAX (loudest, json_object_get_int_member (line, "audio_kbps"));
    }
  g_assert_cmpint (loudest, >=, 30);

  g_subprocess_send_signal (publisher->process, SIGTERM);
  g_assert_cmpint (edge_wait (publisher, 20), ==, 0);
  gst_element_set_state (tone, GST_STATE_NULL);
  xvfb_stop (xvfb);
}

/* ---- simple-whip-client publishes, edge watches ------------------------------ */

static void
test_simple_whip_client (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autofree char *key = NULL, *url = NULL, *class_text = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) client = NULL;
  g_autoptr(Edge) watcher = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GError) error = NULL;
  const char *stub_dir = g_getenv ("SL_TEST_UPNP_STUB_DIR");
  JsonObject *summary;
  gint64 id;

  if (!need_network ())
    return;
  g_assert_true (g_file_test ("/usr/bin/whip-client", G_FILE_TEST_IS_EXECUTABLE));
  g_assert_nonnull (stub_dir);

  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, &key);
  class_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  url = g_strdup_printf ("%s/whip/%" G_GINT64_FORMAT, ts->base_url, id);

  /* see tests/whip-client/sl-upnp-stub.c for why the stub library */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "LD_LIBRARY_PATH", stub_dir, TRUE);
  client = g_subprocess_launcher_spawn (
    launcher, &error, "/usr/bin/whip-client", "-u", url, "-t", key, "-l", "2",
    "-V", "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1"
          " ! videoconvert ! queue ! x264enc tune=zerolatency speed-preset=ultrafast"
          " bitrate=600 key-int-max=30 ! rtph264pay config-interval=-1 ! queue"
          " ! application/x-rtp,media=video,encoding-name=H264,payload=96",
    "-A", "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! queue"
          " ! opusenc ! rtpopuspay ! queue ! application/x-rtp,media=audio,encoding-name=OPUS,"
          "payload=111",
    NULL);
  g_assert_no_error (error);
  g_assert_true (wait_online (ts, id, TRUE, 20000));

  watcher = spawn_watcher (ts, class_text, "5");
  g_assert_cmpint (edge_wait (watcher, 60), ==, 0);
  g_test_message ("edge watch of simple-whip-client:\n%s", watcher->out);
  lines = json_lines (watcher->out);
  summary = summary_of (lines);
  g_assert_cmpint (json_object_get_int_member (summary, "frames_decoded"), >=, 30);
  g_assert_false (json_object_get_null_member (summary, "first_frame_ms"));
  {
    JsonObject *late = g_ptr_array_index (lines, lines->len - 2);

    g_assert_cmpint (json_object_get_int_member (late, "audio_kbps"), >, 0);
  }

  g_subprocess_send_signal (client, SIGINT);
  g_assert_true (wait_online (ts, id, FALSE, 5000));
  g_subprocess_force_exit (client);
  g_subprocess_wait (client, NULL, NULL);
}

/* ---- riding out a server restart and a token expiry ---------------------------- */

static gint64
max_frames_in_state (GPtrArray  *lines,
                     const char *state)
{
  gint64 most = -1;

  for (guint i = 0; i + 1 < lines->len; i++)
    {
      JsonObject *line = g_ptr_array_index (lines, i);

      if (g_strcmp0 (json_object_get_string_member (line, "state"), state) == 0)
        most = MAX (most, json_object_get_int_member (line, "frames_decoded"));
    }
  return most;
}

static void
test_server_restart (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(Edge) publisher = NULL;
  g_autoptr(Edge) again = NULL;
  g_autoptr(Edge) watcher = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char *class_text = NULL;
  JsonObject *summary;
  gint64 before;
  gint64 id;

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, NULL);
  class_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  publisher = spawn_publisher (ts, class_text, "60");
  g_assert_true (wait_online (ts, id, TRUE, 20000));
  watcher = spawn_watcher (ts, class_text, "24");
  run_for (5000);

  /* the server goes away, and with it the publisher's link */
  sl_test_server_stop (ts);
  g_subprocess_force_exit (publisher->process);
  g_assert_cmpint (edge_wait (publisher, 10), ==, -1);
  run_for (2000);
  g_assert_false (watcher->done);

  /* back on the same port; the teacher publishes again */
  sl_test_server_restart (ts);
  again = spawn_publisher (ts, class_text, "60");
  g_assert_true (wait_online (ts, id, TRUE, 20000));

  g_assert_cmpint (edge_wait (watcher, 60), ==, 0);
  g_test_message ("edge watch through a restart:\n%s", watcher->out);
  lines = json_lines (watcher->out);
  summary = summary_of (lines);
  g_assert_cmpint (json_object_get_int_member (summary, "reconnects"), >=, 1);
  before = max_frames_in_state (lines, "reconnecting");
  g_assert_cmpint (before, >, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "frames_decoded"), >=, before + 30);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (lines, lines->len - 2), "state"),
                   ==, "connected");

  g_subprocess_send_signal (again->process, SIGTERM);
  g_assert_cmpint (edge_wait (again, 20), ==, 0);
}

static void
test_token_expiry (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(Edge) publisher = NULL;
  g_autoptr(Edge) watcher = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char *class_text = NULL;
  JsonObject *summary;
  gint64 early = -1, late = -1;
  gint64 id;

  if (!need_network ())
    return;
  /* access tokens live 3 s: both ends refresh theirs several times */
  ts = sl_test_media_server_new (FALSE, 3);
  id = sl_test_make_class (ts, TRUE, NULL);
  class_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  publisher = spawn_publisher (ts, class_text, "60");
  g_assert_true (wait_online (ts, id, TRUE, 20000));
  watcher = spawn_watcher (ts, class_text, "10");
  g_assert_cmpint (edge_wait (watcher, 60), ==, 0);
  g_test_message ("edge watch with 3 s tokens:\n%s", watcher->out);
  lines = json_lines (watcher->out);
  summary = summary_of (lines);
  g_assert_cmpint (json_object_get_int_member (summary, "frames_decoded"), >=, 120);
  for (guint i = 0; i + 1 < lines->len; i++)
    {
      JsonObject *line = g_ptr_array_index (lines, i);
      gint64 t = json_object_get_int_member (line, "t");

      if (t == 4)
        early = json_object_get_int_member (line, "frames_decoded");
      if (t == 9)
        late = json_object_get_int_member (line, "frames_decoded");
    }
  g_assert_cmpint (early, >, 0);
  g_assert_cmpint (late, >=, early + 60);

  /* the publisher is still going, after its own refreshes */
  g_assert_false (publisher->done);
  g_subprocess_send_signal (publisher->process, SIGTERM);
  g_assert_cmpint (edge_wait (publisher, 20), ==, 0);
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

  g_test_init (&argc, &argv, NULL);
  sl_media_init ();

  g_test_add_func ("/edge/options", test_options);
  g_test_add_func ("/edge/errors", test_errors);
  g_test_add_func ("/edge/missing-plugin", test_missing_plugin);
  g_test_add_func ("/edge/publish-watch", test_publish_watch);
  g_test_add_func ("/edge/screen", test_screen);
  g_test_add_func ("/edge/microphone", test_microphone);
  g_test_add_func ("/edge/simple-whip-client", test_simple_whip_client);
  g_test_add_func ("/edge/server-restart", test_server_restart);
  g_test_add_func ("/edge/token-expiry", test_token_expiry);

  return g_test_run ();
}
