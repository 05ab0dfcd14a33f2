#ifndef CPROCESS_SHIM_H
#define CPROCESS_SHIM_H
#include <sys/prctl.h>
#include <malloc.h>

/* prctl is variadic; Swift can't call variadic C functions. */
static inline int cprocess_set_nondumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* M_ARENA_MAX is a macro: limit glibc's malloc arenas (worker threads keep freed memory). */
static inline int cprocess_limit_malloc_arenas(int count) {
    return mallopt(M_ARENA_MAX, count);
}
#endif
