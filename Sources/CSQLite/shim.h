// SQLite's own C API (Debian: libsqlite3-dev), for the embedded message store.
#include <sqlite3.h>
