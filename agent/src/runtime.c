#define _GNU_SOURCE
#include "runtime.h"
#include "json.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int env_name_ok(const char *s, size_t n) {
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (i && c >= '0' && c <= '9')))
            return 0;
    }
    return 1;
}

static void fail(runtime_t *rt, const char *fmt, const char *arg) {
    rt->valid = 0;
    snprintf(rt->error, sizeof rt->error, fmt, arg);
}

static void free_strv(char **v) {
    if (!v) return;
    for (char **p = v; *p; p++) free(*p);
    free(v);
}

/* Reads an object of string values into a NULL-terminated "K=V" vector. */
static char **parse_env(runtime_t *rt, const char *s, const jtok *t, int obj, const char *where) {
    if (obj < 0) return calloc(1, sizeof(char *));
    if (t[obj].type != J_OBJECT) {
        fail(rt, "%s.env must be an object", where);
        return NULL;
    }
    char **v = calloc(t[obj].size + 1, sizeof(char *));
    if (!v) return NULL;
    int k = obj + 1;
    for (uint32_t i = 0; i < t[obj].size; i++) {
        int val = k + 1;
        char *key = json_strdup(s, t, k), *value = json_strdup(s, t, val);
        if (!key || !value || !env_name_ok(key, strlen(key))) {
            fail(rt, "%s.env has an invalid name or a non-string value", where);
            free(key);
            free(value);
            free_strv(v);
            return NULL;
        }
        size_t n = strlen(key) + strlen(value) + 2;
        v[i] = malloc(n);
        if (v[i]) snprintf(v[i], n, "%s=%s", key, value);
        free(key);
        free(value);
        if (!v[i]) {
            free_strv(v);
            return NULL;
        }
        k = (int)t[val].next;
    }
    return v;
}

static char *req_str(runtime_t *rt, const char *s, const jtok *t, int obj, const char *key, const char *ep) {
    char *v = json_strdup(s, t, json_get(s, t, obj, key));
    if (!v || !*v) {
        char msg[160];
        snprintf(msg, sizeof msg, "entrypoint %.64s: missing or invalid \"%s\"", ep, key);
        fail(rt, "%s", msg);
        free(v);
        return NULL;
    }
    return v;
}

static int parse_ep(runtime_t *rt, const char *s, const jtok *t, int key, int obj, entrypoint_t *ep) {
    ep->name = json_strdup(s, t, key);
    if (!ep->name || !*ep->name) return fail(rt, "%s", "entrypoint with an invalid name"), -1;
    if (t[obj].type != J_OBJECT) return fail(rt, "entrypoint %.64s is not an object", ep->name), -1;
    int kind = json_get(s, t, obj, "kind");
    if (json_str_eq(s, t, kind, "function")) {
        ep->is_function = 1;
        if (!(ep->language = req_str(rt, s, t, obj, "language", ep->name))) return -1;
        /* IR languages are "python" and "node"; the other two names are accepted for images
           written by other tools. */
        if (strcmp(ep->language, "python") && strcmp(ep->language, "node") &&
            strcmp(ep->language, "typescript") && strcmp(ep->language, "javascript"))
            return fail(rt, "unsupported language \"%.64s\"", ep->language), -1;
        if (!(ep->module = req_str(rt, s, t, obj, "module", ep->name))) return -1;
        if (!(ep->function = req_str(rt, s, t, obj, "function", ep->name))) return -1;
        int p = json_get(s, t, obj, "params");
        if (p >= 0 && t[p].type != J_ARRAY) return fail(rt, "entrypoint %.64s: params must be an array", ep->name), -1;
        size_t n = p >= 0 ? t[p].end - t[p].start : 2;
        ep->params_json = malloc(n + 1);
        if (!ep->params_json) return -1;
        memcpy(ep->params_json, p >= 0 ? s + t[p].start : "[]", n);
        ep->params_json[n] = 0;
    } else if (json_str_eq(s, t, kind, "command")) {
        int c = json_get(s, t, obj, "command");
        if (c < 0 || t[c].type != J_ARRAY || t[c].size == 0)
            return fail(rt, "entrypoint %.64s: command must be a non-empty array", ep->name), -1;
        ep->command = calloc(t[c].size + 1, sizeof(char *));
        if (!ep->command) return -1;
        for (uint32_t i = 0; i < t[c].size; i++)
            if (!(ep->command[i] = json_strdup(s, t, json_elem(t, c, i))))
                return fail(rt, "entrypoint %.64s: command items must be strings", ep->name), -1;
    } else {
        return fail(rt, "entrypoint %.64s: kind must be \"function\" or \"command\"", ep->name), -1;
    }
    int wd = json_get(s, t, obj, "working_dir");
    ep->working_dir = wd >= 0 ? json_strdup(s, t, wd) : strdup("/app");
    if (!ep->working_dir || ep->working_dir[0] != '/')
        return fail(rt, "entrypoint %.64s: working_dir must be an absolute path", ep->name), -1;
    if (!(ep->env = parse_env(rt, s, t, json_get(s, t, obj, "env"), ep->name))) return -1;
    return 0;
}

void runtime_parse(runtime_t *rt, const char *text, size_t len) {
    memset(rt, 0, sizeof *rt);
    rt->ready_poll_ms = 200;
    rt->ready_timeout_ms = 30000;
    /* Every token spans at least one byte plus a separator, so len/2 + 2 always suffices. */
    uint32_t max = (uint32_t)(len / 2 + 2), n = 0;
    jtok *t = malloc(max * sizeof *t);
    if (!t) {
        fail(rt, "%s", "out of memory");
        return;
    }
    int rc = json_parse(text, len, t, max, &n);
    if (rc != JSON_OK || t[0].type != J_OBJECT) {
        free(t);
        fail(rt, "%s", "runtime.json is not a valid JSON object");
        return;
    }
    int64_t v = 0;
    if (json_int(text, t, json_get(text, t, 0, "version"), 1, 1, &v) != 0) {
        free(t);
        fail(rt, "%s", "runtime.json: version must be 1");
        return;
    }
    rt->valid = 1;
    rt->dev = json_bool(t, json_get(text, t, 0, "dev")) == 1;
    rt->workload_id = json_strdup(text, t, json_get(text, t, 0, "workload_id"));
    rt->primary = json_strdup(text, t, json_get(text, t, 0, "primary"));
    int ready = json_get(text, t, 0, "ready");
    if (json_int(text, t, json_get(text, t, ready, "poll_ms"), 10, 60000, &v) == 0) rt->ready_poll_ms = (int)v;
    if (json_int(text, t, json_get(text, t, ready, "timeout_ms"), 0, 3600000, &v) == 0)
        rt->ready_timeout_ms = (int)v;
    rt->env = parse_env(rt, text, t, json_get(text, t, 0, "env"), "runtime");
    int eps = json_get(text, t, 0, "entrypoints");
    if (rt->valid && (eps < 0 || t[eps].type != J_OBJECT)) fail(rt, "%s", "runtime.json: entrypoints must be an object");
    if (rt->valid) {
        rt->eps = calloc(t[eps].size + 1, sizeof *rt->eps);
        int k = eps + 1;
        for (uint32_t i = 0; rt->eps && rt->valid && i < t[eps].size; i++) {
            rt->neps++;
            if (parse_ep(rt, text, t, k, k + 1, &rt->eps[i]) != 0) break;
            k = (int)t[k + 1].next;
        }
        if (!rt->eps) fail(rt, "%s", "out of memory");
    }
    if (rt->valid && rt->primary && !runtime_find(rt, rt->primary))
        fail(rt, "runtime.json: primary entrypoint \"%.64s\" is not declared", rt->primary);
    free(t);
}

void runtime_load(runtime_t *rt, const char *path) {
    char *text = NULL;
    size_t len = 0;
    if (read_file(path, 1u << 20, &text, &len) != 0) {
        memset(rt, 0, sizeof *rt);
        rt->ready_poll_ms = 200;
        rt->ready_timeout_ms = 30000;
        snprintf(rt->error, sizeof rt->error, "cannot read %.200s: %s", path, strerror(errno));
        return;
    }
    runtime_parse(rt, text, len);
    free(text);
}

void runtime_free(runtime_t *rt) {
    for (size_t i = 0; i < rt->neps; i++) {
        entrypoint_t *e = &rt->eps[i];
        free(e->name);
        free(e->language);
        free(e->module);
        free(e->function);
        free(e->params_json);
        free_strv(e->command);
        free(e->working_dir);
        free_strv(e->env);
    }
    free(rt->eps);
    free_strv(rt->env);
    free(rt->workload_id);
    free(rt->primary);
    memset(rt, 0, sizeof *rt);
}

const entrypoint_t *runtime_find(const runtime_t *rt, const char *name) {
    for (size_t i = 0; i < rt->neps; i++)
        if (rt->eps[i].name && !strcmp(rt->eps[i].name, name)) return &rt->eps[i];
    return NULL;
}
