#define _GNU_SOURCE
#include "transport.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
/* <linux/vm_sockets.h> isn't in musl's include path; this is its ABI. */
struct mvm_sockaddr_vm {
    unsigned short svm_family;
    unsigned short svm_reserved1;
    unsigned int svm_port;
    unsigned int svm_cid;
    unsigned char svm_zero[4];
};
#define VMADDR_CID_ANY 0xFFFFFFFFu
#define VIRTIO_RECHECK_MS 100

int find_virtio_port(const char *name, char *out, size_t cap) {
    DIR *d = opendir("/sys/class/virtio-ports");
    if (!d) return -1;
    struct dirent *e;
    int rc = -1;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[512], got[128] = {0};
        snprintf(p, sizeof p, "/sys/class/virtio-ports/%s/name", e->d_name);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = read(fd, got, sizeof got - 1);
        close(fd);
        while (n > 0 && (got[n - 1] == '\n' || got[n - 1] == 0)) got[--n] = 0;
        if (n > 0 && !strcmp(got, name)) {
            snprintf(out, cap, "/dev/%s", e->d_name);
            rc = 0;
            break;
        }
    }
    closedir(d);
    return rc;
}

/* While no host is connected, ask the kernel for SIGIO on the port: virtio_console raises it when
 * the host side opens (VIRTIO_CONSOLE_PORT_OPEN), so a host that connects is served at once
 * instead of at the next VIRTIO_RECHECK_MS look (which stays as the fallback). While connected it
 * is off: data arriving would raise it too, and poll already covers that. */
static void virtio_async(transport *t, int on) {
    int fl = fcntl(t->port_fd, F_GETFL);
    if (fl < 0) return;
    if (on && fcntl(t->port_fd, F_SETOWN, getpid()) != 0) return;
    (void)fcntl(t->port_fd, F_SETFL, on ? (fl | O_ASYNC) : (fl & ~O_ASYNC));
}

void transport_wake(transport *t) {
    if (t->kind == T_VIRTIO && !t->connected) t->recheck_at = 0;
}

static int open_listener(transport *t, const agent_config *cfg) {
    int fd;
    if (t->kind == T_UNIX) {
        struct sockaddr_un a = {0};
        a.sun_family = AF_UNIX;
        if (strlen(cfg->unix_path) >= sizeof a.sun_path) {
            LOG("unix socket path too long: %s", cfg->unix_path);
            return -1;
        }
        strcpy(a.sun_path, cfg->unix_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        unlink(cfg->unix_path);
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0) {
            LOG("cannot listen on %s: %s", cfg->unix_path, strerror(errno));
            return -1;
        }
        snprintf(t->desc, sizeof t->desc, "unix:%.400s", cfg->unix_path);
    } else {
        struct mvm_sockaddr_vm a = {0};
        a.svm_family = AF_VSOCK;
        a.svm_port = (unsigned)cfg->vsock_port;
        a.svm_cid = VMADDR_CID_ANY;
        fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0) {
            LOG("cannot listen on vsock port %d: %s", cfg->vsock_port, strerror(errno));
            if (fd >= 0) close(fd);
            return -1;
        }
        snprintf(t->desc, sizeof t->desc, "vsock:%d", cfg->vsock_port);
    }
    set_nonblock_cloexec(fd);
    t->listen_fd = fd;
    return 0;
}

int transport_open(transport *t, const agent_config *cfg) {
    memset(t, 0, sizeof *t);
    t->rfd = t->wfd = t->port_fd = t->listen_fd = -1;
    t->kind = cfg->transport;
    switch (t->kind) {
    case T_STDIO:
        t->rfd = 0;
        t->wfd = 1;
        set_nonblock_cloexec(0);
        set_nonblock_cloexec(1);
        t->connected = 1;
        snprintf(t->desc, sizeof t->desc, "stdio");
        return 0;
    case T_FD:
        t->rfd = t->wfd = cfg->fd;
        set_nonblock_cloexec(cfg->fd);
        t->connected = 1;
        snprintf(t->desc, sizeof t->desc, "fd %d", cfg->fd);
        return 0;
    case T_UNIX:
    case T_VSOCK: return open_listener(t, cfg);
    case T_VIRTIO:
    case T_AUTO: {
        char path[256];
        /* The port appears once virtio_console has probed; give it a few seconds. */
        int64_t until = mono_ms() + (t->kind == T_AUTO ? 3000 : 10000);
        while (find_virtio_port(cfg->port_name, path, sizeof path) != 0) {
            if (mono_ms() >= until) {
                if (t->kind == T_AUTO) {
                    LOG("no virtio-serial port named %s; trying vsock port %d", cfg->port_name, cfg->vsock_port);
                    t->kind = T_VSOCK;
                    return open_listener(t, cfg);
                }
                LOG("no virtio-serial port named %s", cfg->port_name);
                return -1;
            }
            usleep(20000);
        }
        t->kind = T_VIRTIO;
        t->port_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (t->port_fd < 0) {
            LOG("cannot open %s: %s", path, strerror(errno));
            return -1;
        }
        snprintf(t->desc, sizeof t->desc, "virtio-serial %.64s (%.200s)", cfg->port_name, path);
        t->recheck_at = 0; /* look for a host right away */
        virtio_async(t, 1);
        return 0;
    }
    }
    return -1;
}

static void virtio_check(transport *t) {
    /* POLLHUP on a virtio port means "no host has the other end open". It is level-triggered,
     * so while disconnected we look every VIRTIO_RECHECK_MS instead of polling the fd. */
    struct pollfd p = {t->port_fd, POLLIN, 0};
    if (poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP)) {
        t->connected = 1;
        t->rfd = t->wfd = t->port_fd;
        virtio_async(t, 0);
        LOG("host connected on %s", t->desc);
    } else {
        t->recheck_at = mono_ms() + VIRTIO_RECHECK_MS;
    }
}

int transport_pollfd(transport *t, struct pollfd *pf, int want_write) {
    if (t->kind == T_VIRTIO && !t->connected) {
        if (mono_ms() >= t->recheck_at) virtio_check(t);
        if (!t->connected) return 0;
    }
    if ((t->kind == T_UNIX || t->kind == T_VSOCK) && !t->connected) {
        *pf = (struct pollfd){t->listen_fd, POLLIN, 0};
        return 1;
    }
    if (!t->connected) return 0;
    *pf = (struct pollfd){t->rfd, (short)(POLLIN | (want_write ? POLLOUT : 0)), 0};
    if (t->wfd != t->rfd && want_write) {
        /* stdio: reads on 0, writes on 1. Poll 0 here; the loop flushes every round anyway. */
        pf->events = POLLIN;
    }
    return 1;
}

int transport_timeout(const transport *t) {
    if (t->kind == T_VIRTIO && !t->connected) {
        int64_t d = t->recheck_at - mono_ms();
        return d < 0 ? 0 : (int)d;
    }
    if (t->kind == T_STDIO) return 50; /* see transport_pollfd: stdout backpressure is polled */
    return -1;
}

int transport_ready(transport *t, short revents) {
    if ((t->kind == T_UNIX || t->kind == T_VSOCK) && !t->connected) {
        int c = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c >= 0) {
            t->rfd = t->wfd = c;
            t->connected = 1;
            LOG("host connected on %s", t->desc);
        }
        return 0;
    }
    int f = 0;
    if (revents & POLLIN) f |= TR_READABLE;
    if (revents & POLLOUT) f |= TR_WRITABLE;
    if ((revents & (POLLHUP | POLLERR)) && !(revents & POLLIN)) {
        transport_lost(t, "hang-up");
        return 0;
    }
    return f;
}

void transport_lost(transport *t, const char *why) {
    if (!t->connected) return;
    LOG("host disconnected from %s (%s)", t->desc, why);
    t->connected = 0;
    switch (t->kind) {
    case T_STDIO:
    case T_FD: t->ended = 1; break;
    case T_UNIX:
    case T_VSOCK:
        close(t->rfd);
        t->rfd = t->wfd = -1;
        break;
    case T_VIRTIO:
        t->rfd = t->wfd = -1;
        /* SIGIO first, then look again at once: a host that reconnected before SIGIO was armed
         * (its PORT_OPEN raised no signal) is found by that look, not 100 ms later. */
        virtio_async(t, 1);
        t->recheck_at = 0;
        break;
    default: break;
    }
    if (t->on_disconnect) t->on_disconnect();
}
