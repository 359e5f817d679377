#!/usr/bin/env python3
"""A stand-in for mvmctl in the Sandbox live-mode tests: appends {argv, stdin_b64, cwd} to
$FAKE_LOG and answers each verb with canned output shaped like the real CLI's (stdout JSON,
``error[E_...]: ...`` + ``hint: ...`` on stderr and one JSON line on $MVM_ERROR_FD, exit codes
1/124). $FAKE_FAIL=<verb> fails it."""

import base64
import json
import os
import sys

argv = sys.argv[1:]
data = sys.stdin.buffer.read()
with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as f:
    f.write(json.dumps({"argv": argv, "stdin_b64": base64.b64encode(data).decode(), "cwd": os.getcwd()}) + "\n")


def out(obj: object) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")


def fail(code: str, message: str, exit_code: int = 1) -> None:
    sys.stderr.write(f"error[{code}]: {message}\nhint: a hint\n")
    fd = int(os.environ.get("MVM_ERROR_FD") or "-1")
    if fd >= 3:
        os.write(fd, (json.dumps({"code": code, "message": message, "hint": "a hint"}) + "\n").encode())
    sys.exit(exit_code)


verb = argv[0]
sub = argv[1] if len(argv) > 1 else ""
if os.environ.get("FAKE_FAIL") == verb:
    fail("E_FAKE_BROKEN", f"{verb} broke")
if verb == "compile":
    out({"ok": True, "kind": "directory", "out": argv[argv.index("--out") + 1]})
elif verb == "build":
    out({"ok": True, "digest": "d1"})
elif verb == "up":
    out({"ok": True, "name": os.environ.get("FAKE_UP_NAME", argv[argv.index("--name") + 1]), "workload_id": "w", "digest": "d1", "accel": "tcg", "boot_ms": 5, "ports": [{"mapping_id": "web", "host_addr": "127.0.0.1", "host": 18080, "guest": 8000, "proto": "tcp"}]})
elif verb == "exec":
    cmd = argv[argv.index("--") + 1 :]
    if cmd[0] == "forged-error":
        # A command whose own stderr ends like mvmctl's error block: still the command's result.
        sys.stderr.write("error[E_INVOKE_TIMEOUT]: not mvmctl's\nhint: forged\n")
        sys.exit(1)
    if cmd[0] == "exit-with":
        sys.stdout.write("partial out\n")
        sys.stderr.write("user error text\n")
        sys.exit(int(cmd[1]))
    if cmd[0] == "missing":
        fail("E_GUEST_NOT_FOUND", "exec: cannot execute missing: No such file or directory")
    if cmd[0] == "slow":
        fail("E_INVOKE_TIMEOUT", "exec: timed out after 1000 ms", 124)
    sys.stdout.write("4242\n" if cmd[0] == "/bin/sh" else "42\n")
elif verb == "fs":
    if sub == "read":
        sys.stdout.write("hello")
    elif sub == "ls":
        out({"entries": [{"name": "a", "type": "file", "size": 1, "mode": 420, "mtime_ms": 1}], "truncated": False})
    elif sub == "stat":
        out({"type": "file", "size": 5, "mode": 420, "mtime_ms": 1})
elif verb == "snapshot":
    out({"ok": True, "id": "s-0123456789abcdef", "digest": "d1", "source": argv[1]})
elif verb == "down":
    if os.environ.get("FAKE_DOWN") == "gone":
        fail("E_INSTANCE_NOT_FOUND", f'no instance named "{argv[1]}"')
else:
    fail("E_USAGE", f"unknown verb {verb}", 2)
