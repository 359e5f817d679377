// mvm Node runner: calls one exported function with [args, kwargs] read as JSON from stdin.
//
// argv: node runner.mjs <working_dir> <module> <function> <params-json>  (docs/architecture.md)
// The build stage transpiles TypeScript to .mjs next to the .ts, so the module is loaded from
// <module>.mjs, then .js, then .cjs. Result: JSON on the real stdout, exit 0. Any failure: exit 1
// and one stderr line `MVM_ENVELOPE: {"kind", "message", "error_id"}`. Node 18, no dependencies.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
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

function envelope(kind, message) {
  const line = JSON.stringify({ kind, message, error_id: randomBytes(8).toString("hex") });
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

async function main(argv) {
  if (argv.length !== 4) {
    envelope("internal", "usage: runner.mjs <working_dir> <module> <function> <params-json>");
    return 2;
  }
  const [workingDir, module, fnName, paramsJson] = argv;
  try {
    let params;
    let call;
    try {
      params = paramsJson ? JSON.parse(paramsJson) : null;
      const raw = readFileSync(0, "utf8");
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
    const fn = await load(workingDir, module, fnName);
    const args = bind(params?.length ? params : null, call[0], call[1]);
    const result = await fn(...args);
    let text;
    try {
      text = JSON.stringify(result === undefined ? null : result);
      if (text === undefined) throw new Error(`a ${typeof result} has no JSON form`);
    } catch (e) {
      throw new RunnerError("result_not_serializable", `the result is not JSON-serializable: ${e.message}`);
    }
    await writeResult(text);
    return 0;
  } catch (e) {
    if (e instanceof RunnerError) {
      envelope(e.kind, e.message);
    } else if (e instanceof Error) {
      if (e.stack) process.stderr.write(`${e.stack}\n`);
      envelope(e.name || e.constructor?.name || "Error", e.message);
    } else {
      envelope("Error", String(e));
    }
    return 1;
  }
}

// Exit explicitly: user code may leave timers or sockets open, and the call is over.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    envelope("internal", String(e));
    process.exit(1);
  },
);
