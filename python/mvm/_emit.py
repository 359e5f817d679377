"""``mvm.emit_json()``: the in-process route to the canonical Workload IR (spec §2, §4)."""

from __future__ import annotations

import os
import sys

from ._errors import MvmError


def workload_json() -> str:
    """Validates this process's declaration and returns its canonical IR (warnings to stderr)."""
    from ._app import declared_workload
    from ._canonical import canonical_json
    from ._validate import validate

    w = declared_workload()
    diags = validate(w)
    errors = [d for d in diags if d["severity"] == "error"]
    for d in diags:
        if d["severity"] == "warning":
            print(f"warning: {d['code']} at {d['path']}: {d['detail']}", file=sys.stderr)
    if errors:
        first = errors[0]
        raise MvmError(first["code"], f"{first['path']}: {first['detail']}", path=first["path"], diagnostics=errors)
    return canonical_json(w)


def emit_json() -> None:
    """Writes the canonical IR to stdout, without a trailing newline.

    Does nothing in the guest (``MVM_IN_GUEST=1``): the runner imports user modules, and their
    ``if __name__ == "__main__"`` blocks or top-level calls must not print IR into a result."""
    if os.environ.get("MVM_IN_GUEST") == "1":
        return
    text = workload_json()
    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
    if out is not None:
        sys.stdout.flush()
        out.write(text.encode("utf-8"))
        out.flush()
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
