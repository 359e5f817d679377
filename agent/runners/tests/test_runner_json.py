"""runner.py's JSON fast path (C functions of _json, without importing json and re) must give
json.loads / json.dumps(ensure_ascii=False, allow_nan=False) results and errors, byte for byte."""

import importlib.util
import json
import math
import os
import subprocess
import sys
import unittest

RUNNER = os.path.join(os.path.dirname(__file__), "..", "runner.py")


def load_runner():
    spec = importlib.util.spec_from_file_location("mvm_runner_under_test", RUNNER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


runner = load_runner()

TEXTS = [
    "1",
    " \n\t[1, 2.5, -3e-7, 1e400, true, false, null]\r\n",
    '{"a": {"b": [{}, [], ""]}, "ü": "snow ☃ \\u2603 \\ud83d\\ude00"}',
    '[[], {"value": 12345678901234567890123456789}]',
    '"\\"quoted\\" \\\\ \\/ \\b\\f\\n\\r\\t"',
    "[NaN, Infinity, -Infinity]",
    '{"dup": 1, "dup": 2}',
    "  3.0  ",
]
BAD = [
    "",
    "   ",
    "[1, 2",
    "{'single': 1}",
    "[1] [2]",
    "tru",
    '"\\x"',
    "[1,]",
    '"ctl \x01 char"',
    "1" * 5000,  # over int's max str digits: json's ValueError
]
BYTES = [
    b'[[], {"value": 1}]',
    b'\xef\xbb\xbf[[], {"bom": 1}]',
    '[[], {"u16": 1}]'.encode("utf-16"),
    b"[\xff]",
]


def outcome(fn, arg):
    try:
        return ("ok", repr(fn(arg)))
    except Exception as e:  # noqa: BLE001 - the comparison is the point
        return ("error", type(e).__name__, str(e))


class FastJsonTest(unittest.TestCase):
    def test_fast_path_is_active(self):
        self.assertIsNotNone(runner._scan_once, "the _json fast path did not load")

    def test_loads_matches_json(self):
        for text in TEXTS + BAD:
            with self.subTest(text=text[:40]):
                self.assertEqual(outcome(runner.json_loads, text), outcome(json.loads, text))
        for data in BYTES + [t.encode() for t in TEXTS + BAD]:
            with self.subTest(data=data[:40]):
                self.assertEqual(outcome(runner.json_loads, data), outcome(json.loads, data))

    def test_dumps_matches_json(self):
        circular = []
        circular.append(circular)

        class Obj:
            pass

        values = [
            None,
            "plain",
            "ü ☃ \U0001f600 \u2028 \x00",
            12345678901234567890,
            -0.0,
            1.5e300,
            [1, "a", {"k": [True, False, None]}],
            {"b": 1, "a": 2, 3: "int key", 1.5: "float key", None: "none key"},
            (1, 2),
            math.nan,
            math.inf,
            {"x": {1, 2}},
            {"x": Obj()},
            {(1, 2): "tuple key"},
            circular,
        ]

        def ref(v):
            return json.dumps(v, ensure_ascii=False, allow_nan=False)

        for v in values:
            with self.subTest(value=type(v).__name__):
                self.assertEqual(outcome(runner.json_dumps, v), outcome(ref, v))

    def test_a_call_imports_neither_json_nor_re(self):
        code = (
            "import importlib.util, sys\n"
            "before = set(sys.modules)\n"
            f"spec = importlib.util.spec_from_file_location('r', {RUNNER!r})\n"
            "r = importlib.util.module_from_spec(spec); spec.loader.exec_module(r)\n"
            "code, text = r.run_call(lambda: (lambda value: {'echo': value}), None, b'[[], {\"value\": [1, \"x\"]}]', None)\n"
            "assert (code, text) == (0, '{\"echo\": [1, \"x\"]}'), (code, text)\n"
            "new = set(sys.modules) - before\n"
            "print(sorted(m for m in ('json', 're', 'asyncio', 'inspect') if m in new))\n"
        )
        out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True)
        self.assertEqual(out.stdout.strip(), "[]", out.stderr)


if __name__ == "__main__":
    unittest.main()
