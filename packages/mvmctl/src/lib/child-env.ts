// The environment of the long-lived helper processes the CLI starts (QEMU, the KVM probe, the
// egress proxy): only what they need, never the CLI's own environment. The CLI's environment may
// hold cloud credentials (AWS_*, GITHUB_TOKEN...), MVM_* settings and whatever the user exported;
// a VMM or a proxy that a guest talks to must not carry them (they would show in
// /proc/<pid>/environ, in core dumps, and in any child those processes start).

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** PATH (to find helpers such as QEMU's guestfwd command) and LANG=C (stable messages). Nothing else. */
export function helperEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { PATH: env.PATH || DEFAULT_PATH, LANG: "C" };
}
