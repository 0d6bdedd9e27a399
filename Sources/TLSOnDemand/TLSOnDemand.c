/* Defines, hidden in the executable, the OpenSSL and libevent_openssl functions the code calls;
 * each loads its library and finds its real self there on its first call (see TLSOnDemand.h).
 * Hidden: the executables export their symbols, and an exported SSL_read of ours would stand in
 * for libssl's own inside libevent_openssl. A function the code starts calling needs a line here,
 * or the link fails naming it. */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#pragma GCC visibility push(hidden)
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event-config.h>
#include "TLSOnDemand.h"

#if EVENT__NUMERIC_VERSION < 0x02010000 || EVENT__NUMERIC_VERSION >= 0x02020000
#error "libevent_openssl's soname below is libevent 2.1's: give the one of these headers"
#endif

#define NAMED(x) #x
#define SONAME(prefix, major) prefix NAMED(major)

enum library { LIBCRYPTO, LIBSSL, LIBEVENT_OPENSSL, LIBRARIES };

/* The sonames of the ABI the headers describe; libevent 2.1's is 7. */
static const char *const sonames[LIBRARIES] = {
    SONAME("libcrypto.so.", OPENSSL_VERSION_MAJOR),
    SONAME("libssl.so.", OPENSSL_VERSION_MAJOR),
    "libevent_openssl-2.1.so.7",
};

static _Atomic(void *) handles[LIBRARIES];

/* The library's handle, loading it if need be (dlopen counts references, so a race loads it once). */
static void *library(enum library which, const char **failure) {
    void *handle = atomic_load_explicit(&handles[which], memory_order_acquire);
    if (handle) return handle;
    handle = dlopen(sonames[which], RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        *failure = dlerror();
        return NULL;
    }
    atomic_store_explicit(&handles[which], handle, memory_order_release);
    return handle;
}

const char *tls_on_demand_load(void) {
    const char *failure = NULL;
    for (int which = 0; which < LIBRARIES; which++) {
        if (!library((enum library)which, &failure)) return failure;
    }
    return NULL;
}

const char *tls_on_demand_load_crypto(void) {
    const char *failure = NULL;
    return library(LIBCRYPTO, &failure) ? NULL : failure;
}

/* The real function called `name`, for a stub's first call; the process cannot go on without it. */
static void *real(enum library which, const char *name) {
    const char *failure = NULL;
    void *handle = library(which, &failure);
    void *function = handle ? dlsym(handle, name) : NULL;
    if (!function) {
        fprintf(stderr, "chat: cannot call %s from %s: %s\n", name, sonames[which], handle ? dlerror() : failure);
        abort();
    }
    return function;
}

#define CALL(lib, name, args)                                                            \
    static _Atomic(__typeof__(&name)) found;                                             \
    __typeof__(&name) function = atomic_load_explicit(&found, memory_order_acquire);     \
    if (!function) {                                                                     \
        function = (__typeof__(&name))real(lib, #name);                                  \
        atomic_store_explicit(&found, function, memory_order_release);                   \
    }
#define STUB(lib, type, name, params, args) type name params { CALL(lib, name, args) return function args; }
#define VOID_STUB(lib, name, params, args) void name params { CALL(lib, name, args) function args; }

STUB(LIBCRYPTO, unsigned long, ERR_get_error, (void), ())
VOID_STUB(LIBCRYPTO, ERR_clear_error, (void), ())
VOID_STUB(LIBCRYPTO, ERR_error_string_n, (unsigned long e, char *buf, size_t len), (e, buf, len))
STUB(LIBCRYPTO, int, EVP_EncodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n))
STUB(LIBCRYPTO, unsigned char *, SHA1, (const unsigned char *d, size_t n, unsigned char *md), (d, n, md))
STUB(LIBCRYPTO, X509_NAME *, X509_get_subject_name, (const X509 *a), (a))
STUB(LIBCRYPTO, char *, X509_NAME_oneline, (const X509_NAME *a, char *buf, int size), (a, buf, size))
VOID_STUB(LIBCRYPTO, X509_free, (X509 *a), (a))

STUB(LIBSSL, const SSL_METHOD *, TLS_server_method, (void), ())
STUB(LIBSSL, const SSL_METHOD *, TLS_client_method, (void), ())
STUB(LIBSSL, SSL_CTX *, SSL_CTX_new, (const SSL_METHOD *method), (method))
VOID_STUB(LIBSSL, SSL_CTX_free, (SSL_CTX *ctx), (ctx))
STUB(LIBSSL, long, SSL_CTX_ctrl, (SSL_CTX *ctx, int cmd, long larg, void *parg), (ctx, cmd, larg, parg))
STUB(LIBSSL, int, SSL_CTX_use_certificate_chain_file, (SSL_CTX *ctx, const char *file), (ctx, file))
STUB(LIBSSL, int, SSL_CTX_use_PrivateKey_file, (SSL_CTX *ctx, const char *file, int type), (ctx, file, type))
STUB(LIBSSL, int, SSL_CTX_check_private_key, (const SSL_CTX *ctx), (ctx))
VOID_STUB(LIBSSL, SSL_CTX_set_verify, (SSL_CTX *ctx, int mode, SSL_verify_cb callback), (ctx, mode, callback))
STUB(LIBSSL, SSL *, SSL_new, (SSL_CTX *ctx), (ctx))
VOID_STUB(LIBSSL, SSL_free, (SSL *ssl), (ssl))
STUB(LIBSSL, long, SSL_ctrl, (SSL *ssl, int cmd, long larg, void *parg), (ssl, cmd, larg, parg))
STUB(LIBSSL, int, SSL_set_fd, (SSL *ssl, int fd), (ssl, fd))
STUB(LIBSSL, int, SSL_connect, (SSL *ssl), (ssl))
STUB(LIBSSL, int, SSL_read, (SSL *ssl, void *buf, int num), (ssl, buf, num))
STUB(LIBSSL, int, SSL_write, (SSL *ssl, const void *buf, int num), (ssl, buf, num))
STUB(LIBSSL, int, SSL_shutdown, (SSL *ssl), (ssl))
STUB(LIBSSL, int, SSL_get_error, (const SSL *ssl, int ret), (ssl, ret))
STUB(LIBSSL, int, SSL_is_init_finished, (const SSL *ssl), (ssl))
STUB(LIBSSL, const char *, SSL_get_version, (const SSL *ssl), (ssl))
STUB(LIBSSL, X509 *, SSL_get1_peer_certificate, (const SSL *ssl), (ssl))

STUB(LIBEVENT_OPENSSL, struct bufferevent *, bufferevent_openssl_socket_new,
     (struct event_base *base, evutil_socket_t fd, SSL *ssl, enum bufferevent_ssl_state state, int options),
     (base, fd, ssl, state, options))
STUB(LIBEVENT_OPENSSL, SSL *, bufferevent_openssl_get_ssl, (struct bufferevent *bev), (bev))
STUB(LIBEVENT_OPENSSL, unsigned long, bufferevent_get_openssl_error, (struct bufferevent *bev), (bev))
VOID_STUB(LIBEVENT_OPENSSL, bufferevent_openssl_set_allow_dirty_shutdown, (struct bufferevent *bev, int allow), (bev, allow))

#pragma GCC visibility pop
