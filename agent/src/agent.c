/* The protocol loop. One thread, one poll(): the host channel, each call's pipes, and a
 * self-pipe for SIGCHLD. A running invoke therefore never blocks ping or fs verbs. */
#define _GNU_SOURCE
#include "agent.h"
#include "b64.h"
#include "frame.h"
#include "fs.h"
#include "json.h"
#include "msg.h"
#include "proc.h"
#include "runtime.h"
#include "transport.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_JOBS 16
#define MAX_INVOKES 1              /* one function call at a time per VM; more → busy */
#define IO_CAP (16u << 20)         /* stdin, stdout, stderr caps per call */
#define CHUNK 65536                /* bytes per stdout/stderr event */
#define OUTQ_HIGH (4u << 20)       /* stop reading child pipes while this much is unsent */
#define TERM_GRACE_MS 2000
#define DRAIN_MS 500               /* after the child exits, how long its pipes may stay open */
#define DEFAULT_INVOKE_TIMEOUT_MS 300000
#define MAX_TOKENS 16384
#define TAIL 4096

typedef enum { JOB_INVOKE = 1, JOB_EXEC, JOB_HOOK, JOB_READY } job_kind;

typedef struct {
    int used;
    job_kind kind;
    uint32_t id;
    int detached; /* its host went away: no events, no reply */
    pid_t pid;
    int in_fd, out_fd, err_fd;
    unsigned char *in_data;
    size_t in_len, in_off;
    int in_eof;   /* all stdin has arrived; close the pipe once written */
    uint64_t out_bytes, err_bytes;
    const char *capped; /* "stdout" / "stderr" once over IO_CAP */
    int64_t deadline, kill_at, drain_until;
    int64_t timeout_ms;
    int timed_out, exited, status;
    char tmpdir[PATH_MAX];
    char tail[TAIL];
    size_t tail_len;
} job_t;

static struct {
    const agent_config *cfg;
    runtime_t rt;
    transport tr;
    frame_dec dec;
    buf_t outq;
    size_t out_off;
    job_t jobs[MAX_JOBS];
    int sig_pipe[2];
    int ready, ready_failed;
    char ready_error[TAIL + 256];
    int64_t ready_deadline, ready_next_probe;
    int shutdown_requested;
    int64_t shutdown_grace_ms;
    uint32_t shutdown_id;
} A;

static jtok toks[MAX_TOKENS];

/* ---- output queue ---- */

/* Frames body and queues it. A body over the frame cap is a bug on our side: reply internal. */
static void send_body(const buf_t *body, uint32_t id) {
    if (!A.tr.connected) return;
    if (body->len > MVM_MAX_FRAME_BYTES) {
        buf_t e = {0};
        reply_err(&e, id, "internal", "reply of %zu bytes exceeds the frame cap", body->len);
        send_body(&e, id);
        buf_free(&e);
        return;
    }
    uint8_t h[4];
    frame_header((uint32_t)body->len, h);
    buf_put(&A.outq, h, 4);
    buf_put(&A.outq, body->p, body->len);
}

static void flush_out(void) {
    while (A.tr.connected && A.out_off < A.outq.len) {
        ssize_t w = write(A.tr.wfd, A.outq.p + A.out_off, A.outq.len - A.out_off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) break;
        if (w <= 0) {
            transport_lost(&A.tr, "write failed");
            break;
        }
        A.out_off += (size_t)w;
    }
    if (A.out_off == A.outq.len) {
        A.outq.len = 0;
        A.out_off = 0;
    } else if (A.out_off > (1u << 20)) {
        memmove(A.outq.p, A.outq.p + A.out_off, A.outq.len - A.out_off);
        A.outq.len -= A.out_off;
        A.out_off = 0;
    }
}

static size_t outq_pending(void) { return A.outq.len - A.out_off; }

static void send_err(uint32_t id, const char *kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void send_err(uint32_t id, const char *kind, const char *fmt, ...) {
    char m[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    buf_t b = {0};
    reply_err(&b, id, kind, "%s", m);
    send_body(&b, id);
    buf_free(&b);
}

/* ---- jobs ---- */

static job_t *job_alloc(void) {
    for (int i = 0; i < MAX_JOBS; i++)
        if (!A.jobs[i].used) {
            job_t *j = &A.jobs[i];
            memset(j, 0, sizeof *j);
            j->used = 1;
            j->in_fd = j->out_fd = j->err_fd = -1;
            return j;
        }
    return NULL;
}

static int count_jobs(job_kind k) {
    int n = 0;
    for (int i = 0; i < MAX_JOBS; i++)
        if (A.jobs[i].used && !A.jobs[i].detached && A.jobs[i].kind == k) n++;
    return n;
}

static job_t *find_job(uint32_t id, job_kind k) {
    for (int i = 0; i < MAX_JOBS; i++)
        if (A.jobs[i].used && !A.jobs[i].detached && A.jobs[i].kind == k && A.jobs[i].id == id) return &A.jobs[i];
    return NULL;
}

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static void kill_group(job_t *j, int sig) {
    if (j->pid > 0 && !j->exited) kill(-j->pid, sig);
}

/* The host that asked for these calls is gone: stop them, and say nothing more about them. */
static void detach_all(void) {
    for (int i = 0; i < MAX_JOBS; i++) {
        job_t *j = &A.jobs[i];
        if (!j->used || j->kind == JOB_READY || j->detached) continue;
        j->detached = 1;
        kill_group(j, SIGKILL);
    }
}

static void job_tail(job_t *j, const char *p, size_t n) {
    if (n >= TAIL) {
        memcpy(j->tail, p + n - TAIL, TAIL);
        j->tail_len = TAIL;
        return;
    }
    if (j->tail_len + n > TAIL) {
        size_t drop = j->tail_len + n - TAIL;
        memmove(j->tail, j->tail + drop, j->tail_len - drop);
        j->tail_len -= drop;
    }
    memcpy(j->tail + j->tail_len, p, n);
    j->tail_len += n;
}

static void emit_event(job_t *j, const char *stream, const char *p, size_t n) {
    if (j->detached) return;
    if (j->kind == JOB_READY) {
        job_tail(j, p, n);
        return;
    }
    buf_t b = {0};
    buf_printf(&b, "{\"id\":%u,\"event\":\"%s\",\"data_b64\":", j->id, stream);
    buf_json_b64(&b, p, n);
    buf_puts(&b, "}");
    send_body(&b, j->id);
    buf_free(&b);
}

/* Reads one chunk from a child's stdout/stderr pipe. */
static void pump_output(job_t *j, int *fd, uint64_t *count, const char *stream) {
    char tmp[CHUNK];
    ssize_t r = read(*fd, tmp, sizeof tmp);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (r <= 0) {
        close_fd(fd);
        return;
    }
    size_t n = (size_t)r;
    if (*count + n > IO_CAP) {
        n = (size_t)(IO_CAP - *count);
        if (!j->capped) {
            j->capped = stream;
            kill_group(j, SIGKILL);
        }
    }
    *count += n;
    if (j->exited) j->drain_until = mono_ms() + DRAIN_MS; /* still flowing: not a stuck grandchild */
    if (n) emit_event(j, stream, tmp, n);
}

static void pump_input(job_t *j) {
    while (j->in_off < j->in_len) {
        ssize_t w = write(j->in_fd, j->in_data + j->in_off, j->in_len - j->in_off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) return;
        if (w < 0) { /* EPIPE: the child stopped reading; that is its business */
            j->in_off = j->in_len;
            j->in_eof = 1;
            break;
        }
        j->in_off += (size_t)w;
    }
    if (j->in_eof) {
        close_fd(&j->in_fd);
        free(j->in_data);
        j->in_data = NULL;
        j->in_len = j->in_off = 0;
    }
}

static void ready_probe_done(job_t *j);

static void job_finish(job_t *j) {
    close_fd(&j->in_fd);
    close_fd(&j->out_fd);
    close_fd(&j->err_fd);
    /* Nothing the call started may outlive it. */
    if (j->pid > 0) kill(-j->pid, SIGKILL);
    if (j->tmpdir[0] && rm_rf(j->tmpdir) != 0) LOG("cannot remove %s: %s", j->tmpdir, strerror(errno));
    int st = j->status;
    if (j->kind == JOB_READY) {
        ready_probe_done(j);
    } else if (!j->detached) {
        buf_t b = {0};
        if (j->capped) {
            reply_err(&b, j->id, "payload_cap", "%s exceeded the %u MiB cap; the call was killed", j->capped,
                      IO_CAP >> 20);
        } else if (j->timed_out) {
            reply_err(&b, j->id, "timeout", "timed out after %lld ms", (long long)j->timeout_ms);
        } else if (WIFSIGNALED(st) && j->kind == JOB_INVOKE) {
            reply_err(&b, j->id, "wrapper_crashed", "the runner was killed by signal %d (%s)", WTERMSIG(st),
                      strsignal(WTERMSIG(st)));
        } else if (WIFSIGNALED(st)) {
            reply_ok_begin(&b, j->id);
            buf_printf(&b, ",\"exit_code\":%d,\"signal\":%d}", 128 + WTERMSIG(st), WTERMSIG(st));
        } else {
            reply_ok_begin(&b, j->id);
            buf_printf(&b, ",\"exit_code\":%d}", WEXITSTATUS(st));
        }
        send_body(&b, j->id);
        buf_free(&b);
    }
    free(j->in_data);
    j->used = 0;
}

/* Starts a child for a job. On failure returns -1 with errno (and the job is freed). */
static int job_start(job_t *j, char *const *argv, char *const *envp, const char *cwd, int64_t timeout_ms) {
    spawn_opts o = {argv, envp, cwd, 1, 1};
    spawn_result r;
    if (spawn(&o, &r) != 0) {
        int e = errno;
        if (j->tmpdir[0]) rm_rf(j->tmpdir);
        free(j->in_data);
        j->used = 0;
        errno = e;
        return -1;
    }
    j->pid = r.pid;
    j->in_fd = r.in_fd;
    j->out_fd = r.out_fd;
    j->err_fd = r.err_fd;
    j->timeout_ms = timeout_ms;
    j->deadline = timeout_ms > 0 ? mono_ms() + timeout_ms : 0;
    pump_input(j);
    return 0;
}

static void reap(void) {
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        for (int i = 0; i < MAX_JOBS; i++) {
            job_t *j = &A.jobs[i];
            if (j->used && j->pid == pid && !j->exited) {
                j->exited = 1;
                j->status = st;
                j->drain_until = mono_ms() + DRAIN_MS;
            }
        }
    }
}

static void check_jobs(int64_t now) {
    for (int i = 0; i < MAX_JOBS; i++) {
        job_t *j = &A.jobs[i];
        if (!j->used) continue;
        if (!j->exited && j->deadline && now >= j->deadline && !j->timed_out) {
            j->timed_out = 1;
            kill_group(j, SIGTERM);
            j->kill_at = now + TERM_GRACE_MS;
        }
        if (!j->exited && j->kill_at && now >= j->kill_at) {
            kill_group(j, SIGKILL);
            j->kill_at = 0;
        }
        if (j->exited && (j->out_fd >= 0 || j->err_fd >= 0) && now >= j->drain_until && outq_pending() < OUTQ_HIGH) {
            /* A grandchild that left the group still holds the pipe: stop waiting for it. */
            close_fd(&j->out_fd);
            close_fd(&j->err_fd);
        }
        if (j->exited && j->out_fd < 0 && j->err_fd < 0) job_finish(j);
    }
}

/* ---- readiness ---- */

static void path_join(char *out, const char *dir, const char *name) {
    snprintf(out, PATH_MAX, "%s/%s", dir, name);
}

static char **base_env(void) {
    static char *empty[] = {NULL};
    char **const lists[] = {A.rt.env ? A.rt.env : empty, NULL};
    return envv_build(lists);
}

static void ready_start_probe(void) {
    char hook[PATH_MAX];
    path_join(hook, A.cfg->hooks_dir, "after_start.sh");
    job_t *j = job_alloc();
    if (!j) return;
    j->kind = JOB_READY;
    char *argv[] = {"/bin/sh", hook, NULL};
    char **env = base_env();
    int64_t left = A.ready_deadline - mono_ms();
    if (!env || job_start(j, argv, env, "/", left > 1 ? left : 1) != 0) {
        snprintf(A.ready_error, sizeof A.ready_error, "after_start: cannot run %s: %s", hook, strerror(errno));
        A.ready_failed = 1;
        LOG("%s", A.ready_error);
    }
    envv_free(env);
}

static void ready_probe_done(job_t *j) {
    int st = j->status;
    if (!j->timed_out && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        A.ready = 1;
        A.ready_error[0] = 0;
        LOG("ready (after_start succeeded)");
        return;
    }
    int64_t now = mono_ms();
    if (now + A.rt.ready_poll_ms < A.ready_deadline && !j->timed_out) {
        A.ready_next_probe = now + A.rt.ready_poll_ms;
        return;
    }
    /* Keep the hook's last output: it is what the user needs to see. */
    char tail[TAIL + 1];
    memcpy(tail, j->tail, j->tail_len);
    tail[j->tail_len] = 0;
    snprintf(A.ready_error, sizeof A.ready_error, "after_start did not succeed within %d ms (last %s %d): %s",
             A.rt.ready_timeout_ms, WIFEXITED(st) && !j->timed_out ? "exit code" : "signal",
             WIFEXITED(st) && !j->timed_out ? WEXITSTATUS(st) : (WIFSIGNALED(st) ? WTERMSIG(st) : 0), tail);
    A.ready_failed = 1;
    LOG("not ready: %s", A.ready_error);
}

static void ready_init(void) {
    char hook[PATH_MAX];
    path_join(hook, A.cfg->hooks_dir, "after_start.sh");
    if (A.cfg->boot_error) {
        snprintf(A.ready_error, sizeof A.ready_error, "%s", A.cfg->boot_error);
        A.ready_failed = 1;
        return;
    }
    if (access(hook, F_OK) != 0) {
        A.ready = 1;
        LOG("ready (no after_start hook)");
        return;
    }
    A.ready_deadline = mono_ms() + A.rt.ready_timeout_ms;
    A.ready_next_probe = mono_ms();
}

static void ready_tick(int64_t now) {
    if (A.ready || A.ready_failed || !A.ready_next_probe || now < A.ready_next_probe) return;
    if (count_jobs(JOB_READY)) return;
    A.ready_next_probe = 0;
    ready_start_probe();
}

static void put_ready(buf_t *b) {
    buf_printf(b, ",\"ready\":%s", A.ready ? "true" : "false");
    if (!A.ready && A.ready_failed) {
        buf_puts(b, ",\"ready_error\":");
        buf_json_str(b, A.ready_error, strlen(A.ready_error));
    }
}

/* ---- request helpers ---- */

/* Decodes "stdin_b64" (optional) into a malloc'd buffer. Returns 0, or -1 after replying. */
static int get_stdin(const char *s, uint32_t id, unsigned char **data, size_t *len) {
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
static char **get_env(const char *s, uint32_t id) {
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

static int get_timeout(const char *s, uint32_t id, int64_t dflt, int64_t *out) {
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

/* ---- ops ---- */

static void op_hello(const char *s, uint32_t id) {
    int64_t proto = 0;
    if (json_int(s, toks, json_get(s, toks, 0, "protocol"), 0, 1000000, &proto) != 0 || proto != MVM_PROTOCOL) {
        send_err(id, "unsupported", "this agent speaks protocol %d", MVM_PROTOCOL);
        return;
    }
    /* A new host always starts with hello; whatever an earlier host left running is orphaned. */
    detach_all();
    buf_t b = {0};
    reply_ok_begin(&b, id);
    buf_printf(&b,
               ",\"protocol\":%d,\"agent_version\":\"" MVM_AGENT_VERSION
               "\",\"capabilities\":[\"invoke\",\"invoke.stdin\",\"%sfs\",\"hooks.run\",\"shutdown\"],"
               "\"boot_ms\":%d,\"uptime_ms\":%lld,\"dev\":%s",
               MVM_PROTOCOL, A.rt.dev ? "exec\",\"" : "", A.cfg->boot_ms, (long long)boot_ms(),
               A.rt.dev ? "true" : "false");
    put_ready(&b);
    buf_puts(&b, "}");
    send_body(&b, id);
    buf_free(&b);
}

static void op_ping(uint32_t id) {
    buf_t b = {0};
    reply_ok_begin(&b, id);
    put_ready(&b);
    buf_puts(&b, "}");
    send_body(&b, id);
    buf_free(&b);
}

static const char *runner_interp(const entrypoint_t *ep, char *runner) {
    int py = !strcmp(ep->language, "python");
    path_join(runner, A.cfg->runner_dir, py ? "runner.py" : "runner.mjs");
    return py ? "python3" : "node";
}

static void op_invoke(const char *s, uint32_t id) {
    if (!A.rt.valid) return send_err(id, "entrypoint_invalid", "runtime.json is invalid: %s", A.rt.error);
    if (!A.ready)
        return send_err(id, "not_ready", "the workload is not ready%s%s", A.ready_failed ? ": " : " yet",
                        A.ready_failed ? A.ready_error : "");
    char name[256];
    int ni = json_get(s, toks, 0, "entrypoint");
    if (ni >= 0 && toks[ni].type != J_NULL) {
        if (json_str(s, toks, ni, name, sizeof name) <= 0)
            return send_err(id, "protocol_error", "entrypoint must be a non-empty string");
    } else if (A.rt.primary) {
        snprintf(name, sizeof name, "%s", A.rt.primary);
    } else {
        return send_err(id, "entrypoint_invalid", "no entrypoint named and runtime.json has no primary");
    }
    const entrypoint_t *ep = runtime_find(&A.rt, name);
    if (!ep) return send_err(id, "entrypoint_invalid", "no entrypoint named \"%s\"", name);
    if (!ep->is_function)
        return send_err(id, "entrypoint_invalid",
                        "\"%s\" is a command entrypoint; it runs as a service at boot and cannot be invoked", name);
    if (count_jobs(JOB_INVOKE) >= MAX_INVOKES) return send_err(id, "busy", "another invoke is running");
    if (find_job(id, JOB_INVOKE) || find_job(id, JOB_EXEC) || find_job(id, JOB_HOOK))
        return send_err(id, "protocol_error", "request id %u is already in use", id);
    int64_t timeout;
    if (get_timeout(s, id, DEFAULT_INVOKE_TIMEOUT_MS, &timeout)) return;
    unsigned char *in;
    size_t in_len;
    if (get_stdin(s, id, &in, &in_len)) return;
    char **req_env = get_env(s, id);
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

static void op_invoke_stdin(const char *s, uint32_t id) {
    job_t *j = find_job(id, JOB_INVOKE);
    if (!j) j = find_job(id, JOB_EXEC);
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
        kill_group(j, SIGKILL);
        return;
    }
    j->in_len += (size_t)n;
    if (json_bool(toks, json_get(s, toks, 0, "eof")) == 1) j->in_eof = 1;
    pump_input(j);
}

static void op_exec(const char *s, uint32_t id) {
    if (!A.rt.dev) return send_err(id, "unsupported", "exec is disabled: this is a production image (runtime.json dev: false)");
    int a = json_get(s, toks, 0, "argv");
    if (a < 0 || toks[a].type != J_ARRAY || toks[a].size == 0 || toks[a].size > 4096)
        return send_err(id, "protocol_error", "argv must be a non-empty array of strings");
    if (find_job(id, JOB_INVOKE) || find_job(id, JOB_EXEC) || find_job(id, JOB_HOOK))
        return send_err(id, "protocol_error", "request id %u is already in use", id);
    char cwd[PATH_MAX] = "/";
    int c = json_get(s, toks, 0, "cwd");
    if (c >= 0 && toks[c].type != J_NULL && (json_str(s, toks, c, cwd, sizeof cwd) <= 0 || cwd[0] != '/'))
        return send_err(id, "protocol_error", "cwd must be an absolute path");
    int64_t timeout;
    if (get_timeout(s, id, 0, &timeout)) return;
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
    if (get_stdin(s, id, &in, &in_len) || !(req_env = get_env(s, id))) {
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

static void op_hooks_run(const char *s, uint32_t id) {
    char phase[64], hook[PATH_MAX + 8];
    if (json_str(s, toks, json_get(s, toks, 0, "phase"), phase, sizeof phase) <= 0 || !phase_ok(phase))
        return send_err(id, "protocol_error", "phase must be a hook name like \"after_start\"");
    if (find_job(id, JOB_INVOKE) || find_job(id, JOB_EXEC) || find_job(id, JOB_HOOK))
        return send_err(id, "protocol_error", "request id %u is already in use", id);
    snprintf(hook, sizeof hook, "%s/%s.sh", A.cfg->hooks_dir, phase);
    if (access(hook, F_OK) != 0) return send_err(id, "not_found", "no %s hook in this image", phase);
    int64_t timeout;
    if (get_timeout(s, id, 0, &timeout)) return;
    job_t *j = job_alloc();
    if (!j) return send_err(id, "busy", "too many calls running");
    j->kind = JOB_HOOK;
    j->id = id;
    j->in_eof = 1;
    char *argv[] = {"/bin/sh", hook, NULL};
    char **env = base_env();
    if (!env || job_start(j, argv, env, "/", timeout) != 0)
        send_err(id, "internal", "cannot run %s: %s", hook, strerror(errno));
    envv_free(env);
}

/* Runs before_stop synchronously with its output on our stderr (the console): we are going
 * down, so nothing else needs serving. Best effort by contract. */
static void run_before_stop(int64_t grace_ms) {
    char hook[PATH_MAX];
    path_join(hook, A.cfg->hooks_dir, "before_stop.sh");
    if (access(hook, F_OK) != 0) return;
    LOG("running before_stop");
    char *argv[] = {"/bin/sh", hook, NULL};
    char **env = base_env();
    spawn_opts o = {argv, env, "/", 0, 0};
    spawn_result r;
    if (!env || spawn(&o, &r) != 0) {
        LOG("before_stop: cannot run %s: %s", hook, strerror(errno));
        envv_free(env);
        return;
    }
    envv_free(env);
    int64_t end = mono_ms() + grace_ms;
    int st = 0;
    for (;;) {
        pid_t p = waitpid(r.pid, &st, WNOHANG);
        if (p == r.pid) break;
        if (mono_ms() >= end) {
            LOG("before_stop: still running after %lld ms, killing it", (long long)grace_ms);
            kill(-r.pid, SIGKILL);
            waitpid(r.pid, &st, 0);
            break;
        }
        poll(NULL, 0, 20);
    }
    LOG("before_stop finished (status %d)", st);
}

static void op_shutdown(const char *s, uint32_t id) {
    int64_t grace = 10000;
    int g = json_get(s, toks, 0, "grace_ms");
    if (g >= 0 && json_int(s, toks, g, 0, 3600000, &grace) != 0)
        return send_err(id, "protocol_error", "grace_ms must be a non-negative integer");
    A.shutdown_requested = 1;
    A.shutdown_grace_ms = grace;
    A.shutdown_id = id;
}

static void handle_frame(const char *s, size_t n) {
    uint32_t nt = 0;
    int rc = json_parse(s, n, toks, MAX_TOKENS, &nt);
    if (rc != JSON_OK || toks[0].type != J_OBJECT)
        return send_err(0, "protocol_error", "%s", rc == JSON_NOMEM ? "request has too many JSON values"
                                                   : rc == JSON_DEPTH ? "request nests too deeply"
                                                                      : "request is not a JSON object");
    int64_t id64;
    if (json_int(s, toks, json_get(s, toks, 0, "id"), 0, UINT32_MAX, &id64) != 0)
        return send_err(0, "protocol_error", "request needs an \"id\" (u32)");
    uint32_t id = (uint32_t)id64;
    char op[32];
    if (json_str(s, toks, json_get(s, toks, 0, "op"), op, sizeof op) <= 0)
        return send_err(id, "protocol_error", "request needs an \"op\" string");
    if (!strcmp(op, "hello")) op_hello(s, id);
    else if (!strcmp(op, "ping")) op_ping(id);
    else if (!strcmp(op, "invoke")) op_invoke(s, id);
    else if (!strcmp(op, "invoke.stdin")) op_invoke_stdin(s, id);
    else if (!strcmp(op, "exec")) op_exec(s, id);
    else if (!strcmp(op, "hooks.run")) op_hooks_run(s, id);
    else if (!strcmp(op, "shutdown")) op_shutdown(s, id);
    else {
        buf_t b = {0};
        if (fs_handle(op, s, toks, id, &b) != 0) reply_err(&b, id, "unsupported", "unknown op \"%s\"", op);
        send_body(&b, id);
        buf_free(&b);
    }
}

static void read_channel(void) {
    uint8_t tmp[CHUNK];
    ssize_t r = read(A.tr.rfd, tmp, sizeof tmp);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (r <= 0) {
        transport_lost(&A.tr, r == 0 ? "end of stream" : strerror(errno));
        return;
    }
    size_t off = 0;
    while (off < (size_t)r && A.tr.connected && !A.shutdown_requested) {
        frame_ev ev;
        off += frame_feed(&A.dec, tmp + off, (size_t)r - off, &ev);
        if (ev == FRAME_TOO_BIG)
            send_err(0, "protocol_error", "frame of %u bytes exceeds the %u byte limit; skipped", A.dec.len,
                     MVM_MAX_FRAME_BYTES);
        else if (ev == FRAME_READY)
            handle_frame((const char *)A.dec.body, A.dec.len);
    }
}

static void on_sigchld(int sig) {
    (void)sig;
    int e = errno;
    (void)!write(A.sig_pipe[1], "c", 1);
    errno = e;
}

static void on_disconnect(void) {
    detach_all();
    frame_reset(&A.dec);
    A.outq.len = A.out_off = 0;
}

int agent_run(const agent_config *cfg) {
    A.cfg = cfg;
    runtime_load(&A.rt, cfg->runtime_json);
    if (!A.rt.valid) LOG("runtime.json is invalid, every invoke will fail: %s", A.rt.error);
    uint8_t *body = malloc(MVM_MAX_FRAME_BYTES);
    if (!body || pipe2(A.sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        LOG("cannot start: %s", strerror(errno));
        return 1;
    }
    frame_init(&A.dec, body);
    struct sigaction sa = {0};
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (transport_open(&A.tr, cfg) != 0) return 1;
    A.tr.on_disconnect = on_disconnect;
    ready_init();
    LOG("serving protocol %d on %s", MVM_PROTOCOL, A.tr.desc);
    for (;;) {
        struct pollfd pf[3 + MAX_JOBS * 3];
        void *who[3 + MAX_JOBS * 3];
        int np = 0;
        pf[np] = (struct pollfd){A.sig_pipe[0], POLLIN, 0};
        who[np++] = NULL;
        int chan = transport_pollfd(&A.tr, &pf[np], outq_pending() > 0);
        if (chan) who[np++] = &A.tr;
        int pump = outq_pending() < OUTQ_HIGH;
        for (int i = 0; i < MAX_JOBS; i++) {
            job_t *j = &A.jobs[i];
            if (!j->used) continue;
            if (j->in_fd >= 0 && j->in_off < j->in_len) {
                pf[np] = (struct pollfd){j->in_fd, POLLOUT, 0};
                who[np++] = &j->in_fd;
            }
            if (pump && j->out_fd >= 0) {
                pf[np] = (struct pollfd){j->out_fd, POLLIN, 0};
                who[np++] = &j->out_fd;
            }
            if (pump && j->err_fd >= 0) {
                pf[np] = (struct pollfd){j->err_fd, POLLIN, 0};
                who[np++] = &j->err_fd;
            }
        }
        int64_t now = mono_ms();
        int64_t timeout = 1000;
        for (int i = 0; i < MAX_JOBS; i++) {
            job_t *j = &A.jobs[i];
            if (!j->used) continue;
            if (j->deadline && !j->timed_out && j->deadline - now < timeout) timeout = j->deadline - now;
            if (j->kill_at && j->kill_at - now < timeout) timeout = j->kill_at - now;
            if (j->exited && j->drain_until - now < timeout) timeout = j->drain_until - now;
        }
        if (A.ready_next_probe && A.ready_next_probe - now < timeout) timeout = A.ready_next_probe - now;
        int t_tr = transport_timeout(&A.tr);
        if (t_tr >= 0 && t_tr < timeout) timeout = t_tr;
        if (timeout < 0) timeout = 0;
        int rc = poll(pf, (nfds_t)np, (int)timeout);
        if (rc < 0 && errno != EINTR) {
            LOG("poll: %s", strerror(errno));
            return 1;
        }
        for (int k = 0; rc > 0 && k < np; k++) {
            if (!pf[k].revents) continue;
            if (k == 0) {
                char drain[64];
                while (read(A.sig_pipe[0], drain, sizeof drain) > 0) {}
                continue;
            }
            if (who[k] == &A.tr) {
                int ev = transport_ready(&A.tr, pf[k].revents);
                if (ev & TR_READABLE) read_channel();
                if (ev & TR_WRITABLE) flush_out();
                continue;
            }
            for (int i = 0; i < MAX_JOBS; i++) {
                job_t *j = &A.jobs[i];
                if (!j->used) continue;
                if (who[k] == &j->in_fd && j->in_fd >= 0) pump_input(j);
                else if (who[k] == &j->out_fd && j->out_fd >= 0) pump_output(j, &j->out_fd, &j->out_bytes, "stdout");
                else if (who[k] == &j->err_fd && j->err_fd >= 0) pump_output(j, &j->err_fd, &j->err_bytes, "stderr");
            }
        }
        reap();
        now = mono_ms();
        check_jobs(now);
        ready_tick(now);
        flush_out();
        if (A.tr.ended) {
            LOG("host channel closed; exiting");
            detach_all();
            return 0;
        }
        if (A.shutdown_requested) {
            LOG("shutdown requested");
            detach_all();
            run_before_stop(A.shutdown_grace_ms);
            buf_t b = {0};
            reply_ok_begin(&b, A.shutdown_id);
            buf_puts(&b, "}");
            send_body(&b, A.shutdown_id);
            buf_free(&b);
            /* Give the reply a moment to leave; the host may already be gone. */
            int64_t end = mono_ms() + 2000;
            while (A.tr.connected && outq_pending() && mono_ms() < end) {
                struct pollfd w = {A.tr.wfd, POLLOUT, 0};
                poll(&w, 1, 50);
                flush_out();
            }
            return AGENT_EXIT_POWEROFF;
        }
    }
}
