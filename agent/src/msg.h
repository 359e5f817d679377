/* Building reply bodies (JSON text without the frame header). */
#ifndef MVM_MSG_H
#define MVM_MSG_H

#include "util.h"
#include <stdint.h>

/* {"id":id,"ok":false,"error":{"kind":kind,"message":...}} */
void reply_err(buf_t *b, uint32_t id, const char *kind, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Starts {"id":id,"ok":true — the caller appends ,"field":value... and then "}". */
void reply_ok_begin(buf_t *b, uint32_t id);
/* Maps an errno to a protocol error kind. */
const char *errno_kind(int e);

#endif
