#define _GNU_SOURCE
/* mvm-agent: the guest agent. As PID 1 (or invoked as .../init) it is the guest's init first
 * (init.c), then serves the host protocol from a child. Otherwise it serves the protocol on the
 * channel named by flags, which is how the host-side tests run it. */
#include "agent.h"
#include "init.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(void) {
    fputs("usage: mvm-agent [--stdio | --fd N | --listen-unix PATH | --listen-vsock PORT | --virtio NAME]\n"
          "                 [--root DIR] [--runtime-json PATH] [--hooks-dir DIR] [--runner-dir DIR] [--tmp-dir DIR]\n"
          "                 [--no-clock]\n"
          "As PID 1 (or when argv[0] ends in /init) it boots the guest; see docs/protocol.md.\n",
          stderr);
}

static int ends_with_init(const char *a) {
    size_t n = strlen(a);
    return n >= 5 && !strcmp(a + n - 5, "/init");
}

int main(int argc, char **argv) {
    if (getpid() == 1 || (argc > 0 && ends_with_init(argv[0]))) return init_main();
    static char rj[4096], hd[4096], rd[4096];
    agent_config cfg = {0};
    cfg.runtime_json = "/etc/mvm/runtime.json";
    cfg.hooks_dir = "/etc/mvm/hooks";
    cfg.runner_dir = "/usr/lib/mvm";
    cfg.tmp_dir = "/tmp";
    cfg.transport = T_AUTO;
    cfg.vsock_port = 5252;
    cfg.port_name = "mvm.agent";
    cfg.boot_ms = (int)boot_ms();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_ARG                 \
    if (!v) {                    \
        usage();                 \
        return 2;                \
    }                            \
    i++;
        if (!strcmp(a, "--stdio")) cfg.transport = T_STDIO;
        else if (!strcmp(a, "--fd")) { NEED_ARG cfg.transport = T_FD; cfg.fd = atoi(v); }
        else if (!strcmp(a, "--listen-unix")) { NEED_ARG cfg.transport = T_UNIX; cfg.unix_path = v; }
        else if (!strcmp(a, "--listen-vsock")) { NEED_ARG cfg.transport = T_VSOCK; cfg.vsock_port = atoi(v); }
        else if (!strcmp(a, "--virtio")) { NEED_ARG cfg.transport = T_VIRTIO; cfg.port_name = v; }
        else if (!strcmp(a, "--root")) {
            /* A fake guest root for tests: /etc/mvm and /usr/lib/mvm are looked up under it. */
            NEED_ARG
            snprintf(rj, sizeof rj, "%s/etc/mvm/runtime.json", v);
            snprintf(hd, sizeof hd, "%s/etc/mvm/hooks", v);
            snprintf(rd, sizeof rd, "%s/usr/lib/mvm", v);
            cfg.runtime_json = rj;
            cfg.hooks_dir = hd;
            cfg.runner_dir = rd;
        }
        else if (!strcmp(a, "--runtime-json")) { NEED_ARG cfg.runtime_json = v; }
        else if (!strcmp(a, "--hooks-dir")) { NEED_ARG cfg.hooks_dir = v; }
        else if (!strcmp(a, "--runner-dir")) { NEED_ARG cfg.runner_dir = v; }
        else if (!strcmp(a, "--tmp-dir")) { NEED_ARG cfg.tmp_dir = v; }
        else if (!strcmp(a, "--no-clock")) cfg.no_clock = 1; /* tests: restore must not set the host clock */
        else if (!strcmp(a, "--version")) { puts(MVM_AGENT_VERSION); return 0; }
        else { usage(); return 2; }
    }
    int rc = agent_run(&cfg);
    /* Outside PID-1 mode "power off" just means this process is done. */
    return rc == AGENT_EXIT_POWEROFF ? 0 : rc;
}
