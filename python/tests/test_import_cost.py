"""What ``import mvm`` and a top-level declaration cost: the guest runner imports the user's module on
a function's first call, so every module the SDK imports there is that call's latency (Python under
TCG runs ~10x slower than on the host). These tests keep the SDK's imports lazy (mvm/__init__.py
resolves its names on first use) so that cannot regress silently."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest
from unittest import mock

import mvm

SDK = os.path.dirname(os.path.dirname(os.path.abspath(mvm.__file__)))

# Never needed to import mvm or to declare an app (nor by runner.py, which imports only importlib,
# json, os, struct, sys and time): each is milliseconds on the host, tens of them in a TCG guest.
HEAVY = (
    "asyncio",
    "base64",
    "copy",
    "dataclasses",
    "hashlib",
    "inspect",
    "json",
    "random",
    "re",
    "secrets",
    "select",
    "shutil",
    "socket",
    "ssl",
    "subprocess",
    "tempfile",
    "threading",
    "typing",
)

DECLARE = """
import mvm


@mvm.app(
    name="hello-app",
    source=mvm.local_path("."),
    image=mvm.python_image(python="3.12"),
    resources=mvm.resources(cpu_cores=1, memory_mb=256, rootfs_size_mb=512),
    entrypoint=mvm.entrypoint_function(module="app", function="greet", primary=True),
    env={"MODEL_PATH": mvm.literal("/data/model.pt"), "API_KEY": mvm.secret("api-key")},
    network=mvm.network(mode="bridge", egress=mvm.egress([mvm.host_port("api.example.com", 443)])),
    before_start="export HELLO_BANNER='hi'",
    after_start=mvm.hook(["true"]),
)
def greet(name: str) -> str:
    return f"hello {name}"


mvm.emit_json()
"""


def new_modules(code: str, guest: bool, cwd: str | None = None) -> tuple[list[str], str]:
    """Modules that ``code`` adds to sys.modules, in a fresh ``python3 -S`` (no site: a site
    .pth may import re or typing first and hide a regression; os, which site imports, is
    imported first), and what it printed."""
    script = (
        "import os, sys\n"
        "_before = set(sys.modules)\n"
        f"exec(compile({code!r}, 'app.py', 'exec'))\n"
        "_new = sorted(set(sys.modules) - _before)\n"
        "sys.stderr.write('MODULES ' + repr(_new) + '\\n')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MVM_IN_GUEST"}
    env["PYTHONPATH"] = SDK
    if guest:
        env["MVM_IN_GUEST"] = "1"
    r = subprocess.run([sys.executable, "-S", "-c", script], env=env, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    line = [x for x in r.stderr.splitlines() if x.startswith("MODULES ")][-1]
    return eval(line[len("MODULES ") :]), r.stdout  # a repr of a list of str


class ImportCostTest(unittest.TestCase):
    def test_import_mvm_imports_nothing_else(self) -> None:
        for guest in (True, False):
            mods, _ = new_modules("import mvm", guest)
            self.assertEqual(mods, ["mvm"], f"import mvm (MVM_IN_GUEST={int(guest)}) imported more than mvm/__init__.py")

    def test_declaring_in_the_guest_imports_no_heavy_module(self) -> None:
        mods, out = new_modules(DECLARE, guest=True)
        heavy = sorted(set(HEAVY) & set(mods))
        self.assertEqual(heavy, [], f"declaring an app in the guest imported {heavy}: import them where they are used")
        others = [m for m in mods if m != "mvm" and not m.startswith("mvm.") and m != "__future__"]
        self.assertEqual(others, [], "declaring an app imported stdlib modules beyond the SDK's own")
        self.assertEqual(out, "", "mvm.emit_json() printed in the guest")

    def test_emitting_on_the_host_still_validates_and_prints(self) -> None:
        mods, out = new_modules(DECLARE, guest=False)
        self.assertIn("mvm._validate", mods)
        self.assertEqual(json.loads(out)["apps"][0]["name"], "hello-app")

    def test_touching_fetch_or_sandbox_imports_no_subprocess(self) -> None:
        code = "from mvm import web_fetch, web_search, FetchError, Sandbox, SandboxLiveError\n"
        mods, _ = new_modules(code, guest=True)
        self.assertEqual(sorted({"subprocess", "threading", "dataclasses", "tempfile"} & set(mods)), [])


class LazyNamesTest(unittest.TestCase):
    def test_every_public_name_resolves_to_its_definition(self) -> None:
        self.assertEqual(set(mvm._LAZY), set(mvm.__all__))
        for name in mvm.__all__:
            module = importlib.import_module(f"mvm.{mvm._LAZY[name]}")
            self.assertIs(getattr(mvm, name), getattr(module, name), name)
            self.assertIn(name, dir(mvm))

    def test_star_import_and_unknown_names(self) -> None:
        ns: dict[str, object] = {}
        exec("from mvm import *", ns)
        self.assertTrue(set(mvm.__all__) <= set(ns))
        with self.assertRaises(AttributeError):
            mvm.no_such_name  # noqa: B018
        with self.assertRaises(ImportError):
            exec("from mvm import no_such_name", {})


class GuestRunnerTest(unittest.TestCase):
    def test_runner_gets_the_original_function(self) -> None:
        """What agent/runners/runner.py does: import the module with MVM_IN_GUEST=1, take the
        function (its __wrapped__ when there is one) and call it."""
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "guest_app.py"), "w", encoding="utf-8") as f:
                f.write(DECLARE.replace("mvm.emit_json()", "if __name__ == '__main__':\n    mvm.emit_json()"))
            code = (
                "import importlib, os, sys\n"
                f"sys.path.insert(0, {d!r})\n"
                "mod = importlib.import_module('guest_app')\n"
                "fn = getattr(mod.greet, '__wrapped__', mod.greet)\n"
                "assert fn.__name__ == 'greet' and fn.__module__ == 'guest_app', fn\n"
                "print(fn('ari'))\n"
            )
            mods, out = new_modules(code, guest=True)
        self.assertEqual(out, "hello ari\n")
        self.assertEqual(sorted(set(HEAVY) & set(mods) - {"json"}), [])  # runner.py has json already


class FetchExchangeTest(unittest.TestCase):
    """web_fetch's lazily imported request path, against a fake broker on a pty (a stand-in for
    the guest's virtio-serial port)."""

    def test_fetch_round_trip(self) -> None:
        try:
            import pty
            import tty
        except ImportError:
            self.skipTest("no pty")
        from mvm import _fetch

        master, slave = pty.openpty()
        tty.setraw(slave)
        path = os.ttyname(slave)

        def broker() -> None:
            buf = b""
            while not buf.strip().endswith(b"}"):
                buf += os.read(master, 65536)
            req = json.loads(buf.strip().splitlines()[-1])
            reply = {"id": req["id"], "ok": True, "status": 201, "headers": {"x-echo": req["method"]}, "body": "aGk="}
            os.write(master, (json.dumps(reply) + "\n").encode())

        t = threading.Thread(target=broker, daemon=True)
        t.start()
        try:
            with mock.patch.object(_fetch, "_ports", return_value=[path]):
                r = mvm.web_fetch("https://api.example.com/", method="post", body="x", timeout=5)
        finally:
            t.join(5)
            os.close(master)
            os.close(slave)
        self.assertEqual((r.status, r.headers, r.body, r.text), (201, {"x-echo": "POST"}, b"hi", "hi"))


if __name__ == "__main__":
    unittest.main()
