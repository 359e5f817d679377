import * as mvm from "mvm-sdk";

// The same addons, with hooks in every accepted form, as app.py in this directory: all four routes
// (static and in-process, Python and TypeScript) give the same bytes.
export const svc = mvm.app({
  name: "hooked",
  image: mvm.python_image(),
  entrypoint: mvm.entrypoint({ command: ["python3", "-m", "svc"] }),
  addons: [
    {
      name: "otel",
      hooks: {
        // A string is one shell hook.
        before_build: "pip download otel > /tmp/otel.log",
        // A list of only strings is one argv hook.
        before_start: ["otelcol", "--config", "/etc/otel.yaml"],
        // hook(...) is one hook: a string gives a shell hook, a list an argv hook.
        after_start: mvm.hook(["curl", "-fsS", "http://127.0.0.1:4318/"]),
        // Any other list is a list of hooks, in order: hook(...), argv, shell.
        before_stop: [mvm.hook("kill -TERM $(cat /run/otel.pid)"), ["sync"], "echo otel stopped"],
      },
    },
    {
      name: "audit",
      hooks: {
        before_build: [["true"], ["auditctl", "-e", "1"]],
        before_start: mvm.hook("auditd -s"),
        // An empty list is no hooks.
        after_start: [],
      },
    },
    { name: "plain" },
  ],
  before_start: "echo app",
  after_start: [mvm.hook(["test", "-f", "/run/ready"]), "echo ready"],
})((): void => {});

mvm.emitJson();
