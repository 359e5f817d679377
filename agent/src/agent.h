/* The agent: serves the protocol on one host channel, runs calls as child processes. */
#ifndef MVM_AGENT_H
#define MVM_AGENT_H

typedef enum { T_STDIO, T_FD, T_UNIX, T_VIRTIO, T_VSOCK, T_AUTO } transport_kind;

typedef struct {
    const char *runtime_json; /* /etc/mvm/runtime.json */
    const char *hooks_dir;    /* /etc/mvm/hooks */
    const char *runner_dir;   /* /usr/lib/mvm */
    const char *tmp_dir;      /* /tmp: per-call scratch dirs go here */
    transport_kind transport;
    int fd;                   /* T_FD */
    const char *unix_path;    /* T_UNIX */
    int vsock_port;           /* T_VSOCK, and T_AUTO's fallback */
    const char *port_name;    /* T_VIRTIO: virtio-serial port name */
    const char *boot_error;   /* set by init when boot went wrong; reported as ready_error */
    int boot_ms;              /* kernel-to-agent time, reported in hello */
    int builder;              /* mvm.builder=1: ready at once, after_start never probed */
    int no_clock;             /* restore leaves the clock alone (host-side tests) */
} agent_config;

/* The agent asks its parent (PID 1) to power off by exiting with this code. */
#define AGENT_EXIT_POWEROFF 100

/* Runs until the channel ends (stdio/fd) or shutdown; returns the process exit code. */
int agent_run(const agent_config *cfg);

#endif
