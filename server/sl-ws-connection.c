/* sl-ws-connection.c: the server side of one WebSocket (RFC 6455) on a
 * stream taken over from the HTTP server, with hard limits
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-ws"

#include "config.h"

#include "sl-ws-connection.h"

#include <string.h>

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

  GSource       *read_source;
  GSource       *write_source;
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

static gboolean
write_ready_cb (GObject  *stream,
                gpointer  user_data)
{
  SlWsConnection *self = user_data;

  g_clear_pointer (&self->write_source, g_source_unref);
  flush (self);
  return G_SOURCE_REMOVE;
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
              if (self->write_source == NULL)
                {
                  self->write_source = g_pollable_output_stream_create_source (self->output, NULL);
                  g_source_set_callback (self->write_source, G_SOURCE_FUNC (write_ready_cb),
                                         self, NULL);
                  g_source_attach (self->write_source, NULL);
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
  if (self->write_source == NULL)
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
  if (self->read_source != NULL)
    {
      g_source_destroy (self->read_source);
      g_clear_pointer (&self->read_source, g_source_unref);
    }
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

static gboolean
read_ready_cb (GObject  *stream,
               gpointer  user_data)
{
  SlWsConnection *self = user_data;
  g_autoptr(SlWsConnection) hold = g_object_ref (self);

  for (int round = 0; round < 4 && !self->closed; round++)
    {
      guint8 chunk[READ_CHUNK];
      g_autoptr(GError) error = NULL;
      gssize n;

      n = g_pollable_input_stream_read_nonblocking (self->input, chunk, sizeof chunk,
                                                    NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (n <= 0)
        {
          g_clear_pointer (&self->read_source, g_source_unref);
          finish (self, self->close_received ? self->close_code : SL_WS_CLOSE_ABNORMAL);
          return G_SOURCE_REMOVE;
        }

      self->last_heard = g_get_monotonic_time ();
      g_byte_array_append (self->inbuf, chunk, (guint) n);
      if (!parse_frames (self) && (self->closed || self->read_source == NULL))
        return G_SOURCE_REMOVE;
    }

  return self->closed || self->read_source == NULL ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
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

  if (self->read_source != NULL)
    {
      g_source_destroy (self->read_source);
      g_clear_pointer (&self->read_source, g_source_unref);
    }
  if (self->write_source != NULL)
    {
      g_source_destroy (self->write_source);
      g_clear_pointer (&self->write_source, g_source_unref);
    }
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
      if (self->read_source != NULL)
        g_source_destroy (self->read_source);
      if (self->write_source != NULL)
        g_source_destroy (self->write_source);
      if (self->stream != NULL)
        g_io_stream_close (self->stream, NULL, NULL);
    }
  g_clear_pointer (&self->read_source, g_source_unref);
  g_clear_pointer (&self->write_source, g_source_unref);
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
  self->inbuf = g_byte_array_new ();
  self->message = g_byte_array_new ();
  g_queue_init (&self->outq);
}

SlWsConnection *
sl_ws_connection_new (GIOStream        *stream,
                      const SlWsLimits *limits)
{
  SlWsConnection *self;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (limits != NULL, NULL);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream)), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream)), NULL);

  self = g_object_new (SL_TYPE_WS_CONNECTION, NULL);
  self->stream = g_object_ref (stream);
  self->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  self->output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  self->limits = *limits;
  self->last_heard = g_get_monotonic_time ();
  self->last_ping = self->last_heard;
  return self;
}

void
sl_ws_connection_start (SlWsConnection *self)
{
  g_return_if_fail (SL_IS_WS_CONNECTION (self));

  if (self->read_source != NULL || self->closed)
    return;
  self->read_source = g_pollable_input_stream_create_source (self->input, NULL);
  g_source_set_callback (self->read_source, G_SOURCE_FUNC (read_ready_cb), self, NULL);
  g_source_attach (self->read_source, NULL);
}
