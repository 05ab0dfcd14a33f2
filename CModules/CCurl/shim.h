#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H
#include <curl/curl.h>

/* CURL_GLOBAL_DEFAULT is a compound macro; Swift imports only simple literal macros. */
static inline CURLcode ccurl_global_init_default(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }

/* curl_easy_setopt is variadic; Swift can't call C variadics, so one typed shim per argument kind. */
static inline CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value) { return curl_easy_setopt(handle, option, value); }
/* curl_easy_setopt is variadic; this passes a C string (libcurl copies strings it keeps). */
static inline CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) { return curl_easy_setopt(handle, option, value); }
/* curl_easy_setopt is variadic; this passes an opaque pointer (WRITEDATA, HEADERDATA, PRIVATE, ERRORBUFFER). */
static inline CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) { return curl_easy_setopt(handle, option, value); }
/* curl_easy_setopt is variadic; this passes a header list (HTTPHEADER). */
static inline CURLcode ccurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) { return curl_easy_setopt(handle, option, value); }
/* curl_easy_setopt is variadic; this passes a write/header callback (same C signature for both). */
static inline CURLcode ccurl_easy_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback value) { return curl_easy_setopt(handle, option, value); }

/* curl_easy_getinfo is variadic; this reads a long (RESPONSE_CODE). */
static inline CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) { return curl_easy_getinfo(handle, info, value); }
/* curl_easy_getinfo is variadic; this reads a string (CONTENT_TYPE, EFFECTIVE_URL). */
static inline CURLcode ccurl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) { return curl_easy_getinfo(handle, info, value); }

/* curl_multi_setopt is variadic; Swift can't call C variadics. */
static inline CURLMcode ccurl_multi_setopt_long(CURLM *handle, CURLMoption option, long value) { return curl_multi_setopt(handle, option, value); }

/* CURLMsg.data is an anonymous-typed union; reading `result` in C avoids relying on how Swift imports it. */
static inline CURLcode ccurl_msg_result(const CURLMsg *message) { return message->data.result; }
#endif
