// `invoke()`: one function call in a running instance. The runner's stdout is the JSON result
// (collected); its stderr is the user's own prints (streamed to the caller) plus, on a user
// exception, one `MVM_ENVELOPE: {...}` line that is turned into an error here.
import { MvmError } from "@mvm/ir/errors";
import { type ImageManifest, readImageManifest } from "../contracts/image-manifest.js";
import { openInstance } from "./agent/open-instance.js";
import type { OutputSink } from "./agent/session.js";
import type { CallPayload } from "./invoke-input.js";

export interface InvokeOptions {
  home: string;
  name: string;
  fn?: string;
  payload: CallPayload;
  timeoutMs: number;
  /** A one-shot runner for this call (no module state from earlier calls) instead of the warm one. */
  fresh?: boolean;
  /** Where the user's stderr goes while the call runs. */
  stderr?: (chunk: Buffer) => void;
}

export interface InvokeResult {
  /** The parsed result (the runner's stdout as JSON). */
  result: unknown;
  /** The raw result text, as the runner wrote it. */
  text: string;
  durationMs: number;
}

export interface UserErrorEnvelope {
  kind: string;
  message: string;
  error_id?: string;
}

const ENVELOPE = "MVM_ENVELOPE: ";

/** Finds the runner's error envelope in its stderr text, if there is one. */
export function findEnvelope(stderrText: string): UserErrorEnvelope | undefined {
  for (const line of stderrText.split("\n").reverse()) {
    const at = line.indexOf(ENVELOPE);
    if (at < 0) continue;
    try {
      const v = JSON.parse(line.slice(at + ENVELOPE.length)) as UserErrorEnvelope;
      if (typeof v.kind === "string" && typeof v.message === "string") return v;
    } catch {
      // not an envelope after all
    }
  }
  return undefined;
}

/** Splits streamed stderr into lines so the envelope line is caught and not shown raw. */
class StderrFilter {
  private pending = "";
  tail = "";
  constructor(private readonly forward: (chunk: Buffer) => void) {}
  push(chunk: Buffer): void {
    this.pending += chunk.toString("utf8");
    const nl = this.pending.lastIndexOf("\n");
    if (nl < 0) {
      if (this.pending.length > 65536) this.flushAll();
      return;
    }
    this.emit(this.pending.slice(0, nl + 1));
    this.pending = this.pending.slice(nl + 1);
  }
  flushAll(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = "";
  }
  private emit(text: string): void {
    const shown = text
      .split(/(?<=\n)/)
      .filter((l) => {
        if (!l.includes(ENVELOPE)) return true;
        this.tail = l;
        return false;
      })
      .join("");
    if (shown) this.forward(Buffer.from(shown));
  }
}

type EntrypointParam = { name: string; required: boolean };

/** The image's manifest, for hints that name what can be called; none when it cannot be read. */
async function imageEntrypoints(imageDir: string): Promise<ImageManifest | undefined> {
  return readImageManifest(imageDir).catch(() => undefined);
}

function signatureText(fn: string, params: EntrypointParam[] | undefined): string {
  return `${fn}(${(params ?? []).map((p) => (p.required === false ? `${p.name}?` : p.name)).join(", ")})`;
}

export async function invoke(o: InvokeOptions): Promise<InvokeResult> {
  const { agent, secretEnv, state } = await openInstance(o.home, o.name);
  const out: Buffer[] = [];
  const filter = new StderrFilter(o.stderr ?? (() => undefined));
  const sink: OutputSink = { stdout: (b) => out.push(b), stderr: (b) => filter.push(b) };
  const t0 = performance.now();
  let code: number;
  try {
    code = await agent
      .invoke(
        {
          entrypoint: o.fn,
          stdin: Buffer.from(JSON.stringify(o.payload)),
          timeoutMs: o.timeoutMs,
          env: secretEnv,
          fresh: o.fresh,
        },
        sink,
      )
      .catch(async (e: unknown) => {
        // An unknown --fn: say which entrypoints the image has.
        if (e instanceof MvmError && e.code === "E_ENTRYPOINT_INVALID" && o.fn) {
          const eps = await imageEntrypoints(state.image_dir);
          if (eps) {
            throw new MvmError(e.code, e.message, {
              hint: `this image's entrypoints: ${Object.keys(eps.entrypoints).join(", ")} (the default is ${eps.primary})`,
              cause: e,
            });
          }
        }
        throw e;
      });
  } finally {
    filter.flushAll();
    agent.close();
  }
  const durationMs = performance.now() - t0;
  const text = Buffer.concat(out).toString("utf8");
  if (code !== 0) {
    const env = findEnvelope(filter.tail);
    if (env?.kind === "argument_error") {
      // Not the function's own exception: the call did not match its parameters.
      const eps = await imageEntrypoints(state.image_dir);
      const fn = o.fn ?? eps?.primary;
      const ep = fn ? eps?.entrypoints[fn] : undefined;
      const sig = fn && eps ? signatureText(fn, ep?.kind === "function" ? ep.params : undefined) : undefined;
      throw new MvmError("E_INVOKE_ARGUMENTS", env.message, {
        hint: `${sig ? `the function is ${sig}; ` : ""}pass each parameter as --input NAME=VALUE (values are JSON when they parse)`,
        exitCode: code,
      });
    }
    if (env) {
      throw new MvmError("E_USER_EXCEPTION", `${env.kind}: ${env.message}`, {
        hint: `the call failed in the guest; any output it printed is above${env.error_id ? ` (error id ${env.error_id})` : ""}`,
        exitCode: code,
      });
    }
    throw new MvmError("E_INVOKE_FAILED", `the call exited with code ${code}`, {
      hint: "the runner failed without an error envelope; its stderr is above",
      exitCode: code,
    });
  }
  let result: unknown;
  try {
    result = JSON.parse(text);
  } catch (e) {
    throw new MvmError("E_INVOKE_FAILED", "the runner's result is not JSON", { cause: e });
  }
  return { result, text: text.trim(), durationMs };
}
