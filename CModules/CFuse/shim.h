#ifndef CFUSE_SHIM_H
#define CFUSE_SHIM_H
/* The low-level API version we target; must be defined before the header. */
#define FUSE_USE_VERSION 35
#include <fuse3/fuse_lowlevel.h>
#include <errno.h>

/* fuse_session_new is a macro from libfuse 3.17, and sizeof(struct fuse_lowlevel_ops) and the fuse_args it rewrites are simplest in C. */
static inline struct fuse_session *cfuse_session_new(int argc, char **argv, const struct fuse_lowlevel_ops *ops, void *userdata) {
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct fuse_session *session = fuse_session_new(&args, ops, sizeof(*ops), userdata);
    fuse_opt_free_args(&args);
    return session;
}

/* FUSE_USE_VERSION 35 hides the 3.12 loop (fuse_session_loop_mt is a macro for _32 there); the exported 3.12 entry point takes the opaque config that has max_threads. */
int fuse_session_loop_mt_312(struct fuse_session *se, struct fuse_loop_config *config);

/* Runs the 3.12 multi-threaded loop with an opaque fuse_loop_config, which Swift can't build (its layout is private to libfuse). */
static inline int cfuse_session_loop_mt(struct fuse_session *session, unsigned clone_fd, unsigned max_idle_threads, unsigned max_threads) {
    struct fuse_loop_config *config = fuse_loop_cfg_create();
    if (!config) return -ENOMEM;
    fuse_loop_cfg_set_clone_fd(config, clone_fd);
    fuse_loop_cfg_set_idle_threads(config, max_idle_threads);
    fuse_loop_cfg_set_max_threads(config, max_threads);
    int result = fuse_session_loop_mt_312(session, config);
    fuse_loop_cfg_destroy(config);
    return result;
}

/* keep_cache and direct_io are bitfields of fuse_file_info; setting them in C keeps Swift off the bitfield layout. */
static inline int cfuse_reply_open(fuse_req_t req, uint64_t fh, int keep_cache, int direct_io) {
    struct fuse_file_info fi = {0};
    fi.fh = fh;
    fi.keep_cache = keep_cache ? 1 : 0;
    fi.direct_io = direct_io ? 1 : 0;
    return fuse_reply_open(req, &fi);
}

/* fi may be NULL for some requests; reading fh in C avoids a Swift optional dance over a borrowed pointer. */
static inline uint64_t cfuse_file_handle(const struct fuse_file_info *fi) { return fi ? fi->fh : 0; }

#endif
