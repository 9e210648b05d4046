/* sl-screencast.c: the screen through the desktop portal (ScreenCast over
 * D-Bus), handed to PipeWire as a file descriptor and a node id
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-screencast"

#include "config.h"

#include "sl-screencast.h"
#include "sl-screencast-private.h"
#include "sl-client-error.h"

#include <gio/gunixfdlist.h>
#include <unistd.h>

/* The portal's names (org.freedesktop.portal.ScreenCast, version 1 to 5). */
#define PORTAL_NAME         "org.freedesktop.portal.Desktop"
#define PORTAL_PATH         "/org/freedesktop/portal/desktop"
#define SCREENCAST_IFACE    "org.freedesktop.portal.ScreenCast"
#define REQUEST_IFACE       "org.freedesktop.portal.Request"
#define SESSION_IFACE       "org.freedesktop.portal.Session"
#define PROPERTIES_IFACE    "org.freedesktop.DBus.Properties"
#define DBUS_NAME           "org.freedesktop.DBus"
#define DBUS_PATH           "/org/freedesktop/DBus"

#define PROBE_TIMEOUT_MS    2000
#define ANSWER_TIMEOUT_MS   60000

/* SelectSources: "types" and "cursor_mode" (the latter from version 2) */
enum {
  SOURCE_MONITOR = 1,
  SOURCE_WINDOW = 2,
};
enum {
  CURSOR_EMBEDDED = 2,
};

/* Request::Response */
enum {
  RESPONSE_OK = 0,
  RESPONSE_CANCELLED = 1,
};

/* How the portal works: each method that needs the user (or the desktop)
 * returns at once the object path of a Request, and the answer comes later
 * as that Request's Response signal. The path is predictable from our
 * unique name and the "handle_token" we pass, so we subscribe before
 * calling: a Response that arrives before the method's reply is not lost.
 * The session lives as long as our connection to the bus, which is our own
 * (not the process's shared one): closing it ends the session for sure. */

struct _SlScreencast {
  GObject          parent_instance;

  GDBusConnection *connection;
  char            *session_handle;
  guint            closed_id;       /* Session::Closed */
  int              fd;
  guint32          node_id;
  int              width;
  int              height;
  gboolean         has_size;
  gboolean         active;
};

G_DEFINE_FINAL_TYPE (SlScreencast, sl_screencast, G_TYPE_OBJECT)

enum {
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
session_closed_cb (GDBusConnection *connection,
                   const char      *sender_name,
                   const char      *object_path,
                   const char      *interface_name,
                   const char      *signal_name,
                   GVariant        *parameters,
                   gpointer         user_data)
{
  SlScreencast *self = user_data;

  if (!self->active)
    return;
  g_debug ("the portal closed %s", self->session_handle);
  g_dbus_connection_signal_unsubscribe (self->connection, self->closed_id);
  self->closed_id = 0;
  self->active = FALSE;
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

/* Follows the session: the portal may end it (the user stopped sharing). */
static void
watch_session (SlScreencast *self)
{
  self->closed_id =
    g_dbus_connection_signal_subscribe (self->connection, PORTAL_NAME, SESSION_IFACE, "Closed",
                                        self->session_handle, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        session_closed_cb, self, NULL);
}

/* ---- the bus ------------------------------------------------------------- */

/* A private connection to the session bus. Blocking: call it in a worker
 * thread, or where a short wait is fine. */
static GDBusConnection *
session_bus_connect (GCancellable  *cancellable,
                     GError       **error)
{
  g_autofree char *address = NULL;

  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, cancellable, error);
  if (address == NULL)
    return NULL;
  return g_dbus_connection_new_for_address_sync (address,
                                                 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                 NULL, cancellable, error);
}

static void
object_closed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_debug ("closing a portal object: %s", error->message);
}

/* Calls Close on a portal Request or Session, not waiting for it (the call
 * keeps the connection until it is answered). */
static void
close_object (GDBusConnection *connection,
              const char      *path,
              const char      *interface)
{
  g_debug ("closing %s", path);
  g_dbus_connection_call (connection, PORTAL_NAME, path, interface, "Close", NULL, NULL,
                          G_DBUS_CALL_FLAGS_NONE, PROBE_TIMEOUT_MS, NULL, object_closed_cb, NULL);
}

/* Whether @connection's bus has the portal running or can start it. */
static gboolean
portal_on_bus (GDBusConnection *connection)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) names = NULL;
  g_autoptr(GError) error = NULL;
  gboolean owned = FALSE;
  GVariantIter iter;
  const char *name;

  reply = g_dbus_connection_call_sync (connection, DBUS_NAME, DBUS_PATH, DBUS_NAME,
                                       "NameHasOwner", g_variant_new ("(s)", PORTAL_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       PROBE_TIMEOUT_MS, NULL, &error);
  if (reply == NULL)
    {
      g_debug ("asking the bus about the portal: %s", error->message);
      return FALSE;
    }
  g_variant_get (reply, "(b)", &owned);
  if (owned)
    return TRUE;

  g_clear_pointer (&reply, g_variant_unref);
  reply = g_dbus_connection_call_sync (connection, DBUS_NAME, DBUS_PATH, DBUS_NAME,
                                       "ListActivatableNames", NULL, G_VARIANT_TYPE ("(as)"),
                                       G_DBUS_CALL_FLAGS_NONE, PROBE_TIMEOUT_MS, NULL, &error);
  if (reply == NULL)
    {
      g_debug ("asking the bus about the portal: %s", error->message);
      return FALSE;
    }
  names = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, names);
  while (g_variant_iter_next (&iter, "&s", &name))
    if (g_strcmp0 (name, PORTAL_NAME) == 0)
      return TRUE;
  return FALSE;
}

gboolean
sl_screencast_portal_available (void)
{
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  connection = session_bus_connect (NULL, &error);
  if (connection == NULL)
    {
      g_debug ("no session bus: %s", error->message);
      return FALSE;
    }
  if (!portal_on_bus (connection))
    {
      g_debug ("no desktop portal on the session bus");
      return FALSE;
    }
  reply = g_dbus_connection_call_sync (connection, PORTAL_NAME, PORTAL_PATH, PROPERTIES_IFACE,
                                       "Get", g_variant_new ("(ss)", SCREENCAST_IFACE, "version"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE,
                                       PROBE_TIMEOUT_MS, NULL, &error);
  if (reply == NULL)
    {
      g_debug ("the desktop portal offers no screen casting: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- starting ------------------------------------------------------------ */

typedef enum {
  STEP_CONNECT,
  STEP_PROPERTIES,
  STEP_CREATE_SESSION,
  STEP_SELECT_SOURCES,
  STEP_START,
  STEP_OPEN_REMOTE,
} Step;

typedef struct {
  guint            timeout_ms;
  GDBusConnection *connection;
  char            *sender;          /* our unique name as the portal writes it in paths */
  Step             step;
  guint            serial;          /* of the call in flight: older replies are stale */
  char            *request_path;    /* the Request in flight, until its Response */
  guint            response_id;     /* its Response subscription */
  GSource         *timeout_source;
  GSource         *cancel_source;
  gboolean         done;

  guint            source_types;    /* AvailableSourceTypes; 0: not said */
  guint            cursor_modes;    /* AvailableCursorModes; 0: not said */
  guint            version;

  char            *session_handle;  /* once CreateSession answered, until handed on */
  guint32          node_id;
  int              width;
  int              height;
  gboolean         has_size;
} Start;

static void
start_free (Start *start)
{
  /* (everything that holds the task is gone by now: see start_end) */
  g_assert (start->response_id == 0);
  g_assert (start->timeout_source == NULL && start->cancel_source == NULL);
  g_clear_object (&start->connection);
  g_free (start->sender);
  g_free (start->request_path);
  g_free (start->session_handle);
  g_free (start);
}

/* A method call's reply, for the step it was made in. */
typedef struct {
  GTask *task;
  guint  serial;
} Call;

static Call *
call_new (GTask *task)
{
  Start *start = g_task_get_task_data (task);
  Call *call = g_new0 (Call, 1);

  call->task = g_object_ref (task);
  call->serial = ++start->serial;
  return call;
}

static void
call_free (Call *call)
{
  g_object_unref (call->task);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

static char *
new_token (void)
{
  return g_strdup_printf ("streamlet_%08x", g_random_int ());
}

static void
stop_waiting (Start *start)
{
  GDBusConnection *connection = start->connection;

  if (start->response_id != 0)
    {
      g_dbus_connection_signal_unsubscribe (connection, start->response_id);
      start->response_id = 0;
    }
  if (start->timeout_source != NULL)
    {
      g_source_destroy (start->timeout_source);
      g_clear_pointer (&start->timeout_source, g_source_unref);
    }
}

/* Ends the start: stops every wait, and on failure closes what the portal
 * has opened for us. */
static void
start_end (GTask *task)
{
  Start *start = g_task_get_task_data (task);

  start->done = TRUE;
  stop_waiting (start);
  if (start->cancel_source != NULL)
    {
      g_source_destroy (start->cancel_source);
      g_clear_pointer (&start->cancel_source, g_source_unref);
    }
  if (start->connection != NULL && start->request_path != NULL)
    close_object (start->connection, start->request_path, REQUEST_IFACE);
  g_clear_pointer (&start->request_path, g_free);
  if (start->connection != NULL && start->session_handle != NULL)
    close_object (start->connection, start->session_handle, SESSION_IFACE);
  g_clear_pointer (&start->session_handle, g_free);
}

/* Fails the start with @error (taken), once. */
static void
start_fail (GTask  *task,
            GError *error)
{
  Start *start = g_task_get_task_data (task);

  if (start->done)
    {
      g_error_free (error);
      return;
    }
  g_debug ("screen casting did not start: %s", error->message);
  start_end (task);
  g_task_return_error (task, error);
}

static void
start_fail_literal (GTask      *task,
                    const char *message)
{
  start_fail (task, g_error_new_literal (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE, message));
}

/* A failed D-Bus call to the portal, in words. Takes @error. */
static void
start_fail_dbus (GTask  *task,
                 GError *error)
{
  Start *start = g_task_get_task_data (task);
  g_autoptr(GError) owned = error;
  GError *mapped;

  g_dbus_error_strip_remote_error (owned);
  if (g_error_matches (owned, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (owned, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    mapped = g_error_new_literal (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE,
                                  "screen sharing needs the desktop portal (xdg-desktop-portal), "
                                  "which is not running");
  else if (start->step == STEP_PROPERTIES &&
           (g_error_matches (owned, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) ||
            g_error_matches (owned, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
            g_error_matches (owned, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
            g_error_matches (owned, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS)))
    mapped = g_error_new_literal (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE,
                                  "the desktop portal does not offer screen sharing");
  else if (g_error_matches (owned, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
           g_error_matches (owned, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
           g_error_matches (owned, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT))
    mapped = g_error_new (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE,
                          "the desktop portal did not answer within %g s",
                          start->timeout_ms / 1000.0);
  else
    mapped = g_error_new (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE,
                          "the desktop portal failed to share the screen: %s", owned->message);
  start_fail (task, mapped);
}

static gboolean
timeout_cb (gpointer data)
{
  GTask *task = data;
  Start *start = g_task_get_task_data (task);

  start_fail (task, g_error_new (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE,
                                 "the desktop portal did not answer within %g s",
                                 start->timeout_ms / 1000.0));
  return G_SOURCE_REMOVE;
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  GTask *task = data;
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  start_fail (task, error);
  return G_SOURCE_REMOVE;
}

/* (Re)arms the limit on the wait for the portal's next answer. */
static void
wait_for_answer (GTask *task)
{
  Start *start = g_task_get_task_data (task);

  if (start->timeout_source != NULL)
    {
      g_source_destroy (start->timeout_source);
      g_clear_pointer (&start->timeout_source, g_source_unref);
    }
  start->timeout_source = g_timeout_source_new (start->timeout_ms);
  g_source_set_callback (start->timeout_source, timeout_cb, g_object_ref (task), g_object_unref);
  g_source_attach (start->timeout_source, g_task_get_context (task));
}

static void create_session (GTask *task);
static void select_sources (GTask *task);
static void start_stream (GTask *task);
static void open_remote (GTask *task);

static void
properties_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  Start *start = g_task_get_task_data (call->task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) properties = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (start->done || call->serial != start->serial)
    {
      g_clear_error (&error);
      return;
    }
  if (reply == NULL)
    {
      start_fail_dbus (call->task, error);
      return;
    }
  properties = g_variant_get_child_value (reply, 0);
  if (!g_variant_lookup (properties, "version", "u", &start->version))
    start->version = 1;
  if (!g_variant_lookup (properties, "AvailableSourceTypes", "u", &start->source_types))
    start->source_types = 0;
  if (!g_variant_lookup (properties, "AvailableCursorModes", "u", &start->cursor_modes))
    start->cursor_modes = 0;
  g_debug ("ScreenCast version %u, source types 0x%x, cursor modes 0x%x",
           start->version, start->source_types, start->cursor_modes);
  create_session (call->task);
}

static void
response_cb (GDBusConnection *connection,
             const char      *sender_name,
             const char      *object_path,
             const char      *interface_name,
             const char      *signal_name,
             GVariant        *parameters,
             gpointer         user_data)
{
  GTask *task = user_data;
  Start *start = g_task_get_task_data (task);
  g_autoptr(GVariant) results = NULL;
  guint32 response;

  if (start->done || g_strcmp0 (object_path, start->request_path) != 0)
    return;
  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    {
      start_fail_literal (task, "the desktop portal sent an answer this program cannot read");
      return;
    }
  g_object_ref (task);    /* (the subscription holds it, and goes) */
  stop_waiting (start);
  g_clear_pointer (&start->request_path, g_free);
  g_variant_get (parameters, "(u@a{sv})", &response, &results);
  g_debug ("%s: response %u", object_path, response);
  if (response == RESPONSE_CANCELLED)
    start_fail_literal (task, "screen sharing was cancelled");
  else if (response != RESPONSE_OK)
    start_fail_literal (task, "the desktop portal could not share the screen");
  else
    switch (start->step)
      {
      case STEP_CREATE_SESSION:
        {
          const char *handle = NULL;

          /* a string by the specification; some portals send an object path */
          if (!g_variant_lookup (results, "session_handle", "&s", &handle) &&
              !g_variant_lookup (results, "session_handle", "&o", &handle))
            handle = NULL;
          if (handle == NULL || !g_variant_is_object_path (handle))
            {
              start_fail_literal (task, "the desktop portal opened no screen sharing session");
              break;
            }
          start->session_handle = g_strdup (handle);
          select_sources (task);
        }
        break;
      case STEP_SELECT_SOURCES:
        start_stream (task);
        break;
      case STEP_START:
        {
          g_autoptr(GVariant) streams = g_variant_lookup_value (results, "streams",
                                                                G_VARIANT_TYPE ("a(ua{sv})"));
          g_autoptr(GVariant) properties = NULL;

          if (streams == NULL || g_variant_n_children (streams) == 0)
            {
              start_fail_literal (task, "the desktop portal shared no screen");
              break;
            }
          g_variant_get_child (streams, 0, "(u@a{sv})", &start->node_id, &properties);
          start->has_size = g_variant_lookup (properties, "size", "(ii)",
                                              &start->width, &start->height);
          g_debug ("stream: PipeWire node %u%s", start->node_id,
                   start->has_size ? "" : " (size not given)");
          open_remote (task);
        }
        break;
      case STEP_CONNECT:
      case STEP_PROPERTIES:
      case STEP_OPEN_REMOTE:
      default:
        g_assert_not_reached ();
      }
  g_object_unref (task);
}

static void
subscribe_response (GTask      *task,
                    const char *path)
{
  Start *start = g_task_get_task_data (task);

  start->response_id =
    g_dbus_connection_signal_subscribe (start->connection, PORTAL_NAME, REQUEST_IFACE, "Response",
                                        path, NULL, G_DBUS_SIGNAL_FLAGS_NONE, response_cb,
                                        g_object_ref (task), g_object_unref);
}

static void
request_sent_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  Start *start = g_task_get_task_data (call->task);
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;
  const char *handle;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (start->done || call->serial != start->serial)
    {
      /* (the Response came first and the next step is under way) */
      g_clear_error (&error);
      return;
    }
  if (reply == NULL)
    {
      start_fail_dbus (call->task, error);
      return;
    }
  g_variant_get (reply, "(&o)", &handle);
  if (start->request_path != NULL && g_strcmp0 (handle, start->request_path) != 0)
    {
      /* a portal older than handle_token chose its own path: follow it */
      g_debug ("the portal answers on %s, not %s", handle, start->request_path);
      g_dbus_connection_signal_unsubscribe (start->connection, start->response_id);
      g_free (start->request_path);
      start->request_path = g_strdup (handle);
      subscribe_response (call->task, start->request_path);
    }
}

/* Calls @method, a portal method that answers by a Request, with
 * @parameters (floating) whose options carry @token as "handle_token". */
static void
request (GTask      *task,
         Step        step,
         const char *method,
         const char *token,
         GVariant   *parameters)
{
  Start *start = g_task_get_task_data (task);

  start->step = step;
  start->request_path = g_strdup_printf (PORTAL_PATH "/request/%s/%s", start->sender, token);
  subscribe_response (task, start->request_path);
  wait_for_answer (task);
  g_debug ("%s, answer expected on %s", method, start->request_path);
  g_dbus_connection_call (start->connection, PORTAL_NAME, PORTAL_PATH, SCREENCAST_IFACE, method,
                          parameters, G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE,
                          (int) start->timeout_ms, NULL, request_sent_cb, call_new (task));
}

static void
create_session (GTask *task)
{
  g_autofree char *token = new_token ();
  g_autofree char *session_token = new_token ();
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "session_handle_token",
                         g_variant_new_string (session_token));
  request (task, STEP_CREATE_SESSION, "CreateSession", token,
           g_variant_new ("(a{sv})", &options));
}

static void
select_sources (GTask *task)
{
  Start *start = g_task_get_task_data (task);
  g_autofree char *token = new_token ();
  GVariantBuilder options;
  guint types = SOURCE_MONITOR | SOURCE_WINDOW;

  if (start->source_types != 0)
    types &= start->source_types;
  if (types == 0)
    types = SOURCE_MONITOR;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "types", g_variant_new_uint32 (types));
  g_variant_builder_add (&options, "{sv}", "multiple", g_variant_new_boolean (FALSE));
  if (start->version >= 2 && (start->cursor_modes & CURSOR_EMBEDDED) != 0)
    g_variant_builder_add (&options, "{sv}", "cursor_mode", g_variant_new_uint32 (CURSOR_EMBEDDED));
  request (task, STEP_SELECT_SOURCES, "SelectSources", token,
           g_variant_new ("(oa{sv})", start->session_handle, &options));
}

static void
start_stream (GTask *task)
{
  Start *start = g_task_get_task_data (task);
  g_autofree char *token = new_token ();
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  /* no parent window: we have none to name (no GTK here) */
  request (task, STEP_START, "Start", token,
           g_variant_new ("(osa{sv})", start->session_handle, "", &options));
}

static void
remote_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  GTask *task = call->task;
  Start *start = g_task_get_task_data (task);
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(SlScreencast) self = NULL;
  GError *error = NULL;
  gint32 index;
  int fd;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source), &fds,
                                                           result, &error);
  if (start->done || call->serial != start->serial)
    {
      g_clear_error (&error);
      return;
    }
  if (reply == NULL)
    {
      start_fail_dbus (task, error);
      return;
    }
  g_variant_get (reply, "(h)", &index);
  if (fds == NULL || index < 0 || index >= g_unix_fd_list_get_length (fds) ||
      (fd = g_unix_fd_list_get (fds, index, NULL)) < 0)
    {
      start_fail_literal (task, "the desktop portal gave no PipeWire connection");
      return;
    }

  self = g_object_new (SL_TYPE_SCREENCAST, NULL);
  self->connection = g_object_ref (start->connection);
  self->session_handle = g_steal_pointer (&start->session_handle);
  self->fd = fd;
  self->node_id = start->node_id;
  self->width = start->width;
  self->height = start->height;
  self->has_size = start->has_size;
  self->active = TRUE;
  watch_session (self);
  g_debug ("sharing the screen: session %s, PipeWire fd %d, node %u", self->session_handle,
           self->fd, self->node_id);
  start_end (task);
  g_task_return_pointer (task, g_steal_pointer (&self), g_object_unref);
}

static void
open_remote (GTask *task)
{
  Start *start = g_task_get_task_data (task);

  start->step = STEP_OPEN_REMOTE;
  wait_for_answer (task);
  g_dbus_connection_call_with_unix_fd_list (start->connection, PORTAL_NAME, PORTAL_PATH,
                                            SCREENCAST_IFACE, "OpenPipeWireRemote",
                                            g_variant_new ("(oa{sv})", start->session_handle, NULL),
                                            G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE,
                                            (int) start->timeout_ms, NULL, NULL,
                                            remote_opened_cb, call_new (task));
}

static void
connect_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GDBusConnection *connection;
  GError *error = NULL;

  connection = session_bus_connect (cancellable, &error);
  if (connection == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, connection, g_object_unref);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Start *start = g_task_get_task_data (task);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  const char *unique;

  connection = g_task_propagate_pointer (G_TASK (result), &error);
  if (start->done)
    return;
  if (connection == NULL)
    {
      start_fail (task, g_error_new (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE,
                                     "screen sharing needs the desktop portal, but there is no "
                                     "session bus: %s", error->message));
      return;
    }
  start->connection = g_steal_pointer (&connection);
  /* ":1.42" is "1_42" in the portal's object paths */
  unique = g_dbus_connection_get_unique_name (start->connection);
  start->sender = g_strdelimit (g_strdup (unique + (*unique == ':' ? 1 : 0)), ".", '_');

  start->step = STEP_PROPERTIES;
  wait_for_answer (task);
  g_dbus_connection_call (start->connection, PORTAL_NAME, PORTAL_PATH, PROPERTIES_IFACE, "GetAll",
                          g_variant_new ("(s)", SCREENCAST_IFACE), G_VARIANT_TYPE ("(a{sv})"),
                          G_DBUS_CALL_FLAGS_NONE, (int) start->timeout_ms, NULL,
                          properties_cb, call_new (task));
}

void
_sl_screencast_start_full_async (guint                timeout_ms,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) connect = NULL;
  Start *start;

  g_return_if_fail (timeout_ms > 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_screencast_start_async);
  start = g_new0 (Start, 1);
  start->timeout_ms = MIN (timeout_ms, (guint) G_MAXINT);
  start->step = STEP_CONNECT;
  g_task_set_task_data (task, start, (GDestroyNotify) start_free);
  if (g_task_return_error_if_cancelled (task))
    {
      start->done = TRUE;
      return;
    }

  if (cancellable != NULL)
    {
      start->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (start->cancel_source, G_SOURCE_FUNC (cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (start->cancel_source, g_task_get_context (task));
    }
  wait_for_answer (task);
  connect = g_task_new (NULL, cancellable, connected_cb, g_object_ref (task));
  g_task_run_in_thread (connect, connect_thread);
}

void
sl_screencast_start_async (GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  _sl_screencast_start_full_async (ANSWER_TIMEOUT_MS, cancellable, callback, user_data);
}

SlScreencast *
sl_screencast_start_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_screencast_start_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the object ----------------------------------------------------------- */

int
sl_screencast_get_fd (SlScreencast *self)
{
  g_return_val_if_fail (SL_IS_SCREENCAST (self), -1);

  return self->fd;
}

guint32
sl_screencast_get_node_id (SlScreencast *self)
{
  g_return_val_if_fail (SL_IS_SCREENCAST (self), 0);

  return self->node_id;
}

gboolean
sl_screencast_get_size (SlScreencast *self,
                        int          *width,
                        int          *height)
{
  g_return_val_if_fail (SL_IS_SCREENCAST (self), FALSE);

  if (width != NULL)
    *width = self->has_size ? self->width : 0;
  if (height != NULL)
    *height = self->has_size ? self->height : 0;
  return self->has_size;
}

const char *
sl_screencast_get_session_handle (SlScreencast *self)
{
  g_return_val_if_fail (SL_IS_SCREENCAST (self), NULL);

  return self->session_handle;
}

gboolean
sl_screencast_is_active (SlScreencast *self)
{
  g_return_val_if_fail (SL_IS_SCREENCAST (self), FALSE);

  return self->active;
}

void
sl_screencast_close (SlScreencast *self)
{
  g_return_if_fail (SL_IS_SCREENCAST (self));

  if (self->closed_id != 0)
    {
      g_dbus_connection_signal_unsubscribe (self->connection, self->closed_id);
      self->closed_id = 0;
    }
  if (self->active && self->connection != NULL && self->session_handle != NULL)
    close_object (self->connection, self->session_handle, SESSION_IFACE);
  self->active = FALSE;
  if (self->fd >= 0)
    {
      close (self->fd);
      self->fd = -1;
    }
}

static void
sl_screencast_dispose (GObject *object)
{
  SlScreencast *self = SL_SCREENCAST (object);

  sl_screencast_close (self);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (sl_screencast_parent_class)->dispose (object);
}

static void
sl_screencast_finalize (GObject *object)
{
  SlScreencast *self = SL_SCREENCAST (object);

  g_free (self->session_handle);
  G_OBJECT_CLASS (sl_screencast_parent_class)->finalize (object);
}

static void
sl_screencast_class_init (SlScreencastClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sl_screencast_dispose;
  object_class->finalize = sl_screencast_finalize;

  /* "closed": the portal ended the session (the user stopped sharing) */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sl_screencast_init (SlScreencast *self)
{
  self->fd = -1;
}
