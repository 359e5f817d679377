/* The protocol loop. One thread, one poll(): the host channel, each call's pipes, and a
 * self-pipe for SIGCHLD. A running invoke therefore never blocks ping or fs verbs.
 * This file owns the shared state (A, toks), frame dispatch, reading the channel, signals and
 * agent_run; the output queue, jobs, readiness, request helpers and ops live beside it
 * (agent_state.h lists them). */
#define _GNU_SOURCE
#include "agent_state.h"
#include "frame.h"
#include "fs.h"
#include "msg.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

agent_state A;
jtok toks[MAX_TOKENS];

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
    else if (!strcmp(op, "restore")) op_restore(s, id);
    else if (!strcmp(op, "warm")) op_warm(s, id);
    else {
        buf_t b = {0};
        if (fs_handle(op, s, toks, id, &b) != 0) reply_err(&b, id, "unsupported", "unknown op \"%s\"", op);
        outq_send(&b, id);
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

static void on_sigio(int sig) {
    (void)sig;
    int e = errno;
    (void)!write(A.sig_pipe[1], "i", 1);
    errno = e;
}

static void on_disconnect(void) {
    int keep = A.new_host_hello;
    A.hup_seen = A.new_host_hello = 0;
    /* The end of stream of a host whose successor already said hello (see agent_state.h): the
     * successor's session (its replies, its decoder state, its calls) carries on once its
     * connection is signalled; the old host's was cleared at that hello. */
    if (keep) return;
    jobs_detach_all();
    frame_reset(&A.dec);
    outq_reset();
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
    sa.sa_handler = on_sigio;
    sigaction(SIGIO, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (transport_open(&A.tr, cfg) != 0) return 1;
    A.tr.on_disconnect = on_disconnect;
    ready_init();
    LOG("serving protocol %d on %s", MVM_PROTOCOL, A.tr.desc);
    for (;;) {
        struct pollfd pf[3 + MAX_JOBS * 3 + MAX_RUNNERS * 4];
        void *who[3 + MAX_JOBS * 3 + MAX_RUNNERS * 4];
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
        np += warm_pollfds(&pf[np], &who[np], pump);
        int64_t now = mono_ms();
        int64_t timeout = warm_timeout(now, 1000);
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
                ssize_t n;
                while ((n = read(A.sig_pipe[0], drain, sizeof drain)) > 0)
                    if (memchr(drain, 'i', (size_t)n)) transport_wake(&A.tr);
                continue;
            }
            if (who[k] == &A.tr) {
                if (A.tr.kind == T_VIRTIO && A.tr.connected && (pf[k].revents & POLLHUP)) A.hup_seen = 1;
                int ev = transport_ready(&A.tr, pf[k].revents);
                if (ev & TR_READABLE) read_channel();
                if (ev & TR_WRITABLE) outq_flush();
                continue;
            }
            if (warm_io(who[k])) continue;
            for (int i = 0; i < MAX_JOBS; i++) {
                job_t *j = &A.jobs[i];
                if (!j->used) continue;
                if (who[k] == &j->in_fd && j->in_fd >= 0) job_pump_input(j);
                else if (who[k] == &j->out_fd && j->out_fd >= 0) job_pump_output(j, &j->out_fd, &j->out_bytes, "stdout");
                else if (who[k] == &j->err_fd && j->err_fd >= 0) job_pump_output(j, &j->err_fd, &j->err_bytes, "stderr");
            }
        }
        jobs_reap();
        now = mono_ms();
        jobs_check(now);
        ready_tick(now);
        outq_flush();
        if (A.tr.ended) {
            LOG("host channel closed; exiting");
            jobs_detach_all();
            return 0;
        }
        if (A.shutdown_requested) {
            LOG("shutdown requested");
            jobs_detach_all();
            run_before_stop(A.shutdown_grace_ms);
            buf_t b = {0};
            reply_ok_begin(&b, A.shutdown_id);
            buf_puts(&b, "}");
            outq_send(&b, A.shutdown_id);
            buf_free(&b);
            /* Give the reply a moment to leave; the host may already be gone. */
            int64_t end = mono_ms() + 2000;
            while (A.tr.connected && outq_pending() && mono_ms() < end) {
                struct pollfd w = {A.tr.wfd, POLLOUT, 0};
                poll(&w, 1, 50);
                outq_flush();
            }
            return AGENT_EXIT_POWEROFF;
        }
    }
}
