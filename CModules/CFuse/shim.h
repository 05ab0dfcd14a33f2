#ifndef CFUSE_SHIM_H
#define CFUSE_SHIM_H
/* The low-level API version we target; must be defined before the header. */
#define FUSE_USE_VERSION 35
#include <fuse3/fuse_lowlevel.h>
#endif
