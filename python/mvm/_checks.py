"""Argument binding and type checks with the static compiler's codes and messages."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ._errors import MvmError


def _json(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)

from ._signatures import SIGNATURES

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Helper:
    """The value of an mvm helper call: what it is (``kind``) and the IR it stands for."""

    helper: str
    kind: str
    ir: Any
    data: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"mvm.{self.helper}(...)"


def describe(v: Any) -> str:
    if isinstance(v, Helper):
        return f"mvm.{v.helper}(...)"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a float"
    if v is None:
        return "None"
    if isinstance(v, (list, tuple)):
        return "a list"
    if isinstance(v, dict):
        return "a dict"
    return f"a {type(v).__name__}"


def bad(helper: str, what: str, expected: str, v: Any, hint: str | None = None) -> MvmError:
    return MvmError("E_BAD_KWARG", f"mvm.{helper}(): {what} must be {expected}, got {describe(v)}", hint=hint)


def _suggest(name: str, names: list[str]) -> str | None:
    best, best_d = None, 3
    for n in names:
        d = _edit_distance(name, n)
        if d < best_d:
            best, best_d = n, d
    return f"did you mean {best}=?" if best else None


def _edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, row[0] = row[0], i
        for j in range(1, len(b) + 1):
            cur = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (0 if a[i - 1] == b[j - 1] else 1))
            prev = cur
    return row[len(b)]


def bind(helper: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Binds a call the way the static compiler does; raises the first problem."""
    positional, keyword_only, required = SIGNATURES[helper]
    names = [*positional, *keyword_only]
    out: dict[str, Any] = {}
    if len(args) > len(positional):
        n = len(positional)
        hint = (
            "pass the others by keyword: " + ", ".join(f"{k}=" for k in keyword_only)
            if keyword_only
            else "remove the extra argument"
        )
        raise MvmError(
            "E_BAD_KWARG",
            f"mvm.{helper}() takes {n} positional argument{'' if n == 1 else 's'}, got {len(args)}",
            hint=hint,
        )
    for name, value in zip(positional, args):
        out[name] = value
    for name, value in kwargs.items():
        if name not in names:
            raise MvmError(
                "E_UNKNOWN_KWARG",
                f'mvm.{helper}() has no keyword "{name}"; it takes {", ".join(names) if names else "no arguments"}',
                hint=_suggest(name, names),
            )
        if name in out:
            raise MvmError("E_BAD_KWARG", f"mvm.{helper}() got {name} twice", hint="pass each keyword once")
        out[name] = value
    for r in required:
        if r not in out:
            raise MvmError("E_MISSING_KWARG", f"mvm.{helper}() needs {r}=", hint=f"add {r}=... to the call")
    return out


def check_str(helper: str, what: str, v: Any) -> str:
    if not isinstance(v, str):
        raise bad(helper, what, "a string", v)
    if _LONE_SURROGATE.search(v):
        raise MvmError("E_BAD_KWARG", "the string holds a lone surrogate", hint="write the character itself")
    return v


def check_non_empty_str(helper: str, what: str, v: Any) -> str:
    s = check_str(helper, what, v)
    if s == "":
        raise MvmError("E_BAD_KWARG", f"mvm.{helper}(): {what} must not be empty")
    return s


def check_int(helper: str, what: str, v: Any) -> int:
    # bool is an int subclass in Python; the static compiler never reads True as 1.
    if isinstance(v, bool) or not isinstance(v, int):
        raise bad(helper, what, "an integer", v)
    return v


def check_bool(helper: str, what: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise bad(helper, what, "True or False", v)
    return v


def check_one_of(helper: str, what: str, v: Any, values: tuple[str, ...]) -> str:
    s = check_str(helper, what, v)
    if s not in values:
        allowed = ", ".join(f'"{x}"' for x in values)
        raise MvmError("E_BAD_KWARG", f'mvm.{helper}(): {what} must be one of {allowed}, got "{s}"')
    return s


def check_str_list(helper: str, what: str, v: Any) -> list[str]:
    if not isinstance(v, (list, tuple)):
        raise bad(helper, what, "a list of strings", v)
    return [check_str(helper, f"{what}[{i}]", item) for i, item in enumerate(v)]


def check_str_map(helper: str, what: str, v: Any) -> dict[str, str]:
    if not isinstance(v, dict):
        raise bad(helper, what, "a dict of strings", v)
    out: dict[str, str] = {}
    for k, item in v.items():
        key = _dict_key(k)
        out[key] = check_str(helper, f"{what}[{_json(key)}]", item)
    return out


def _dict_key(k: Any) -> str:
    if not isinstance(k, str):
        raise MvmError(
            "E_NON_LITERAL", f"a dict key must be a literal string: {k!r}", hint="quote the key"
        )
    return check_str("app", "key", k)


dict_key = _dict_key


def check_helper(helper: str, what: str, v: Any, kinds: tuple[str, ...], expected: str) -> Helper:
    if isinstance(v, Helper) and v.kind in kinds:
        return v
    raise bad(helper, what, expected, v)
