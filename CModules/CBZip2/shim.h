#ifndef CBZIP2_SHIM_H
#define CBZIP2_SHIM_H
// libbz2: zip method 12 entries (a complete .bz2 stream each). Debian's libbz2-dev ships no
// pkg-config file, so the module links bz2 directly.
#include <bzlib.h>
#endif
