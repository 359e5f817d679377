"""Unit tests of the Python SDK (stdlib unittest; run from packages/mvmctl/test/compile/python)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import unittest
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock

import mvm
from mvm import _app
from mvm._canonical import canonical_json
from mvm._emit import workload_json


class DeclarationTest(unittest.TestCase):
    def setUp(self) -> None:
        _app._reset()

    def test_decorator_returns_function_unchanged(self) -> None:
        def greet(name: str) -> str:
            return f"hello {name}"

        self.assertIs(mvm.app(image=mvm.python_image())(greet), greet)
        self.assertEqual(greet("ari"), "hello ari")

    def test_bare_decorator_suggests_parentheses(self) -> None:
        with self.assertRaises(mvm.MvmError) as cm:

            @mvm.app  # type: ignore[arg-type]
            def f() -> None:
                pass

        self.assertEqual(cm.exception.code, "E_BAD_KWARG")
        self.assertIn("parentheses", cm.exception.hint or "")

    def test_image_is_required(self) -> None:
        with self.assertRaises(mvm.MvmError) as cm:
            mvm.app(name="x")
        self.assertEqual(cm.exception.code, "E_MISSING_KWARG")

    def test_second_app_is_rejected(self) -> None:
        mvm.app(image=mvm.python_image())(lambda: None)
        with self.assertRaises(mvm.MvmError) as cm:
            mvm.app(image=mvm.python_image())(lambda: None)
        self.assertEqual(cm.exception.code, "E_MULTIPLE_DECLARATIONS")

    def test_validation_errors_carry_ir_codes(self) -> None:
        def bad_name() -> None:
            pass

        mvm.app(
            image=mvm.python_image(),
            entrypoint=mvm.entrypoint(command=["env", "-i", "bash", "-c", "x"]),
        )(bad_name)
        with self.assertRaises(mvm.MvmError) as cm:
            workload_json()
        self.assertEqual(cm.exception.code, "E_INVALID_ID")

    def test_shell_entrypoint_and_wildcard(self) -> None:
        def good() -> None:
            pass

        mvm.app(
            image=mvm.python_image(),
            network=mvm.network(mode="bridge", allow_https=["*.example.com"]),
            entrypoint=mvm.entrypoint(command=["env", "-i", "bash", "-c", "x"]),
        )(good)
        with self.assertRaises(mvm.MvmError) as cm:
            workload_json()
        codes = [d["code"] for d in cm.exception.diagnostics]
        self.assertEqual(codes, ["E_SHELL_ENTRYPOINT_FORBIDDEN", "E_NETWORK_WILDCARD"])

    def test_secret_without_hosts_warns_on_stderr(self) -> None:
        def tool() -> None:
            pass

        mvm.app(image=mvm.python_image(), env={"K": mvm.secret("k")})(tool)
        err = io.StringIO()
        with redirect_stderr(err):
            text = workload_json()
        self.assertIn("E_SECRET_WITHOUT_BINDING", err.getvalue())
        ref = json.loads(text)["apps"][0]["env"]["K"]["ref"]
        self.assertEqual(ref["mount"], {"kind": "env", "var": "K"})

    def test_emit_json_is_silent_in_the_guest(self) -> None:
        out = io.StringIO()
        with mock.patch.dict(os.environ, {"MVM_IN_GUEST": "1"}), redirect_stdout(out):
            mvm.emit_json()  # nothing declared: would raise outside the guest
        self.assertEqual(out.getvalue(), "")

    def test_emit_json_without_declaration(self) -> None:
        with mock.patch.dict(os.environ, {"MVM_IN_GUEST": ""}):
            with self.assertRaises(mvm.MvmError) as cm:
                mvm.emit_json()
        self.assertEqual(cm.exception.code, "E_NO_DECLARATION")


class CanonicalTest(unittest.TestCase):
    def test_escapes_match_json_stringify(self) -> None:
        # What node's JSON.stringify gives for the same string (checked in the TS corpus test too).
        s = "\"\\\b\f\n\r\t\x00\x1f\x7f\u2028é😀"
        self.assertEqual(canonical_json(s), '"\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u001f\x7f\u2028é😀"')

    def test_keys_sorted_by_code_point(self) -> None:
        self.assertEqual(canonical_json({"b": 1, "a": [True, None], "é": {}, "Z": 0}), '{"Z":0,"a":[true,null],"b":1,"é":{}}')

    def test_lone_surrogates_are_rejected_at_call_time(self) -> None:
        with self.assertRaises(mvm.MvmError) as cm:
            mvm.literal("\ud800")
        self.assertEqual(cm.exception.code, "E_BAD_KWARG")

    def test_node_agrees_on_escapes(self) -> None:
        s = "".join(chr(c) for c in range(0, 0x80)) + "\u2028\u2029é😀\ufeff"
        node = subprocess.run(
            ["node", "-e", "process.stdout.write(JSON.stringify(JSON.parse(require('fs').readFileSync(0, 'utf8'))))"],
            input=json.dumps(s),
            capture_output=True,
            text=True,
            check=True,
        )
        self.assertEqual(canonical_json(s), node.stdout)



class SandboxRecordTest(unittest.TestCase):
    def _run(self, script: str, **env: str) -> subprocess.CompletedProcess[str]:
        pkg = os.path.dirname(os.path.dirname(mvm.__file__))
        return subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONPATH": pkg, **env},
            capture_output=True,
            text=True,
        )

    def test_recording_written_at_exit(self) -> None:
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "rec.json")
            script = (
                "import mvm\n"
                "with mvm.Sandbox.create('python-3.12', workload_id='etl', ttl=1800) as sb:\n"
                "    sb.files.write('/app/cfg.json', '{\"a\":1}')\n"
                "    sb.commands.start(['python', 'run.py'])\n"
            )
            r = self._run(script, MVM_SDK_OUT_PATH=out)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out, encoding="utf-8") as f:
                rec = json.load(f)
        self.assertEqual(
            rec,
            {
                "workload_id": "etl",
                "create": {"template": "python-3.12", "ttl_seconds": 1800},
                "ops": [
                    {"kind": "files_write", "path": "/app/cfg.json", "bytes_b64": "eyJhIjoxfQ=="},
                    {"kind": "command_start", "argv": ["python", "run.py"], "env": {}},
                    {"kind": "kill"},
                ],
            },
        )

    def test_no_create_no_recording(self) -> None:
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "rec.json")
            r = self._run("import mvm\n", MVM_SDK_OUT_PATH=out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertFalse(os.path.exists(out))

    def test_unknown_mode_lists_accepted_values(self) -> None:
        r = self._run("import mvm\nmvm.Sandbox.create('python-3.12')\n", MVM_SDK_MODE="fast")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("record, live", r.stderr)


if __name__ == "__main__":
    unittest.main()
