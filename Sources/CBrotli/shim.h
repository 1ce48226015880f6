#ifndef DJOBEA_CBROTLI_SHIM_H
#define DJOBEA_CBROTLI_SHIM_H

// The brotli encoder (and decoder, for tests) from the system's libbrotli-dev.
#include <brotli/encode.h>
#include <brotli/decode.h>

#endif
