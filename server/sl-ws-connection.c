/* sl-ws-connection.c: the server side of one WebSocket (RFC 6455) on a
 * stream taken over from the HTTP server, with hard limits
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-ws"

#include "config.h"

#include "sl-ws-connection.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

enum {
  OP_CONTINUATION = 0x0,
  OP_TEXT = 0x1,
  OP_BINARY = 0x2,
  OP_CLOSE = 0x8,
  OP_PING = 0x9,
  OP_PONG = 0xA,
};

#define READ_CHUNK 16384
#define CLOSE_LINGER_MS 2000

struct _SlWsConnection
{
  GObject        parent_instance;

  GIOStream     *stream;
  GPollableInputStream  *input;
  GPollableOutputStream *output;
  SlWsLimits     limits;

  SlWsPoller    *poller;
  int            fd;
  guint32        interest;       /* epoll events registered, 0: none */
  gboolean       reading;
  gboolean       write_blocked;
  guint          linger_id;

  GByteArray    *inbuf;          /* bytes read, not yet parsed */
  GByteArray    *message;        /* fragments of the message being received */
  guint8         message_op;     /* its opcode, 0 when none */

  GQueue         outq;           /* of GBytes */
  gsize          out_offset;     /* into the head of outq */
  gsize          queued;         /* bytes in outq, minus out_offset */

  gint64         last_heard;     /* monotonic µs: anything from the peer */
  gint64         last_ping;
  gboolean       close_sent;
  gboolean       close_received;
  gboolean       closed;         /* "closed" emitted, stream closed */
  guint          close_code;
};

G_DEFINE_FINAL_TYPE (SlWsConnection, sl_ws_connection, G_TYPE_OBJECT)

enum {
  SIGNAL_MESSAGE,
  SIGNAL_CLOSED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void finish (SlWsConnection *self, guint code);
static void flush (SlWsConnection *self);

/* ---- the poller ---------------------------------------------------------- */

/* One epoll set for all connections, watched by one GLib source: a main
 * loop iteration then costs what is ready, not what is connected (with a
 * GSource per socket, GLib walks and polls all of them every iteration). */
struct _SlWsPoller
{
  int   epfd;
  guint source_id;
};

static void read_ready (SlWsConnection *self);
static void write_ready (SlWsConnection *self);

static gboolean
poller_cb (gint         fd,
           GIOCondition condition,
           gpointer     user_data)
{
  SlWsPoller *poller = user_data;
  struct epoll_event events[256];
  int n = epoll_wait (poller->epfd, events, G_N_ELEMENTS (events), 0);

  /* hold every connection first: handling one may close another */
  for (int i = 0; i < n; i++)
    g_object_ref (events[i].data.ptr);
  for (int i = 0; i < n; i++)
    {
      SlWsConnection *conn = events[i].data.ptr;

      if (conn->closed)
        continue;
      if (events[i].events & EPOLLOUT)
        write_ready (conn);
      if (!conn->closed && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        read_ready (conn);
    }
  for (int i = 0; i < n; i++)
    g_object_unref (events[i].data.ptr);
  return G_SOURCE_CONTINUE;
}

SlWsPoller *
sl_ws_poller_new (void)
{
  SlWsPoller *poller = g_rc_box_new0 (SlWsPoller);

  poller->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (poller->epfd < 0)
    g_error ("epoll_create1: %s", g_strerror (errno));
  poller->source_id = g_unix_fd_add (poller->epfd, G_IO_IN, poller_cb, poller);
  return poller;
}

static void
poller_clear (SlWsPoller *poller)
{
  g_clear_handle_id (&poller->source_id, g_source_remove);
  close (poller->epfd);
}

SlWsPoller *
sl_ws_poller_ref (SlWsPoller *poller)
{
  return g_rc_box_acquire (poller);
}

void
sl_ws_poller_unref (SlWsPoller *poller)
{
  g_rc_box_release_full (poller, (GDestroyNotify) poller_clear);
}

/* Registers what the connection waits for now. */
static void
update_interest (SlWsConnection *self)
{
  guint32 want = 0;
  struct epoll_event event = { 0, };
  int op;

  if (!self->closed)
    want = (self->reading ? EPOLLIN : 0) | (self->write_blocked ? EPOLLOUT : 0);
  if (want == self->interest || self->fd < 0)
    return;

  if (self->interest == 0)
    op = EPOLL_CTL_ADD;
  else if (want == 0)
    op = EPOLL_CTL_DEL;
  else
    op = EPOLL_CTL_MOD;
  event.events = want;
  event.data.ptr = self;
  if (epoll_ctl (self->poller->epfd, op, self->fd, &event) != 0)
    g_warning ("epoll_ctl: %s", g_strerror (errno));
  self->interest = want;
}

/* ---- frames ------------------------------------------------------------- */

static GBytes *
build_frame (guint8        opcode,
             const guint8 *data,
             gsize         length)
{
  guint8 header[10];
  gsize header_len;
  guint8 *frame;

  header[0] = 0x80 | opcode;
  if (length < 126)
    {
      header[1] = (guint8) length;
      header_len = 2;
    }
  else if (length <= G_MAXUINT16)
    {
      header[1] = 126;
      header[2] = (guint8) (length >> 8);
      header[3] = (guint8) length;
      header_len = 4;
    }
  else
    {
      header[1] = 127;
      for (int i = 0; i < 8; i++)
        header[2 + i] = (guint8) ((guint64) length >> (56 - 8 * i));
      header_len = 10;
    }

  frame = g_malloc (header_len + length);
  memcpy (frame, header, header_len);
  if (length > 0)
    memcpy (frame + header_len, data, length);
  return g_bytes_new_take (frame, header_len + length);
}

GBytes *
sl_ws_frame_text (const char *data,
                  gsize       length)
{
  return build_frame (OP_TEXT, (const guint8 *) data, length);
}

/* ---- sending ------------------------------------------------------------ */

static void
write_ready (SlWsConnection *self)
{
  self->write_blocked = FALSE;
  flush (self);
  update_interest (self);
}

/* Writes what the socket takes now; waits for it to take more. */
static void
flush (SlWsConnection *self)
{
  while (!g_queue_is_empty (&self->outq))
    {
      GBytes *head = g_queue_peek_head (&self->outq);
      gsize size;
      const guint8 *data = g_bytes_get_data (head, &size);
      g_autoptr(GError) error = NULL;
      gssize written;

      written = g_pollable_output_stream_write_nonblocking (self->output,
                                                            data + self->out_offset,
                                                            size - self->out_offset,
                                                            NULL, &error);
      if (written < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              if (!self->write_blocked)
                {
                  self->write_blocked = TRUE;
                  update_interest (self);
                }
              return;
            }
          g_debug ("write failed: %s", error->message);
          finish (self, SL_WS_CLOSE_ABNORMAL);
          return;
        }

      self->out_offset += (gsize) written;
      self->queued -= (gsize) written;
      if (self->out_offset == size)
        {
          g_bytes_unref (g_queue_pop_head (&self->outq));
          self->out_offset = 0;
        }
    }

  /* all out: a close we sent and got answered ends the connection */
  if (self->close_sent && self->close_received)
    finish (self, self->close_code);
}

static gboolean
enqueue (SlWsConnection *self,
         GBytes         *frame,
         gboolean        control)
{
  gsize size = g_bytes_get_size (frame);

  if (self->closed || (self->close_sent && !control))
    return FALSE;

  if (!control && self->queued + size > self->limits.max_queue)
    {
      g_message ("dropping a client that does not read (%" G_GSIZE_FORMAT " bytes queued)",
                 self->queued);
      /* its queue is full: no close frame could reach it in time either */
      finish (self, SL_WS_CLOSE_POLICY_VIOLATION);
      return FALSE;
    }

  g_queue_push_tail (&self->outq, g_bytes_ref (frame));
  self->queued += size;
  if (!self->write_blocked)
    flush (self);
  return TRUE;
}

gboolean
sl_ws_connection_send_frame (SlWsConnection *self,
                             GBytes         *frame)
{
  g_return_val_if_fail (SL_IS_WS_CONNECTION (self), FALSE);
  return enqueue (self, frame, FALSE);
}

gboolean
sl_ws_connection_send_text (SlWsConnection *self,
                            const char     *data,
                            gsize           length)
{
  g_autoptr(GBytes) frame = NULL;

  g_return_val_if_fail (SL_IS_WS_CONNECTION (self), FALSE);

  frame = sl_ws_frame_text (data, length);
  return enqueue (self, frame, FALSE);
}

static gboolean
linger_cb (gpointer user_data)
{
  SlWsConnection *self = user_data;

  self->linger_id = 0;
  finish (self, self->close_code);
  return G_SOURCE_REMOVE;
}

void
sl_ws_connection_close (SlWsConnection *self,
                        guint           code,
                        const char     *reason)
{
  guint8 payload[125];
  gsize reason_len = reason ? MIN (strlen (reason), sizeof payload - 2) : 0;
  g_autoptr(GBytes) frame = NULL;

  g_return_if_fail (SL_IS_WS_CONNECTION (self));

  if (self->closed || self->close_sent)
    return;

  payload[0] = (guint8) (code >> 8);
  payload[1] = (guint8) code;
  if (reason_len > 0)
    memcpy (payload + 2, reason, reason_len);
  frame = build_frame (OP_CLOSE, payload, 2 + reason_len);

  self->close_code = code;
  enqueue (self, frame, TRUE);
  self->close_sent = TRUE;
  if (!self->closed)
    {
      if (self->close_received)
        flush (self);
      else if (self->linger_id == 0)
        self->linger_id = g_timeout_add (CLOSE_LINGER_MS, linger_cb, self);
    }
}

/* ---- receiving ---------------------------------------------------------- */

static void
protocol_error (SlWsConnection *self,
                guint           code,
                const char     *what)
{
  g_debug ("closing: %s", what);
  sl_ws_connection_close (self, code, what);
  /* read no further */
  self->reading = FALSE;
  update_interest (self);
}

static void
deliver (SlWsConnection *self,
         guint8          opcode,
         const guint8   *data,
         gsize           length)
{
  g_autoptr(GBytes) bytes = NULL;

  if (opcode == OP_TEXT && !g_utf8_validate_len ((const char *) data, length, NULL))
    {
      protocol_error (self, SL_WS_CLOSE_BAD_DATA, "text is not UTF-8");
      return;
    }
  bytes = g_bytes_new (data, length);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, bytes, opcode == OP_TEXT);
}

static void
handle_control (SlWsConnection *self,
                guint8          opcode,
                const guint8   *data,
                gsize           length)
{
  switch (opcode)
    {
    case OP_PING:
      {
        g_autoptr(GBytes) pong = build_frame (OP_PONG, data, length);

        enqueue (self, pong, TRUE);
        break;
      }
    case OP_PONG:
      break;
    case OP_CLOSE:
      {
        guint code = SL_WS_CLOSE_NORMAL;

        if (length == 1)
          {
            protocol_error (self, SL_WS_CLOSE_PROTOCOL_ERROR, "bad close frame");
            return;
          }
        if (length >= 2)
          code = ((guint) data[0] << 8) | data[1];
        self->close_received = TRUE;
        if (!self->close_sent)
          sl_ws_connection_close (self, code == 1005 || code < 1000 ? SL_WS_CLOSE_NORMAL : code, NULL);
        else
          flush (self);
        break;
      }
    default:
      protocol_error (self, SL_WS_CLOSE_PROTOCOL_ERROR, "unknown control frame");
      break;
    }
}

/* Parses whole frames off inbuf. FALSE when the connection must stop reading. */
static gboolean
parse_frames (SlWsConnection *self)
{
  while (!self->closed && !self->close_received)
    {
      guint8 *p = self->inbuf->data;
      gsize have = self->inbuf->len;
      gsize header = 2;
      guint64 length;
      guint8 opcode;
      gboolean fin;
      guint8 mask[4];
      guint8 *payload;

      if (have < 2)
        return TRUE;

      fin = (p[0] & 0x80) != 0;
      opcode = p[0] & 0x0f;
      if ((p[0] & 0x70) != 0)
        {
          protocol_error (self, SL_WS_CLOSE_PROTOCOL_ERROR, "reserved bits set");
          return FALSE;
        }
      if ((p[1] & 0x80) == 0)
        {
          protocol_error (self, SL_WS_CLOSE_PROTOCOL_ERROR, "client frames must be masked");
          return FALSE;
        }

      length = p[1] & 0x7f;
      if (length == 126)
        {
          if (have < 4)
            return TRUE;
          length = ((guint64) p[2] << 8) | p[3];
          header = 4;
        }
      else if (length == 127)
        {
          if (have < 10)
            return TRUE;
          length = 0;
          for (int i = 0; i < 8; i++)
            length = (length << 8) | p[2 + i];
          header = 10;
          if (length >> 63)
            {
              protocol_error (self, SL_WS_CLOSE_PROTOCOL_ERROR, "bad length");
              return FALSE;
            }
        }

      if (opcode >= 0x8)
        {
          if (!fin || length > 125)
            {
              protocol_error (self, SL_WS_CLOSE_PROTOCOL_ERROR, "bad control frame");
              return FALSE;
            }
        }
      else if (length > self->limits.max_message ||
               (self->message_op != 0 && self->message->len + length > self->limits.max_message))
        {
          protocol_error (self, SL_WS_CLOSE_TOO_BIG, "message too big");
          return FALSE;
        }

      if (have < header + 4 + length)
        return TRUE;

      memcpy (mask, p + header, 4);
      payload = p + header + 4;
      for (guint64 i = 0; i < length; i++)
        payload[i] ^= mask[i & 3];

      if (opcode >= 0x8)
        handle_control (self, opcode, payload, (gsize) length);
      else if (opcode == OP_CONTINUATION)
        {
          if (self->message_op == 0)
            {
              protocol_error (self, SL_WS_CLOSE_PROTOCOL_ERROR, "continuation of nothing");
              return FALSE;
            }
          g_byte_array_append (self->message, payload, (guint) length);
          if (fin)
            {
              deliver (self, self->message_op, self->message->data, self->message->len);
              g_byte_array_set_size (self->message, 0);
              self->message_op = 0;
            }
        }
      else if (opcode == OP_TEXT || opcode == OP_BINARY)
        {
          if (self->message_op != 0)
            {
              protocol_error (self, SL_WS_CLOSE_PROTOCOL_ERROR, "new message inside a fragmented one");
              return FALSE;
            }
          if (fin)
            deliver (self, opcode, payload, (gsize) length);
          else
            {
              self->message_op = opcode;
              g_byte_array_append (self->message, payload, (guint) length);
            }
        }
      else
        {
          protocol_error (self, SL_WS_CLOSE_PROTOCOL_ERROR, "unknown opcode");
          return FALSE;
        }

      if (self->closed)
        return FALSE;
      g_byte_array_remove_range (self->inbuf, 0, (guint) (header + 4 + length));
    }
  return FALSE;
}

static void
read_ready (SlWsConnection *self)
{
  for (int round = 0; round < 4 && !self->closed && self->reading; round++)
    {
      guint8 chunk[READ_CHUNK];
      g_autoptr(GError) error = NULL;
      gssize n;

      n = g_pollable_input_stream_read_nonblocking (self->input, chunk, sizeof chunk,
                                                    NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return;
      if (n <= 0)
        {
          finish (self, self->close_received ? self->close_code : SL_WS_CLOSE_ABNORMAL);
          return;
        }

      self->last_heard = g_get_monotonic_time ();
      g_byte_array_append (self->inbuf, chunk, (guint) n);
      parse_frames (self);
      if ((gsize) n < sizeof chunk)
        return;
    }
}

/* ---- life --------------------------------------------------------------- */

static void
finish (SlWsConnection *self,
        guint           code)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  self->close_code = code;

  self->reading = FALSE;
  self->write_blocked = FALSE;
  update_interest (self);
  g_clear_handle_id (&self->linger_id, g_source_remove);
  g_queue_clear_full (&self->outq, (GDestroyNotify) g_bytes_unref);
  self->queued = 0;
  g_io_stream_close (self->stream, NULL, NULL);

  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, code);
  g_object_unref (self);
}

void
sl_ws_connection_tick (SlWsConnection *self,
                       gint64          now)
{
  g_return_if_fail (SL_IS_WS_CONNECTION (self));

  if (self->closed)
    return;
  if (now - self->last_heard > self->limits.pong_timeout)
    {
      g_debug ("no answer for %" G_GINT64_FORMAT " s: dropping",
               (now - self->last_heard) / G_USEC_PER_SEC);
      finish (self, SL_WS_CLOSE_GOING_AWAY);
      return;
    }
  if (!self->close_sent && now - self->last_heard > self->limits.ping_interval &&
      now - self->last_ping > self->limits.ping_interval)
    {
      g_autoptr(GBytes) ping = build_frame (OP_PING, NULL, 0);

      self->last_ping = now;
      enqueue (self, ping, TRUE);
    }
}

gboolean
sl_ws_connection_is_open (SlWsConnection *self)
{
  g_return_val_if_fail (SL_IS_WS_CONNECTION (self), FALSE);
  return !self->closed && !self->close_sent;
}

gsize
sl_ws_connection_get_queued (SlWsConnection *self)
{
  g_return_val_if_fail (SL_IS_WS_CONNECTION (self), 0);
  return self->queued;
}

static void
sl_ws_connection_dispose (GObject *object)
{
  SlWsConnection *self = SL_WS_CONNECTION (object);

  if (!self->closed)
    {
      /* nobody will hear of it: close quietly */
      self->closed = TRUE;
      update_interest (self);
      if (self->stream != NULL)
        g_io_stream_close (self->stream, NULL, NULL);
    }
  g_clear_pointer (&self->poller, sl_ws_poller_unref);
  g_clear_handle_id (&self->linger_id, g_source_remove);
  g_queue_clear_full (&self->outq, (GDestroyNotify) g_bytes_unref);
  g_clear_object (&self->stream);

  G_OBJECT_CLASS (sl_ws_connection_parent_class)->dispose (object);
}

static void
sl_ws_connection_finalize (GObject *object)
{
  SlWsConnection *self = SL_WS_CONNECTION (object);

  g_byte_array_unref (self->inbuf);
  g_byte_array_unref (self->message);

  G_OBJECT_CLASS (sl_ws_connection_parent_class)->finalize (object);
}

static void
sl_ws_connection_class_init (SlWsConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sl_ws_connection_dispose;
  object_class->finalize = sl_ws_connection_finalize;

  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BYTES, G_TYPE_BOOLEAN);
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
sl_ws_connection_init (SlWsConnection *self)
{
  self->fd = -1;
  self->inbuf = g_byte_array_new ();
  self->message = g_byte_array_new ();
  g_queue_init (&self->outq);
}

/* The socket under @stream (which may wrap it, as libsoup's does). */
static int
stream_fd (GIOStream *stream)
{
  g_autoptr(GIOStream) base = NULL;

  if (G_IS_SOCKET_CONNECTION (stream))
    return g_socket_get_fd (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)));
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "base-iostream") == NULL)
    return -1;
  g_object_get (stream, "base-iostream", &base, NULL);
  return base != NULL ? stream_fd (base) : -1;
}

SlWsConnection *
sl_ws_connection_new (GIOStream        *stream,
                      const SlWsLimits *limits,
                      SlWsPoller       *poller)
{
  SlWsConnection *self;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (limits != NULL, NULL);
  g_return_val_if_fail (poller != NULL, NULL);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream)), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream)), NULL);

  self = g_object_new (SL_TYPE_WS_CONNECTION, NULL);
  self->stream = g_object_ref (stream);
  self->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  self->output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  self->limits = *limits;
  self->poller = sl_ws_poller_ref (poller);
  self->fd = stream_fd (stream);
  self->last_heard = g_get_monotonic_time ();
  self->last_ping = self->last_heard;
  return self;
}

void
sl_ws_connection_start (SlWsConnection *self)
{
  g_return_if_fail (SL_IS_WS_CONNECTION (self));

  if (self->reading || self->closed)
    return;
  if (self->fd < 0)
    {
      g_warning ("a WebSocket without a socket underneath: closing it");
      finish (self, SL_WS_CLOSE_ABNORMAL);
      return;
    }
  self->reading = TRUE;
  update_interest (self);
  /* what the HTTP server may have read ahead is in the stream's buffer,
   * where epoll cannot see it */
  read_ready (self);
}
