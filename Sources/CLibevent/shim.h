#ifndef CLIBEVENT_SHIM_H
#define CLIBEVENT_SHIM_H

/* The system headers libevent's pull in come first, so that they are taken from
   Glibc's module as Swift sees it. libevent's event-config.h defines _GNU_SOURCE;
   system headers first parsed after that define fd_set with other field names,
   and Swift rejects the two clashing definitions. */
#include <sys/types.h>
#include <sys/time.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netdb.h>
#include <stdint.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <time.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/http.h>
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
