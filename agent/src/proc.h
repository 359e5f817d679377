/* Starting children: argv + explicit environment, own process group, piped stdio. */
#ifndef MVM_PROC_H
#define MVM_PROC_H

#include <sys/types.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

typedef struct {
    char *const *argv;
    char *const *envp;   /* the complete environment; PATH inside it is used for lookup */
    const char *cwd;     /* NULL: inherit */
    int pipe_stdin;      /* else /dev/null */
    int pipe_output;     /* else inherit stdout/stderr (the console) */
    int pipe_ctl;        /* also a request pipe on the child's fd 3 and a reply pipe on its fd 4
                          * (warm runners: the result must not share a pipe with user output) */
} spawn_opts;

typedef struct {
    pid_t pid;
    int in_fd, out_fd, err_fd; /* -1 when not piped; parent ends are non-blocking */
    int ctl_fd, rep_fd;        /* pipe_ctl: writes to the child's fd 3, reads its fd 4; else -1 */
} spawn_result;

/* Returns 0, or -1 with errno set to why exec failed (ENOENT for a missing program). The child
 * runs in its own process group so a timeout can kill everything it started. */
int spawn(const spawn_opts *o, spawn_result *r);

/* Builds a fresh environment vector: PATH default, then each "K=V" list in order (later wins).
 * lists is NULL-terminated; each list is NULL-terminated. Free with envv_free. */
char **envv_build(char **const *lists);
void envv_free(char **v);

#endif
