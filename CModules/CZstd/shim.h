#ifndef CZSTD_SHIM_H
#define CZSTD_SHIM_H
// libzstd: streaming decompression of zip method 93 entries (and .tzstd volumes), and the
// fixture writer's streaming encoder.
#include <zstd.h>
#endif
