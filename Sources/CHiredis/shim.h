// hiredis (Debian: libhiredis-dev) and its libevent adapter, which runs a connection's
// reads and writes as events on the node's own event base.
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>
