#ifndef CLZMA_SHIM_H
#define CLZMA_SHIM_H
// liblzma: zip method 14 entries (raw LZMA1 after a 9-byte header, normally without an end marker).
#include <lzma.h>

/* LZMA_FILTER_LZMA1EXT and LZMA_VLI_UNKNOWN are macros (LZMA_VLI_C); Swift can't see macros.
   Starts a raw LZMA1 decoder (encode == 0) or encoder over one filter with these options. */
static inline lzma_ret clzma_raw_lzma1ext_init(lzma_stream *stream, lzma_options_lzma *options, int encode) {
    lzma_filter filters[2] = {
        { .id = LZMA_FILTER_LZMA1EXT, .options = options },
        { .id = LZMA_VLI_UNKNOWN, .options = NULL },
    };
    return encode ? lzma_raw_encoder(stream, filters) : lzma_raw_decoder(stream, filters);
}
#endif
