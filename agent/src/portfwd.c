/* The guest half of an inbound port forward (docs/adr/0011-port-forwards.md). The host's
 * forwarder reaches 10.0.2.15:RELAY through QEMU's hostfwd; a service declared with guest_addr
 * 127.0.0.1 listens on the guest's loopback only, which no packet from eth0 can reach, so this
 * relay accepts on RELAY and connects to 127.0.0.1:GUEST. RELAY ports sit above the kernel's
 * ephemeral range (61000+), so they never collide with a service binding 0.0.0.0:GUEST.
 * One forked process polls the listeners; each connection gets its own child that splices both
 * directions (half-close kept) and exits. Children are auto-reaped (SIGCHLD ignored). */
#define _GNU_SOURCE
#include "portfwd.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORTFWD_MAX 32

static int listen_on(const char *addr, int port) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, addr, &sin.sin_addr);
    if (bind(s, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(s, 64) != 0) {
        close(s);
        return -1;
    }
    return s;
}

/* Copies one chunk a -> b; 0 on EOF (b is half-closed), -1 on error, else bytes moved. */
static ssize_t pump(int a, int b) {
    char buf[65536];
    ssize_t n = read(a, buf, sizeof buf);
    if (n < 0 && errno == EINTR) return 1;
    if (n <= 0) {
        shutdown(b, SHUT_WR);
        return n;
    }
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(b, buf + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        off += w;
    }
    return n;
}

static void splice_conn(int client, int guest_port) {
    int up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)guest_port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (up < 0 || connect(up, (struct sockaddr *)&sin, sizeof sin) != 0) _exit(1); /* client sees a reset/close */
    struct pollfd p[2] = {{client, POLLIN, 0}, {up, POLLIN, 0}};
    int open_in = 1, open_out = 1;
    while (open_in || open_out) {
        p[0].fd = open_in ? client : -1;
        p[1].fd = open_out ? up : -1;
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (open_in && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = pump(client, up);
            if (n < 0) break;
            if (n == 0) open_in = 0;
        }
        if (open_out && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = pump(up, client);
            if (n < 0) break;
            if (n == 0) open_out = 0;
        }
    }
    _exit(0);
}

void portfwd_start(const char *spec) {
    if (!spec || !*spec) return;
    int relay[PORTFWD_MAX], guest[PORTFWD_MAX];
    size_t n = 0;
    for (const char *p = spec; *p && n < PORTFWD_MAX;) {
        char *end;
        long r = strtol(p, &end, 10);
        if (*end != '-') break;
        long g = strtol(end + 1, &end, 10);
        if (r < 1 || r > 65535 || g < 1 || g > 65535) break;
        relay[n] = (int)r;
        guest[n] = (int)g;
        n++;
        if (*end != ',') break;
        p = end + 1;
    }
    if (n == 0) {
        LOG("mvm.fwd=%s: no forward understood", spec);
        return;
    }
    pid_t pid = fork();
    if (pid != 0) {
        if (pid < 0) LOG("port forwards: fork: %s", strerror(errno));
        return;
    }
    signal(SIGCHLD, SIG_IGN); /* connection children reap themselves */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct pollfd fds[PORTFWD_MAX];
    for (size_t i = 0; i < n; i++) {
        fds[i].fd = listen_on("10.0.2.15", relay[i]);
        fds[i].events = POLLIN;
        if (fds[i].fd < 0) LOG("port forward 10.0.2.15:%d -> 127.0.0.1:%d: %s", relay[i], guest[i], strerror(errno));
        else LOG("port forward 10.0.2.15:%d -> 127.0.0.1:%d", relay[i], guest[i]);
    }
    for (;;) {
        if (poll(fds, n, -1) < 0) {
            if (errno == EINTR) continue;
            _exit(1);
        }
        for (size_t i = 0; i < n; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & POLLIN)) continue;
            int c = accept4(fds[i].fd, NULL, NULL, SOCK_CLOEXEC);
            if (c < 0) continue;
            pid_t k = fork();
            if (k == 0) {
                for (size_t j = 0; j < n; j++)
                    if (fds[j].fd >= 0) close(fds[j].fd);
                splice_conn(c, guest[i]);
            }
            close(c);
        }
    }
}
