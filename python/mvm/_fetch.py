"""``mvm.web_fetch`` / ``mvm.web_search`` inside an mvm guest (docs/fetch.md).

Requests go to the host's fetch broker over a virtio-serial port (``mvm.fetch.N``), never over the
guest's network, so they work in network mode ``none`` too. The broker applies the workload's
grants, swaps a secret token in a header for the secret's value only for that secret's hosts, and
redacts the value from the answer: the value never enters the guest.

Concurrency: the guest kernel lets one process at a time open a port (EBUSY otherwise) and the host
offers several, so a caller takes a free port for one request and gives it back. Replies carry the
request's id; a reply left over from a killed caller is skipped. Frames are JSON lines, and each
request starts with a newline so a frame torn by a killed writer cannot swallow it.
"""

from __future__ import annotations

import os
import time

from ._errors import MvmError

# The rest of what a request needs (json, base64, select, random, errno) is imported by the first
# request: a module that only does `from mvm import web_fetch` does not pay for it at import.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_SYSFS = "/sys/class/virtio-ports"
_MAX_REQUEST_BODY = 1024 * 1024
_MAX_REPLY_LINE = 16 * 1024 * 1024
_GRACE_S = 5.0


class FetchError(MvmError):
    """Base of the web_fetch / web_search errors."""

    def __init__(self, message: str) -> None:
        super().__init__(self.CODE, message)

    CODE = "E_FETCH_UPSTREAM"


class FetchDeniedError(FetchError):
    """Host policy refused it: host/port not granted, a non-public address, a token sent to the wrong host."""

    CODE = "E_FETCH_DENIED"


class FetchTimeoutError(FetchError):
    CODE = "E_FETCH_TIMEOUT"


class FetchTooLargeError(FetchError):
    CODE = "E_FETCH_TOO_LARGE"


class FetchUpstreamError(FetchError):
    CODE = "E_FETCH_UPSTREAM"


class FetchInvalidError(FetchError):
    CODE = "E_FETCH_INVALID"


class FetchUnavailableError(FetchError):
    """Not in an mvm guest, the host's broker is not connected, or no search provider is configured."""

    CODE = "E_FETCH_UNAVAILABLE"


_ERRORS: dict[str, type[FetchError]] = {
    c.CODE: c
    for c in (FetchDeniedError, FetchTimeoutError, FetchTooLargeError, FetchUpstreamError, FetchInvalidError, FetchUnavailableError)
}


class FetchResponse:
    """``status``, ``headers`` (lower-case names), ``body`` (bytes), ``text`` and ``json()``."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        import json

        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"FetchResponse(status={self.status}, {len(self.body)} bytes)"


def _ports() -> list[str]:
    try:
        names = sorted(os.listdir(_SYSFS))
    except OSError:
        return []
    out = []
    for d in names:
        try:
            with open(os.path.join(_SYSFS, d, "name"), encoding="utf-8") as f:
                n = f.read().strip()
        except OSError:
            continue
        # re.fullmatch(r"mvm\.fetch\.\d+", n) without re (isdecimal is \d's Unicode Nd)
        if n.startswith("mvm.fetch.") and n[len("mvm.fetch.") :].isdecimal():
            out.append(f"/dev/{d}")
    return out


def _take_port(deadline: float) -> int:
    import errno
    import random

    ports = _ports()
    if not ports:
        raise FetchUnavailableError("mvm.web_fetch works only inside an mvm guest (no mvm.fetch port found)")
    wait = 0.002
    while True:
        for p in ports:
            try:
                return os.open(p, os.O_RDWR | os.O_NONBLOCK)
            except OSError as e:
                if e.errno != errno.EBUSY:
                    raise FetchUnavailableError(f"cannot open {p}: {e.strerror}") from None
        if time.monotonic() > deadline:
            raise FetchTimeoutError("every mvm.fetch port stayed busy until the timeout")
        time.sleep(wait + random.random() * wait)
        wait = min(wait * 2, 0.05)


def _exchange(request: dict[str, Any], timeout_ms: int) -> dict[str, Any]:
    import json
    import random
    import select

    rid = f"{os.getpid()}-{time.monotonic_ns():x}-{random.getrandbits(40):x}"
    deadline = time.monotonic() + timeout_ms / 1000 + _GRACE_S
    fd = _take_port(deadline)
    try:
        out = ("\n" + json.dumps({"v": 1, "id": rid, **request, "timeout_ms": timeout_ms}) + "\n").encode()
        view = memoryview(out)
        poller = select.poll()
        while view:
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise FetchUnavailableError("the host's fetch broker is not taking requests") from None
                poller.register(fd, select.POLLOUT)
                poller.poll(50)
                poller.unregister(fd)
        poller.register(fd, select.POLLIN)
        buf = bytearray()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise FetchTimeoutError(f"no reply from the host within {timeout_ms} ms")
            if not poller.poll(min(left, 1.0) * 1000):
                continue
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:  # nothing is connected on the host side of the port
                raise FetchUnavailableError("the host's fetch broker is not connected")
            buf += chunk
            while b"\n" in buf:
                line, _, rest = bytes(buf).partition(b"\n")
                buf = bytearray(rest)
                try:
                    reply = json.loads(line)
                except ValueError:
                    continue
                if isinstance(reply, dict) and reply.get("id") == rid:
                    return reply  # anything else was meant for an earlier, killed caller
            if len(buf) > _MAX_REPLY_LINE:
                raise FetchTooLargeError("the broker's reply is over the guest's cap")
    finally:
        os.close(fd)


def _timeout_ms(timeout: float | int) -> int:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 120:
        raise FetchInvalidError("timeout must be a number of seconds above 0 and at most 120")
    return int(timeout * 1000 + 0.999)


def _failed(reply: dict[str, Any]) -> FetchError:
    cls = _ERRORS.get(str(reply.get("code")), FetchUpstreamError)
    return cls(str(reply.get("message") or reply.get("code")))


def web_fetch(
    url: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
    timeout: float = 30,
) -> FetchResponse:
    """An HTTP request made by the host on the guest's behalf.

    A secret's token (the value of an ``mvm.secret(...)`` env var) in a header is replaced by the
    secret's value only when ``url``'s host is one of that secret's hosts; the value never enters
    the guest, and an echo of it in the response is redacted."""
    import base64

    if not isinstance(url, str):
        raise FetchInvalidError("url must be a string")
    data = body.encode() if isinstance(body, str) else body
    if data is not None and len(data) > _MAX_REQUEST_BODY:
        raise FetchTooLargeError(f"the request body is over {_MAX_REQUEST_BODY} bytes")
    reply = _exchange(
        {
            "op": "fetch",
            "url": url,
            "method": method.upper(),
            "headers": dict(headers or {}),
            "body": base64.b64encode(data).decode() if data is not None else None,
        },
        _timeout_ms(timeout),
    )
    if reply.get("ok") is not True:
        raise _failed(reply)
    return FetchResponse(int(reply.get("status", 0)), dict(reply.get("headers") or {}), base64.b64decode(reply.get("body") or ""))


def web_search(query: str, limit: int = 5, timeout: float = 30) -> list[dict[str, str]]:
    """A web search through the provider configured on the host: ``[{title, url, snippet}]``."""
    if not isinstance(query, str) or not query.strip():
        raise FetchInvalidError("query must be a non-empty string")
    reply = _exchange({"op": "search", "query": query, "limit": limit}, _timeout_ms(timeout))
    if reply.get("ok") is not True:
        raise _failed(reply)
    return list(reply.get("results") or [])
