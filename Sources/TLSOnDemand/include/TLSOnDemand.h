#ifndef TLS_ON_DEMAND_H
#define TLS_ON_DEMAND_H

/*
 * OpenSSL and libevent's OpenSSL bufferevents, loaded the first time they are needed rather
 * than when the process starts.
 *
 * The executables do not link libssl, libcrypto or libevent_openssl: this target defines the
 * functions of theirs that the code calls (declared, as ever, by CLibeventOpenSSL's headers),
 * and each looks up its real self in the library on its first call. A server without a TLS
 * port never maps them. Mapped, they cost 1.7 MiB resident in every process (the dynamic
 * linker reads libcrypto's relocations and symbol tables at start-up), a twentieth of the
 * server's memory with 10,000 users (Perf/results/2026-12-01-vm-targets-vs-c-reference.md).
 */

/* Loads the three libraries: NULL once they are, or the dynamic linker's reason why not. Call it
 * before the first TLS function, where a missing library can be reported; a TLS function called
 * without the libraries ends the process with that reason. Thread-safe. */
const char *tls_on_demand_load(void);

/* Loads libcrypto alone (SHA-1 and base64, for WebSocket handshakes), as tls_on_demand_load does. */
const char *tls_on_demand_load_crypto(void);

#endif
