/* test-screencast.c: the screen through the desktop portal, against a fake
 * portal on a private session bus
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The test starts its own dbus-daemon (a fresh configuration: no service
 * files, so nothing is ever activated) and points DBUS_SESSION_BUS_ADDRESS
 * of this process at it. The fake portal, written here with GDBus, owns
 * org.freedesktop.portal.Desktop on its own connection in its own thread
 * (sl_screencast_portal_available() asks it synchronously), answers each
 * ScreenCast method with a Request and its Response signal, and hands out
 * one end of a socket pair as the "PipeWire" connection. No display, no
 * PipeWire, no network. */
#include "config.h"

#include "sl-api-client-private.h"
#include "sl-client-error.h"
#include "sl-publisher.h"
#include "sl-publisher-private.h"
#include "sl-screencast.h"
#include "sl-screencast-private.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gunixfdlist.h>
#include <gst/gst.h>

#define PORTAL_NAME       "org.freedesktop.portal.Desktop"
#define PORTAL_PATH       "/org/freedesktop/portal/desktop"
#define SCREENCAST_IFACE  "org.freedesktop.portal.ScreenCast"
#define REQUEST_IFACE     "org.freedesktop.portal.Request"
#define SESSION_IFACE     "org.freedesktop.portal.Session"

#define NODE_ID           42
#define WIDTH             1280
#define HEIGHT            720

/* ---- the private bus ------------------------------------------------------ */

static struct {
  GSubprocess *daemon;
  char        *dir;
  char        *address;
  char        *problem;     /* why there is no bus */
} bus;

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
bus_start (GError **error)
{
  g_autofree char *program = g_find_program_in_path ("dbus-daemon");
  g_autofree char *config = NULL;
  g_autofree char *config_path = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;

  if (program == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "dbus-daemon is not installed (Debian package dbus-daemon)");
      return FALSE;
    }
  bus.dir = g_dir_make_tmp ("streamlet-test-bus.XXXXXX", error);
  if (bus.dir == NULL)
    return FALSE;
  config = g_strdup_printf ("<busconfig>\n"
                            "  <type>session</type>\n"
                            "  <listen>unix:dir=%s</listen>\n"
                            "  <auth>EXTERNAL</auth>\n"
                            "  <policy context=\"default\">\n"
                            "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                            "    <allow eavesdrop=\"true\"/>\n"
                            "    <allow own=\"*\"/>\n"
                            "  </policy>\n"
                            "</busconfig>\n", bus.dir);
  config_path = g_build_filename (bus.dir, "bus.conf", NULL);
  if (!g_file_set_contents (config_path, config, -1, error))
    return FALSE;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  /* it goes with us, even when we abort */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  bus.daemon = g_subprocess_launcher_spawn (launcher, error, program, "--config-file",
                                            config_path, "--print-address", "--nofork", NULL);
  if (bus.daemon == NULL)
    return FALSE;
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus.daemon));
  bus.address = g_data_input_stream_read_line (out, NULL, NULL, error);
  if (bus.address == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                             "dbus-daemon printed no address");
      return FALSE;
    }
  g_strstrip (bus.address);
  return TRUE;
}

static void
bus_stop (void)
{
  if (bus.daemon != NULL)
    {
      g_subprocess_send_signal (bus.daemon, SIGTERM);
      g_subprocess_wait (bus.daemon, NULL, NULL);
      g_clear_object (&bus.daemon);
    }
  if (bus.dir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (bus.dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (bus.dir, name, NULL);

          g_unlink (path);
        }
      g_rmdir (bus.dir);
      g_clear_pointer (&bus.dir, g_free);
    }
  g_clear_pointer (&bus.address, g_free);
  g_clear_pointer (&bus.problem, g_free);
}

static gboolean
need_bus (void)
{
  if (bus.address == NULL)
    g_test_skip_printf ("no private session bus: %s", bus.problem);
  return bus.address != NULL;
}

/* ---- running the main context --------------------------------------------- */

typedef gboolean (*Condition) (gpointer data);

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the default main context until @cond holds or @timeout_ms pass. */
static gboolean
run_until (Condition cond,
           gpointer  data,
           guint     timeout_ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint wake = g_timeout_add (10, wake_cb, NULL);
  gboolean holds;

  while (!(holds = cond (data)) && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return holds;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

static void
settle (guint ms)
{
  run_until (never, NULL, ms);
}

typedef struct {
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
async_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Wait *wait = data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static gboolean
wait_done (gpointer data)
{
  return ((Wait *) data)->done;
}

/* ---- the fake portal -------------------------------------------------------- */

typedef enum {
  PORTAL_OK,
  PORTAL_CANCEL,          /* the user cancels the dialog: Start answers 1 */
  PORTAL_FAIL,            /* SelectSources answers 2 */
  PORTAL_SILENT,          /* Start never answers (nobody picks a screen) */
  PORTAL_EARLY,           /* each Response comes before the method's reply */
  PORTAL_OWN_PATHS,       /* ignores handle_token, as portals before 0.9 did */
  PORTAL_NO_SCREENCAST,   /* a portal without ScreenCast */
} PortalMode;

typedef struct {
  PortalMode       mode;
  guint            version;
  guint            source_types;
  guint            cursor_modes;

  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
  GDBusNodeInfo   *info;
  GDBusConnection *connection;   /* portal thread only, from here down to the lock */
  GHashTable      *objects;      /* path → registration id */
  guint            serial;

  GMutex           lock;
  GCond            cond;
  gboolean         ready;
  char            *problem;
  /* what the client did (under the lock) */
  char            *client;       /* its unique name */
  GPtrArray       *calls;        /* "CreateSession", …, "Request.Close", "Session.Close" */
  GPtrArray       *tokens;       /* the handle_token of each request ("" when none) */
  char            *session_token;
  char            *session_path;
  char            *pending;      /* a request left unanswered */
  gint64           types;        /* SelectSources: -1 when not asked */
  gboolean         multiple;
  gint64           cursor_mode;  /* -1 when not asked */
  char            *parent_window;
  guint            request_closes;
  guint            session_closes;
  int              remote_fd;    /* the portal's end of the "PipeWire" socket */
} FakePortal;

static const char portal_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.ScreenCast'>"
  "    <method name='CreateSession'>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='handle' direction='out'/>"
  "    </method>"
  "    <method name='SelectSources'>"
  "      <arg type='o' name='session_handle' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='handle' direction='out'/>"
  "    </method>"
  "    <method name='Start'>"
  "      <arg type='o' name='session_handle' direction='in'/>"
  "      <arg type='s' name='parent_window' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='handle' direction='out'/>"
  "    </method>"
  "    <method name='OpenPipeWireRemote'>"
  "      <arg type='o' name='session_handle' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='h' name='fd' direction='out'/>"
  "    </method>"
  "    <property name='AvailableSourceTypes' type='u' access='read'/>"
  "    <property name='AvailableCursorModes' type='u' access='read'/>"
  "    <property name='version' type='u' access='read'/>"
  "  </interface>"
  "  <interface name='org.freedesktop.portal.Settings'>"
  "    <method name='Read'>"
  "      <arg type='s' name='namespace' direction='in'/>"
  "      <arg type='s' name='key' direction='in'/>"
  "      <arg type='v' name='value' direction='out'/>"
  "    </method>"
  "  </interface>"
  "  <interface name='org.freedesktop.portal.Request'>"
  "    <method name='Close'/>"
  "    <signal name='Response'>"
  "      <arg type='u' name='response'/>"
  "      <arg type='a{sv}' name='results'/>"
  "    </signal>"
  "  </interface>"
  "  <interface name='org.freedesktop.portal.Session'>"
  "    <method name='Close'/>"
  "    <signal name='Closed'>"
  "      <arg type='a{sv}' name='details'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

static void
record_call (FakePortal *fp,
             const char *name)
{
  g_mutex_lock (&fp->lock);
  g_ptr_array_add (fp->calls, g_strdup (name));
  g_mutex_unlock (&fp->lock);
}

static void portal_method_cb (GDBusConnection       *connection,
                              const char            *sender,
                              const char            *path,
                              const char            *interface,
                              const char            *method,
                              GVariant              *parameters,
                              GDBusMethodInvocation *invocation,
                              gpointer               data);

static const GDBusInterfaceVTable object_vtable = { portal_method_cb, NULL, NULL, { 0 } };

/* Exports a Request or Session object at @path (portal thread). */
static void
export_object (FakePortal *fp,
               const char *path,
               const char *interface)
{
  GDBusInterfaceInfo *info = g_dbus_node_info_lookup_interface (fp->info, interface);
  guint id = g_dbus_connection_register_object (fp->connection, path, info, &object_vtable,
                                                fp, NULL, NULL);

  g_assert_cmpuint (id, !=, 0);
  g_hash_table_insert (fp->objects, g_strdup (path), GUINT_TO_POINTER (id));
}

static void
unexport_object (FakePortal *fp,
                 const char *path)
{
  gpointer id;

  if (g_hash_table_lookup_extended (fp->objects, path, NULL, &id))
    {
      g_dbus_connection_unregister_object (fp->connection, GPOINTER_TO_UINT (id));
      g_hash_table_remove (fp->objects, path);
    }
}

static char *
escaped_sender (const char *sender)
{
  return g_strdelimit (g_strdup (sender + 1), ".", '_');
}

/* The Request for a method call with @options: at the path its
 * handle_token predicts, or at one of the portal's own in PORTAL_OWN_PATHS. */
static char *
new_request (FakePortal *fp,
             const char *sender,
             GVariant   *options)
{
  g_autofree char *who = escaped_sender (sender);
  const char *token = NULL;
  char *path;

  g_variant_lookup (options, "handle_token", "&s", &token);
  g_mutex_lock (&fp->lock);
  g_ptr_array_add (fp->tokens, g_strdup (token != NULL ? token : ""));
  g_mutex_unlock (&fp->lock);
  if (fp->mode == PORTAL_OWN_PATHS || token == NULL)
    path = g_strdup_printf (PORTAL_PATH "/request/%s/fake%u", who, ++fp->serial);
  else
    path = g_strdup_printf (PORTAL_PATH "/request/%s/%s", who, token);
  export_object (fp, path, REQUEST_IFACE);
  return path;
}

typedef struct {
  FakePortal *fp;
  char       *sender;
  char       *path;
  guint       response;
  GVariant   *results;
} Response;

static void
response_free (Response *r)
{
  g_free (r->sender);
  g_free (r->path);
  g_variant_unref (r->results);
  g_free (r);
}

static gboolean
respond_cb (gpointer data)
{
  Response *r = data;
  g_autoptr(GError) error = NULL;

  /* (unless the client closed the Request meanwhile) */
  if (g_hash_table_contains (r->fp->objects, r->path))
    {
      g_dbus_connection_emit_signal (r->fp->connection, r->sender, r->path, REQUEST_IFACE,
                                     "Response", g_variant_new ("(u@a{sv})", r->response, r->results),
                                     &error);
      g_assert_no_error (error);
      unexport_object (r->fp, r->path);
    }
  return G_SOURCE_REMOVE;
}

/* Answers the Request at @path with @response and @results (floating;
 * NULL: none): at once, or after @delay_ms. */
static void
respond (FakePortal *fp,
         const char *sender,
         const char *path,
         guint       response,
         GVariant   *results,
         guint       delay_ms)
{
  Response *r = g_new0 (Response, 1);

  r->fp = fp;
  r->sender = g_strdup (sender);
  r->path = g_strdup (path);
  r->response = response;
  r->results = g_variant_ref_sink (results != NULL ? results
                                                   : g_variant_new_array (G_VARIANT_TYPE ("{sv}"),
                                                                          NULL, 0));
  if (delay_ms == 0)
    {
      respond_cb (r);
      response_free (r);
    }
  else
    {
      g_autoptr(GSource) source = g_timeout_source_new (delay_ms);

      g_source_set_callback (source, respond_cb, r, (GDestroyNotify) response_free);
      g_source_attach (source, fp->context);
    }
}

/* Replies to a Request method with @path, then answers it (or the other
 * way round in PORTAL_EARLY). */
static void
reply_and_respond (FakePortal            *fp,
                   GDBusMethodInvocation *invocation,
                   const char            *sender,
                   const char            *path,
                   guint                  response,
                   GVariant              *results)
{
  if (fp->mode == PORTAL_EARLY)
    {
      respond (fp, sender, path, response, results, 0);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
      return;
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
  /* portals before handle_token: the client learns the path from the reply */
  respond (fp, sender, path, response, results, fp->mode == PORTAL_OWN_PATHS ? 200 : 20);
}

static gboolean
check_session (FakePortal            *fp,
               GDBusMethodInvocation *invocation,
               const char            *session)
{
  gboolean known;

  g_mutex_lock (&fp->lock);
  known = g_strcmp0 (session, fp->session_path) == 0 && g_hash_table_contains (fp->objects, session);
  g_mutex_unlock (&fp->lock);
  if (!known)
    g_dbus_method_invocation_return_dbus_error (invocation,
                                                "org.freedesktop.portal.Error.NotFound",
                                                "no such session");
  return known;
}

static void
portal_method_cb (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *path,
                  const char            *interface,
                  const char            *method,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               data)
{
  FakePortal *fp = data;
  g_autoptr(GVariant) options = NULL;
  g_autofree char *request = NULL;
  const char *session = NULL;

  if (g_strcmp0 (interface, REQUEST_IFACE) == 0 || g_strcmp0 (interface, SESSION_IFACE) == 0)
    {
      gboolean is_request = g_strcmp0 (interface, REQUEST_IFACE) == 0;

      record_call (fp, is_request ? "Request.Close" : "Session.Close");
      g_mutex_lock (&fp->lock);
      if (is_request)
        fp->request_closes++;
      else
        fp->session_closes++;
      if (g_strcmp0 (fp->pending, path) == 0)
        g_clear_pointer (&fp->pending, g_free);
      g_mutex_unlock (&fp->lock);
      unexport_object (fp, path);
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }

  record_call (fp, method);
  if (g_strcmp0 (method, "CreateSession") == 0)
    {
      g_autofree char *who = escaped_sender (sender);
      const char *token = NULL;
      char *session_path;

      g_variant_get (parameters, "(@a{sv})", &options);
      g_variant_lookup (options, "session_handle_token", "&s", &token);
      session_path = g_strdup_printf (PORTAL_PATH "/session/%s/%s", who,
                                      token != NULL ? token : "fake");
      g_mutex_lock (&fp->lock);
      g_free (fp->client);
      fp->client = g_strdup (sender);
      g_free (fp->session_token);
      fp->session_token = g_strdup (token);
      g_free (fp->session_path);
      fp->session_path = session_path;
      g_mutex_unlock (&fp->lock);
      export_object (fp, session_path, SESSION_IFACE);
      request = new_request (fp, sender, options);
      {
        GVariantBuilder results;

        g_variant_builder_init (&results, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add (&results, "{sv}", "session_handle",
                               g_variant_new_string (session_path));
        reply_and_respond (fp, invocation, sender, request, 0, g_variant_builder_end (&results));
      }
    }
  else if (g_strcmp0 (method, "SelectSources") == 0)
    {
      guint32 types = 0, cursor_mode = 0;
      gboolean multiple = TRUE;

      g_variant_get (parameters, "(&o@a{sv})", &session, &options);
      if (!check_session (fp, invocation, session))
        return;
      g_mutex_lock (&fp->lock);
      fp->types = g_variant_lookup (options, "types", "u", &types) ? (gint64) types : -1;
      fp->multiple = g_variant_lookup (options, "multiple", "b", &multiple) ? multiple : TRUE;
      fp->cursor_mode = g_variant_lookup (options, "cursor_mode", "u", &cursor_mode)
                        ? (gint64) cursor_mode : -1;
      g_mutex_unlock (&fp->lock);
      request = new_request (fp, sender, options);
      reply_and_respond (fp, invocation, sender, request, fp->mode == PORTAL_FAIL ? 2 : 0, NULL);
    }
  else if (g_strcmp0 (method, "Start") == 0)
    {
      const char *parent = NULL;
      GVariantBuilder results;
      GVariantBuilder properties;

      g_variant_get (parameters, "(&o&s@a{sv})", &session, &parent, &options);
      if (!check_session (fp, invocation, session))
        return;
      g_mutex_lock (&fp->lock);
      g_free (fp->parent_window);
      fp->parent_window = g_strdup (parent);
      g_mutex_unlock (&fp->lock);
      request = new_request (fp, sender, options);
      if (fp->mode == PORTAL_SILENT)
        {
          g_mutex_lock (&fp->lock);
          g_free (fp->pending);
          fp->pending = g_strdup (request);
          g_mutex_unlock (&fp->lock);
          g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", request));
          return;
        }
      if (fp->mode == PORTAL_CANCEL)
        {
          reply_and_respond (fp, invocation, sender, request, 1, NULL);
          return;
        }
      g_variant_builder_init (&properties, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&properties, "{sv}", "size", g_variant_new ("(ii)", WIDTH, HEIGHT));
      g_variant_builder_add (&properties, "{sv}", "source_type", g_variant_new_uint32 (1));
      g_variant_builder_init (&results, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&results, "{sv}", "streams",
                             g_variant_new_parsed ("[(%u, %@a{sv})]", (guint32) NODE_ID,
                                                   g_variant_builder_end (&properties)));
      reply_and_respond (fp, invocation, sender, request, 0, g_variant_builder_end (&results));
    }
  else if (g_strcmp0 (method, "OpenPipeWireRemote") == 0)
    {
      g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
      g_autoptr(GError) error = NULL;
      int pair[2];

      g_variant_get (parameters, "(&o@a{sv})", &session, &options);
      if (!check_session (fp, invocation, session))
        return;
      g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
      g_assert_cmpint (g_unix_fd_list_append (fds, pair[0], &error), ==, 0);
      g_assert_no_error (error);
      close (pair[0]);
      g_mutex_lock (&fp->lock);
      if (fp->remote_fd >= 0)
        close (fp->remote_fd);
      fp->remote_fd = pair[1];
      g_mutex_unlock (&fp->lock);
      g_dbus_method_invocation_return_value_with_unix_fd_list (invocation,
                                                               g_variant_new ("(h)", 0), fds);
    }
  else
    g_dbus_method_invocation_return_dbus_error (invocation,
                                                "org.freedesktop.DBus.Error.UnknownMethod",
                                                "not in this fake");
}

static GVariant *
portal_get_property_cb (GDBusConnection  *connection,
                        const char       *sender,
                        const char       *path,
                        const char       *interface,
                        const char       *property,
                        GError          **error,
                        gpointer          data)
{
  FakePortal *fp = data;

  if (g_strcmp0 (property, "version") == 0)
    return g_variant_new_uint32 (fp->version);
  if (g_strcmp0 (property, "AvailableSourceTypes") == 0)
    return g_variant_new_uint32 (fp->source_types);
  if (g_strcmp0 (property, "AvailableCursorModes") == 0 && fp->version >= 2)
    return g_variant_new_uint32 (fp->cursor_modes);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "no property %s", property);
  return NULL;
}

static const GDBusInterfaceVTable portal_vtable = {
  portal_method_cb, portal_get_property_cb, NULL, { 0 }
};

static gpointer
portal_thread (gpointer data)
{
  FakePortal *fp = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  guint portal_id = 0;

  g_main_context_push_thread_default (fp->context);
  fp->connection = g_dbus_connection_new_for_address_sync (
    bus.address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  if (fp->connection != NULL)
    {
      const char *interface = fp->mode == PORTAL_NO_SCREENCAST ? "org.freedesktop.portal.Settings"
                                                               : SCREENCAST_IFACE;

      portal_id = g_dbus_connection_register_object (
        fp->connection, PORTAL_PATH, g_dbus_node_info_lookup_interface (fp->info, interface),
        &portal_vtable, fp, NULL, &error);
    }
  if (portal_id != 0)
    /* 4: DBUS_NAME_FLAG_DO_NOT_QUEUE; 1: the primary owner */
    reply = g_dbus_connection_call_sync (fp->connection, "org.freedesktop.DBus",
                                         "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                         "RequestName", g_variant_new ("(su)", PORTAL_NAME, 4),
                                         G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                         NULL, &error);
  if (reply != NULL)
    {
      guint32 result;

      g_variant_get (reply, "(u)", &result);
      if (result != 1)
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_EXISTS, "the portal name is taken (%u)",
                     result);
    }

  g_mutex_lock (&fp->lock);
  fp->problem = error != NULL ? g_strdup (error->message) : NULL;
  fp->ready = TRUE;
  g_cond_signal (&fp->cond);
  g_mutex_unlock (&fp->lock);

  if (error == NULL)
    g_main_loop_run (fp->loop);

  if (fp->connection != NULL)
    {
      GHashTableIter iter;
      gpointer id;

      if (reply != NULL)
        {
          g_autoptr(GVariant) released = NULL;

          /* before the connection goes: the next fake portal takes the name */
          released = g_dbus_connection_call_sync (fp->connection, "org.freedesktop.DBus",
                                                  "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                                  "ReleaseName", g_variant_new ("(s)", PORTAL_NAME),
                                                  G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE,
                                                  -1, NULL, NULL);
        }
      g_hash_table_iter_init (&iter, fp->objects);
      while (g_hash_table_iter_next (&iter, NULL, &id))
        g_dbus_connection_unregister_object (fp->connection, GPOINTER_TO_UINT (id));
      g_hash_table_remove_all (fp->objects);
      if (portal_id != 0)
        g_dbus_connection_unregister_object (fp->connection, portal_id);
      g_dbus_connection_close_sync (fp->connection, NULL, NULL);
      g_clear_object (&fp->connection);
    }
  /* what the connection had scheduled here */
  while (g_main_context_iteration (fp->context, FALSE))
    ;
  g_main_context_pop_thread_default (fp->context);
  return NULL;
}

static void fake_portal_stop (FakePortal *fp);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakePortal, fake_portal_stop)

static FakePortal *
fake_portal_start (PortalMode mode,
                   guint      version,
                   guint      source_types,
                   guint      cursor_modes)
{
  FakePortal *fp = g_new0 (FakePortal, 1);
  g_autoptr(GError) error = NULL;

  fp->mode = mode;
  fp->version = version;
  fp->source_types = source_types;
  fp->cursor_modes = cursor_modes;
  fp->context = g_main_context_new ();
  fp->loop = g_main_loop_new (fp->context, FALSE);
  fp->info = g_dbus_node_info_new_for_xml (portal_xml, &error);
  g_assert_no_error (error);
  fp->objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&fp->lock);
  g_cond_init (&fp->cond);
  fp->calls = g_ptr_array_new_with_free_func (g_free);
  fp->tokens = g_ptr_array_new_with_free_func (g_free);
  fp->types = -1;
  fp->cursor_mode = -1;
  fp->remote_fd = -1;

  fp->thread = g_thread_new ("fake-portal", portal_thread, fp);
  g_mutex_lock (&fp->lock);
  while (!fp->ready)
    g_cond_wait (&fp->cond, &fp->lock);
  g_mutex_unlock (&fp->lock);
  if (fp->problem != NULL)
    g_error ("the fake portal did not start: %s", fp->problem);
  return fp;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
fake_portal_stop (FakePortal *fp)
{
  g_main_context_invoke (fp->context, quit_cb, fp->loop);
  g_thread_join (fp->thread);
  g_main_loop_unref (fp->loop);
  g_main_context_unref (fp->context);
  g_dbus_node_info_unref (fp->info);
  g_hash_table_unref (fp->objects);
  g_ptr_array_unref (fp->calls);
  g_ptr_array_unref (fp->tokens);
  if (fp->remote_fd >= 0)
    close (fp->remote_fd);
  g_free (fp->problem);
  g_free (fp->client);
  g_free (fp->session_token);
  g_free (fp->session_path);
  g_free (fp->pending);
  g_free (fp->parent_window);
  g_mutex_clear (&fp->lock);
  g_cond_clear (&fp->cond);
  g_free (fp);
}

/* The calls so far, as "CreateSession SelectSources …". */
static char *
fake_portal_calls (FakePortal *fp)
{
  g_autoptr(GString) calls = g_string_new (NULL);

  g_mutex_lock (&fp->lock);
  for (guint i = 0; i < fp->calls->len; i++)
    g_string_append_printf (calls, "%s%s", i > 0 ? " " : "",
                            (char *) g_ptr_array_index (fp->calls, i));
  g_mutex_unlock (&fp->lock);
  return g_string_free (g_steal_pointer (&calls), FALSE);
}

static gboolean
session_closed (gpointer data)
{
  FakePortal *fp = data;
  gboolean closed;

  g_mutex_lock (&fp->lock);
  closed = fp->session_closes > 0;
  g_mutex_unlock (&fp->lock);
  return closed;
}

static gboolean
request_pending (gpointer data)
{
  FakePortal *fp = data;
  gboolean pending;

  g_mutex_lock (&fp->lock);
  pending = fp->pending != NULL;
  g_mutex_unlock (&fp->lock);
  return pending;
}

static gboolean
emit_session_closed_cb (gpointer data)
{
  FakePortal *fp = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *client = NULL;
  g_autofree char *path = NULL;

  g_mutex_lock (&fp->lock);
  client = g_strdup (fp->client);
  path = g_strdup (fp->session_path);
  g_mutex_unlock (&fp->lock);
  g_dbus_connection_emit_signal (fp->connection, client, path, SESSION_IFACE, "Closed",
                                 g_variant_new_parsed ("(@a{sv} {},)"), &error);
  g_assert_no_error (error);
  unexport_object (fp, path);
  return G_SOURCE_REMOVE;
}

/* The desktop ends the session (the user pressed "stop sharing"). */
static void
fake_portal_close_session (FakePortal *fp)
{
  g_main_context_invoke (fp->context, emit_session_closed_cb, fp);
}

/* ---- helpers ------------------------------------------------------------------ */

static SlScreencast *
start_screencast (guint          timeout_ms,
                  GCancellable  *cancellable,
                  GError       **error)
{
  Wait wait = { 0 };
  SlScreencast *screencast;

  _sl_screencast_start_full_async (timeout_ms, cancellable, async_done_cb, &wait);
  g_assert_true (run_until (wait_done, &wait, 20000));
  screencast = sl_screencast_start_finish (wait.result, error);
  g_object_unref (wait.result);
  return screencast;
}

/* Whether @fd is one end of a socket pair whose other end is @remote. */
static void
assert_connected (int fd,
                  int remote)
{
  char byte = 0;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (remote, >=, 0);
  g_assert_cmpint (write (fd, "x", 1), ==, 1);
  g_assert_cmpint (read (remote, &byte, 1), ==, 1);
  g_assert_cmpint (byte, ==, 'x');
}

typedef struct {
  int fd;
} Eof;

static gboolean
at_eof (gpointer data)
{
  Eof *eof = data;
  char byte;

  return recv (eof->fd, &byte, 1, MSG_DONTWAIT) == 0;
}

static int
remote_fd (FakePortal *fp)
{
  int fd;

  g_mutex_lock (&fp->lock);
  fd = fp->remote_fd;
  g_mutex_unlock (&fp->lock);
  return fd;
}

static void
assert_no_closes_after (FakePortal *fp,
                        guint       ms)
{
  settle (ms);
  g_mutex_lock (&fp->lock);
  g_assert_cmpuint (fp->session_closes, ==, 0);
  g_mutex_unlock (&fp->lock);
}

/* ---- the tests ------------------------------------------------------------------ */

static void
test_start (void)
{
  g_autoptr(FakePortal) fp = NULL;
  g_autoptr(SlScreencast) screencast = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *calls = NULL;
  Eof eof;
  int width = 0, height = 0;

  if (!need_bus ())
    return;
  fp = fake_portal_start (PORTAL_OK, 4, 7, 7);
  g_assert_true (sl_screencast_portal_available ());

  screencast = start_screencast (5000, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (screencast);

  /* what the user chose arrives: the node, its size and a PipeWire socket */
  g_assert_cmpuint (sl_screencast_get_node_id (screencast), ==, NODE_ID);
  g_assert_true (sl_screencast_get_size (screencast, &width, &height));
  g_assert_cmpint (width, ==, WIDTH);
  g_assert_cmpint (height, ==, HEIGHT);
  g_assert_true (sl_screencast_is_active (screencast));
  assert_connected (sl_screencast_get_fd (screencast), remote_fd (fp));

  /* the portal protocol, followed */
  calls = fake_portal_calls (fp);
  g_assert_cmpstr (calls, ==, "CreateSession SelectSources Start OpenPipeWireRemote");
  g_mutex_lock (&fp->lock);
  g_assert_cmpstr (sl_screencast_get_session_handle (screencast), ==, fp->session_path);
  g_assert_nonnull (fp->session_token);
  g_assert_cmpstr (fp->session_token, !=, "");
  g_assert_cmpuint (fp->tokens->len, ==, 3);
  for (guint i = 0; i < fp->tokens->len; i++)
    {
      const char *token = g_ptr_array_index (fp->tokens, i);

      g_assert_cmpstr (token, !=, "");
      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (token, !=, g_ptr_array_index (fp->tokens, j));
    }
  /* a monitor (or a window), one of them, the pointer drawn in */
  g_assert_cmpint (fp->types, ==, 1 | 2);
  g_assert_false (fp->multiple);
  g_assert_cmpint (fp->cursor_mode, ==, 2);
  g_assert_cmpstr (fp->parent_window, ==, "");
  g_assert_cmpuint (fp->request_closes, ==, 0);
  g_assert_cmpuint (fp->session_closes, ==, 0);
  eof.fd = fp->remote_fd;
  g_mutex_unlock (&fp->lock);

  /* freeing it closes the session and the PipeWire connection */
  g_clear_object (&screencast);
  g_assert_true (run_until (session_closed, fp, 5000));
  g_assert_true (run_until (at_eof, &eof, 5000));
  g_clear_pointer (&calls, g_free);
  calls = fake_portal_calls (fp);
  g_assert_cmpstr (calls, ==, "CreateSession SelectSources Start OpenPipeWireRemote Session.Close");
  settle (50);
}

/* A version 1 portal, monitors only: no cursor_mode (version 2), and no
 * window asked for. */
static void
test_start_old_portal (void)
{
  g_autoptr(FakePortal) fp = NULL;
  g_autoptr(SlScreencast) screencast = NULL;
  g_autoptr(GError) error = NULL;

  if (!need_bus ())
    return;
  fp = fake_portal_start (PORTAL_OK, 1, 1, 0);
  screencast = start_screencast (5000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sl_screencast_get_node_id (screencast), ==, NODE_ID);
  g_mutex_lock (&fp->lock);
  g_assert_cmpint (fp->types, ==, 1);
  g_assert_cmpint (fp->cursor_mode, ==, -1);
  g_mutex_unlock (&fp->lock);
  g_clear_object (&screencast);
  g_assert_true (run_until (session_closed, fp, 5000));
  settle (50);
}

/* Each Response before the reply to its method: not lost, because the
 * client listens before it calls. */
static void
test_early_response (void)
{
  g_autoptr(FakePortal) fp = NULL;
  g_autoptr(SlScreencast) screencast = NULL;
  g_autoptr(GError) error = NULL;

  if (!need_bus ())
    return;
  fp = fake_portal_start (PORTAL_EARLY, 4, 7, 7);
  screencast = start_screencast (5000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sl_screencast_get_node_id (screencast), ==, NODE_ID);
  assert_connected (sl_screencast_get_fd (screencast), remote_fd (fp));
  g_clear_object (&screencast);
  g_assert_true (run_until (session_closed, fp, 5000));
  settle (50);
}

/* A portal that makes its own Request paths: the client follows the path
 * of the reply. */
static void
test_own_request_paths (void)
{
  g_autoptr(FakePortal) fp = NULL;
  g_autoptr(SlScreencast) screencast = NULL;
  g_autoptr(GError) error = NULL;

  if (!need_bus ())
    return;
  fp = fake_portal_start (PORTAL_OWN_PATHS, 4, 7, 7);
  screencast = start_screencast (5000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sl_screencast_get_node_id (screencast), ==, NODE_ID);
  g_clear_object (&screencast);
  g_assert_true (run_until (session_closed, fp, 5000));
  settle (50);
}

static void
test_user_cancels (void)
{
  g_autoptr(FakePortal) fp = NULL;
  g_autoptr(SlScreencast) screencast = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *calls = NULL;

  if (!need_bus ())
    return;
  fp = fake_portal_start (PORTAL_CANCEL, 4, 7, 7);
  screencast = start_screencast (5000, NULL, &error);
  g_assert_null (screencast);
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE);
  g_assert_cmpstr (error->message, ==, "screen sharing was cancelled");
  g_test_message ("user cancelled: %s", error->message);

  /* the session it had opened is closed, and nothing else was asked */
  g_assert_true (run_until (session_closed, fp, 5000));
  calls = fake_portal_calls (fp);
  g_assert_cmpstr (calls, ==, "CreateSession SelectSources Start Session.Close");
  settle (50);
}

static void
test_portal_fails (void)
{
  g_autoptr(FakePortal) fp = NULL;
  g_autoptr(SlScreencast) screencast = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *calls = NULL;

  if (!need_bus ())
    return;
  fp = fake_portal_start (PORTAL_FAIL, 4, 7, 7);
  screencast = start_screencast (5000, NULL, &error);
  g_assert_null (screencast);
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE);
  g_assert_nonnull (strstr (error->message, "desktop portal"));
  g_assert_null (strstr (error->message, "cancelled"));
  g_assert_null (strchr (error->message, '\n'));
  g_test_message ("portal failed: %s", error->message);
  g_assert_true (run_until (session_closed, fp, 5000));
  calls = fake_portal_calls (fp);
  g_assert_cmpstr (calls, ==, "CreateSession SelectSources Session.Close");
  settle (50);
}

static void
test_no_portal (void)
{
  g_autoptr(SlScreencast) screencast = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started;

  if (!need_bus ())
    return;
  g_assert_false (sl_screencast_portal_available ());
  started = g_get_monotonic_time ();
  screencast = start_screencast (60000, NULL, &error);
  g_assert_null (screencast);
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE);
  g_assert_nonnull (strstr (error->message, "desktop portal"));
  g_assert_nonnull (strstr (error->message, "not running"));
  g_test_message ("no portal: %s", error->message);
  /* at once, not after the limit */
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);
  settle (50);
}

/* A portal, but without ScreenCast (no backend for it). */
static void
test_no_screencast (void)
{
  g_autoptr(FakePortal) fp = NULL;
  g_autoptr(SlScreencast) screencast = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *calls = NULL;

  if (!need_bus ())
    return;
  fp = fake_portal_start (PORTAL_NO_SCREENCAST, 4, 7, 7);
  g_assert_false (sl_screencast_portal_available ());
  screencast = start_screencast (5000, NULL, &error);
  g_assert_null (screencast);
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE);
  g_assert_cmpstr (error->message, ==, "the desktop portal does not offer screen sharing");
  calls = fake_portal_calls (fp);
  g_assert_cmpstr (calls, ==, "");
  settle (50);
}

/* No session bus at all. */
static void
test_no_bus (void)
{
  g_autoptr(SlScreencast) screencast = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *nowhere = NULL;

  if (!need_bus ())
    return;
  nowhere = g_strdup_printf ("unix:path=%s/no-such-bus", bus.dir);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", nowhere, TRUE);
  g_assert_false (sl_screencast_portal_available ());
  screencast = start_screencast (5000, NULL, &error);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", bus.address, TRUE);
  g_assert_null (screencast);
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE);
  g_assert_nonnull (strstr (error->message, "session bus"));
  g_test_message ("no bus: %s", error->message);
}

/* Nobody picks a screen: the limit ends the wait, and the pending Request
 * and the session are closed. */
static void
test_no_answer_timeout (void)
{
  g_autoptr(FakePortal) fp = NULL;
  g_autoptr(SlScreencast) screencast = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *calls = NULL;
  gint64 started;

  if (!need_bus ())
    return;
  fp = fake_portal_start (PORTAL_SILENT, 4, 7, 7);
  started = g_get_monotonic_time ();
  screencast = start_screencast (1000, NULL, &error);
  g_assert_null (screencast);
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE);
  g_assert_nonnull (strstr (error->message, "did not answer"));
  g_test_message ("no answer: %s", error->message);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 10 * G_USEC_PER_SEC);
  g_assert_true (run_until (session_closed, fp, 5000));
  g_assert_false (request_pending (fp));
  calls = fake_portal_calls (fp);
  g_assert_cmpstr (calls, ==, "CreateSession SelectSources Start Request.Close Session.Close");
  settle (50);
}

/* Nobody picks a screen, and the caller gives up. */
static void
test_no_answer_cancelled (void)
{
  g_autoptr(FakePortal) fp = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *calls = NULL;
  SlScreencast *screencast;
  Wait wait = { 0 };

  if (!need_bus ())
    return;
  fp = fake_portal_start (PORTAL_SILENT, 4, 7, 7);
  sl_screencast_start_async (cancellable, async_done_cb, &wait);
  g_assert_true (run_until (request_pending, fp, 5000));
  settle (100);
  g_assert_false (wait.done);
  g_cancellable_cancel (cancellable);
  g_assert_true (run_until (wait_done, &wait, 5000));
  screencast = sl_screencast_start_finish (wait.result, &error);
  g_clear_object (&wait.result);
  g_assert_null (screencast);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_assert_true (run_until (session_closed, fp, 5000));
  g_assert_false (request_pending (fp));
  calls = fake_portal_calls (fp);
  g_assert_cmpstr (calls, ==, "CreateSession SelectSources Start Request.Close Session.Close");

  /* cancelled before it starts: at once, nothing asked */
  g_clear_error (&error);
  screencast = start_screencast (5000, cancellable, &error);
  g_assert_null (screencast);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  settle (50);
}

static void
closed_cb (SlScreencast *screencast,
           gpointer      data)
{
  (*(guint *) data)++;
}

static gboolean
uint_set (gpointer data)
{
  return *(guint *) data > 0;
}

/* The desktop ends the session: "closed", and no Close of ours after it. */
static void
test_closed_by_portal (void)
{
  g_autoptr(FakePortal) fp = NULL;
  g_autoptr(SlScreencast) screencast = NULL;
  g_autoptr(GError) error = NULL;
  guint closed = 0;

  if (!need_bus ())
    return;
  fp = fake_portal_start (PORTAL_OK, 4, 7, 7);
  screencast = start_screencast (5000, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (screencast, "closed", G_CALLBACK (closed_cb), &closed);
  fake_portal_close_session (fp);
  g_assert_true (run_until (uint_set, &closed, 5000));
  g_assert_cmpuint (closed, ==, 1);
  g_assert_false (sl_screencast_is_active (screencast));
  g_clear_object (&screencast);
  assert_no_closes_after (fp, 200);
}

/* ---- the publisher's screen source ------------------------------------------- */

static gboolean probe_answer;
static guint probe_calls;

static gboolean
probe_cb (void)
{
  probe_calls++;
  return probe_answer;
}

static void
test_publisher_choice (void)
{
  static const struct {
    const char *env[4];
    gboolean    flatpak;
    gboolean    portal;
    gboolean    expected;
    gboolean    asks;
  } cases[] = {
    /* an X session: ximagesrc, the portal not even asked */
    { { "DISPLAY=:0", NULL }, FALSE, TRUE, FALSE, FALSE },
    { { "DISPLAY=:0", "XDG_SESSION_TYPE=x11", NULL }, FALSE, TRUE, FALSE, FALSE },
    /* no X, Wayland, a Flatpak: the portal when there is one */
    { { NULL }, FALSE, TRUE, TRUE, TRUE },
    { { NULL }, FALSE, FALSE, FALSE, TRUE },
    { { "DISPLAY=", NULL }, FALSE, TRUE, TRUE, TRUE },
    { { "DISPLAY=:0", "WAYLAND_DISPLAY=wayland-0", NULL }, FALSE, TRUE, TRUE, TRUE },
    { { "DISPLAY=:0", "WAYLAND_DISPLAY=wayland-0", NULL }, FALSE, FALSE, FALSE, TRUE },
    { { "DISPLAY=:0", "XDG_SESSION_TYPE=wayland", NULL }, FALSE, TRUE, TRUE, TRUE },
    { { "DISPLAY=:0", NULL }, TRUE, TRUE, TRUE, TRUE },
    /* forced either way */
    { { "DISPLAY=:0", "STREAMLET_SCREEN_PORTAL=1", NULL }, FALSE, FALSE, TRUE, FALSE },
    { { "WAYLAND_DISPLAY=wayland-0", "STREAMLET_SCREEN_PORTAL=0", NULL }, TRUE, TRUE, FALSE,
      FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      probe_calls = 0;
      probe_answer = cases[i].portal;
      g_assert_cmpint (_sl_publisher_screen_uses_portal (cases[i].env, cases[i].flatpak, probe_cb),
                       ==, cases[i].expected);
      g_assert_cmpuint (probe_calls, ==, cases[i].asks ? 1 : 0);
    }
}

static SlApiClient *
signed_in_api (void)
{
  g_autoptr(GError) error = NULL;
  SlApiClient *api = sl_api_client_new ("http://127.0.0.1:9", &error);

  g_assert_no_error (error);
  /* never used: the tests below end before any request */
  _sl_api_client_set_access_token (api, "not-a-real-token");
  return api;
}

static const SlPublisherOptions screen_options = {
  .video = SL_VIDEO_SOURCE_SCREEN,
  .audio = SL_AUDIO_SOURCE_NONE,
  .preset = SL_PRESET_720P,
};

static void
test_publisher_pipeline (void)
{
  g_autoptr(FakePortal) fp = NULL;
  g_autoptr(SlApiClient) api = NULL;
  g_autoptr(SlPublisher) publisher = NULL;
  g_autoptr(SlScreencast) screencast = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *portal = NULL;
  g_autofree char *x11 = NULL;
  g_autofree char *expected = NULL;

  if (!need_bus ())
    return;
  fp = fake_portal_start (PORTAL_OK, 4, 7, 7);
  screencast = start_screencast (5000, NULL, &error);
  g_assert_no_error (error);
  api = signed_in_api ();
  publisher = sl_publisher_new (api, 1, &screen_options, NULL);

  portal = _sl_publisher_describe_video (publisher, NULL, screencast);
  expected = g_strdup_printf ("pipewiresrc fd=%d path=%u do-timestamp=true keepalive-time=1000 ! "
                              "videoconvert ! videoscale ! videorate ! video/x-raw,format=I420,"
                              "width=1280,height=720,", sl_screencast_get_fd (screencast), NODE_ID);
  g_test_message ("%s", portal);
  g_assert_true (g_str_has_prefix (portal, expected));
  g_assert_null (strstr (portal, "ximagesrc"));
  g_assert_nonnull (strstr (portal, "x264enc"));

  x11 = _sl_publisher_describe_video (publisher, NULL, NULL);
  g_assert_true (g_str_has_prefix (x11, "ximagesrc use-damage=false ! videoconvert"));
  g_assert_null (strstr (x11, "pipewiresrc"));

  g_clear_object (&publisher);
  g_clear_object (&screencast);
  g_assert_true (run_until (session_closed, fp, 5000));
  settle (50);
}

/* Stands in for pipewiresrc where it is not installed, so that the
 * publisher's plugin check passes (it is never instantiated here). */
typedef struct {
  GstElement parent_instance;
} SlTestPipewireSrc;

typedef struct {
  GstElementClass parent_class;
} SlTestPipewireSrcClass;

GType sl_test_pipewire_src_get_type (void);
G_DEFINE_TYPE (SlTestPipewireSrc, sl_test_pipewire_src, GST_TYPE_ELEMENT)

static void
sl_test_pipewire_src_class_init (SlTestPipewireSrcClass *klass)
{
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass), "pipewiresrc stand-in",
                                         "Source/Video", "Never runs", "streamlet tests");
}

static void
sl_test_pipewire_src_init (SlTestPipewireSrc *self)
{
}

static gboolean
start_publisher (SlPublisher  *publisher,
                 FakePortal   *fp,
                 gboolean      stop_when_asked,
                 GError      **error)
{
  Wait wait = { 0 };
  gboolean ok;

  sl_publisher_start_async (publisher, NULL, async_done_cb, &wait);
  if (stop_when_asked)
    {
      g_assert_true (run_until (request_pending, fp, 5000));
      g_assert_false (wait.done);
      g_assert_cmpint (sl_publisher_get_state (publisher), ==, SL_MEDIA_CONNECTING);
      sl_publisher_stop (publisher);
    }
  g_assert_true (run_until (wait_done, &wait, 20000));
  ok = sl_publisher_start_finish (publisher, wait.result, error);
  g_object_unref (wait.result);
  return ok;
}

static void
test_publisher_portal (void)
{
  g_autoptr(FakePortal) fp = NULL;
  g_autoptr(SlApiClient) api = NULL;
  g_autoptr(SlPublisher) publisher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElementFactory) real = NULL;
  g_autofree char *calls = NULL;

  if (!need_bus ())
    return;
  api = signed_in_api ();
  publisher = sl_publisher_new (api, 1, &screen_options, NULL);
  g_setenv ("STREAMLET_SCREEN_PORTAL", "1", TRUE);

  real = gst_element_factory_find ("pipewiresrc");
  if (real == NULL)
    {
      /* no pipewiresrc: the package named, and no dialog for a screen
       * that could not be captured */
      fp = fake_portal_start (PORTAL_OK, 4, 7, 7);
      g_assert_false (start_publisher (publisher, fp, FALSE, &error));
      g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_PLUGIN);
      g_assert_nonnull (strstr (error->message, "pipewiresrc"));
      g_assert_nonnull (strstr (error->message, "gstreamer1.0-pipewire"));
      g_test_message ("no pipewiresrc: %s", error->message);
      calls = fake_portal_calls (fp);
      g_assert_cmpstr (calls, ==, "");
      g_clear_pointer (&fp, fake_portal_stop);
      g_clear_pointer (&calls, g_free);
      g_clear_error (&error);
      g_assert_true (gst_element_register (NULL, "pipewiresrc", GST_RANK_NONE,
                                           sl_test_pipewire_src_get_type ()));
    }

  /* the user cancels the dialog: the start fails with that */
  fp = fake_portal_start (PORTAL_CANCEL, 4, 7, 7);
  g_assert_false (start_publisher (publisher, fp, FALSE, &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE);
  g_assert_cmpstr (error->message, ==, "screen sharing was cancelled");
  g_assert_cmpint (sl_publisher_get_state (publisher), ==, SL_MEDIA_FAILED);
  g_assert_true (run_until (session_closed, fp, 5000));
  calls = fake_portal_calls (fp);
  g_assert_cmpstr (calls, ==, "CreateSession SelectSources Start Session.Close");
  g_clear_pointer (&fp, fake_portal_stop);
  g_clear_pointer (&calls, g_free);
  g_clear_error (&error);

  /* stopped while the dialog is up: the dialog goes, the session too */
  fp = fake_portal_start (PORTAL_SILENT, 4, 7, 7);
  g_assert_false (start_publisher (publisher, fp, TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (sl_publisher_get_state (publisher), ==, SL_MEDIA_STOPPED);
  g_assert_true (run_until (session_closed, fp, 5000));
  g_assert_false (request_pending (fp));
  calls = fake_portal_calls (fp);
  g_assert_cmpstr (calls, ==, "CreateSession SelectSources Start Request.Close Session.Close");

  g_unsetenv ("STREAMLET_SCREEN_PORTAL");
  g_clear_object (&publisher);
  settle (50);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);

  /* this process only: the session bus is ours */
  if (bus_start (&error))
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", bus.address, TRUE);
  else
    {
      bus.problem = g_strdup (error->message);
      g_clear_pointer (&bus.address, g_free);
    }
  g_unsetenv ("STREAMLET_SCREEN_PORTAL");

  g_test_add_func ("/screencast/start", test_start);
  g_test_add_func ("/screencast/start-old-portal", test_start_old_portal);
  g_test_add_func ("/screencast/early-response", test_early_response);
  g_test_add_func ("/screencast/own-request-paths", test_own_request_paths);
  g_test_add_func ("/screencast/user-cancels", test_user_cancels);
  g_test_add_func ("/screencast/portal-fails", test_portal_fails);
  g_test_add_func ("/screencast/no-portal", test_no_portal);
  g_test_add_func ("/screencast/no-screencast", test_no_screencast);
  g_test_add_func ("/screencast/no-bus", test_no_bus);
  g_test_add_func ("/screencast/no-answer-timeout", test_no_answer_timeout);
  g_test_add_func ("/screencast/no-answer-cancelled", test_no_answer_cancelled);
  g_test_add_func ("/screencast/closed-by-portal", test_closed_by_portal);
  g_test_add_func ("/screencast/publisher-choice", test_publisher_choice);
  g_test_add_func ("/screencast/publisher-pipeline", test_publisher_pipeline);
  g_test_add_func ("/screencast/publisher-portal", test_publisher_portal);

  status = g_test_run ();
  bus_stop ();
  return status;
}
