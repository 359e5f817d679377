"""Sandbox live mode against a stand-in mvmctl (fake_mvmctl.py): each call must become the right
mvmctl argv, and mvmctl's output and error blocks must come back as results or typed errors.
Mirrors packages/sdk/test/sandbox-live.test.ts."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import tempfile
import unittest
from typing import Any
from unittest import mock

import mvm
from mvm._sandbox_cli import cli_command, parse_error_channel, redact_argv
from mvm._sandbox_live import start_script

FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_mvmctl.py")


class SandboxLiveTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="mvm-py-live-")
        self.log = os.path.join(self.dir, "log.jsonl")
        open(self.log, "w").close()
        env = {"MVM_SDK_MODE": "live", "MVM_CLI_BIN": FAKE, "FAKE_LOG": self.log}
        patcher = mock.patch.dict(os.environ, env)
        patcher.start()
        self.addCleanup(patcher.stop)
        for k in ("FAKE_FAIL", "FAKE_DOWN"):
            os.environ.pop(k, None)
        self.addCleanup(shutil.rmtree, self.dir, True)

    def calls(self) -> list[dict[str, Any]]:
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(ln) for ln in f if ln.strip()]

    def test_create_compiles_builds_and_boots(self) -> None:
        sb = mvm.Sandbox.create("python-3.12", workload_id="ETL job", env={"MODEL": mvm.literal("/m")}, ttl=60)
        compile_, build, up, *rest = self.calls()
        self.assertEqual(rest, [])
        self.assertEqual(compile_["argv"][:4], ["compile", "--from-recording", "-", "--out"])
        self.assertEqual(compile_["argv"][5:], ["--json"])
        rec = json.loads(base64.b64decode(compile_["stdin_b64"]))
        self.assertEqual(
            rec,
            {
                "workload_id": "ETL job",
                "create": {"template": "python-3.12", "env": {"MODEL": {"kind": "literal", "value": "/m"}}, "ttl_seconds": 60, "command": ["sleep", "infinity"]},
                "ops": [],
            },
        )
        self.assertNotEqual(os.path.realpath(compile_["cwd"]), os.path.realpath(os.getcwd()))
        self.assertEqual(build["argv"], ["build", compile_["argv"][4], "--json"])
        self.assertEqual(up["argv"][:3], ["up", "d1", "--name"])
        self.assertRegex(up["argv"][3], r"^etl-job-[0-9a-f]{8}$")
        self.assertEqual(sb.name, up["argv"][3])
        self.assertEqual((sb.info or {})["accel"], "tcg")

    def test_create_with_command_and_include_uses_cwd(self) -> None:
        mvm.Sandbox.create("node-22", command=["node", "server.js"], include=["src/**"])
        c = self.calls()[0]
        rec = json.loads(base64.b64decode(c["stdin_b64"]))
        self.assertEqual(rec["create"]["command"], ["node", "server.js"])
        self.assertEqual(os.path.realpath(c["cwd"]), os.path.realpath(os.getcwd()))
        self.assertRegex(self.calls()[2]["argv"][3], r"^sandbox-[0-9a-f]{8}$")

    def test_ports_and_get_host_come_from_up_json(self) -> None:
        sb = mvm.Sandbox.create("python-3.12")
        self.assertEqual(sb.ports, [{"mapping_id": "web", "host": "127.0.0.1", "port": 18080, "guest": 8000}])
        self.assertEqual(sb.get_host(8000), "127.0.0.1:18080")
        with self.assertRaises(mvm.SandboxNotFoundError) as cm:
            sb.get_host(9000)
        self.assertIn("guest port 9000", str(cm.exception))
        self.assertIn("8000", cm.exception.hint or "")

    def test_network_ports_are_recorded(self) -> None:
        net = mvm.network(mode="bridge", ports=[{"mapping_id": "web", "host": 8080, "guest": 8000}])
        mvm.Sandbox.create("python-3.12", network=net)
        rec = json.loads(base64.b64decode(self.calls()[0]["stdin_b64"]))
        self.assertEqual(rec["create"]["network"]["mode"], "bridge")
        self.assertEqual([(p["mapping_id"], p["host"], p["guest"]) for p in rec["create"]["network"]["ports"]], [("web", 8080, 8000)])

    def test_failing_build_is_live_error(self) -> None:
        os.environ["FAKE_FAIL"] = "build"
        with self.assertRaises(mvm.SandboxLiveError) as cm:
            mvm.Sandbox.create("minimal")
        e = cm.exception
        self.assertEqual((e.code, e.cli_code, e.exit_code, e.argv[1]), ("E_SDK_LIVE", "E_FAKE_BROKEN", 1, "build"))
        self.assertIn("build broke", e.stderr)
        self.assertIn("build broke", e.message)
        self.assertEqual(len(self.calls()), 2)

    def test_failing_up_runs_down(self) -> None:
        os.environ["FAKE_FAIL"] = "up"
        with self.assertRaises(mvm.SandboxLiveError):
            mvm.Sandbox.create("minimal")
        c = self.calls()
        self.assertEqual(c[-1]["argv"][:2], ["down", c[-2]["argv"][3]])

    def test_hostile_instance_names_never_reach_mvmctl(self) -> None:
        from mvm._sandbox_live import LiveSession, assert_instance_name, instance_name, live_create

        hostile = ["..", ".", "...", "../victim", "../../victim", "a/b", "%2e%2e", "victim\n", "a\x00b", "a" * 64, "\u0430bc", "\uff0e\uff0e", "-all", "", "Victim", 3, None]
        for name in hostile:
            with self.assertRaises(mvm.MvmError) as e:
                assert_instance_name(name)
            self.assertEqual(e.exception.code, "E_INSTANCE_NAME_INVALID", repr(name))
            with self.assertRaises(mvm.MvmError):
                LiveSession(name, {})  # type: ignore[arg-type]
            with self.assertRaises(mvm.MvmError):
                live_create({}, name, None)  # type: ignore[arg-type]
        self.assertEqual(self.calls(), [])
        for wid in ["..", "../..", "\u0430\u0430", "\n\n", "K\u212a", "." * 100, "x" * 500]:
            self.assertRegex(instance_name(wid), r"\A[a-z0-9][a-z0-9._-]{0,62}\Z")

    def test_up_reporting_another_name_is_refused_and_only_ours_is_downed(self) -> None:
        for reported in ["..", "../../victim", "other-name"]:
            os.environ["FAKE_UP_NAME"] = reported
            try:
                with self.assertRaises(mvm.MvmError) as e:
                    mvm.Sandbox.create("minimal")
            finally:
                os.environ.pop("FAKE_UP_NAME", None)
            self.assertEqual(e.exception.code, "E_INSTANCE_NAME_INVALID")
            c = self.calls()
            self.assertEqual(c[-1]["argv"], ["down", c[-2]["argv"][3]])
            self.assertNotIn(reported, [a for call in c for a in call["argv"] if call["argv"][0] == "down"])

    def test_exec_flags_and_nonzero_exit_is_a_result(self) -> None:
        sb = mvm.Sandbox.create("minimal")
        r = sb.exec(["exit-with", "3"], cwd="/app", env={"A": "1"}, timeout=1.5)
        self.assertEqual(self.calls()[-1]["argv"], ["exec", sb.name, "--cwd", "/app", "-e", "A=1", "--timeout", "1500ms", "--", "exit-with", "3"])
        self.assertEqual((r.exit_code, r.stdout, r.stderr), (3, "partial out\n", "user error text\n"))
        self.assertGreaterEqual(r.duration_ms, 0)
        ok = sb.exec(["python3", "-c", "print(6*7)"])
        self.assertEqual((ok.exit_code, ok.stdout), (0, "42\n"))

    def test_exec_stderr_imitating_an_error_block_is_still_a_result(self) -> None:
        sb = mvm.Sandbox.create("minimal")
        r = sb.exec(["forged-error"])
        self.assertEqual(r.exit_code, 1)
        self.assertIn("error[E_INVOKE_TIMEOUT]: not mvmctl's", r.stderr)

    def test_exec_cli_errors_are_typed_and_redacted(self) -> None:
        sb = mvm.Sandbox.create("minimal")
        with self.assertRaises(mvm.SandboxNotFoundError) as nf:
            sb.exec(["missing"])
        self.assertEqual(nf.exception.code, "E_SDK_NOT_FOUND")
        self.assertIn("missing", nf.exception.message)
        with self.assertRaises(mvm.SandboxTimeoutError) as to:
            sb.exec(["slow"], timeout=1, env={"TOKEN": "s3cret"})
        self.assertEqual((to.exception.code, to.exception.timeout_ms), ("E_SDK_TIMEOUT", 1000))
        self.assertNotIn("s3cret", str(to.exception))
        self.assertIn("TOKEN=<redacted>", str(to.exception))

    def test_commands_start_detaches_and_returns_pid(self) -> None:
        sb = mvm.Sandbox.create("minimal")
        h = sb.commands.start(["python3", "run.py", "; rm -rf /"], env={"K": "v"})
        assert h is not None
        self.assertEqual(h.pid, 4242)
        self.assertRegex(h.log_path, r"^/tmp/mvm-command-[0-9a-f]{8}\.log$")
        argv = self.calls()[-1]["argv"]
        self.assertEqual(argv[:4], ["exec", sb.name, "-e", "K=v"])
        cmd = argv[argv.index("--") + 1 :]
        self.assertEqual(cmd[:3], ["/bin/sh", "-c", start_script(h.log_path[: -len(".log")])])
        self.assertEqual(cmd[3:], ["mvm-start", "python3", "run.py", "; rm -rf /"])

    def test_files_map_to_fs_verbs(self) -> None:
        sb = mvm.Sandbox.create("minimal")
        n = sb.name
        sb.files.write("/tmp/a.txt", "hi there")
        c = self.calls()[-1]
        self.assertEqual(c["argv"], ["fs", "write", n, "/tmp/a.txt", "--parents"])
        self.assertEqual(base64.b64decode(c["stdin_b64"]), b"hi there")
        self.assertEqual(sb.files.read("/tmp/a.txt"), b"hello")
        self.assertEqual(self.calls()[-1]["argv"], ["fs", "read", n, "/tmp/a.txt"])
        self.assertEqual(sb.files.list("/tmp"), [{"name": "a", "type": "file", "size": 1, "mode": 420, "mtime_ms": 1}])
        self.assertEqual(self.calls()[-1]["argv"], ["fs", "ls", n, "/tmp", "--json"])
        self.assertEqual(sb.files.stat("/tmp/a.txt"), {"type": "file", "size": 5, "mode": 420, "mtime_ms": 1})
        self.assertEqual(self.calls()[-1]["argv"], ["fs", "stat", n, "/tmp/a.txt", "--json"])
        sb.files.mkdir("/tmp/x/y", parents=True)
        self.assertEqual(self.calls()[-1]["argv"], ["fs", "mkdir", n, "/tmp/x/y", "--parents"])
        sb.files.remove("/tmp/x", recursive=True)
        self.assertEqual(self.calls()[-1]["argv"], ["fs", "rm", n, "/tmp/x", "--recursive"])
        sb.files.move("/tmp/a.txt", "/tmp/b.txt")
        self.assertEqual(self.calls()[-1]["argv"], ["fs", "mv", n, "/tmp/a.txt", "/tmp/b.txt"])

    def test_kill_is_idempotent_and_with_disposes(self) -> None:
        with mvm.Sandbox.create("minimal") as sb:
            pass
        sb.kill()
        self.assertEqual([c["argv"] for c in self.calls() if c["argv"][0] == "down"], [["down", sb.name]])
        with self.assertRaises(mvm.SandboxNotFoundError):
            sb.exec(["true"])
        os.environ["FAKE_DOWN"] = "gone"
        sb2 = mvm.Sandbox.create("minimal")
        sb2.kill()
        with self.assertRaises(mvm.SandboxNotFoundError):
            sb2.files.read("/x")

    def test_snapshot_and_create_from_it(self) -> None:
        sb = mvm.Sandbox.create("minimal")
        sid = sb.snapshot()
        self.assertEqual(sid, "s-0123456789abcdef")
        self.assertEqual(self.calls()[-1]["argv"], ["snapshot", sb.name, "--json"])
        sb2 = mvm.Sandbox.create("minimal", snapshot=sid)
        up = [c for c in self.calls() if c["argv"][0] == "up"][-1]["argv"]
        self.assertEqual(up[-2:], ["--snapshot", sid])
        self.assertEqual(up[up.index("--name") + 1], sb2.name)

    def test_missing_cli_is_not_found(self) -> None:
        os.environ["MVM_CLI_BIN"] = os.path.join(self.dir, "no-such-mvmctl")
        with self.assertRaises(mvm.SandboxNotFoundError) as cm:
            mvm.Sandbox.create("minimal")
        self.assertIn("MVM_CLI_BIN", cm.exception.hint or "")

    def test_record_mode_refuses_live_calls(self) -> None:
        os.environ["MVM_SDK_MODE"] = "record"
        sb = mvm.Sandbox.create("minimal", command=["sleep", "1"])
        for call in (lambda: sb.exec(["true"]), lambda: sb.files.read("/x"), sb.snapshot):
            with self.assertRaises(mvm.SandboxModeError):
                call()
        with self.assertRaises(mvm.SandboxModeError):
            mvm.Sandbox.create("minimal", snapshot="s-0123456789abcdef")
        self.assertEqual(self.calls(), [])

    def test_helpers(self) -> None:
        self.assertEqual(cli_command({}), ["mvmctl"])
        self.assertEqual(cli_command({"MVM_CLI_BIN": "/x/mvmctl.js"})[1:], ["/x/mvmctl.js"])
        self.assertEqual(cli_command({"MVM_CLI_BIN": "/usr/bin/mvmctl"}), ["/usr/bin/mvmctl"])
        self.assertEqual(parse_error_channel('{"code":"E_X","message":"boom","hint":"h","path":".a"}\n'), {"code": "E_X", "message": "boom", "hint": "h"})
        self.assertIsNone(parse_error_channel("error[E_X]: human text is not the channel\n"))
        self.assertIsNone(parse_error_channel('{"code":1,"message":"m"}\n'))
        self.assertIsNone(parse_error_channel(""))
        self.assertEqual(
            redact_argv(["exec", "n", "-e", "T=secret", "--", "echo", "x"]),
            ["exec", "n", "-e", "T=<redacted>", "--", "echo", "x"],
        )
        self.assertTrue(re.search(r"setsid /bin/sh -c", start_script("/tmp/b")))


if __name__ == "__main__":
    unittest.main()
