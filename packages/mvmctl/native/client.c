/*
 * mvmctl's native launcher and compile-server client (docs/adr/0013-compile-server.md).
 *
 * Node's start-up alone (~60 ms here) is as long as the whole `/usr/bin/python3 app.py` run that
 * `mvmctl compile` must not exceed, so `compile` is served by a resident Node process and this
 * client only forwards the call: argv, cwd, environment, umask and terminal facts go to the server
 * over a unix socket; stdout/stderr chunks and the exit code come back.
 *
 * Anything else, or any doubt (no bundle, stale bundle, MVM_NO_SERVER, stdin input, a socket
 * directory we did not make, a server that refuses), execs `node <pkg>/bin/mvmctl.js args...`:
 * exactly what the launcher did before the server existed.
 *
 * Wire format (all integers big-endian):
 *   request  "MVMC" u32 version u32 body_len, body =
 *            u32 flags (1: stdout is a TTY, 2: stderr is a TTY) u32 stdout_cols u32 stderr_cols
 *            u32 umask u32 argc u32 envc, then cwd, argv[1..], environ as (u32 len, bytes)
 *   reply    frames of u8 type, u32 len, payload: 1 stdout, 2 stderr, 3 exit (u32 code),
 *            4 refused (a message; nothing ran, so the client runs node itself)
 * The reply is untrusted input: types and lengths are checked, frames are capped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char **environ;

#define PROTO_VERSION 1u
#define MAX_REQUEST (4u << 20) /* the server's cap too (compile-server.ts) */
#define MAX_FRAME (1u << 20)
#define FRAME_STDOUT 1
#define FRAME_STDERR 2
#define FRAME_EXIT 3
#define FRAME_REFUSED 4

static char pkg_dir[PATH_MAX]; /* .../packages/mvmctl */

static void die(const char *what) {
  fprintf(stderr, "mvmctl: %s: %s\n", what, strerror(errno));
  exit(127);
}

/* Runs the CLI the ordinary way. Never returns. */
static void exec_node(int argc, char **argv) {
  char bin[PATH_MAX];
  if (snprintf(bin, sizeof bin, "%s/bin/mvmctl.js", pkg_dir) >= (int)sizeof bin) {
    errno = ENAMETOOLONG;
    die("bin/mvmctl.js");
  }
  char **args = calloc((size_t)argc + 2, sizeof *args);
  if (!args) die("calloc");
  args[0] = "node";
  args[1] = bin;
  for (int i = 1; i < argc; i++) args[i + 1] = argv[i];
  signal(SIGPIPE, SIG_DFL);
  execvp("node", args);
  die("exec node");
}

/* pkg_dir from /proc/self/exe: <pkg>/native/build/mvmctl-client. */
static int find_pkg_dir(void) {
  ssize_t n = readlink("/proc/self/exe", pkg_dir, sizeof pkg_dir - 1);
  if (n <= 0 || (size_t)n >= sizeof pkg_dir - 1) return -1;
  pkg_dir[n] = '\0';
  for (int up = 0; up < 3; up++) {
    char *slash = strrchr(pkg_dir, '/');
    if (!slash || slash == pkg_dir) return -1;
    *slash = '\0';
  }
  return 0;
}

static int set_env(const char *name) {
  const char *v = getenv(name);
  return v != NULL && v[0] != '\0';
}

/* st_mtim as one comparable number; -1 when the file is missing (as bin/mvmctl.js does). */
static long double mtime_of(const char *rel) {
  char p[PATH_MAX];
  struct stat st;
  if (snprintf(p, sizeof p, "%s/%s", pkg_dir, rel) >= (int)sizeof p) return -1;
  if (stat(p, &st) != 0) return -1;
  return (long double)st.st_mtim.tv_sec * 1e9L + (long double)st.st_mtim.tv_nsec;
}

/* The bundle's id (hex after "// mvm-bundle " on its first line) when the bundle is current. */
static int bundle_id(char *id, size_t cap) {
  long double bundle = mtime_of("dist/bundle/mvmctl.cjs");
  if (bundle < 0) return -1;
  if (bundle < mtime_of("dist/.tsbuildinfo") || bundle < mtime_of("../ir/dist/.tsbuildinfo")) return -1;
  char p[PATH_MAX];
  if (snprintf(p, sizeof p, "%s/dist/bundle/mvmctl.cjs", pkg_dir) >= (int)sizeof p) return -1;
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char head[64];
  ssize_t n;
  do n = read(fd, head, sizeof head - 1);
  while (n < 0 && errno == EINTR);
  close(fd);
  if (n <= 0) return -1;
  head[n] = '\0';
  static const char tag[] = "// mvm-bundle ";
  if (strncmp(head, tag, sizeof tag - 1) != 0) return -1;
  const char *h = head + sizeof tag - 1;
  size_t len = strspn(h, "0123456789abcdef");
  if (len == 0 || len >= cap || h[len] != '\n') return -1;
  memcpy(id, h, len);
  id[len] = '\0';
  return 0;
}

/*
 * The per-user socket directory, made 0700 if missing. Used only when it is a real directory (not
 * a link), ours, and exactly 0700: a directory someone else made, or one we cannot trust, is never
 * used or repaired. /tmp is sticky, so nobody else can swap it after this check.
 */
static int socket_dir(char *dir, size_t cap) {
  const char *base = getenv("XDG_RUNTIME_DIR");
  if (!base || base[0] != '/') base = "/tmp";
  if (snprintf(dir, cap, "%s/mvm-cli-%u", base, (unsigned)getuid()) >= (int)cap) return -1;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) return -1;
  struct stat st;
  if (lstat(dir, &st) != 0) return -1;
  if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 07777) != 0700) return -1;
  return 0;
}

/* Starts `node bin/mvmctl.js __serve SOCKET` detached (double fork, new session). */
static void start_server(const char *dir, const char *sock, const char *id) {
  pid_t pid = fork();
  if (pid < 0) return; /* no server this time: the caller runs node anyway */
  if (pid == 0) {
    pid_t g = fork();
    if (g != 0) _exit(g < 0 ? 1 : 0);
    if (setsid() < 0 || chdir("/") != 0) _exit(1);
    char log[PATH_MAX], bin[PATH_MAX];
    if (snprintf(log, sizeof log, "%s/compile-%s.log", dir, id) >= (int)sizeof log) _exit(1);
    if (snprintf(bin, sizeof bin, "%s/bin/mvmctl.js", pkg_dir) >= (int)sizeof bin) _exit(1);
    int null = open("/dev/null", O_RDWR);
    /* Appended: a server that lost the race to bind must not truncate the winner's log. */
    int err = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
    if (null < 0) _exit(1);
    if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(err >= 0 ? err : null, 2) < 0) _exit(1);
    if (close_range(3, ~0u, 0) != 0)
      for (int fd = 3; fd < 1024; fd++) close(fd);
    char *args[] = {"node", bin, "__serve", (char *)sock, NULL};
    execvp("node", args);
    _exit(127);
  }
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
}

/* --- the request ---------------------------------------------------------------------------- */

struct buf {
  unsigned char *p;
  size_t len, cap;
};

static int put(struct buf *b, const void *data, size_t n) {
  if (b->len + n > b->cap || b->len + n < b->len) return -1;
  memcpy(b->p + b->len, data, n);
  b->len += n;
  return 0;
}

static int put_u32(struct buf *b, uint32_t v) {
  unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                        (unsigned char)v};
  return put(b, x, 4);
}

static int put_str(struct buf *b, const char *s) {
  size_t n = strlen(s);
  if (n > MAX_REQUEST) return -1;
  return put_u32(b, (uint32_t)n) || put(b, s, n);
}

static uint32_t cols_of(int fd) {
  struct winsize ws;
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return 0;
  return ws.ws_col;
}

/* Builds the request into b (allocated here). -1 when it would exceed MAX_REQUEST. */
static int build_request(struct buf *b, int argc, char **argv) {
  char *cwd = getcwd(NULL, 0);
  if (!cwd) return -1;
  size_t envc = 0;
  for (char **e = environ; *e; e++) envc++;
  b->cap = 12 + MAX_REQUEST;
  b->len = 0;
  b->p = malloc(b->cap);
  if (!b->p) {
    free(cwd);
    return -1;
  }
  mode_t mask = umask(0);
  umask(mask);
  int out_tty = isatty(1), err_tty = isatty(2);
  uint32_t flags = (out_tty ? 1u : 0u) | (err_tty ? 2u : 0u);
  int bad = put(b, "MVMC", 4) || put_u32(b, PROTO_VERSION) || put_u32(b, 0) /* body_len, below */ ||
            put_u32(b, flags) || put_u32(b, out_tty ? cols_of(1) : 0) ||
            put_u32(b, err_tty ? cols_of(2) : 0) || put_u32(b, (uint32_t)mask) ||
            put_u32(b, (uint32_t)(argc - 1)) || put_u32(b, (uint32_t)envc) || put_str(b, cwd);
  free(cwd);
  for (int i = 1; !bad && i < argc; i++) bad = put_str(b, argv[i]);
  for (char **e = environ; !bad && *e; e++) bad = put_str(b, *e);
  if (bad) return -1;
  uint32_t body = (uint32_t)(b->len - 12);
  unsigned char x[4] = {(unsigned char)(body >> 24), (unsigned char)(body >> 16),
                        (unsigned char)(body >> 8), (unsigned char)body};
  memcpy(b->p + 8, x, 4);
  return 0;
}

/* --- I/O helpers ---------------------------------------------------------------------------- */

static int send_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* 1: read n bytes, 0: clean EOF before any byte, -1: error or EOF in the middle. */
static int read_full(int fd, unsigned char *p, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, p + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) return got == 0 ? 0 : -1;
    got += (size_t)r;
  }
  return 1;
}

/* Writes to our stdout/stderr; a closed reader (EPIPE) only drops the rest of that stream. */
static void write_out(int fd, int *dead, const unsigned char *p, size_t n) {
  while (!*dead && n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      *dead = 1;
      return;
    }
    p += w;
    n -= (size_t)w;
  }
}

static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Whether this call may go to the server at all (see the top of the file). */
static int wants_server(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "compile") != 0) return 0;
  if (set_env("MVM_NO_SERVER") || set_env("MVM_NO_BUNDLE")) return 0;
  /* The structured error channel is a descriptor of this process the server cannot write to; the
   * build's training run must run in its own process. */
  if (set_env("MVM_ERROR_FD") || set_env("MVM_BUNDLE_WRITE_CACHE")) return 0;
  for (int i = 2; i < argc; i++) {
    size_t n = strlen(argv[i]);
    /* Input on stdin (`-`, `--from-ir -`, `--from-ir=-`): the server cannot read our stdin. Paths
     * that name this process's descriptors would name the server's there. */
    if (strcmp(argv[i], "-") == 0 || (n >= 2 && strcmp(argv[i] + n - 2, "=-") == 0)) return 0;
    if (strstr(argv[i], "/dev/std") || strstr(argv[i], "/dev/fd/") || strstr(argv[i], "/proc/self/") ||
        strstr(argv[i], "/proc/thread-self/"))
      return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (find_pkg_dir() != 0) {
    errno = ENOENT;
    die("cannot find the mvmctl package from /proc/self/exe");
  }
  if (!wants_server(argc, argv)) exec_node(argc, argv);

  char id[40], dir[PATH_MAX / 2];
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (bundle_id(id, sizeof id) != 0 || socket_dir(dir, sizeof dir) != 0) exec_node(argc, argv);
  if (snprintf(addr.sun_path, sizeof addr.sun_path, "%s/compile-%s.sock", dir, id) >=
      (int)sizeof addr.sun_path)
    exec_node(argc, argv);

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) exec_node(argc, argv);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    /* No server (ENOENT) or a dead one (ECONNREFUSED): start one for the next call; this call
     * does not wait for it. */
    if (errno == ENOENT || errno == ECONNREFUSED) start_server(dir, addr.sun_path, id);
    close(fd);
    exec_node(argc, argv);
  }
  /* Only a server of our own uid can have bound in a 0700 directory of ours; check anyway. */
  struct ucred cred;
  socklen_t clen = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 || cred.uid != getuid()) {
    close(fd);
    exec_node(argc, argv);
  }

  /* Our stdout may be a pipe whose reader leaves early: drop that stream, do not die mid-reply. */
  signal(SIGPIPE, SIG_IGN);
  struct buf req;
  if (build_request(&req, argc, argv) != 0 || send_all(fd, req.p, req.len) != 0) {
    free(req.p);
    close(fd);
    exec_node(argc, argv);
  }
  free(req.p);

  unsigned char *frame = malloc(MAX_FRAME);
  if (!frame) die("malloc");
  int wrote = 0, out_dead = 0, err_dead = 0;
  for (;;) {
    unsigned char head[5];
    int ok = read_full(fd, head, sizeof head) == 1;
    int type = ok ? head[0] : 0;
    uint32_t len = ok ? get_u32(head + 1) : 0;
    ok = ok && len <= MAX_FRAME && type >= FRAME_STDOUT && type <= FRAME_REFUSED &&
         (type != FRAME_EXIT || len == 4) && read_full(fd, frame, len) != -1;
    if (!ok) {
      /* The server went away or sent garbage. Before any output nothing is lost: run node. */
      close(fd);
      if (!wrote) exec_node(argc, argv);
      fprintf(stderr, "mvmctl: lost the compile server's reply; rerun with MVM_NO_SERVER=1\n");
      return 1;
    }
    switch (type) {
    case FRAME_STDOUT:
      wrote = 1;
      write_out(1, &out_dead, frame, len);
      break;
    case FRAME_STDERR:
      wrote = 1;
      write_out(2, &err_dead, frame, len);
      break;
    case FRAME_EXIT:
      close(fd);
      return (int)(get_u32(frame) & 0xff);
    case FRAME_REFUSED:
      close(fd);
      if (!wrote) exec_node(argc, argv);
      fprintf(stderr, "mvmctl: the compile server refused the call: %.*s\n", (int)len, frame);
      return 1;
    }
  }
}
