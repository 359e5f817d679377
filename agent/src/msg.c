#define _GNU_SOURCE
#include "msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

void reply_err(buf_t *b, uint32_t id, const char *kind, const char *fmt, ...) {
    char m[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof m) n = sizeof m - 1;
    buf_printf(b, "{\"id\":%u,\"ok\":false,\"error\":{\"kind\":\"%s\",\"message\":", id, kind);
    buf_json_str(b, m, (size_t)n);
    buf_puts(b, "}}");
}

void reply_ok_begin(buf_t *b, uint32_t id) { buf_printf(b, "{\"id\":%u,\"ok\":true", id); }

const char *errno_kind(int e) {
    switch (e) {
    case ENOENT:
    case ENOTDIR: return "not_found";
    case EACCES:
    case EPERM:
    case EROFS: return "permission_denied";
    default: return "internal";
    }
}
