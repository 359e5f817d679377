// The `[args, kwargs]` payload of a function call, from `--input k=v` pairs or a raw `--stdin`
// document. A value is JSON when it parses as JSON (so `n=3` is a number and `tags='["a"]'` a
// list) and a plain string otherwise (so `name=ari` needs no quoting).
import { MvmError } from "@mvm/ir/errors";

export type CallPayload = [unknown[], Record<string, unknown>];

export function parseInputValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function payloadFromInputs(inputs: string[]): CallPayload {
  const kwargs: Record<string, unknown> = {};
  for (const item of inputs) {
    const eq = item.indexOf("=");
    const key = eq > 0 ? item.slice(0, eq) : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new MvmError("E_USAGE", `--input "${item}": expected NAME=VALUE with a parameter name`, {
        hint: "example: --input name=ari --input count=3",
        exitCode: 2,
      });
    }
    if (Object.hasOwn(kwargs, key)) {
      throw new MvmError("E_USAGE", `--input ${key} is given twice`, { exitCode: 2 });
    }
    kwargs[key] = parseInputValue(item.slice(eq + 1));
  }
  return [[], kwargs];
}

/** A raw `--stdin` document: exactly `[args, kwargs]` (spec/cli.md), nothing guessed. */
export function payloadFromStdin(text: string): CallPayload {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new MvmError("E_USAGE", "--stdin: the input is not JSON", {
      hint: 'pass [args, kwargs], e.g. [["ari"], {}] or [[], {"name": "ari"}]',
      exitCode: 2,
      cause: e,
    });
  }
  const isObj = (x: unknown): x is Record<string, unknown> =>
    typeof x === "object" && x !== null && !Array.isArray(x);
  if (Array.isArray(v) && v.length === 2 && Array.isArray(v[0]) && isObj(v[1])) return [v[0], v[1]];
  throw new MvmError("E_USAGE", "--stdin: expected a JSON array [args, kwargs]", {
    hint: 'e.g. [["ari"], {}] or [[], {"name": "ari"}]',
    exitCode: 2,
  });
}
