/* The job table: one slot per running child (invoke, exec, hook, or the after_start probe).
 * Spawning, stdin/stdout/stderr pumping, caps, timeouts, reaping, and each job's final reply. */
#define _GNU_SOURCE
#include "agent_state.h"
#include "msg.h"
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

job_t *job_alloc(void) {
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

int jobs_count(job_kind k) {
    int n = 0;
    for (int i = 0; i < MAX_JOBS; i++)
        if (A.jobs[i].used && !A.jobs[i].detached && A.jobs[i].kind == k) n++;
    return n;
}

job_t *jobs_find(uint32_t id, job_kind k) {
    for (int i = 0; i < MAX_JOBS; i++)
        if (A.jobs[i].used && !A.jobs[i].detached && A.jobs[i].kind == k && A.jobs[i].id == id) return &A.jobs[i];
    return NULL;
}

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

void job_kill_group(job_t *j, int sig) {
    if (j->pid > 0 && !j->exited) kill(-j->pid, sig);
}

/* The host that asked for these calls is gone: stop them, and say nothing more about them. */
void jobs_detach_all(void) {
    for (int i = 0; i < MAX_JOBS; i++) {
        job_t *j = &A.jobs[i];
        if (!j->used || j->kind == JOB_READY || j->detached) continue;
        j->detached = 1;
        job_kill_group(j, SIGKILL);
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
    outq_send(&b, j->id);
    buf_free(&b);
}

/* Reads one chunk from a child's stdout/stderr pipe. */
void job_pump_output(job_t *j, int *fd, uint64_t *count, const char *stream) {
    char tmp[CHUNK];
    ssize_t r = read(*fd, tmp, sizeof tmp);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (r <= 0) {
        close_fd(fd);
        return;
    }
    if (j->exited) j->drain_until = mono_ms() + DRAIN_MS; /* still flowing: not a stuck grandchild */
    job_output(j, count, stream, tmp, (size_t)r);
}

void job_output(job_t *j, uint64_t *count, const char *stream, const char *p, size_t n) {
    if (*count + n > IO_CAP) {
        n = (size_t)(IO_CAP - *count);
        if (!j->capped) {
            j->capped = stream;
            job_kill_group(j, SIGKILL);
        }
    }
    *count += n;
    if (n) emit_event(j, stream, p, n);
}

void job_pump_input(job_t *j) {
    if (j->warm) { /* a warm runner takes the whole stdin in one request frame */
        if (j->in_eof && j->runner) warm_stdin_done(j);
        return;
    }
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


static void job_finish(job_t *j) {
    close_fd(&j->in_fd);
    close_fd(&j->out_fd);
    close_fd(&j->err_fd);
    /* Nothing the call started may outlive it. (A warm call that got its reply has pid 0: its
     * runner lives on for the next call.) */
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
        } else if (j->no_reply && !WIFSIGNALED(st)) {
            reply_err(&b, j->id, "wrapper_crashed", "the runner exited with code %d before it replied",
                      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
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
        outq_send(&b, j->id);
        buf_free(&b);
    }
    free(j->in_data);
    j->used = 0;
}

/* Starts a child for a job. On failure returns -1 with errno (and the job is freed). */
int job_start(job_t *j, char *const *argv, char *const *envp, const char *cwd, int64_t timeout_ms) {
    spawn_opts o = {argv, envp, cwd, 1, 1, 0};
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
    job_pump_input(j);
    return 0;
}

void jobs_reap(void) {
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        if (warm_reaped(pid, st)) continue;
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

void jobs_check(int64_t now) {
    warm_check(now);
    for (int i = 0; i < MAX_JOBS; i++) {
        job_t *j = &A.jobs[i];
        if (!j->used) continue;
        if (!j->exited && j->deadline && now >= j->deadline && !j->timed_out) {
            j->timed_out = 1;
            job_kill_group(j, SIGTERM);
            j->kill_at = now + TERM_GRACE_MS;
        }
        if (!j->exited && j->kill_at && now >= j->kill_at) {
            job_kill_group(j, SIGKILL);
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

void agent_path_join(char *out, const char *dir, const char *name) {
    snprintf(out, PATH_MAX, "%s/%s", dir, name);
}

char **agent_base_env(void) {
    static char *empty[] = {NULL};
    char **const lists[] = {A.rt.env ? A.rt.env : empty, NULL};
    return envv_build(lists);
}

