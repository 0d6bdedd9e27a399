// hiredis (Debian: libhiredis-dev): its asynchronous API, which RedisConnection runs on
// libevent events of its own (see there why not on hiredis's libevent adapter).
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
