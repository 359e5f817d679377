/* /etc/mvm/runtime.json, the image's baked description of its entrypoints (see
 * docs/architecture.md "Guest layout"). Parsed once at startup. */
#ifndef MVM_RUNTIME_H
#define MVM_RUNTIME_H

#include <stddef.h>

typedef struct {
    char *name;
    int is_function;
    char *language;     /* function: "python" | "typescript" | "javascript" */
    char *module;       /* function */
    char *function;     /* function */
    char *params_json;  /* function: the raw JSON array of params, passed to the runner */
    char **command;     /* command: argv, NULL-terminated */
    char *working_dir;
    char **env;         /* "KEY=VALUE", NULL-terminated */
} entrypoint_t;

typedef struct {
    int valid;
    char error[512]; /* why the file is invalid; every invoke reports it */
    int dev;
    char *workload_id;
    char *primary;
    char **env;
    entrypoint_t *eps;
    size_t neps;
    int ready_poll_ms, ready_timeout_ms;
} runtime_t;

/* Loads and validates path. Never fails hard: on error rt->valid is 0 and rt->error says why. */
void runtime_load(runtime_t *rt, const char *path);
/* Parses a JSON document (for the fuzzer and tests); same result shape. */
void runtime_parse(runtime_t *rt, const char *text, size_t len);
void runtime_free(runtime_t *rt);
const entrypoint_t *runtime_find(const runtime_t *rt, const char *name);
/* True if NAME is a valid environment variable name. */
int env_name_ok(const char *s, size_t n);

#endif
