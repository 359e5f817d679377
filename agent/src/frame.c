#define _GNU_SOURCE
#include "frame.h"

#include <string.h>

void frame_init(frame_dec *d, uint8_t *body_buf) {
    memset(d, 0, sizeof *d);
    d->body = body_buf;
}

void frame_reset(frame_dec *d) { frame_init(d, d->body); }

void frame_header(uint32_t len, uint8_t out[4]) {
    out[0] = (uint8_t)(len >> 24);
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
}

size_t frame_feed(frame_dec *d, const uint8_t *p, size_t n, frame_ev *ev) {
    size_t used = 0;
    *ev = FRAME_MORE;
    while (used < n) {
        if (d->skip) {
            size_t k = n - used < d->skip ? n - used : d->skip;
            d->skip -= (uint32_t)k;
            used += k;
            continue;
        }
        if (d->hdr_have < 4) {
            d->hdr[d->hdr_have++] = p[used++];
            if (d->hdr_have < 4) continue;
            d->len = (uint32_t)d->hdr[0] << 24 | (uint32_t)d->hdr[1] << 16 |
                     (uint32_t)d->hdr[2] << 8 | d->hdr[3];
            d->have = 0;
            if (d->len > MVM_MAX_FRAME_BYTES) {
                d->skip = d->len;
                d->hdr_have = 0;
                *ev = FRAME_TOO_BIG;
                return used;
            }
            if (d->len == 0) { /* empty body: ready without waiting for more input */
                d->hdr_have = 0;
                *ev = FRAME_READY;
                return used;
            }
        }
        size_t k = n - used < d->len - d->have ? n - used : d->len - d->have;
        memcpy(d->body + d->have, p + used, k);
        d->have += (uint32_t)k;
        used += k;
        if (d->have == d->len) {
            d->hdr_have = 0;
            *ev = FRAME_READY;
            return used;
        }
    }
    return used;
}
