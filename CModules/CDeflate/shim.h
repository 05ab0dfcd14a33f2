#ifndef CDEFLATE_SHIM_H
#define CDEFLATE_SHIM_H
// libdeflate: whole-buffer DEFLATE decompression, for zip records of known size.
#include <libdeflate.h>
#endif
