/* sl-upnp-stub.c: a stand-in for libgupnp-igd-1.0.so.4 that maps no ports,
 * so that Debian 12's simple-whip-client can run in the media tests
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * simple-whip-client is built on libsoup 2. webrtcbin's ICE agent, libnice,
 * links libgupnp-igd (UPnP port mapping), which pulls in libsoup 3, and
 * libsoup 3 aborts a process that already holds libsoup 2 ("libsoup2 symbols
 * detected"). So on Debian 12 the client dies before it sends anything.
 *
 * The tests run the client in a network namespace with no UPnP gateway, where
 * port mapping could never succeed anyway: they put this library first on
 * LD_LIBRARY_PATH. It provides the four functions libnice calls, an object
 * with the two signals libnice connects to, and never maps a port, never
 * emits. libnice then gives up on UPnP after its timeout, as it would on a
 * network without a gateway. Nothing else about the client changes.
 */

#include <glib-object.h>

typedef struct {
  GObject parent_instance;
} SlUpnpStub;

typedef struct {
  GObjectClass parent_class;
} SlUpnpStubClass;

GType    sl_upnp_stub_get_type              (void);
GType    gupnp_simple_igd_get_type          (void);
gpointer gupnp_simple_igd_thread_new        (void);
void     gupnp_simple_igd_add_port          (gpointer     self,
                                             const char  *protocol,
                                             guint16      external_port,
                                             const char  *local_ip,
                                             guint16      local_port,
                                             guint32      lease_duration,
                                             const char  *description);
void     gupnp_simple_igd_remove_port_local (gpointer     self,
                                             const char  *protocol,
                                             const char  *local_ip,
                                             guint16      local_port);

G_DEFINE_TYPE (SlUpnpStub, sl_upnp_stub, G_TYPE_OBJECT)

static void
sl_upnp_stub_class_init (SlUpnpStubClass *klass)
{
  /* the signatures libnice's handlers expect */
  g_signal_new ("mapped-external-port", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL, G_TYPE_NONE, 7,
                G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT,
                G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING);
  g_signal_new ("error-mapping-port", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL, G_TYPE_NONE, 6,
                G_TYPE_ERROR, G_TYPE_STRING, G_TYPE_UINT,
                G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING);
}

static void
sl_upnp_stub_init (SlUpnpStub *self)
{
}

GType
gupnp_simple_igd_get_type (void)
{
  return sl_upnp_stub_get_type ();
}

gpointer
gupnp_simple_igd_thread_new (void)
{
  return g_object_new (sl_upnp_stub_get_type (), NULL);
}

void
gupnp_simple_igd_add_port (gpointer     self,
                           const char  *protocol,
                           guint16      external_port,
                           const char  *local_ip,
                           guint16      local_port,
                           guint32      lease_duration,
                           const char  *description)
{
}

void
gupnp_simple_igd_remove_port_local (gpointer     self,
                                    const char  *protocol,
                                    const char  *local_ip,
                                    guint16      local_port)
{
}
