/*
 * mvm-egress-connect: QEMU's guestfwd runs this once per guest connection to the egress proxy
 * address (docs/adr/0008-egress-proxy.md), with the connection on stdin/stdout (slirp hands the
 * child one socket as fds 0, 1 and 2). It connects to the instance's proxy socket (argv[1], a unix
 * socket) and copies bytes both ways; every decision is the proxy's. It exits once the proxy has
 * closed its side and everything it sent has reached the guest (a guest EOF is passed on as a
 * half-close, after which the proxy closes), or at once on an error. A host tool, never linked into the guest agent: static musl,
 * so each connection costs a few hundred KiB instead of a Node process.
 *
 * Nothing may be written to stderr: it is the same socket, so it would reach the guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BUF_SIZE 65536

struct pipe_dir {
    int in, out;
    char buf[BUF_SIZE];
    size_t len, off;
    int eof;  /* read side saw EOF (or failed) */
    int done; /* everything written and the write side shut down */
};

static void shut_write(int fd) {
    if (shutdown(fd, SHUT_WR) < 0 && errno == ENOTSOCK) close(fd);
}

/* Moves what can be moved without blocking; returns -1 on a hard error. */
static int pump(struct pipe_dir *d, short rev_in, short rev_out) {
    if (!d->eof && d->len == 0 && (rev_in & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = read(d->in, d->buf, sizeof d->buf);
        if (n > 0) {
            d->len = (size_t)n;
            d->off = 0;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            d->eof = 1;
        }
    }
    if (d->len > 0 && (rev_out & (POLLOUT | POLLERR | POLLHUP))) {
        ssize_t n = write(d->out, d->buf + d->off, d->len);
        if (n > 0) {
            d->off += (size_t)n;
            d->len -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return -1;
        }
    }
    if (d->eof && d->len == 0 && !d->done) {
        shut_write(d->out);
        d->done = 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    size_t plen = strlen(argv[1]);
    if (plen == 0 || plen >= sizeof sa.sun_path) return 2;
    memcpy(sa.sun_path, argv[1], plen);
    int up = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (up < 0) return 1;
    if (connect(up, (struct sockaddr *)&sa, sizeof sa) < 0) return 1;
    /* stdin and stdout may be one socket: non-blocking applies to the shared file description. */
    for (int fd = 0; fd <= 1; fd++) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(up, F_SETFL, fcntl(up, F_GETFL) | O_NONBLOCK);

    static struct pipe_dir g2p, p2g; /* guest -> proxy, proxy -> guest */
    g2p.in = 0;
    g2p.out = up;
    p2g.in = up;
    p2g.out = 1;
    while (!p2g.done) {
        struct pollfd fds[4];
        /* 0: guest in, 1: proxy out, 2: proxy in, 3: guest out (-1 fds are ignored by poll). */
        fds[0] = (struct pollfd){.fd = (!g2p.eof && g2p.len == 0) ? 0 : -1, .events = POLLIN};
        fds[1] = (struct pollfd){.fd = g2p.len > 0 ? up : -1, .events = POLLOUT};
        fds[2] = (struct pollfd){.fd = (!p2g.eof && p2g.len == 0) ? up : -1, .events = POLLIN};
        fds[3] = (struct pollfd){.fd = p2g.len > 0 ? 1 : -1, .events = POLLOUT};
        if (poll(fds, 4, -1) < 0) {
            if (errno == EINTR) continue;
            return 1;
        }
        if (pump(&g2p, fds[0].revents, fds[1].revents) < 0) return 1;
        if (pump(&p2g, fds[2].revents, fds[3].revents) < 0) return 1;
    }
    return 0;
}
