#define _GNU_SOURCE
#include "proc.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *env_get(char *const *envp, const char *name) {
    size_t n = strlen(name);
    for (; envp && *envp; envp++)
        if (!strncmp(*envp, name, n) && (*envp)[n] == '=') return *envp + n + 1;
    return NULL;
}

/* PATH lookup against the child's environment, done in the parent so the error is precise. */
static int resolve(const char *prog, char *const *envp, char *out, size_t cap) {
    if (strchr(prog, '/')) {
        if (strlen(prog) >= cap) return ENAMETOOLONG;
        strcpy(out, prog);
        return access(out, X_OK) == 0 ? 0 : errno;
    }
    const char *path = env_get(envp, "PATH");
    if (!path) path = DEFAULT_PATH;
    int err = ENOENT;
    while (*path) {
        const char *end = strchr(path, ':');
        size_t dl = end ? (size_t)(end - path) : strlen(path);
        if (dl + strlen(prog) + 2 <= cap) {
            memcpy(out, dl ? path : ".", dl ? dl : 1);
            size_t o = dl ? dl : 1;
            out[o++] = '/';
            strcpy(out + o, prog);
            struct stat st;
            if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
                if (access(out, X_OK) == 0) return 0;
                err = EACCES;
            }
        }
        path += dl;
        if (*path == ':') path++;
    }
    return err;
}

int spawn(const spawn_opts *o, spawn_result *r) {
    char exe[PATH_MAX];
    int e = resolve(o->argv[0], o->envp, exe, sizeof exe);
    if (e) {
        errno = e;
        return -1;
    }
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, st[2] = {-1, -1}, ctl[2] = {-1, -1},
        rep[2] = {-1, -1};
    if ((o->pipe_stdin && pipe2(in, O_CLOEXEC)) || (o->pipe_output && (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))) ||
        (o->pipe_ctl && (pipe2(ctl, O_CLOEXEC) || pipe2(rep, O_CLOEXEC))) || pipe2(st, O_CLOEXEC))
        goto fail;
    pid_t pid = fork();
    if (pid < 0) goto fail;
    if (pid == 0) {
        /* Child: only async-signal-safe calls from here on. */
        setpgid(0, 0);
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        for (int s = 1; s < 32; s++)
            if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
        int nul = open("/dev/null", O_RDWR);
        if (dup2(o->pipe_stdin ? in[0] : nul, 0) < 0) goto child_fail;
        if (o->pipe_output && (dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)) goto child_fail;
        if (o->pipe_ctl) {
            /* Lift every end we still need above 10 first, so placing one on fd 3 or 4 cannot
             * clobber another that happens to sit there; dup2 then clears close-on-exec. */
            int c = fcntl(ctl[0], F_DUPFD_CLOEXEC, 10), p = fcntl(rep[1], F_DUPFD_CLOEXEC, 10);
            int s1 = fcntl(st[1], F_DUPFD_CLOEXEC, 10);
            if (s1 >= 0) st[1] = s1;
            if (c < 0 || p < 0 || s1 < 0 || dup2(c, 3) < 0 || dup2(p, 4) < 0) goto child_fail;
        }
        if (o->cwd && chdir(o->cwd) != 0) goto child_fail;
        /* Don't leak the agent's own fds (the host channel, other calls' pipes) into user code. */
        for (int fd = o->pipe_ctl ? 5 : 3; fd < 1024; fd++)
            if (fd != st[1]) close(fd);
        execve(exe, o->argv, o->envp);
    child_fail: {
        int code = errno;
        (void)!write(st[1], &code, sizeof code);
        _exit(127);
    }
    }
    close(st[1]);
    st[1] = -1;
    int code = 0;
    ssize_t n;
    do n = read(st[0], &code, sizeof code);
    while (n < 0 && errno == EINTR);
    close(st[0]);
    /* Set the group from the parent too, so a kill right after spawn can't miss it. */
    setpgid(pid, pid);
    if (in[0] >= 0) close(in[0]);
    if (out[1] >= 0) close(out[1]);
    if (err[1] >= 0) close(err[1]);
    if (ctl[0] >= 0) close(ctl[0]);
    if (rep[1] >= 0) close(rep[1]);
    if (n == (ssize_t)sizeof code) {
        /* exec failed: reap the child and report its errno */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
        if (in[1] >= 0) close(in[1]);
        if (out[0] >= 0) close(out[0]);
        if (err[0] >= 0) close(err[0]);
        if (ctl[1] >= 0) close(ctl[1]);
        if (rep[0] >= 0) close(rep[0]);
        errno = code;
        return -1;
    }
    r->pid = pid;
    r->in_fd = in[1];
    r->out_fd = out[0];
    r->err_fd = err[0];
    r->ctl_fd = ctl[1];
    r->rep_fd = rep[0];
    if (ctl[1] >= 0) set_nonblock_cloexec(ctl[1]);
    if (rep[0] >= 0) set_nonblock_cloexec(rep[0]);
    if (in[1] >= 0) set_nonblock_cloexec(in[1]);
    if (out[0] >= 0) set_nonblock_cloexec(out[0]);
    if (err[0] >= 0) set_nonblock_cloexec(err[0]);
    return 0;
fail: {
    int saved = errno;
    int fds[] = {in[0], in[1], out[0], out[1], err[0], err[1], st[0], st[1], ctl[0], ctl[1], rep[0], rep[1]};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0) close(fds[i]);
    errno = saved;
    return -1;
}
}

char **envv_build(char **const *lists) {
    size_t cap = 2;
    for (char **const *l = lists; *l; l++)
        for (char **p = *l; *p; p++) cap++;
    char **v = calloc(cap, sizeof(char *));
    if (!v) return NULL;
    size_t n = 0;
    v[n++] = strdup("PATH=" DEFAULT_PATH);
    for (char **const *l = lists; *l; l++) {
        for (char **p = *l; *p; p++) {
            size_t kl = strcspn(*p, "=");
            size_t i = 0;
            for (; i < n; i++)
                if (v[i] && !strncmp(v[i], *p, kl) && v[i][kl] == '=') break;
            char *d = strdup(*p);
            if (i < n) {
                free(v[i]);
                v[i] = d;
            } else {
                v[n++] = d;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!v[i]) {
            envv_free(v);
            return NULL;
        }
    return v;
}

void envv_free(char **v) {
    if (!v) return;
    for (char **p = v; *p; p++) free(*p);
    free(v);
}
