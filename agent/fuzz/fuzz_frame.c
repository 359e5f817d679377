/* Fuzz target: the frame decoder fed in uneven chunks, then each complete body through the
 * request parser. Checks the decoder's invariants, not just absence of crashes. */
#include "frame.h"
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jtok toks[4096];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static uint8_t *body;
    if (!body) body = malloc(MVM_MAX_FRAME_BYTES);
    frame_dec d;
    frame_init(&d, body);
    /* The first byte picks the chunk size so every split point gets exercised. */
    size_t chunk = size ? (size_t)(data[0] % 7) + 1 : 1;
    size_t off = size ? 1 : 0;
    while (off < size) {
        size_t n = size - off < chunk ? size - off : chunk;
        frame_ev ev;
        size_t used = frame_feed(&d, data + off, n, &ev);
        if (used == 0 && n > 0) abort(); /* must always make progress */
        if (used > n) abort();
        off += used;
        if (ev == FRAME_READY) {
            if (d.len > MVM_MAX_FRAME_BYTES) abort();
            uint32_t nt;
            if (json_parse((const char *)d.body, d.len, toks, 4096, &nt) == JSON_OK && toks[0].type == J_OBJECT) {
                char op[32];
                int64_t id;
                (void)json_int((const char *)d.body, toks, json_get((const char *)d.body, toks, 0, "id"), 0,
                               UINT32_MAX, &id);
                (void)json_str((const char *)d.body, toks, json_get((const char *)d.body, toks, 0, "op"), op, sizeof op);
            }
        } else if (ev == FRAME_TOO_BIG) {
            if (d.len <= MVM_MAX_FRAME_BYTES) abort();
        }
    }
    return 0;
}
