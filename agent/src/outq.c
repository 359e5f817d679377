/* The output queue: reply and event frames waiting for the host channel, written without
 * blocking as the channel takes them, and the helpers that frame and queue a reply. */
#define _GNU_SOURCE
#include "agent_state.h"
#include "msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Frames body and queues it. A body over the frame cap is a bug on our side: reply internal. */
void outq_send(const buf_t *body, uint32_t id) {
    if (!A.tr.connected) return;
    if (body->len > MVM_MAX_FRAME_BYTES) {
        buf_t e = {0};
        reply_err(&e, id, "internal", "reply of %zu bytes exceeds the frame cap", body->len);
        outq_send(&e, id);
        buf_free(&e);
        return;
    }
    uint8_t h[4];
    frame_header((uint32_t)body->len, h);
    buf_put(&A.outq, h, 4);
    buf_put(&A.outq, body->p, body->len);
}

void outq_flush(void) {
    while (A.tr.connected && A.out_off < A.outq.len) {
        ssize_t w = write(A.tr.wfd, A.outq.p + A.out_off, A.outq.len - A.out_off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) break;
        if (w <= 0) {
            transport_lost(&A.tr, "write failed");
            break;
        }
        A.out_off += (size_t)w;
    }
    if (A.out_off == A.outq.len) {
        A.outq.len = 0;
        A.out_off = 0;
    } else if (A.out_off > (1u << 20)) {
        memmove(A.outq.p, A.outq.p + A.out_off, A.outq.len - A.out_off);
        A.outq.len -= A.out_off;
        A.out_off = 0;
    }
}

size_t outq_pending(void) { return A.outq.len - A.out_off; }

void outq_reset(void) { A.outq.len = A.out_off = 0; }

void send_err(uint32_t id, const char *kind, const char *fmt, ...) {
    char m[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    buf_t b = {0};
    reply_err(&b, id, kind, "%s", m);
    outq_send(&b, id);
    buf_free(&b);
}
