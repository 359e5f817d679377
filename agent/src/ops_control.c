/* The control ops: hello (version, capabilities, readiness), ping, and shutdown with the
 * before_stop hook the loop runs on the way down. */
#define _GNU_SOURCE
#include "agent_state.h"
#include "msg.h"
#include "proc.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void op_hello(const char *s, uint32_t id) {
    int64_t proto = 0;
    if (json_int(s, toks, json_get(s, toks, 0, "protocol"), 0, 1000000, &proto) != 0 || proto != MVM_PROTOCOL) {
        send_err(id, "unsupported", "this agent speaks protocol %d", MVM_PROTOCOL);
        return;
    }
    /* A new host always starts with hello; whatever an earlier host left running is orphaned. */
    jobs_detach_all();
    if (A.hup_seen && !A.new_host_hello) {
        /* The previous host hung up and this hello is the next one's, read before its PORT_OPEN:
         * the old host's unsent replies go now, this host's session is kept through that EOF. */
        A.new_host_hello = 1;
        outq_reset();
        LOG("hello from the next host before its connection was signalled");
    }
    buf_t b = {0};
    reply_ok_begin(&b, id);
    buf_printf(&b,
               ",\"protocol\":%d,\"agent_version\":\"" MVM_AGENT_VERSION
               "\",\"capabilities\":[\"invoke\",\"invoke.stdin\",\"%sfs\",\"hooks.run\",\"shutdown\",\"restore\",\"warm\"],"
               "\"boot_ms\":%d,\"uptime_ms\":%lld,\"dev\":%s",
               MVM_PROTOCOL, A.rt.dev ? "exec\",\"" : "", A.cfg->boot_ms, (long long)boot_ms(),
               A.rt.dev ? "true" : "false");
    ready_put(&b);
    buf_puts(&b, "}");
    outq_send(&b, id);
    buf_free(&b);
}

void op_ping(uint32_t id) {
    buf_t b = {0};
    reply_ok_begin(&b, id);
    ready_put(&b);
    buf_puts(&b, "}");
    outq_send(&b, id);
    buf_free(&b);
}

/* Runs before_stop synchronously with its output on our stderr (the console): we are going
 * down, so nothing else needs serving. Best effort by contract. */
void run_before_stop(int64_t grace_ms) {
    char hook[PATH_MAX];
    agent_path_join(hook, A.cfg->hooks_dir, "before_stop.sh");
    if (access(hook, F_OK) != 0) return;
    LOG("running before_stop");
    char *argv[] = {"/bin/sh", hook, NULL};
    char **env = agent_base_env();
    spawn_opts o = {argv, env, "/", 0, 0, 0};
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

void op_shutdown(const char *s, uint32_t id) {
    int64_t grace = 10000;
    int g = json_get(s, toks, 0, "grace_ms");
    if (g >= 0 && json_int(s, toks, g, 0, 3600000, &grace) != 0)
        return send_err(id, "protocol_error", "grace_ms must be a non-negative integer");
    A.shutdown_requested = 1;
    A.shutdown_grace_ms = grace;
    A.shutdown_id = id;
}
