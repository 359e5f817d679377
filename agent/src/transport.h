/* The host channel: stdio, an inherited fd, a unix socket (tests), the virtio-serial port
 * `mvm.agent` (QEMU), or AF_VSOCK (VMMs with vsock). Only one host is served at a time. */
#ifndef MVM_TRANSPORT_H
#define MVM_TRANSPORT_H

#include "agent.h"
#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#define TR_READABLE 1
#define TR_WRITABLE 2

typedef struct {
    transport_kind kind;
    int rfd, wfd;   /* the live channel, or -1 */
    int port_fd;    /* virtio: the port stays open across host reconnects */
    int listen_fd;  /* unix / vsock */
    int connected;
    int ended;      /* stdio/fd reached EOF: the agent should exit */
    int64_t recheck_at; /* virtio: when to look for a host again */
    char desc[512];
    void (*on_disconnect)(void);
} transport;

int transport_open(transport *t, const agent_config *cfg);
/* Fills *pf if the channel needs polling now; returns 1 if it did. */
int transport_pollfd(transport *t, struct pollfd *pf, int want_write);
/* Handles revents for the fd from transport_pollfd (accepting, hang-ups); returns TR_* flags. */
int transport_ready(transport *t, short revents);
/* ms until transport_pollfd wants to be called again, or -1. */
int transport_timeout(const transport *t);
void transport_lost(transport *t, const char *why);
/* SIGIO arrived (a virtio host may have connected): look again at the next transport_pollfd. */
void transport_wake(transport *t);
/* Finds /dev/vportNpM whose sysfs name is `name`; 0 and the path, or -1. */
int find_virtio_port(const char *name, char *out, size_t cap);

#endif
