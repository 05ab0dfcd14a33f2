#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/core_names.h>

/* EVP_MAC_init takes an OSSL_PARAM array holding pointers that must outlive the call; Swift can't build one safely. */
static inline int copenssl_mac_init_hmac(EVP_MAC_CTX *ctx, const unsigned char *key, size_t keylen,
                                         const char *digest) {
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    return EVP_MAC_init(ctx, key, keylen, params);
}
#endif
