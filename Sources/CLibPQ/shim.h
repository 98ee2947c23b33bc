// libpq 15 (Debian libpq-dev); pkg-config "libpq" adds -I/usr/include/postgresql.
#include <libpq-fe.h>
