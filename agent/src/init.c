/* PID 1. Boot sequence (docs/protocol.md "Boot"):
 *   mount /proc /sys /dev → load /etc/mvm/modules → mount root ro + tmpfs upper + overlay →
 *   switch root → mount /proc /sys /dev /dev/pts /dev/shm /tmp /run → hostname, lo up, eth0 up
 *   (only when a NIC exists: network mode bridge), env →
 *   before_start → command service → agent child; then reap forever.
 * Every step logs one "mvm-init: [seconds] ..." line to the console: when a boot fails that is
 * all anyone gets to see. A failed root mount does not panic: the agent still starts (from the
 * initramfs) and reports the failure as ready_error, so `mvmctl up` can show it. */
#define _GNU_SOURCE
#include "init.h"
#include "agent.h"
#include "modlist.h"
#include "portfwd.h"
#include "proc.h"
#include "runtime.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MODULE_INIT_COMPRESSED_FILE 4

static char boot_error[512];
/* mvm.builder=1: the build-time VM (docs/build.md "Builder VM"): the root disk is mounted
 * read-write with no overlay, and no before_start, service or after_start runs. */
static int builder_mode;

static void mnt(const char *src, const char *dst, const char *type, unsigned long flags, const char *data) {
    mkdir(dst, 0755);
    if (mount(src, dst, type, flags, data) != 0 && errno != EBUSY)
        LOG("mount %s on %s (%s) failed: %s", src, dst, type, strerror(errno));
}

/* Value of key=... on the kernel command line, or dflt. */
static const char *cmdline_get(const char *cmdline, const char *key, char *out, size_t cap, const char *dflt) {
    size_t kl = strlen(key);
    for (const char *p = cmdline; p && *p;) {
        while (*p == ' ' || *p == '\n') p++;
        size_t wl = strcspn(p, " \n");
        if (wl > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            size_t vl = wl - kl - 1;
            if (vl >= cap) vl = cap - 1;
            memcpy(out, p + kl + 1, vl);
            out[vl] = 0;
            return out;
        }
        p += wl;
    }
    snprintf(out, cap, "%s", dflt);
    return out;
}

/* finit_module of one path; 0 when loaded (or already there: built in, a dependency). */
static int load_module(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t n = strlen(path);
    int flags = (n > 3 && (!strcmp(path + n - 3, ".xz") || !strcmp(path + n - 3, ".gz"))) ||
                        (n > 4 && !strcmp(path + n - 4, ".zst"))
                    ? MODULE_INIT_COMPRESSED_FILE
                    : 0;
    int rc = syscall(SYS_finit_module, fd, "", flags) != 0 && errno != EEXIST ? -1 : 0;
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

#define MAX_MODULES 256

/* /etc/mvm/modules (format: modlist.h) in order. A module with device patterns is loaded only
 * when a present device's modalias matches one: the build lists the always-loaded ones (bus
 * drivers, filesystems) first, so virtio_mmio has registered the virtio devices (driver or not)
 * by then. Devices are looked at again after each load; should one appear after a module was
 * passed over (say, a bus driver loaded later), the list is walked again for what now matches. */
static void load_modules(void) {
    char *list = NULL;
    size_t len = 0;
    if (read_file("/etc/mvm/modules", 1 << 20, &list, &len) != 0) {
        LOG("no /etc/mvm/modules; assuming the kernel has its drivers built in");
        return;
    }
    static modline_t mods[MAX_MODULES];
    static moddevs_t devs;
    unsigned char done[MAX_MODULES] = {0};
    int err[MAX_MODULES] = {0};
    int n = 0;
    for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
        if (modlist_parse_line(line, &mods[n]) != 0) continue;
        if (++n == MAX_MODULES) {
            LOG("more than %d modules listed; the rest are ignored", MAX_MODULES);
            break;
        }
    }
    int loaded = 0, dirty = 1;
    for (int pass = 0; pass < 8; pass++) {
        size_t devs_at_skip = (size_t)-1; /* device count when something was first passed over */
        for (int i = 0; i < n; i++) {
            if (done[i]) continue;
            int cond = mods[i].patterns && *mods[i].patterns;
            if (cond) {
                if (dirty) {
                    modlist_scan("/sys", &devs);
                    dirty = 0;
                }
                if (!modlist_wanted(mods[i].patterns, &devs)) {
                    if (devs_at_skip == (size_t)-1) devs_at_skip = devs.n;
                    continue;
                }
            }
            if (load_module(mods[i].path) == 0) {
                done[i] = 1;
                loaded++;
                dirty = 1;
                err[i] = 0;
            } else if (cond) {
                /* maybe a dependency passed over before its device appeared: retried below */
                err[i] = errno;
                if (devs_at_skip == (size_t)-1) devs_at_skip = devs.n;
            } else {
                LOG("module %s: %s", mods[i].path, strerror(errno));
                done[i] = 1;
            }
        }
        if (devs_at_skip == (size_t)-1) break;
        if (dirty) {
            modlist_scan("/sys", &devs);
            dirty = 0;
        }
        if (devs.n == devs_at_skip && !devs.overflow) break;
    }
    int skipped = 0;
    for (int i = 0; i < n; i++) {
        if (done[i]) continue;
        if (err[i])
            LOG("module %s: %s", mods[i].path, strerror(err[i]));
        else
            skipped++;
    }
    free(list);
    LOG("modules loaded: %d, skipped: %d (no matching device)", loaded, skipped);
}

static int wait_for(const char *path, int ms) {
    int64_t until = mono_ms() + ms;
    struct stat st;
    while (stat(path, &st) != 0) {
        if (mono_ms() >= until) return -1;
        usleep(10000);
    }
    return 0;
}

static int mount_overlay(const char *dev, const char *fstype);
static int pivot_root_dir(void);

/* Mounts the root at /newroot (the overlay; read-write in builder mode) and switches into it.
 * Returns 0, or -1 (still in the initramfs) with boot_error set. */

static int switch_root(const char *cmdline) {
    char dev[128], fstype[32], wait_ms[16];
    cmdline_get(cmdline, "mvm.root", dev, sizeof dev, "/dev/vda");
    cmdline_get(cmdline, "mvm.rootfstype", fstype, sizeof fstype, "ext4");
    cmdline_get(cmdline, "mvm.rootwait_ms", wait_ms, sizeof wait_ms, "5000");
    if (wait_for(dev, atoi(wait_ms)) != 0) {
        snprintf(boot_error, sizeof boot_error, "root device %s did not appear within %s ms (missing virtio_blk?)",
                 dev, wait_ms);
        return -1;
    }
    mkdir("/mnt", 0755);
    mkdir("/mnt/lower", 0755);
    mkdir("/mnt/rw", 0755);
    mkdir("/newroot", 0755);
    if (builder_mode) {
        if (mount(dev, "/newroot", fstype, MS_NOATIME, NULL) != 0) {
            snprintf(boot_error, sizeof boot_error, "cannot mount %s (%s) read-write: %s", dev, fstype, strerror(errno));
            return -1;
        }
        LOG("builder: mounted %s (%s) read-write as the root", dev, fstype);
    } else if (mount_overlay(dev, fstype) != 0) {
        return -1;
    }
    return pivot_root_dir();
}

/* The image's root: the ext4 read-only below a tmpfs upper layer, at /newroot. */
static int mount_overlay(const char *dev, const char *fstype) {
    if (mount(dev, "/mnt/lower", fstype, MS_RDONLY, NULL) != 0) {
        snprintf(boot_error, sizeof boot_error, "cannot mount %s (%s) read-only: %s", dev, fstype, strerror(errno));
        return -1;
    }
    LOG("mounted %s (%s) read-only", dev, fstype);
    if (mount("tmpfs", "/mnt/rw", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) {
        snprintf(boot_error, sizeof boot_error, "cannot mount the tmpfs upper layer: %s", strerror(errno));
        return -1;
    }
    mkdir("/mnt/rw/upper", 0755);
    mkdir("/mnt/rw/work", 0755);
    if (mount("overlay", "/newroot", "overlay", 0, "lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work") != 0) {
        snprintf(boot_error, sizeof boot_error, "cannot mount the overlay root: %s (missing overlay module?)",
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* Moves /dev into /newroot and makes /newroot the root. */
static int pivot_root_dir(void) {
    /* Keep the layers reachable in the new root (for debugging), then move /dev along: it holds
     * the device nodes devtmpfs already made. /proc and /sys are simply mounted afresh. */
    mkdir("/newroot/run", 0755);
    umount2("/proc", MNT_DETACH);
    umount2("/sys", MNT_DETACH);
    mkdir("/newroot/dev", 0755);
    if (mount("/dev", "/newroot/dev", NULL, MS_MOVE, NULL) != 0) LOG("move /dev: %s", strerror(errno));
    if (chdir("/newroot") != 0 || mount(".", "/", NULL, MS_MOVE, NULL) != 0 || chroot(".") != 0 || chdir("/") != 0) {
        snprintf(boot_error, sizeof boot_error, "switch root failed: %s", strerror(errno));
        return -1;
    }
    LOG("switched root to %s", builder_mode ? "the builder disk" : "the overlay");
    return 0;
}

static void mount_runtime_fs(void) {
    mnt("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    mnt("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    mnt("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
    mnt("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666");
    mnt("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    mnt("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    mnt("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
}

static void lo_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return;
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) LOG("lo up: %s", strerror(errno));
    }
    close(s);
}

static int set_addr(int s, const char *ifname, unsigned long req, const char *addr) {
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    inet_pton(AF_INET, addr, &sin.sin_addr);
    memcpy(&ifr.ifr_addr, &sin, sizeof sin);
    return ioctl(s, req, &ifr);
}

/* Network mode bridge: the host gives the guest one virtio-net NIC on QEMU user networking that
 * reaches nothing but the egress proxy at 10.0.2.100:3128 (docs/adr/0008-egress-proxy.md). A
 * static address on the proxy's subnet is all it takes; there is deliberately no default route, so
 * a client that ignores the proxy env fails at once (ENETUNREACH) instead of timing out. With no
 * NIC (mode none) nothing happens. Addresses match GUEST_NET in runtime/vmm/qemu-args.ts. */
static void eth0_up(void) {
    if (if_nametoindex("eth0") == 0) return;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        LOG("eth0: socket: %s", strerror(errno));
        return;
    }
    if (set_addr(s, "eth0", SIOCSIFADDR, "10.0.2.15") != 0 ||
        set_addr(s, "eth0", SIOCSIFNETMASK, "255.255.255.0") != 0) {
        LOG("eth0: cannot set 10.0.2.15/24: %s", strerror(errno));
        close(s);
        return;
    }
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "eth0");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) LOG("eth0 up: %s", strerror(errno));
        else LOG("eth0 up: 10.0.2.15/24, egress only through the proxy at 10.0.2.100:3128");
    }
    close(s);
}

/* /etc/mvm/env: KEY=VALUE lines applied to init's environment (inherited by hooks/services). */
static void apply_env_file(void) {
    char *text = NULL;
    size_t len = 0;
    if (read_file("/etc/mvm/env", 1 << 20, &text, &len) != 0) return;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *eq = strchr(line, '=');
        if (!eq || !env_name_ok(line, (size_t)(eq - line))) continue;
        *eq = 0;
        setenv(line, eq + 1, 1);
    }
    free(text);
}

static void set_hostname(const runtime_t *rt) {
    char name[64] = "mvm";
    if (rt->workload_id) {
        size_t o = 0;
        for (const char *p = rt->workload_id; *p && o < sizeof name - 1; p++)
            name[o++] = ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-') ? *p : '-';
        name[o] = 0;
    }
    if (sethostname(name, strlen(name)) != 0) LOG("sethostname: %s", strerror(errno));
}

static int run_hook_blocking(const char *phase) {
    char hook[128];
    snprintf(hook, sizeof hook, "/etc/mvm/hooks/%s.sh", phase);
    if (access(hook, F_OK) != 0) return 0;
    LOG("running %s", phase);
    char *argv[] = {"/bin/sh", hook, NULL};
    spawn_opts o = {argv, environ, "/", 0, 0, 0};
    spawn_result r;
    if (spawn(&o, &r) != 0) {
        LOG("%s: cannot run %s: %s", phase, hook, strerror(errno));
        return -1;
    }
    int st = 0;
    while (waitpid(r.pid, &st, 0) < 0 && errno == EINTR) {}
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    LOG("%s exited with %d", phase, code);
    return code;
}

static pid_t start_agent(void) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    mvm_log_prefix = "mvm-agent";
    agent_config cfg = {0};
    cfg.runtime_json = "/etc/mvm/runtime.json";
    cfg.hooks_dir = "/etc/mvm/hooks";
    cfg.runner_dir = "/usr/lib/mvm";
    cfg.tmp_dir = "/tmp";
    cfg.transport = T_AUTO;
    cfg.vsock_port = 5252;
    cfg.port_name = "mvm.agent";
    cfg.boot_error = boot_error[0] ? boot_error : NULL;
    cfg.boot_ms = (int)boot_ms();
    cfg.builder = builder_mode;
    _exit(agent_run(&cfg));
}

static pid_t start_service(const entrypoint_t *ep, const runtime_t *rt) {
    static char *empty[] = {NULL};
    char **const lists[] = {rt->env ? rt->env : empty, ep->env, NULL};
    char **env = envv_build(lists);
    spawn_opts o = {ep->command, env, ep->working_dir, 0, 0, 0};
    spawn_result r;
    int rc = env ? spawn(&o, &r) : -1;
    envv_free(env);
    if (rc != 0) {
        LOG("service %s: cannot start %s: %s", ep->name, ep->command[0], strerror(errno));
        return -1;
    }
    LOG("service %s started (pid %d)", ep->name, r.pid);
    return r.pid;
}

static void power_off(void) {
    LOG("powering off");
    kill(-1, SIGTERM);
    int64_t until = mono_ms() + 2000;
    while (mono_ms() < until) {
        if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD) break;
        usleep(20000);
    }
    kill(-1, SIGKILL);
    sync();
    reboot(RB_POWER_OFF);
    /* No ACPI poweroff: a reboot ends QEMU when it runs with -no-reboot. */
    reboot(RB_AUTOBOOT);
    for (;;) pause();
}

int init_main(void) {
    mvm_log_prefix = "mvm-init";
    setenv("PATH", DEFAULT_PATH, 1);
    if (!getenv("HOME")) setenv("HOME", "/root", 1);
    LOG("starting (pid %d)", getpid());
    mnt("proc", "/proc", "proc", 0, NULL);
    mnt("sysfs", "/sys", "sysfs", 0, NULL);
    mnt("devtmpfs", "/dev", "devtmpfs", 0, "mode=0755");
    /* stdio to the console, in case the kernel gave us nothing */
    int con = open("/dev/console", O_RDWR | O_CLOEXEC);
    if (con >= 0) {
        if (fcntl(2, F_GETFD) < 0) dup2(con, 2);
        if (fcntl(1, F_GETFD) < 0) dup2(con, 1);
        if (fcntl(0, F_GETFD) < 0) dup2(con, 0);
        close(con);
    }
    char *cmdline = NULL;
    size_t cl = 0;
    if (read_file("/proc/cmdline", 65536, &cmdline, &cl) != 0) cmdline = strdup("");
    char fwd[512];
    cmdline_get(cmdline, "mvm.fwd", fwd, sizeof fwd, "");
    load_modules();
    char tmp[8];
    builder_mode = !strcmp(cmdline_get(cmdline, "mvm.builder", tmp, sizeof tmp, "0"), "1");
    if (!strcmp(cmdline_get(cmdline, "mvm.switch_root", tmp, sizeof tmp, "1"), "0"))
        LOG("mvm.switch_root=0: staying in the initramfs");
    else if (switch_root(cmdline) != 0)
        LOG("BOOT FAILED: %s; starting the agent from the initramfs so the host can see why", boot_error);
    free(cmdline);
    mount_runtime_fs();
    lo_up();
    eth0_up();
    portfwd_start(fwd);
    apply_env_file();
    runtime_t rt;
    runtime_load(&rt, "/etc/mvm/runtime.json");
    set_hostname(&rt);
    if (!boot_error[0] && !builder_mode) {
        int rc = run_hook_blocking("before_start");
        if (rc != 0) snprintf(boot_error, sizeof boot_error, "before_start failed with exit code %d", rc);
    }
    /* Children's deaths arrive as SIGCHLD; block the signals we handle and wait for them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    const entrypoint_t *svc = NULL;
    for (size_t i = 0; rt.valid && !builder_mode && i < rt.neps; i++)
        if (!rt.eps[i].is_function) svc = &rt.eps[i];
    pid_t svc_pid = -1, agent = start_agent();
    int64_t svc_restart_at = svc && !boot_error[0] ? mono_ms() : 0, svc_backoff = 1000, agent_restart_at = 0;
    LOG("agent started (pid %d)", agent);
    for (;;) {
        int64_t now = mono_ms();
        if (svc && svc_restart_at && now >= svc_restart_at) {
            svc_pid = start_service(svc, &rt);
            svc_restart_at = svc_pid < 0 ? now + svc_backoff : 0;
        }
        if (agent_restart_at && now >= agent_restart_at) {
            agent = start_agent();
            agent_restart_at = 0;
            LOG("agent restarted (pid %d)", agent);
        }
        struct timespec ts = {0, 200 * 1000000L};
        siginfo_t si;
        int sig = sigtimedwait(&set, &si, &ts);
        if (sig == SIGTERM || sig == SIGINT || sig == SIGUSR2) power_off();
        int st;
        pid_t pid;
        while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
            if (pid == agent) {
                if (WIFEXITED(st) && WEXITSTATUS(st) == AGENT_EXIT_POWEROFF) power_off();
                LOG("agent exited (status %d); restarting in 1 s", st);
                agent = -1;
                agent_restart_at = mono_ms() + 1000;
            } else if (pid == svc_pid) {
                svc_pid = -1;
                /* A command entrypoint that exits 0 has finished its work (a batch worker): it
                   stays finished. A failure or a death by signal is restarted with backoff, as a
                   service would be. */
                if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
                    LOG("service %s finished (exit 0); not restarted", svc->name);
                } else {
                    if (WIFEXITED(st))
                        LOG("service %s exited with %d; restarting in %lld ms", svc->name, WEXITSTATUS(st),
                            (long long)svc_backoff);
                    else
                        LOG("service %s killed by signal %d; restarting in %lld ms", svc->name,
                            WIFSIGNALED(st) ? WTERMSIG(st) : 0, (long long)svc_backoff);
                    svc_restart_at = mono_ms() + svc_backoff;
                    if (svc_backoff < 30000) svc_backoff *= 2;
                }
            }
        }
    }
}
