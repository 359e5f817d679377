/* Readiness: the workload is ready once the after_start hook exits 0 (or there is none).
 * The hook is probed as a job every ready_poll_ms until runtime.json's ready_timeout_ms. */
#define _GNU_SOURCE
#include "agent_state.h"
#include "proc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void ready_start_probe(void) {
    char hook[PATH_MAX];
    agent_path_join(hook, A.cfg->hooks_dir, "after_start.sh");
    job_t *j = job_alloc();
    if (!j) return;
    j->kind = JOB_READY;
    char *argv[] = {"/bin/sh", hook, NULL};
    char **env = agent_base_env();
    int64_t left = A.ready_deadline - mono_ms();
    if (!env || job_start(j, argv, env, "/", left > 1 ? left : 1) != 0) {
        snprintf(A.ready_error, sizeof A.ready_error, "after_start: cannot run %s: %s", hook, strerror(errno));
        A.ready_failed = 1;
        LOG("%s", A.ready_error);
    }
    envv_free(env);
}

void ready_probe_done(job_t *j) {
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

void ready_init(void) {
    char hook[PATH_MAX];
    agent_path_join(hook, A.cfg->hooks_dir, "after_start.sh");
    if (A.cfg->boot_error) {
        snprintf(A.ready_error, sizeof A.ready_error, "%s", A.cfg->boot_error);
        A.ready_failed = 1;
        return;
    }
    if (A.cfg->builder || access(hook, F_OK) != 0) {
        A.ready = 1;
        LOG("ready (no after_start hook)");
        return;
    }
    A.ready_deadline = mono_ms() + A.rt.ready_timeout_ms;
    A.ready_next_probe = mono_ms();
}

void ready_tick(int64_t now) {
    if (A.ready || A.ready_failed || !A.ready_next_probe || now < A.ready_next_probe) return;
    if (jobs_count(JOB_READY)) return;
    A.ready_next_probe = 0;
    ready_start_probe();
}

void ready_put(buf_t *b) {
    buf_printf(b, ",\"ready\":%s", A.ready ? "true" : "false");
    if (!A.ready && A.ready_failed) {
        buf_puts(b, ",\"ready_error\":");
        buf_json_str(b, A.ready_error, strlen(A.ready_error));
    }
}
