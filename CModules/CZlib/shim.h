#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>

/* inflateInit2 and deflateInit2 are macros (they pass ZLIB_VERSION and sizeof); Swift can't see macros. */
static inline int czlib_inflate_init_raw(z_streamp stream) {
    return inflateInit2(stream, -15);
}

/* inflateInit2 is a macro; Swift can't see macros. windowBits 16 + 15: a gzip member (RFC 1952), as in .tgz volumes. */
static inline int czlib_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 16 + 15);
}

/* deflateInit2 is a macro; Swift can't see macros. Raw deflate (no zlib header), as zip stores it. */
static inline int czlib_deflate_init_raw(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}
#endif
