#ifndef CPROCESS_SHIM_H
#define CPROCESS_SHIM_H
#include <sys/prctl.h>

/* prctl is variadic; Swift can't call variadic C functions. */
static inline int cprocess_set_nondumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
#endif
