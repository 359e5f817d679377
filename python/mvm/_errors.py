"""The SDK's one error class, with the stable codes of the mvm error catalogue."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING would import typing, which the guest pays for
if TYPE_CHECKING:
    from typing import Any


class MvmError(Exception):
    """A user-facing failure. ``code`` is stable (``E_BAD_KWARG``, ``E_INVALID_ID``, ...)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        hint: str | None = None,
        path: str | None = None,
        diagnostics: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.path = path
        self.diagnostics = diagnostics or []

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        for d in self.diagnostics[1:]:
            where = f"{d['path']} " if d.get("path") else ""
            text += f"\n{d['code']}: {where}{d['detail']}"
        return text
