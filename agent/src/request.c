/* Request field helpers shared by the ops: stdin_b64, env and timeout_ms, validated; on a bad
 * field they send the error reply themselves. */
#define _GNU_SOURCE
#include "agent_state.h"
#include "b64.h"
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decodes "stdin_b64" (optional) into a malloc'd buffer. Returns 0, or -1 after replying. */
int request_stdin(const char *s, uint32_t id, unsigned char **data, size_t *len) {
    *data = NULL;
    *len = 0;
    int i = json_get(s, toks, 0, "stdin_b64");
    if (i < 0) return 0;
    if (toks[i].type != J_STRING) {
        send_err(id, "protocol_error", "stdin_b64 must be a string");
        return -1;
    }
    size_t raw = toks[i].end - toks[i].start;
    *data = malloc(b64_decoded_max(raw) + 1);
    if (!*data) {
        send_err(id, "internal", "out of memory");
        return -1;
    }
    long n = b64_decode(s + toks[i].start, raw, *data);
    if (n < 0) {
        free(*data);
        *data = NULL;
        send_err(id, "protocol_error", "stdin_b64 is not valid base64");
        return -1;
    }
    *len = (size_t)n;
    return 0;
}

/* Reads the optional request "env" object into a "K=V" vector. Returns NULL after replying. */
char **request_env(const char *s, uint32_t id) {
    int o = json_get(s, toks, 0, "env");
    uint32_t n = o >= 0 && toks[o].type == J_OBJECT ? toks[o].size : 0;
    if (o >= 0 && toks[o].type != J_OBJECT && toks[o].type != J_NULL) {
        send_err(id, "protocol_error", "env must be an object of strings");
        return NULL;
    }
    char **v = calloc(n + 1, sizeof(char *));
    if (!v) return NULL;
    int k = o + 1;
    for (uint32_t i = 0; i < n; i++) {
        char *key = json_strdup(s, toks, k), *val = json_strdup(s, toks, k + 1);
        if (!key || !val || !env_name_ok(key, strlen(key))) {
            free(key);
            free(val);
            envv_free(v);
            send_err(id, "protocol_error", "env must map valid variable names to strings");
            return NULL;
        }
        size_t len = strlen(key) + strlen(val) + 2;
        v[i] = malloc(len);
        if (v[i]) snprintf(v[i], len, "%s=%s", key, val);
        free(key);
        free(val);
        k = (int)toks[k + 1].next;
    }
    return v;
}

int request_timeout(const char *s, uint32_t id, int64_t dflt, int64_t *out) {
    int i = json_get(s, toks, 0, "timeout_ms");
    *out = dflt;
    if (i < 0 || toks[i].type == J_NULL) return 0;
    if (json_int(s, toks, i, 0, 7 * 24 * 3600 * 1000LL, out) != 0) {
        send_err(id, "protocol_error", "timeout_ms must be a non-negative integer");
        return -1;
    }
    if (*out == 0) *out = dflt;
    return 0;
}
