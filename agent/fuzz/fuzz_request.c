/* Fuzz target: the JSON parser and every accessor the agent uses on a request, plus the
 * runtime.json loader. Decoded strings are checked against what the parser promised. */
#include "json.h"
#include "runtime.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jtok toks[4096];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    uint32_t nt = 0;
    if (json_parse(s, size, toks, 4096, &nt) == JSON_OK) {
        if (nt == 0 || toks[0].next != nt) abort(); /* the root spans every token */
        for (uint32_t i = 0; i < nt; i++) {
            if (toks[i].end > size || toks[i].start > toks[i].end) abort();
            if (toks[i].next <= i || toks[i].next > nt) abort();
            if (toks[i].type == J_STRING) {
                char *v = json_strdup(s, toks, (int)i);
                if (v && strlen(v) > toks[i].end - toks[i].start) abort(); /* never grows */
                free(v);
                (void)json_str_eq(s, toks, (int)i, "id");
            } else if (toks[i].type == J_NUMBER) {
                int64_t v;
                (void)json_int(s, toks, (int)i, INT64_MIN, INT64_MAX, &v);
            } else if (toks[i].type == J_ARRAY) {
                (void)json_elem(toks, (int)i, toks[i].size ? toks[i].size - 1 : 0);
            }
        }
        static const char *keys[] = {"id", "op", "env", "argv", "stdin_b64", "path", "entrypoint"};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) (void)json_get(s, toks, 0, keys[k]);
    }
    runtime_t rt;
    runtime_parse(&rt, s, size);
    runtime_free(&rt);
    return 0;
}
