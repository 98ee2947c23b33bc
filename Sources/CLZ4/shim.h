// liblz4 1.9 (Debian liblz4-dev): the frame format only; blocks are never used directly.
#include <lz4frame.h>
