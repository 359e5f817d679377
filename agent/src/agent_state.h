/* Private to the agent's protocol loop (agent.c, outq.c, jobs.c, ready.c, request.c, ops_*.c):
 * the limits, the job table entry, the one shared state struct A and the functions the files
 * call in each other. Nothing outside the agent loop includes this; the public face is agent.h. */
#ifndef MVM_AGENT_STATE_H
#define MVM_AGENT_STATE_H

#include "agent.h"
#include "frame.h"
#include "json.h"
#include "runtime.h"
#include "transport.h"
#include "util.h"

#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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
#define MAX_RUNNERS 8              /* warm runners kept at once (one per entrypoint called) */
#define REPLY_HEAD_MAX 1024        /* a warm runner's reply header line */

typedef enum { JOB_INVOKE = 1, JOB_EXEC, JOB_HOOK, JOB_READY } job_kind;

struct runner;

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
    struct runner *runner; /* a warm invoke: the runner serving it, until it replies or dies */
    int warm;              /* served by a warm runner (fds above stay -1; the runner owns its pipes) */
    int no_reply;          /* warm: the runner died before it replied */
    char tmpdir[PATH_MAX];
    char tail[TAIL];
    size_t tail_len;
} job_t;

/* A warm runner (warm.c): a long-lived `runner.py --serve` / `runner.mjs --serve` for one
 * function entrypoint. Requests go to its fd 3, replies come from its fd 4 (both framed: a u32
 * big-endian length, a JSON header line, then the payload), and its fd 1/2 are the user's output,
 * streamed to the current call as stderr events. */
typedef struct runner {
    int used;
    const entrypoint_t *ep;
    pid_t pid;
    int ctl_fd, rep_fd, out_fd, err_fd;
    job_t *job;         /* the call in flight, or NULL while idle */
    buf_t req;          /* the framed request being written to ctl_fd */
    size_t req_off;
    int req_ready;      /* req holds the whole request (stdin is complete) */
    char head[REPLY_HEAD_MAX]; /* the reply's header line, while it arrives */
    uint8_t len_be[4];
    size_t len_have, head_len, body_got;
    uint32_t rep_len;
    int head_done;
    int exited, status;
    int retiring;       /* said "last" in its reply: it exits next, so no call may be sent to it */
    int64_t drain_until, last_used;
} runner_t;

typedef struct {
    const agent_config *cfg;
    runtime_t rt;
    transport tr;
    frame_dec dec;
    buf_t outq;
    size_t out_off;
    job_t jobs[MAX_JOBS];
    runner_t runners[MAX_RUNNERS];
    int sig_pipe[2];
    int ready, ready_failed;
    char ready_error[TAIL + 256];
    int64_t ready_deadline, ready_next_probe;
    int shutdown_requested;
    int64_t shutdown_grace_ms;
    uint32_t shutdown_id;
    /* virtio: the host hung up (POLLHUP) but the port is still being read. Bytes read now belong
     * to the next host: its data can reach the guest before the PORT_OPEN message saying it
     * connected (they travel on different queues). If its hello is among them (new_host_hello),
     * the end of stream that follows ends only the old host: see on_disconnect in agent.c. */
    int hup_seen, new_host_hello;
} agent_state;

/* Defined in agent.c: the agent's whole state, and the token array every request is parsed into
 * (ops read the current request's fields from it). */
extern agent_state A;
extern jtok toks[MAX_TOKENS];

/* ---- output queue (outq.c) ---- */

/* Frames body and queues it for the host; nothing if no host is connected. */
void outq_send(const buf_t *body, uint32_t id);
/* Writes as much of the queue as the channel takes without blocking. */
void outq_flush(void);
/* Bytes queued and not yet written. */
size_t outq_pending(void);
/* Drops everything queued (the host went away). */
void outq_reset(void);
/* Sends an error reply {"id":id,"ok":false,"error":{"kind":kind,"message":...}}. */
void send_err(uint32_t id, const char *kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- jobs (jobs.c) ---- */

/* A free slot, zeroed with its fds at -1; NULL when all MAX_JOBS are in use. */
job_t *job_alloc(void);
/* Starts a child for a job. On failure returns -1 with errno (and the job is freed). */
int job_start(job_t *j, char *const *argv, char *const *envp, const char *cwd, int64_t timeout_ms);
/* Signals the job's process group while its leader has not been reaped. */
void job_kill_group(job_t *j, int sig);
/* Counts n bytes of a call's output against its cap (killing the call once over) and sends what
 * fits as an event. */
void job_output(job_t *j, uint64_t *count, const char *stream, const char *p, size_t n);
/* Writes queued stdin to the child; closes its stdin once all of it is written after eof. */
void job_pump_input(job_t *j);
/* Reads one chunk from a child's stdout/stderr pipe and sends it as an event. */
void job_pump_output(job_t *j, int *fd, uint64_t *count, const char *stream);
/* Running (not detached) jobs of a kind. */
int jobs_count(job_kind k);
/* The running (not detached) job of a kind with this request id, or NULL. */
job_t *jobs_find(uint32_t id, job_kind k);
/* The host that asked for these calls is gone: stop them, and say nothing more about them. */
void jobs_detach_all(void);
/* Collects exited children (waitpid) into their jobs. */
void jobs_reap(void);
/* Timeouts, kills, pipe drains, and the final reply of every job that is done. */
void jobs_check(int64_t now);
/* out = dir/name (PATH_MAX). */
void agent_path_join(char *out, const char *dir, const char *name);
/* The image's base environment (runtime.json env) as a fresh vector, or NULL. */
char **agent_base_env(void);

/* ---- warm runners (warm.c) ---- */

/* Serves invoke job j on ep's warm runner, starting one if there is none. req_env is the call's
 * own env (sent with the request; the runner's process env is runtime + entrypoint env only).
 * Returns 0, or -1 with errno when no runner could start (the job is then freed). */
int warm_invoke(job_t *j, const entrypoint_t *ep, char **req_env, int64_t timeout_ms);
/* j's stdin is complete: frame the request and queue it for the runner. */
void warm_stdin_done(job_t *j);
/* Adds the runners' fds to the poll set; returns how many. pump: output may be read. */
int warm_pollfds(struct pollfd *pf, void **who, int pump);
/* One runner fd from the poll set is ready. Returns 0 when who is not a runner's. */
int warm_io(void *who);
/* A child was reaped: returns 1 when it was a warm runner (its call is settled in warm_check). */
int warm_reaped(pid_t pid, int status);
/* Hands finished replies and dead runners' calls to the job table; frees dead runners. */
void warm_check(int64_t now);
/* Milliseconds until warm_check has a deadline to act on, or timeout if none is sooner. */
int64_t warm_timeout(int64_t now, int64_t timeout);
/* Stops every warm runner (a busy one's call ends as wrapper_crashed); returns how many. */
int warm_drop_all(void);
/* Starts the entrypoint's warm runner now if it has none (the interpreter and runner only: the
 * user's module is still imported at its first call). Its pid (*started: whether it is new), or
 * -1 with errno. */
pid_t warm_prestart(const entrypoint_t *ep, int *started);

/* ---- readiness (ready.c) ---- */

/* Decides at start whether the agent is ready, failed, or must probe after_start. */
void ready_init(void);
/* Starts the next after_start probe when one is due. */
void ready_tick(int64_t now);
/* The after_start probe job ended: ready, retry later, or failed. */
void ready_probe_done(job_t *j);
/* Appends ,"ready":… and, when readiness failed, ,"ready_error":… to a reply. */
void ready_put(buf_t *b);

/* ---- request field helpers (request.c); each returns failure only after replying ---- */

/* Decodes "stdin_b64" (optional) into a malloc'd buffer. Returns 0, or -1 after replying. */
int request_stdin(const char *s, uint32_t id, unsigned char **data, size_t *len);
/* Reads the optional request "env" object into a "K=V" vector. Returns NULL after replying. */
char **request_env(const char *s, uint32_t id);
/* Reads the optional "timeout_ms" (absent, null or 0 → dflt). Returns 0, or -1 after replying. */
int request_timeout(const char *s, uint32_t id, int64_t dflt, int64_t *out);

/* ---- ops: calls (ops_call.c) and control (ops_control.c); s is the request, parsed into toks ---- */

void op_invoke(const char *s, uint32_t id);
void op_invoke_stdin(const char *s, uint32_t id);
void op_exec(const char *s, uint32_t id);
void op_hooks_run(const char *s, uint32_t id);
void op_hello(const char *s, uint32_t id);
void op_ping(uint32_t id);
void op_shutdown(const char *s, uint32_t id);
/* ops_restore.c: reseed the RNG, set the clock, stop warm runners (after a snapshot restore). */
void op_restore(const char *s, uint32_t id);
/* ops_call.c: start an entrypoint's warm runner ahead of its first call. */
void op_warm(const char *s, uint32_t id);
/* Runs the before_stop hook synchronously, killing it after grace_ms. Best effort. */
void run_before_stop(int64_t grace_ms);

#endif
