/* The restore op: the host sends it first thing after resuming a guest from a snapshot
 * (docs/protocol.md "restore"). Everything the snapshot froze that must differ per instance is
 * renewed here: the kernel RNG gets host-provided entropy (written to /dev/urandom, credited with
 * RNDADDENTROPY, then RNDRESEEDCRNG so the CRNG rekeys at once), the wall clock jumps to the
 * host's, and warm runners (language runtimes that may have cached randomness or earlier calls'
 * env) are killed so the next call starts a fresh one after the reseed. */
#define _GNU_SOURCE
#include "agent_state.h"
#include "b64.h"
#include "msg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* <linux/random.h>, spelled out: musl's headers do not ship it. */
struct mvm_rand_pool_info {
    int entropy_count;
    int buf_size;
    unsigned char buf[];
};
#define MVM_RNDADDENTROPY _IOW('R', 0x03, int[2])
#define MVM_RNDRESEEDCRNG _IO('R', 0x07)

#define ENTROPY_MIN 32
#define ENTROPY_MAX 512

/* Mixes data into the kernel pool and credits it. Returns "credited", "mixed" (written without
 * credit: no CAP_SYS_ADMIN, e.g. the host-side tests) or NULL with errno. */
static const char *reseed(const unsigned char *data, size_t n, int *rekeyed) {
    *rekeyed = 0;
    int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    const char *how = "mixed";
    ssize_t w = write(fd, data, n);
    if (w != (ssize_t)n) {
        int e = errno;
        close(fd);
        errno = w < 0 ? e : EIO;
        return NULL;
    }
    struct mvm_rand_pool_info *info = malloc(sizeof *info + n);
    if (info) {
        info->entropy_count = (int)(n * 8);
        info->buf_size = (int)n;
        memcpy(info->buf, data, n);
        if (ioctl(fd, MVM_RNDADDENTROPY, info) == 0) how = "credited";
        memset(info->buf, 0, n);
        free(info);
    }
    /* Kernels before 5.x lack it (EINVAL); the credited entropy reseeds the CRNG soon anyway. */
    if (ioctl(fd, MVM_RNDRESEEDCRNG) == 0) *rekeyed = 1;
    close(fd);
    return how;
}

void op_restore(const char *s, uint32_t id) {
    int e = json_get(s, toks, 0, "entropy_b64");
    if (e < 0 || toks[e].type != J_STRING)
        return send_err(id, "protocol_error", "restore needs \"entropy_b64\"");
    size_t elen = (size_t)(toks[e].end - toks[e].start);
    unsigned char raw[ENTROPY_MAX + 4];
    if (b64_decoded_max(elen) > sizeof raw)
        return send_err(id, "protocol_error", "entropy_b64 must decode to %d..%d bytes", ENTROPY_MIN, ENTROPY_MAX);
    long n = b64_decode(s + toks[e].start, elen, raw);
    if (n < ENTROPY_MIN || n > ENTROPY_MAX)
        return send_err(id, "protocol_error", "entropy_b64 must decode to %d..%d bytes", ENTROPY_MIN, ENTROPY_MAX);
    int64_t time_ms = -1;
    int t = json_get(s, toks, 0, "time_ms");
    if (t >= 0 && json_int(s, toks, t, 0, INT64_C(253402300799999), &time_ms) != 0)
        return send_err(id, "protocol_error", "time_ms must be milliseconds since the epoch");

    int rekeyed = 0;
    const char *how = reseed(raw, (size_t)n, &rekeyed);
    memset(raw, 0, sizeof raw);
    if (!how) return send_err(id, "internal", "cannot reseed the kernel RNG: %s", strerror(errno));
    const char *clock = "unchanged";
    if (time_ms >= 0 && A.cfg->no_clock) clock = "skipped";
    else if (time_ms >= 0) {
        struct timespec ts = {.tv_sec = time_ms / 1000, .tv_nsec = (long)(time_ms % 1000) * 1000000L};
        if (clock_settime(CLOCK_REALTIME, &ts) != 0)
            return send_err(id, "internal", "cannot set the clock: %s", strerror(errno));
        clock = "set";
    }
    int killed = warm_drop_all();
    LOG("restored: entropy %ld bytes %s%s, clock %s, %d warm runner(s) stopped", n, how,
        rekeyed ? " (crng reseeded)" : "", clock, killed);
    buf_t b = {0};
    reply_ok_begin(&b, id);
    buf_printf(&b, ",\"entropy\":\"%s\",\"crng_reseeded\":%s,\"clock\":\"%s\",\"runners_stopped\":%d", how,
               rekeyed ? "true" : "false", clock, killed);
    ready_put(&b);
    buf_puts(&b, "}");
    outq_send(&b, id);
    buf_free(&b);
    outq_flush();
    /* The first call after a restore would otherwise also pay for starting its interpreter
     * (under TCG, with a cold translation cache, ~0.4 s for python3). Started here, after the
     * reseed, it has none of the snapshot's randomness; it imports nothing of the user's yet. */
    const entrypoint_t *ep = A.rt.valid && A.rt.primary ? runtime_find(&A.rt, A.rt.primary) : NULL;
    if (ep && ep->is_function && A.ready && warm_prestart(ep, NULL) < 0)
        LOG("cannot prestart the warm runner for %s: %s", ep->name, strerror(errno));
}
