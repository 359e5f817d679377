"""The IR rules of spec §3 that a declaration can hit, with the codes of packages/ir (validate.ts
for shapes, rules.ts for cross-field rules). As there, shape problems are reported alone: the
rules only run on a workload whose shape is right."""

from __future__ import annotations

import json
import re
from typing import Any, Union

from ._tables import ID_PATTERN, RESOURCE_LIMITS

Segment = Union[str, int]
Diag = dict[str, Any]

ID = re.compile(ID_PATTERN.lstrip("^").rstrip("$"))
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "csh", "tcsh", "fish", "pwsh"}
U32_MAX = 0xFFFFFFFF


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def format_path(segments: list[Segment]) -> str:
    if not segments:
        return "."
    out = ""
    for s in segments:
        if isinstance(s, int):
            out += f"[{s}]"
        elif _KEY.fullmatch(s):
            out += f".{s}"
        else:
            out += f"[{_q(s)}]"
    return "." + out if out.startswith("[") else out


def _d(code: str, path: list[Segment], detail: str, severity: str = "error") -> Diag:
    return {"code": code, "severity": severity, "path": format_path(path), "detail": detail}


def is_wildcard_host(host: str) -> bool:
    h = host.strip()
    return h == "" or "*" in h or h in ("0.0.0.0", "::", "[::]") or h.endswith("/0")


def effective_program(argv: list[str]) -> str | None:
    i = 0
    while True:
        if i >= len(argv):
            return None
        base = argv[i].split("/")[-1]
        if base == "env":
            # env's own options and NAME=value assignments come before the program. -u/-C take a
            # value in the next argument; -S splits its value into words that come first.
            i += 1
            while i < len(argv):
                a = argv[i]
                if a in ("-u", "--unset", "-C", "--chdir"):
                    i += 2
                elif a in ("-S", "--split-string"):
                    words = (argv[i + 1] if i + 1 < len(argv) else "").split()
                    return effective_program(["env", *words, *argv[i + 2 :]])
                elif a.startswith("-S") and not a.startswith("--"):
                    return effective_program(["env", *a[2:].split(), *argv[i + 1 :]])
                elif a == "--":
                    i += 1
                    break
                elif a.startswith("-") or re.match(r"[A-Za-z_][A-Za-z0-9_]*=", a):
                    i += 1
                else:
                    break
            continue
        if base == "busybox":
            i += 1
            continue
        return base


def _glob_problem(p: str) -> str | None:
    if p.strip() == "":
        return "is empty"
    if re.search(r"(^|/)\.\.(/|$)|^/|\x00", p):
        return "must be relative and must not contain '..'"
    depth = 0
    for ch in p:
        if ch in "[{":
            depth += 1
        if ch in "]}":
            depth -= 1
        if depth < 0:
            return "has an unbalanced bracket"
    return "has an unbalanced bracket" if depth != 0 else None


def _shape(w: dict[str, Any]) -> list[Diag]:
    out: list[Diag] = []

    def id_(v: str, path: list[Segment]) -> None:
        if not ID.fullmatch(v):
            out.append(_d("E_INVALID_ID", path, f"must match {ID_PATTERN}"))

    def u32(v: int, path: list[Segment]) -> None:
        if v < 0 or v > U32_MAX:
            out.append(_d("E_MALFORMED_MANIFEST", path, f"{v} is not an unsigned 32-bit integer"))

    id_(w["id"], ["id"])
    for i, app in enumerate(w["apps"]):
        base: list[Segment] = ["apps", i]
        id_(app["name"], [*base, "name"])
        for k, v in app["resources"].items():
            u32(v, [*base, "resources", k])
        for j, e in enumerate(app["entrypoints"]):
            if e["kind"] == "command" and len(e["command"]) == 0:
                out.append(_d("E_MALFORMED_MANIFEST", [*base, "entrypoints", j, "command"], "a command needs at least argv[0]"))
        n = app["network"]
        if n is not None:
            for j, p in enumerate(n["ports"]):
                u32(p["host"], [*base, "network", "ports", j, "host"])
                u32(p["guest"], [*base, "network", "ports", j, "guest"])
            for key in ("egress", "build_egress"):
                for j, g in enumerate(n.get(key, {}).get("allowlist", [])):
                    u32(g["port"], [*base, "network", key, "allowlist", j, "port"])
            if n.get("dns", {}).get("kind") == "resolver":
                u32(n["dns"]["port"], [*base, "network", "dns", "port"])
        for j, addon in enumerate(app.get("addons", [])):
            id_(addon["name"], [*base, "addons", j, "name"])
    return out


def _port(port: int, path: list[Segment], out: list[Diag]) -> None:
    if port < 1 or port > 65535:
        out.append(_d("E_NETWORK_INVALID_PORT", path, f"port {port} is outside 1-65535"))


def _network(n: dict[str, Any], base: list[Segment], app: dict[str, Any], out: list[Diag]) -> None:
    allowlist = n.get("egress", {}).get("allowlist", []) if "egress" in n else []
    if n["mode"] == "none":
        if n["ports"]:
            out.append(_d("E_NETWORK_PORTS_WITH_NONE", [*base, "ports"], 'mode "none" has no ports to forward'))
        if allowlist:
            out.append(_d("E_NETWORK_PORTS_WITH_NONE", [*base, "egress"], 'mode "none" allows no egress'))
    if n["mode"] == "host" and any(e["kind"] == "function" for e in app["entrypoints"]):
        out.append(
            _d(
                "E_FUNCTION_NETWORK_HOST_FORBIDDEN",
                [*base, "mode"],
                "the app has function entrypoints, which may not share the host network",
            )
        )
    for key, what in (("egress", "egress"), ("build_egress", "build egress")):
        for i, g in enumerate(n.get(key, {}).get("allowlist", [])):
            p: list[Segment] = [*base, key, "allowlist", i]
            if is_wildcard_host(g["host"]):
                out.append(_d("E_NETWORK_WILDCARD", [*p, "host"], f"{what} host {_q(g['host'])} is a wildcard"))
            _port(g["port"], [*p, "port"], out)
    ids: dict[str, int] = {}
    binds: dict[str, int] = {}
    for i, f in enumerate(n["ports"]):
        p = [*base, "ports", i]
        if not ID.fullmatch(f["mapping_id"]):
            out.append(_d("E_INGRESS_INVALID_MAPPING", [*p, "mapping_id"], f"mapping_id {_q(f['mapping_id'])} is not an id"))
        if f["host_addr"] != "127.0.0.1":
            out.append(
                _d("E_INGRESS_INVALID_MAPPING", [*p, "host_addr"], f'host_addr must be "127.0.0.1", got {_q(f["host_addr"])}')
            )
        if f["guest_addr"] != "127.0.0.1":
            out.append(_d("E_INGRESS_GUEST_NOT_LOOPBACK", [*p, "guest_addr"], f"guest_addr is {_q(f['guest_addr'])}"))
        if f["transform"] == "tls" and not f.get("tls_secret"):
            out.append(_d("E_INGRESS_INVALID_MAPPING", [*p, "tls_secret"], 'transform "tls" needs tls_secret'))
        _port(f["host"], [*p, "host"], out)
        _port(f["guest"], [*p, "guest"], out)
        if f["mapping_id"] in ids:
            out.append(
                _d(
                    "E_INGRESS_DUPLICATE_MAPPING",
                    [*p, "mapping_id"],
                    f"mapping_id {_q(f['mapping_id'])} is also used by ports[{ids[f['mapping_id']]}]",
                )
            )
        else:
            ids[f["mapping_id"]] = i
        bind = f"{f['proto']}:{f['host_addr']}:{f['host']}"
        if bind in binds:
            out.append(
                _d(
                    "E_INGRESS_DUPLICATE_BIND",
                    [*p, "host"],
                    f"{f['proto']} {f['host_addr']}:{f['host']} is also bound by ports[{binds[bind]}]",
                )
            )
        else:
            binds[bind] = i
    dns = n.get("dns")
    if dns is not None and dns["kind"] == "resolver":
        _port(dns["port"], [*base, "dns", "port"], out)


def _entrypoints(eps: list[dict[str, Any]], base: list[Segment], out: list[Diag]) -> None:
    if not eps:
        out.append(_d("E_NO_PRIMARY_ENTRYPOINT", base, "the app has no entrypoint"))
        return
    primaries: list[int] = []
    names: dict[str, int] = {}
    for i, e in enumerate(eps):
        p = [*base, i]
        if e["kind"] == "command":
            prog = effective_program(e["command"])
            if prog is not None and prog in SHELLS:
                out.append(_d("E_SHELL_ENTRYPOINT_FORBIDDEN", [*p, "command"], f"the command runs the shell {_q(prog)}"))
            continue
        if e["language"] not in ("python", "node"):
            out.append(_d("E_UNSUPPORTED_LANGUAGE", [*p, "language"], f"language {_q(e['language'])} is not python or node"))
        if e["primary"]:
            primaries.append(i)
        if e["function"] in names:
            out.append(
                _d(
                    "E_DUPLICATE_ENTRYPOINT_FUNCTION",
                    [*p, "function"],
                    f"function {_q(e['function'])} is also entrypoints[{names[e['function']]}]",
                )
            )
        else:
            names[e["function"]] = i
    if len(eps) > 1 and not primaries:
        out.append(_d("E_NO_PRIMARY_ENTRYPOINT", base, f"{len(eps)} entrypoints and none is primary"))
    if len(primaries) > 1:
        listed = ", ".join(f"[{i}]" for i in primaries)
        out.append(_d("E_MULTIPLE_PRIMARY_ENTRYPOINTS", base, f"entrypoints {listed} are all primary"))


def _app(app: dict[str, Any], i: int, out: list[Diag]) -> None:
    base: list[Segment] = ["apps", i]
    src = app["source"]
    if src["kind"] != "local_path":
        out.append(_d("E_SOURCE_KIND_DEFERRED", [*base, "source", "kind"], f"source kind {_q(src['kind'])} is not supported yet"))
    for key in ("include", "exclude"):
        for j, g in enumerate(src.get(key, [])):
            problem = _glob_problem(g)
            if problem:
                out.append(_d("E_SOURCE_GLOB_INVALID", [*base, "source", key, j], f"pattern {_q(g)} {problem}"))
    for k, (lo, hi) in RESOURCE_LIMITS.items():
        v = app["resources"][k]
        if v < lo or v > hi:
            out.append(_d("E_RESOURCES_OUT_OF_RANGE", [*base, "resources", k], f"{k} {v} is outside {lo}-{hi}"))
    _entrypoints(app["entrypoints"], [*base, "entrypoints"], out)
    for name, value in app["env"].items():
        p: list[Segment] = [*base, "env", name]
        if not ENV_NAME.fullmatch(name):
            out.append(_d("E_MALFORMED_MANIFEST", p, f"{_q(name)} is not a valid environment variable name"))
        if value["kind"] == "secret_ref":
            ref = value["ref"]
            if ref["mount"]["kind"] == "env" and not ENV_NAME.fullmatch(ref["mount"]["var"]):
                out.append(
                    _d(
                        "E_MALFORMED_MANIFEST",
                        [*p, "ref", "mount", "var"],
                        f"{_q(ref['mount']['var'])} is not a valid environment variable name",
                    )
                )
            if not ref["allowed_hosts"]:
                out.append(
                    _d(
                        "E_SECRET_WITHOUT_BINDING",
                        [*p, "ref", "allowed_hosts"],
                        f"secret {_q(ref['name'])} has no allowed hosts and will never be released",
                        "warning",
                    )
                )
            for j, h in enumerate(ref["allowed_hosts"]):
                if is_wildcard_host(h):
                    out.append(_d("E_NETWORK_WILDCARD", [*p, "ref", "allowed_hosts", j], f"allowed host {_q(h)} is a wildcard"))
    if app["network"] is not None:
        _network(app["network"], [*base, "network"], app, out)


def validate(w: dict[str, Any]) -> list[Diag]:
    """Every problem of a declared workload: shape problems alone, else every rule's. As in
    validate.ts, an invalid id is not a shape problem that stops the rules: a bad name must not hide
    (say) a wildcard egress grant."""
    shape = _shape(w)
    if any(d["code"] != "E_INVALID_ID" for d in shape):
        return shape
    out: list[Diag] = list(shape)
    if not w["apps"]:
        out.append(_d("E_EMPTY_APPS", ["apps"], "apps[] is empty"))
    if len(w["apps"]) > 1:
        out.append(_d("E_MULTI_APP_DEFERRED", ["apps"], f"{len(w['apps'])} apps; one app per workload in v0"))
    for i, app in enumerate(w["apps"]):
        _app(app, i, out)
    for i, v in enumerate(w.get("volumes", [])):
        if v.get("persist"):
            out.append(_d("E_PERSIST_DEFERRED", ["volumes", i, "persist"], f"volume {_q(v['name'])} asks to persist"))
    return out
