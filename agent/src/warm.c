/* Warm runners: one long-lived runner process per function entrypoint that was called, which
 * imports the user module once and then serves calls one at a time (docs/protocol.md "Warm
 * runners"). Without this every invoke paid for a fresh interpreter and a fresh import.
 *
 * Agent <-> runner: the runner's fd 3 carries requests, its fd 4 replies; each message is a u32
 * big-endian length N, then N bytes: one JSON header line ending in '\n', then the raw payload
 * (request: {"cwd","env"} + the call's stdin; reply: {"exit_code"} + the result text). The
 * runner's fd 1 and fd 2 are the user's output: they are streamed to the call in flight as
 * stderr events (today's one-shot runner sends user prints to stderr too), the result alone as
 * stdout events, so the host sees the same wire protocol for warm and fresh calls.
 *
 * A call is a normal JOB_INVOKE job whose pid is the runner's (so the timeout and the host-gone
 * paths kill the runner's process group as for any call) but whose pipes belong to the runner.
 * The job is settled here: on a complete reply (pid set to 0, the runner lives on), or when the
 * runner dies (the job gets its wait status; a fresh runner starts at the next call). */
#define _GNU_SOURCE
#include "agent_state.h"
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static void reply_reset(runner_t *r) {
    r->len_have = r->head_len = r->body_got = 0;
    r->rep_len = 0;
    r->head_done = 0;
}

static runner_t *runner_for(const entrypoint_t *ep) {
    for (int i = 0; i < MAX_RUNNERS; i++)
        if (A.runners[i].used && A.runners[i].ep == ep && !A.runners[i].exited && !A.runners[i].retiring)
            return &A.runners[i];
    return NULL;
}

/* Kills an idle runner and forgets it at once; its pid is reaped later and matches nothing. */
static void runner_drop(runner_t *r) {
    if (!r->exited && r->pid > 0) kill(-r->pid, SIGKILL);
    close_fd(&r->ctl_fd);
    close_fd(&r->rep_fd);
    close_fd(&r->out_fd);
    close_fd(&r->err_fd);
    buf_free(&r->req);
    r->used = 0;
}

/* A free slot; when all are taken, the least recently used idle runner makes room. */
static runner_t *runner_slot(void) {
    runner_t *lru = NULL;
    for (int i = 0; i < MAX_RUNNERS; i++) {
        runner_t *r = &A.runners[i];
        if (!r->used) return r;
        if (!r->job && !r->exited && !r->retiring && (!lru || r->last_used < lru->last_used)) lru = r;
    }
    if (!lru) return NULL;
    runner_drop(lru);
    return lru;
}

static runner_t *runner_start(const entrypoint_t *ep) {
    runner_t *r = runner_slot();
    if (!r) {
        errno = EAGAIN;
        return NULL;
    }
    int py = !strcmp(ep->language, "python");
    char runner[PATH_MAX];
    agent_path_join(runner, A.cfg->runner_dir, py ? "runner.py" : "runner.mjs");
    char *argv[] = {py ? "python3" : "node", runner, "--serve", ep->working_dir, ep->module, ep->function,
                    ep->params_json, NULL};
    /* The process env is the image's and the entrypoint's; each call's own env (secret tokens)
     * travels with its request and is applied by the runner for that call only. */
    static char *empty[] = {NULL};
    char **const lists[] = {A.rt.env ? A.rt.env : empty, ep->env, NULL};
    char **env = envv_build(lists);
    if (!env) {
        errno = ENOMEM;
        return NULL;
    }
    spawn_opts o = {argv, env, "/", 0, 1, 1};
    spawn_result sr;
    int rc = spawn(&o, &sr);
    int e = errno;
    envv_free(env);
    if (rc != 0) {
        errno = e;
        return NULL;
    }
    memset(r, 0, sizeof *r);
    r->used = 1;
    r->ep = ep;
    r->pid = sr.pid;
    r->ctl_fd = sr.ctl_fd;
    r->rep_fd = sr.rep_fd;
    r->out_fd = sr.out_fd;
    r->err_fd = sr.err_fd;
    r->last_used = mono_ms();
    LOG("warm runner for %s started (pid %d)", ep->name, (int)r->pid);
    return r;
}

static void put_env_json(buf_t *b, char **env) {
    buf_puts(b, "{");
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        if (!eq) continue;
        if (i) buf_puts(b, ",");
        buf_json_str(b, env[i], (size_t)(eq - env[i]));
        buf_puts(b, ":");
        buf_json_str(b, eq + 1, strlen(eq + 1));
    }
    buf_puts(b, "}");
}

int warm_invoke(job_t *j, const entrypoint_t *ep, char **req_env, int64_t timeout_ms) {
    runner_t *r = runner_for(ep);
    if (!r) r = runner_start(ep);
    if (!r) {
        int e = errno;
        if (j->tmpdir[0]) rm_rf(j->tmpdir);
        free(j->in_data);
        j->used = 0;
        errno = e;
        return -1;
    }
    j->warm = 1;
    j->runner = r;
    j->pid = r->pid;
    j->timeout_ms = timeout_ms;
    j->deadline = timeout_ms > 0 ? mono_ms() + timeout_ms : 0;
    r->job = j;
    reply_reset(r);
    /* The length prefix is filled in once stdin is complete (warm_stdin_done). */
    buf_free(&r->req);
    r->req_off = 0;
    r->req_ready = 0;
    buf_put(&r->req, "\0\0\0\0", 4);
    buf_puts(&r->req, "{\"cwd\":");
    buf_json_str(&r->req, j->tmpdir, strlen(j->tmpdir));
    buf_puts(&r->req, ",\"env\":");
    put_env_json(&r->req, req_env);
    buf_puts(&r->req, "}\n");
    if (j->in_eof) warm_stdin_done(j);
    return 0;
}

void warm_stdin_done(job_t *j) {
    runner_t *r = j->runner;
    if (!r || r->req_ready) return;
    if (buf_put(&r->req, j->in_data ? (const char *)j->in_data : "", j->in_len) != 0 || !r->req.p) {
        j->capped = "stdin"; /* out of memory for the request: end the call as over its cap */
        job_kill_group(j, SIGKILL);
        return;
    }
    uint32_t n = (uint32_t)(r->req.len - 4);
    uint8_t be[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    memcpy(r->req.p, be, 4);
    r->req_ready = 1;
    free(j->in_data);
    j->in_data = NULL;
    j->in_len = j->in_off = 0;
}

int warm_pollfds(struct pollfd *pf, void **who, int pump) {
    int np = 0;
    for (int i = 0; i < MAX_RUNNERS; i++) {
        runner_t *r = &A.runners[i];
        if (!r->used) continue;
        if (r->ctl_fd >= 0 && r->req_ready && r->req_off < r->req.len) {
            pf[np] = (struct pollfd){r->ctl_fd, POLLOUT, 0};
            who[np++] = &r->ctl_fd;
        }
        /* Idle runners are read too, so a background thread's prints never block them. */
        int *fds[] = {&r->rep_fd, &r->out_fd, &r->err_fd};
        for (int k = 0; k < 3; k++)
            if (*fds[k] >= 0 && (pump || !r->job)) {
                pf[np] = (struct pollfd){*fds[k], POLLIN, 0};
                who[np++] = fds[k];
            }
    }
    return np;
}

static void write_request(runner_t *r) {
    while (r->req_off < r->req.len) {
        ssize_t w = write(r->ctl_fd, r->req.p + r->req_off, r->req.len - r->req_off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) return;
        if (w < 0) { /* the runner is gone; its death settles the call */
            close_fd(&r->ctl_fd);
            return;
        }
        r->req_off += (size_t)w;
    }
    buf_free(&r->req);
    r->req_off = 0;
}

/* The call's user output (fd 1 and fd 2); output with no call in flight is dropped. */
static void read_output(runner_t *r, int *fd) {
    char tmp[CHUNK];
    ssize_t n = read(*fd, tmp, sizeof tmp);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
        close_fd(fd);
        return;
    }
    if (r->exited) r->drain_until = mono_ms() + DRAIN_MS;
    if (r->job) job_output(r->job, &r->job->err_bytes, "stderr", tmp, (size_t)n);
}

/* A reply the runner should never send: the link is out of step, so the runner goes. */
static void reply_broken(runner_t *r, const char *why) {
    LOG("warm runner for %s: %s; stopping it", r->ep->name, why);
    kill(-r->pid, SIGKILL);
    close_fd(&r->rep_fd);
}

/* The reply is complete: read the output the runner wrote before it, then settle the call. */
static void reply_done(runner_t *r) {
    job_t *j = r->job;
    /* Header: {"exit_code": N, "ms": F, "last": true?}; a header we cannot read counts as exit 1. */
    jtok t[32];
    uint32_t nt = 0;
    int64_t code = 1;
    if (json_parse(r->head, r->head_len, t, 32, &nt) == JSON_OK && t[0].type == J_OBJECT) {
        if (json_int(r->head, t, json_get(r->head, t, 0, "exit_code"), 0, 255, &code) != 0) code = 1;
        if (json_bool(t, json_get(r->head, t, 0, "last")) == 1) r->retiring = 1;
    }
    reply_reset(r);
    r->last_used = mono_ms();
    if (!j || j->timed_out || j->capped || j->detached) return; /* being killed; its death settles it */
    /* The runner flushed its prints before replying, so they are in the pipes now: read until
     * both are empty (bounded by the pipe buffers and, for a chatty thread, the stderr cap). */
    for (int got = 1; got;) {
        got = 0;
        int *fds[] = {&r->out_fd, &r->err_fd};
        for (int k = 0; k < 2; k++) {
            if (*fds[k] < 0) continue;
            char tmp[CHUNK];
            ssize_t n = read(*fds[k], tmp, sizeof tmp);
            if (n > 0) {
                job_output(j, &j->err_bytes, "stderr", tmp, (size_t)n);
                got = !j->capped;
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                close_fd(fds[k]);
            }
        }
    }
    if (j->capped) return; /* job_output killed the runner */
    r->job = NULL;
    j->runner = NULL;
    j->pid = 0;
    j->status = (int)code << 8; /* as a wait status: exited with code */
    j->exited = 1;
}

static void read_reply(runner_t *r) {
    char tmp[CHUNK];
    ssize_t n = read(r->rep_fd, tmp, sizeof tmp);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
        close_fd(&r->rep_fd);
        return;
    }
    if (r->exited) r->drain_until = mono_ms() + DRAIN_MS;
    size_t off = 0;
    while (off < (size_t)n && r->rep_fd >= 0) {
        if (!r->job) return reply_broken(r, "a reply with no call in flight");
        if (r->len_have < 4) {
            r->len_be[r->len_have++] = (uint8_t)tmp[off++];
            if (r->len_have < 4) continue;
            r->rep_len = (uint32_t)r->len_be[0] << 24 | (uint32_t)r->len_be[1] << 16 | (uint32_t)r->len_be[2] << 8 |
                         r->len_be[3];
            if (r->rep_len > IO_CAP + REPLY_HEAD_MAX) {
                /* Over the result cap before a byte of it is sent: end the call like a one-shot
                 * runner whose stdout went over. */
                if (!r->job->capped) r->job->capped = "stdout";
                return reply_broken(r, "a result over the stdout cap");
            }
            continue;
        }
        if (!r->head_done) {
            char ch = tmp[off++];
            r->body_got++;
            if (ch == '\n') {
                r->head[r->head_len] = 0;
                r->head_done = 1;
            } else if (r->head_len + 1 >= sizeof r->head) {
                return reply_broken(r, "a reply header over 1 KiB");
            } else {
                r->head[r->head_len++] = ch;
            }
        } else {
            size_t take = (size_t)n - off, left = r->rep_len - r->body_got;
            if (take > left) take = left;
            job_t *j = r->job;
            if (!j->timed_out && !j->capped) job_output(j, &j->out_bytes, "stdout", tmp + off, take);
            off += take;
            r->body_got += take;
        }
        if (r->body_got > r->rep_len) return reply_broken(r, "a reply header longer than its frame");
        if (r->head_done && r->body_got == r->rep_len) reply_done(r);
    }
}

int warm_io(void *who) {
    for (int i = 0; i < MAX_RUNNERS; i++) {
        runner_t *r = &A.runners[i];
        if (!r->used) continue;
        if (who == &r->ctl_fd && r->ctl_fd >= 0) write_request(r);
        else if (who == &r->rep_fd && r->rep_fd >= 0) read_reply(r);
        else if (who == &r->out_fd && r->out_fd >= 0) read_output(r, &r->out_fd);
        else if (who == &r->err_fd && r->err_fd >= 0) read_output(r, &r->err_fd);
        else continue;
        return 1;
    }
    return 0;
}

int warm_reaped(pid_t pid, int status) {
    for (int i = 0; i < MAX_RUNNERS; i++) {
        runner_t *r = &A.runners[i];
        if (r->used && r->pid == pid && !r->exited) {
            r->exited = 1;
            r->status = status;
            r->drain_until = mono_ms() + DRAIN_MS;
            /* Nothing the runner started outlives it (as for a one-shot call). */
            kill(-pid, SIGKILL);
            if (!r->job)
                LOG("warm runner for %s (pid %d) ended between calls; the next call starts a fresh one",
                    r->ep->name, (int)pid);
            return 1;
        }
    }
    return 0;
}

void warm_check(int64_t now) {
    for (int i = 0; i < MAX_RUNNERS; i++) {
        runner_t *r = &A.runners[i];
        if (!r->used || !r->exited) continue;
        int open = r->rep_fd >= 0 || r->out_fd >= 0 || r->err_fd >= 0;
        /* Pipes still held by an escaped grandchild are abandoned after DRAIN_MS, as for calls. */
        if (open && now < r->drain_until) continue;
        job_t *j = r->job;
        if (j) {
            r->job = NULL;
            j->runner = NULL;
            j->status = r->status;
            j->no_reply = 1;
            j->exited = 1;
        }
        runner_drop(r);
    }
}

int64_t warm_timeout(int64_t now, int64_t timeout) {
    for (int i = 0; i < MAX_RUNNERS; i++) {
        runner_t *r = &A.runners[i];
        if (r->used && r->exited && r->drain_until - now < timeout) timeout = r->drain_until - now;
    }
    return timeout;
}

int warm_drop_all(void) {
    int n = 0;
    for (int i = 0; i < MAX_RUNNERS; i++) {
        runner_t *r = &A.runners[i];
        if (!r->used) continue;
        n++;
        if (!r->job) {
            runner_drop(r);
            continue;
        }
        /* Busy: kill it; warm_reaped/warm_check settle its call as a crash. */
        r->retiring = 1;
        if (!r->exited && r->pid > 0) kill(-r->pid, SIGKILL);
    }
    return n;
}

pid_t warm_prestart(const entrypoint_t *ep, int *started) {
    runner_t *r = runner_for(ep);
    if (started) *started = !r;
    if (!r) r = runner_start(ep);
    return r ? r->pid : -1;
}
