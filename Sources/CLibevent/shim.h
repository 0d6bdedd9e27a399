#ifndef CLIBEVENT_SHIM_H
#define CLIBEVENT_SHIM_H

/* Only libevent's own headers: Swift takes the system's (sockets, errno) from Glibc,
   and including them here as well makes two clashing definitions of fd_set. */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/util.h>

/* Swift imports no function-like macros: these stand in for libevent's. */
static inline struct event *clibevent_signal_new(struct event_base *base, int signum,
                                                 event_callback_fn cb, void *arg) {
    return event_new(base, signum, EV_SIGNAL | EV_PERSIST, cb, arg);
}

static inline struct event *clibevent_timer_new(struct event_base *base, event_callback_fn cb, void *arg) {
    return event_new(base, -1, 0, cb, arg);
}

#endif
