/* Incremental decoder for the wire framing: 4-byte big-endian length N, then N bytes of JSON.
 * A length over MVM_MAX_FRAME_BYTES is reported at once (before any of the body is read) and the
 * body is then skipped as it arrives, so an oversize frame never costs memory. */
#ifndef MVM_FRAME_H
#define MVM_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define MVM_MAX_FRAME_BYTES (1u << 20)

typedef enum { FRAME_MORE = 0, FRAME_READY = 1, FRAME_TOO_BIG = 2 } frame_ev;

typedef struct {
    uint8_t hdr[4];
    uint32_t hdr_have;
    uint32_t len;  /* body length of the current frame */
    uint32_t have; /* body bytes buffered */
    uint32_t skip; /* body bytes still to discard (oversize frame) */
    uint8_t *body; /* caller-provided, MVM_MAX_FRAME_BYTES bytes */
} frame_dec;

void frame_init(frame_dec *d, uint8_t *body_buf);
/* Drops any partial frame (a new host connected). */
void frame_reset(frame_dec *d);
/* Consumes bytes from p[0..n) until one event happens or input runs out. Returns the bytes
 * consumed; *ev is FRAME_READY (body in d->body, length d->len; valid until the next call),
 * FRAME_TOO_BIG (d->len is the offending length), or FRAME_MORE. */
size_t frame_feed(frame_dec *d, const uint8_t *p, size_t n, frame_ev *ev);
/* Writes the 4-byte header for a body of len bytes. */
void frame_header(uint32_t len, uint8_t out[4]);

#endif
