#ifndef CSLUICE_MALLOC_H
#define CSLUICE_MALLOC_H

/* glibc's allocator controls (mallopt), which Swift's Glibc module does not export.
 * Header-only: part of libc, nothing to link. Used by the `sluice` executable alone. */
#include <malloc.h>

#endif
