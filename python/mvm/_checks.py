"""Argument binding and checks, the Python twin of the declaration core (packages/ir/src/declare:
bind.ts, values.ts) with the same codes and messages. Signatures, enums and defaults come from
``_tables.py``, generated from the core's tables.

A check reports a problem to a ``Problems`` collector and returns ``None``: one call reports every
problem it can find, and ``collecting`` raises them together as one ``MvmError``."""

from __future__ import annotations

from ._errors import MvmError
from ._tables import SIGNATURES

# Declaring an app runs this module in the guest too (the runner imports the user's module), so it
# imports nothing beyond the SDK: no typing, dataclasses (which imports inspect) or re; json only
# to quote a value in a message.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar

    T = TypeVar("T")


class Helper:
    """The value of an mvm helper call: which helper, and the IR it stands for.

    Immutable, compared and hashed by (helper, ir), like the frozen dataclass it replaces."""

    __slots__ = ("helper", "ir")
    __match_args__ = ("helper", "ir")
    helper: str
    ir: Any

    def __init__(self, helper: str, ir: Any) -> None:
        object.__setattr__(self, "helper", helper)
        object.__setattr__(self, "ir", ir)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.helper, self.ir) == (other.helper, other.ir)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.helper, self.ir))

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle, which would assign the slots
        return (self.__class__, (self.helper, self.ir))

    def __repr__(self) -> str:
        return f"mvm.{self.helper}(...)"


def _has_surrogate(s: str) -> bool:
    """Whether ``s`` holds a (necessarily lone) surrogate code point: strict UTF-8 refuses exactly those."""
    if s.isascii():
        return False
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class Problems:
    """The problems found so far in one declaration call."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def report(self, code: str, detail: str, hint: str | None = None) -> None:
        d: dict[str, Any] = {"code": code, "severity": "error", "detail": detail}
        if hint:
            d["hint"] = hint
        self.items.append(d)


def collecting(run: Callable[[Problems], T]) -> T:
    """Runs ``run`` and raises every problem it reported as one MvmError (the first one's code)."""
    p = Problems()
    out = run(p)
    if p.items:
        first = p.items[0]
        raise MvmError(first["code"], first["detail"], hint=first.get("hint"), diagnostics=p.items)
    return out


def q(s: str) -> str:
    """A string as JSON.stringify writes it, for messages."""
    import json

    return json.dumps(s, ensure_ascii=False)


def describe(v: Any) -> str:
    """A value in a message, as the core's ``describe`` spells it for Python."""
    if isinstance(v, Helper):
        return f"mvm.{v.helper}(...)"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, str):
        return q(v)
    if isinstance(v, (int, float)):
        return repr(v)
    if v is None:
        return "None"
    if isinstance(v, (list, tuple)):
        return "a list"
    if isinstance(v, dict):
        return "a dict"
    return f"a {type(v).__name__}"


def helper_words(*names: str) -> str:
    return " or ".join(f"mvm.{n}(...)" for n in names)


class Args:
    """One call's bound arguments; ``None`` arguments are not given."""

    def __init__(self, called: str, given: dict[str, Any], p: Problems) -> None:
        self.called = called
        self.given = given
        self.p = p

    def has(self, key: str) -> bool:
        return key in self.given

    def get(self, key: str) -> Any:
        return self.given.get(key)

    def bad(self, key: str, v: Any, expected: str) -> None:
        self.p.report("E_BAD_KWARG", f"{self.called}(): {key} must be {expected}, got {describe(v)}")
        return None

    def str_of(self, key: str, v: Any, non_empty: bool = False) -> str | None:
        if not isinstance(v, str):
            return self.bad(key, v, "a string")
        if _has_surrogate(v):
            self.p.report("E_BAD_KWARG", "the string holds a lone surrogate", "write the character itself")
            return None
        if non_empty and v == "":
            self.p.report("E_BAD_KWARG", f"{self.called}(): {key} must not be empty")
            return None
        return v

    def str(self, key: str, non_empty: bool = False) -> str | None:
        return self.str_of(key, self.given[key], non_empty) if key in self.given else None

    def one_of(self, key: str, values: tuple[str, ...], v: Any = None, given: bool = False) -> str | None:
        if not given:
            if key not in self.given:
                return None
            v = self.given[key]
        s = self.str_of(key, v)
        if s is None:
            return None
        if s not in values:
            allowed = ", ".join(q(x) for x in values)
            self.p.report("E_BAD_KWARG", f"{self.called}(): {key} must be one of {allowed}, got {q(s)}")
            return None
        return s

    def int_of(self, key: str, v: Any, non_negative: bool = True) -> int | None:
        # bool is an int subclass in Python; a declaration never reads True as 1.
        if isinstance(v, bool) or not isinstance(v, int) or (non_negative and v < 0):
            return self.bad(key, v, "a non-negative integer" if non_negative else "an integer")
        return v

    def uint(self, key: str) -> int | None:
        return self.int_of(key, self.given[key]) if key in self.given else None

    def bool(self, key: str) -> bool | None:
        if key not in self.given:
            return None
        v = self.given[key]
        return v if isinstance(v, bool) else self.bad(key, v, "True or False")

    def str_list_of(self, key: str, v: Any) -> list[str] | None:
        if not isinstance(v, (list, tuple)):
            return self.bad(key, v, "a list of strings")
        out = [self.str_of(f"{key}[{i}]", item) if isinstance(item, str) else self.bad(f"{key}[{i}]", item, "a string") for i, item in enumerate(v)]
        return None if any(s is None for s in out) else out  # type: ignore[return-value]

    def str_list(self, key: str) -> list[str] | None:
        return self.str_list_of(key, self.given[key]) if key in self.given else None

    def str_map(self, key: str) -> dict[str, str] | None:
        if key not in self.given:
            return None
        v = self.given[key]
        if not isinstance(v, dict):
            return self.bad(key, v, "a dict of strings")
        out: dict[str, str] = {}
        ok = True
        for k, item in v.items():
            name = dict_key(k, self.p)
            s = self.str_of(f"{key}.{name}", item) if isinstance(item, str) else self.bad(f"{key}.{name}", item, "a string")
            if s is None or name is None:
                ok = False
            else:
                out[name] = s
        return out if ok else None

    def helper_of(self, key: str, v: Any, names: tuple[str, ...]) -> Any:
        if isinstance(v, Helper) and v.helper in names:
            return v.ir
        return self.bad(key, v, helper_words(*names))


def dict_key(k: Any, p: Problems) -> str | None:
    if not isinstance(k, str):
        p.report("E_NON_LITERAL", f"a dict key must be a literal string: {k!r}", "quote the key")
        return None
    return k


def _suggest(name: str, names: tuple[str, ...]) -> str | None:
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


def bind(helper: str, args: tuple[Any, ...], kwargs: dict[str, Any], p: Problems) -> Args:
    """Binds a call as the core's bindCall does for Python; reports every binding problem."""
    positional, keys, required = SIGNATURES[helper]
    called = f"mvm.{helper}"
    given: dict[str, Any] = {}
    for i, value in enumerate(args):
        if i >= len(positional):
            n = len(positional)
            named = [k for k in keys if k not in positional]
            hint = "pass the others by keyword: " + ", ".join(f"{k}=" for k in named) if named else "remove the extra argument"
            p.report("E_BAD_KWARG", f"{called}() takes {n} positional argument{'' if n == 1 else 's'}, got {len(args)}", hint)
        elif value is not None:
            given[positional[i]] = value
    for name, value in kwargs.items():
        if name not in keys:
            p.report(
                "E_UNKNOWN_KWARG",
                f"{called}() has no keyword {q(name)}; it takes {', '.join(keys) if keys else 'no arguments'}",
                _suggest(name, keys),
            )
        elif name in given:
            p.report("E_BAD_KWARG", f"{called}() got {name} twice", "pass each argument once")
        elif value is not None:
            given[name] = value
    for r in required:
        if r not in given:
            p.report("E_MISSING_KWARG", f"{called}(): {r} is required", f"add {r}=... to the call")
    return Args(called, given, p)


def check_str(helper: str, what: str, v: Any) -> str:
    """A string argument of a call that is not a declaration (Sandbox); raises at once."""
    return collecting(lambda p: Args(f"mvm.{helper}", {}, p).str_of(what, v))  # type: ignore[return-value]


def check_str_list(helper: str, what: str, v: Any) -> list[str]:
    """A list-of-strings argument of a call that is not a declaration (Sandbox); raises at once."""
    return collecting(lambda p: Args(f"mvm.{helper}", {}, p).str_list_of(what, v))  # type: ignore[return-value]
