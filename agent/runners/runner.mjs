// mvm Node runner: calls one exported function with [args, kwargs] read as JSON from stdin.
//
// argv: node runner.mjs [--serve] <working_dir> <module> <function> <params-json>  (docs/architecture.md)
// --serve: a warm runner serving many calls over fds 3/4 (see serve() below).
// The build stage transpiles TypeScript to .mjs next to the .ts, so the module is loaded from
// <module>.mjs, then .js, then .cjs. Result: JSON on the real stdout, exit 0. Any failure: exit 1
// and one stderr line `MVM_ENVELOPE: {"kind", "message", "error_id"}`. Node 18, no dependencies.
import { createReadStream, existsSync, readFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

class RunnerError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

// SDKs check this: mvm.emitJson() at a module's top level must not print when the guest imports it.
process.env.MVM_IN_GUEST = "1";

const realStdoutWrite = process.stdout.write.bind(process.stdout);
// The user's console.log and process.stdout.write go to stderr; only the result uses stdout.
process.stdout.write = process.stderr.write.bind(process.stderr);

// node:crypto is loaded on the error path only: the runner's start is the first call's cost.
const require = createRequire(import.meta.url);

function envelope(kind, message) {
  const errorId = require("node:crypto").randomBytes(8).toString("hex");
  const line = JSON.stringify({ kind, message, error_id: errorId });
  process.stderr.write(`MVM_ENVELOPE: ${line}\n`);
}

// JavaScript has no keyword arguments: kwargs are placed by the declared parameter order.
function bind(params, args, kwargs) {
  if (!params) return args;
  const positional = params.filter((p) => p.kind === "normal" || p.kind === "keyword_only");
  const varPos = params.some((p) => p.kind === "var_positional");
  const varKw = params.find((p) => p.kind === "var_keyword");
  if (args.length > positional.length && !varPos) {
    throw new RunnerError(
      "argument_error",
      `takes ${positional.length} positional argument(s) but ${args.length} were given`,
    );
  }
  const out = args.slice(0, positional.length);
  const extra = args.slice(positional.length);
  const names = new Set(positional.map((p) => p.name));
  for (const name of Object.keys(kwargs)) {
    if (positional.findIndex((p) => p.name === name) < args.length && names.has(name)) {
      throw new RunnerError("argument_error", `got multiple values for argument '${name}'`);
    }
    if (!names.has(name) && !varKw) {
      throw new RunnerError("argument_error", `unexpected argument '${name}'`);
    }
  }
  for (let i = args.length; i < positional.length; i++) {
    const p = positional[i];
    if (Object.hasOwn(kwargs, p.name)) out[i] = kwargs[p.name];
    else if (p.required) throw new RunnerError("argument_error", `missing required argument '${p.name}'`);
    else out[i] = undefined;
  }
  // Trailing undefined would defeat defaults only if passed explicitly; trim them.
  while (out.length > args.length && out[out.length - 1] === undefined) out.pop();
  out.push(...extra);
  if (varKw) {
    const rest = Object.fromEntries(Object.entries(kwargs).filter(([k]) => !names.has(k)));
    if (Object.keys(rest).length) {
      while (out.length < positional.length) out.push(undefined);
      out.push(rest);
    }
  }
  return out;
}

async function load(workingDir, module, fnName) {
  const base = module.replace(/\.(m?ts|m?js|cjs|tsx)$/, "");
  const stems = [base];
  if (!base.includes("/") && base.includes(".")) stems.push(base.replaceAll(".", "/"));
  let file;
  for (const stem of stems) {
    for (const ext of [".mjs", ".js", ".cjs"]) {
      const p = join(workingDir, stem + ext);
      if (existsSync(p)) {
        file = p;
        break;
      }
    }
    if (file) break;
  }
  if (!file) throw new RunnerError("entrypoint_invalid", `module '${module}' not found in ${workingDir}`);
  const mod = await import(pathToFileURL(file).href);
  const fn = mod[fnName] ?? mod.default?.[fnName];
  if (typeof fn !== "function") {
    throw new RunnerError("entrypoint_invalid", `module '${module}' has no function '${fnName}'`);
  }
  return fn;
}

function writeResult(text) {
  return new Promise((resolve, reject) => realStdoutWrite(text, (err) => (err ? reject(err) : resolve())));
}

function parseCall(raw) {
  let call;
  try {
    call = raw.length ? JSON.parse(raw) : [[], {}];
  } catch (e) {
    throw new RunnerError("argument_error", `stdin is not valid JSON: ${e.message}`);
  }
  if (
    !Array.isArray(call) ||
    call.length !== 2 ||
    !Array.isArray(call[0]) ||
    call[1] === null ||
    typeof call[1] !== "object" ||
    Array.isArray(call[1])
  ) {
    throw new RunnerError("argument_error", "stdin must be a JSON array [args, kwargs]");
  }
  return call;
}

// One call: resolves to [exitCode, resultText]. User failures become an envelope on stderr.
async function runCall(getFn, params, raw) {
  try {
    const call = parseCall(raw);
    const fn = await getFn();
    const args = bind(params?.length ? params : null, call[0], call[1]);
    const result = await fn(...args);
    let text;
    try {
      text = JSON.stringify(result === undefined ? null : result);
      if (text === undefined) throw new Error(`a ${typeof result} has no JSON form`);
    } catch (e) {
      throw new RunnerError("result_not_serializable", `the result is not JSON-serializable: ${e.message}`);
    }
    return [0, text];
  } catch (e) {
    if (e instanceof RunnerError) {
      envelope(e.kind, e.message);
    } else if (e instanceof Error) {
      if (e.stack) process.stderr.write(`${e.stack}\n`);
      envelope(e.name || e.constructor?.name || "Error", e.message);
    } else {
      envelope("Error", String(e));
    }
    return [1, ""];
  }
}

function parseParams(paramsJson) {
  try {
    return paramsJson ? JSON.parse(paramsJson) : null;
  } catch (e) {
    throw new RunnerError("argument_error", `params are not valid JSON: ${e.message}`);
  }
}

async function main(argv) {
  if (argv.length === 5 && argv[0] === "--serve") return serve(...argv.slice(1));
  if (argv.length !== 4) {
    envelope("internal", "usage: runner.mjs [--serve] <working_dir> <module> <function> <params-json>");
    return 2;
  }
  const [workingDir, module, fnName, paramsJson] = argv;
  let params;
  try {
    params = parseParams(paramsJson);
  } catch (e) {
    envelope(e.kind, e.message);
    return 1;
  }
  const [code, text] = await runCall(() => load(workingDir, module, fnName), params, readFileSync(0, "utf8"));
  if (code === 0) await writeResult(text);
  return code;
}

function writeAll(fd, buf) {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
}

// Puts back what the call's env replaced: each of its names gets its value from before the call
// (or is removed). Other changes to process.env are process state, like module globals.
function restoreEnv(saved) {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

// Warm mode (docs/protocol.md "Warm runners"): import once, then serve calls one at a time.
// fd 3: requests, fd 4: replies; each a u32 big-endian length, then a JSON header line and the
// payload. The module is imported at the first call, inside that call's env and cwd; its state
// persists between calls. Timers and sockets the user leaves open keep running between calls.
async function serve(workingDir, module, fnName, paramsJson) {
  let params = null;
  try {
    params = parseParams(paramsJson);
  } catch {
    // bind() then checks nothing; the one-shot runner reports this per call
  }
  let fn;
  let failed = false;
  const getFn = async () => {
    if (!fn) {
      try {
        fn = await load(workingDir, module, fnName);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
    return fn;
  };
  const requests = createReadStream(null, { fd: 3, highWaterMark: 1 << 16 });
  let pending = Buffer.alloc(0);
  for await (const chunk of requests) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
      const body = pending.subarray(4, 4 + pending.readUInt32BE(0));
      pending = pending.subarray(4 + body.length);
      const nl = body.indexOf(10);
      const head = JSON.parse(body.subarray(0, nl < 0 ? body.length : nl).toString("utf8"));
      const raw = nl < 0 ? "" : body.subarray(nl + 1).toString("utf8");
      const callEnv = head.env ?? {};
      const saved = Object.fromEntries(Object.keys(callEnv).map((k) => [k, process.env[k]]));
      Object.assign(process.env, callEnv);
      process.chdir(head.cwd || "/");
      const started = performance.now();
      let code;
      let text;
      try {
        [code, text] = await runCall(getFn, params, raw);
      } finally {
        // The call's env (secret tokens) and its cwd (removed after the call) go with it.
        restoreEnv(saved);
        process.chdir("/");
      }
      const ms = Math.round((performance.now() - started) * 1000) / 1000;
      // last: this runner exits after the reply (a failed import); the agent starts a new one.
      const replyHead = failed ? { exit_code: code, ms, last: true } : { exit_code: code, ms };
      const out = Buffer.from(`${JSON.stringify(replyHead)}\n${text}`, "utf8");
      const len = Buffer.alloc(4);
      len.writeUInt32BE(out.length, 0);
      writeAll(4, Buffer.concat([len, out]));
      if (failed) return code; // the import failed: the next call starts a fresh runner and retries
    }
  }
  return 0; // the agent closed the request pipe
}

// Exit explicitly: user code may leave timers or sockets open, and the call (or, warm, the
// runner's service) is over.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    envelope("internal", String(e));
    process.exit(1);
  },
);
