/* The ops that run a child: invoke (a function through its language runner), invoke.stdin
 * (streamed stdin for a running call), exec (dev images only) and hooks.run. */
#define _GNU_SOURCE
#include "agent_state.h"
#include "b64.h"
#include "msg.h"
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *runner_interp(const entrypoint_t *ep, char *runner) {
    int py = !strcmp(ep->language, "python");
    agent_path_join(runner, A.cfg->runner_dir, py ? "runner.py" : "runner.mjs");
    return py ? "python3" : "node";
}

/* The function entrypoint a request names (`entrypoint`, else the primary) on a ready workload;
 * NULL after the error reply. Shared by invoke and warm, so both refuse alike. */
static const entrypoint_t *callable_entrypoint(const char *s, uint32_t id) {
    if (!A.rt.valid) {
        send_err(id, "entrypoint_invalid", "runtime.json is invalid: %s", A.rt.error);
        return NULL;
    }
    if (!A.ready) {
        send_err(id, "not_ready", "the workload is not ready%s%s", A.ready_failed ? ": " : " yet",
                 A.ready_failed ? A.ready_error : "");
        return NULL;
    }
    char name[256];
    int ni = json_get(s, toks, 0, "entrypoint");
    if (ni >= 0 && toks[ni].type != J_NULL) {
        if (json_str(s, toks, ni, name, sizeof name) <= 0) {
            send_err(id, "protocol_error", "entrypoint must be a non-empty string");
            return NULL;
        }
    } else if (A.rt.primary) {
        snprintf(name, sizeof name, "%s", A.rt.primary);
    } else {
        send_err(id, "entrypoint_invalid", "no entrypoint named and runtime.json has no primary");
        return NULL;
    }
    const entrypoint_t *ep = runtime_find(&A.rt, name);
    if (!ep) {
        send_err(id, "entrypoint_invalid", "no entrypoint named \"%s\"", name);
        return NULL;
    }
    if (!ep->is_function) {
        send_err(id, "entrypoint_invalid",
                 "\"%s\" is a command entrypoint; it runs as a service at boot and cannot be invoked", name);
        return NULL;
    }
    return ep;
}

void op_warm(const char *s, uint32_t id) {
    const entrypoint_t *ep = callable_entrypoint(s, id);
    if (!ep) return;
    int started = 0;
    pid_t pid = warm_prestart(ep, &started);
    if (pid < 0) return send_err(id, "internal", "cannot start the warm runner for %s: %s", ep->name, strerror(errno));
    buf_t b = {0};
    reply_ok_begin(&b, id);
    buf_printf(&b, ",\"started\":%s,\"pid\":%d}", started ? "true" : "false", (int)pid);
    outq_send(&b, id);
    buf_free(&b);
}

void op_invoke(const char *s, uint32_t id) {
    const entrypoint_t *ep = callable_entrypoint(s, id);
    if (!ep) return;
    if (jobs_count(JOB_INVOKE) >= MAX_INVOKES) return send_err(id, "busy", "another invoke is running");
    if (jobs_find(id, JOB_INVOKE) || jobs_find(id, JOB_EXEC) || jobs_find(id, JOB_HOOK))
        return send_err(id, "protocol_error", "request id %u is already in use", id);
    int64_t timeout;
    if (request_timeout(s, id, DEFAULT_INVOKE_TIMEOUT_MS, &timeout)) return;
    unsigned char *in;
    size_t in_len;
    if (request_stdin(s, id, &in, &in_len)) return;
    char **req_env = request_env(s, id);
    if (!req_env) {
        free(in);
        return;
    }
    job_t *j = job_alloc();
    if (!j) {
        free(in);
        envv_free(req_env);
        return send_err(id, "busy", "too many calls running");
    }
    j->kind = JOB_INVOKE;
    j->id = id;
    j->in_data = in;
    j->in_len = in_len;
    /* With stdin_stream the host sends the rest of stdin as invoke.stdin frames. */
    j->in_eof = json_bool(toks, json_get(s, toks, 0, "stdin_stream")) != 1;
    snprintf(j->tmpdir, sizeof j->tmpdir, "%s/mvm-call-XXXXXX", A.cfg->tmp_dir);
    if (!mkdtemp(j->tmpdir)) {
        int e = errno;
        j->tmpdir[0] = 0;
        free(in);
        j->used = 0;
        envv_free(req_env);
        return send_err(id, "internal", "cannot create the call's temp dir in %s: %s", A.cfg->tmp_dir, strerror(e));
    }
    if (json_bool(toks, json_get(s, toks, 0, "fresh")) != 1) {
        if (warm_invoke(j, ep, req_env, timeout) != 0)
            send_err(id, "entrypoint_invalid", "cannot start the %s runner for \"%s\": %s", ep->language, ep->name,
                     strerror(errno));
        envv_free(req_env);
        return;
    }
    /* fresh: the classic one-shot runner, a new process for this call alone. */
    char runner[PATH_MAX];
    const char *interp = runner_interp(ep, runner);
    char *argv[] = {(char *)interp, runner, ep->working_dir, ep->module, ep->function, ep->params_json, NULL};
    static char *empty[] = {NULL};
    char **const lists[] = {A.rt.env ? A.rt.env : empty, ep->env, req_env, NULL};
    char **env = envv_build(lists);
    envv_free(req_env);
    if (!env) {
        rm_rf(j->tmpdir);
        free(in);
        j->used = 0;
        return send_err(id, "internal", "out of memory");
    }
    if (job_start(j, argv, env, j->tmpdir, timeout) != 0)
        send_err(id, "entrypoint_invalid", "cannot start %s %s: %s", interp, runner, strerror(errno));
    envv_free(env);
}

void op_invoke_stdin(const char *s, uint32_t id) {
    job_t *j = jobs_find(id, JOB_INVOKE);
    if (!j) j = jobs_find(id, JOB_EXEC);
    if (!j || j->in_eof) return send_err(id, "protocol_error", "no call %u is waiting for stdin", id);
    int d = json_get(s, toks, 0, "data_b64");
    if (d < 0 || toks[d].type != J_STRING) return send_err(id, "protocol_error", "data_b64 must be a string");
    size_t raw = toks[d].end - toks[d].start, max = b64_decoded_max(raw);
    /* in_len counts every stdin byte received for this call (the buffer is only dropped at eof). */
    unsigned char *p = realloc(j->in_data, j->in_len + max + 1);
    if (!p) return send_err(id, "internal", "out of memory");
    j->in_data = p;
    long n = b64_decode(s + toks[d].start, raw, p + j->in_len);
    if (n < 0) return send_err(id, "protocol_error", "data_b64 is not valid base64");
    if (j->in_len + (size_t)n > IO_CAP) {
        /* Over the cap: the call cannot get its input, so it ends here with payload_cap. */
        j->capped = "stdin";
        job_kill_group(j, SIGKILL);
        return;
    }
    j->in_len += (size_t)n;
    if (json_bool(toks, json_get(s, toks, 0, "eof")) == 1) j->in_eof = 1;
    job_pump_input(j);
}

void op_exec(const char *s, uint32_t id) {
    if (!A.rt.dev) return send_err(id, "unsupported", "exec is disabled: this is a production image (runtime.json dev: false)");
    int a = json_get(s, toks, 0, "argv");
    if (a < 0 || toks[a].type != J_ARRAY || toks[a].size == 0 || toks[a].size > 4096)
        return send_err(id, "protocol_error", "argv must be a non-empty array of strings");
    if (jobs_find(id, JOB_INVOKE) || jobs_find(id, JOB_EXEC) || jobs_find(id, JOB_HOOK))
        return send_err(id, "protocol_error", "request id %u is already in use", id);
    char cwd[PATH_MAX] = "/";
    int c = json_get(s, toks, 0, "cwd");
    if (c >= 0 && toks[c].type != J_NULL && (json_str(s, toks, c, cwd, sizeof cwd) <= 0 || cwd[0] != '/'))
        return send_err(id, "protocol_error", "cwd must be an absolute path");
    int64_t timeout;
    if (request_timeout(s, id, 0, &timeout)) return;
    char **argv = calloc(toks[a].size + 1, sizeof(char *));
    if (!argv) return send_err(id, "internal", "out of memory");
    for (uint32_t i = 0; i < toks[a].size; i++)
        if (!(argv[i] = json_strdup(s, toks, json_elem(toks, a, i)))) {
            envv_free(argv);
            return send_err(id, "protocol_error", "argv must be a non-empty array of strings");
        }
    unsigned char *in;
    size_t in_len;
    char **req_env = NULL;
    if (request_stdin(s, id, &in, &in_len) || !(req_env = request_env(s, id))) {
        envv_free(argv);
        return;
    }
    job_t *j = job_alloc();
    if (!j) {
        free(in);
        envv_free(argv);
        envv_free(req_env);
        return send_err(id, "busy", "too many calls running");
    }
    j->kind = JOB_EXEC;
    j->id = id;
    j->in_data = in;
    j->in_len = in_len;
    j->in_eof = json_bool(toks, json_get(s, toks, 0, "stdin_stream")) != 1;
    static char *empty[] = {NULL};
    char **const lists[] = {A.rt.env ? A.rt.env : empty, req_env, NULL};
    char **env = envv_build(lists);
    if (!env || job_start(j, argv, env, cwd, timeout) != 0) {
        int e = env ? errno : ENOMEM;
        send_err(id, e == ENOMEM ? "internal" : errno_kind(e), "cannot execute %s: %s", argv[0], strerror(e));
    }
    envv_free(env);
    envv_free(argv);
    envv_free(req_env);
}

static int phase_ok(const char *p) {
    if (!*p) return 0;
    for (; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_')) return 0;
    return 1;
}

void op_hooks_run(const char *s, uint32_t id) {
    char phase[64], hook[PATH_MAX + 8];
    if (json_str(s, toks, json_get(s, toks, 0, "phase"), phase, sizeof phase) <= 0 || !phase_ok(phase))
        return send_err(id, "protocol_error", "phase must be a hook name like \"after_start\"");
    if (jobs_find(id, JOB_INVOKE) || jobs_find(id, JOB_EXEC) || jobs_find(id, JOB_HOOK))
        return send_err(id, "protocol_error", "request id %u is already in use", id);
    snprintf(hook, sizeof hook, "%s/%s.sh", A.cfg->hooks_dir, phase);
    if (access(hook, F_OK) != 0) return send_err(id, "not_found", "no %s hook in this image", phase);
    int64_t timeout;
    if (request_timeout(s, id, 0, &timeout)) return;
    job_t *j = job_alloc();
    if (!j) return send_err(id, "busy", "too many calls running");
    j->kind = JOB_HOOK;
    j->id = id;
    j->in_eof = 1;
    char *argv[] = {"/bin/sh", hook, NULL};
    char **env = agent_base_env();
    if (!env || job_start(j, argv, env, "/", timeout) != 0)
        send_err(id, "internal", "cannot run %s: %s", hook, strerror(errno));
    envv_free(env);
}
