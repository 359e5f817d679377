// Recordings (spec/runtime-sdk.md): what a record-mode Sandbox script did, and its lowering to
// Workload IR. Strict: unknown keys are rejected, base64 is checked, templates come from a closed table.
import { getNodeValue, type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";
import { z } from "zod";
import { type Diagnostic, diagnostic } from "./errors.js";
import { jsonDepthDiagnostic } from "./json-depth.js";
import { formatPath } from "./path.js";
import { EnvValue, Image, Network, SCHEMA_VERSION } from "./schema.js";
import { jsonLocator, lineCol, type ValidationResult, validateWorkload } from "./validate.js";

/** The closed template table: template name -> Nix package attributes. */
export const RECORDING_TEMPLATES: Record<string, string[]> = {
  "python-3.12": ["python312"],
  "python-3.13": ["python313"],
  "node-22": ["nodejs_22"],
  "node-lts": ["nodejs"],
  minimal: ["bash", "coreutils"],
};

const StringMap = z.record(z.string(), z.string());
const Op = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("files_write"),
    path: z.string().min(1),
    bytes_b64: z.string(),
    mode: z
      .string()
      .regex(/^0[0-7]{3}$/)
      .optional(),
  }),
  z.strictObject({
    kind: z.literal("command_start"),
    argv: z.array(z.string()).min(1),
    env: StringMap.default({}),
  }),
  z.strictObject({ kind: z.literal("kill") }),
]);

export const Recording = z.strictObject({
  workload_id: z.string(),
  create: z.strictObject({
    template: z.string().optional(),
    image: Image.optional(),
    env: z.record(z.string(), EnvValue).default({}),
    include: z.array(z.string()).default(["**"]),
    tags: StringMap.default({}),
    ttl_seconds: z.number().int().min(0).optional(),
    resources: z
      .strictObject({
        cpu_cores: z.number().int().min(0).optional(),
        memory_mb: z.number().int().min(0).optional(),
        rootfs_size_mb: z.number().int().min(0).optional(),
      })
      .optional(),
    network: Network.optional(),
    command: z.array(z.string()).min(1).optional(),
  }),
  ops: z.array(Op).default([]),
});
export type Recording = z.output<typeof Recording>;
export type RecordingInput = z.input<typeof Recording>;

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Lowers a shape-valid recording to an IR value (validated by the caller). */
export function lowerRecording(rec: Recording): { value?: unknown; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let packages: string[] | undefined;
  if (rec.create.image === undefined) {
    const t = rec.create.template;
    if (t === undefined) {
      diagnostics.push(
        diagnostic("E_RECORDING_INVALID", ".create", "create needs a template or an image", {
          hint: `known templates: ${Object.keys(RECORDING_TEMPLATES).join(", ")}`,
        }),
      );
    } else if (!Object.hasOwn(RECORDING_TEMPLATES, t)) {
      diagnostics.push(
        diagnostic(
          "E_RECORDING_UNKNOWN_TEMPLATE",
          ".create.template",
          `unknown template ${JSON.stringify(t)}`,
          {
            hint: `known templates: ${Object.keys(RECORDING_TEMPLATES).join(", ")}`,
          },
        ),
      );
    } else packages = RECORDING_TEMPLATES[t];
  }
  const starts: { argv: string[]; env: Record<string, string>; index: number }[] = [];
  const files: Record<string, unknown>[] = [];
  rec.ops.forEach((op, i) => {
    if (op.kind === "files_write") {
      if (!B64.test(op.bytes_b64)) {
        diagnostics.push(
          diagnostic(
            "E_RECORDING_BAD_BASE64",
            formatPath(["ops", i, "bytes_b64"]),
            `ops[${i}] (${op.path}) is not valid base64`,
          ),
        );
      }
      files.push(
        op.mode
          ? { path: op.path, bytes_b64: op.bytes_b64, mode: op.mode }
          : { path: op.path, bytes_b64: op.bytes_b64 },
      );
    } else if (op.kind === "command_start") {
      starts.push({ argv: op.argv, env: op.env, index: i });
    }
    // kill ends the sandbox; it has no build-time meaning and is dropped.
  });
  const final = rec.create.command
    ? { argv: rec.create.command, env: {} as Record<string, string> }
    : starts.at(-1);
  if (!final) {
    diagnostics.push(diagnostic("E_RECORDING_NO_COMMAND", ".ops", "the recording starts no command"));
  }
  if (diagnostics.length > 0) return { diagnostics };
  const setup = rec.create.command ? starts : starts.slice(0, -1);
  // A hook has no env of its own: earlier commands with env run through env(1).
  const withEnv = (argv: string[], env: Record<string, string>) =>
    Object.keys(env).length === 0
      ? argv
      : ["env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];
  const extensions: Record<string, unknown> = {};
  if (Object.keys(rec.create.tags).length > 0 || rec.create.ttl_seconds !== undefined) {
    extensions.recording = {
      tags: rec.create.tags,
      ...(rec.create.ttl_seconds !== undefined ? { ttl_seconds: rec.create.ttl_seconds } : {}),
    };
  }
  const app: Record<string, unknown> = {
    name: rec.workload_id,
    source: { kind: "local_path", path: ".", include: rec.create.include, exclude: [] },
    image: rec.create.image ?? { kind: "nix_packages", packages },
    entrypoints: [{ kind: "command", command: final!.argv, working_dir: "/app", env: final!.env }],
    env: rec.create.env,
    network: rec.create.network ?? null,
    resources: { cpu_cores: 1, memory_mb: 256, rootfs_size_mb: 512, ...rec.create.resources },
    files,
  };
  if (setup.length > 0)
    app.hooks = { before_start: setup.map((s) => ({ kind: "argv", argv: withEnv(s.argv, s.env) })) };
  return {
    value: { schema_version: SCHEMA_VERSION, id: rec.workload_id, apps: [app], volumes: [], extensions },
    diagnostics,
  };
}

/** Parses, checks and lowers recording JSON text, then validates the resulting IR. */
export function lowerRecordingText(text: string, file: string): ValidationResult {
  const tooDeep = jsonDepthDiagnostic(text, file);
  if (tooDeep) return { diagnostics: [tooDeep] };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length > 0 || !root) {
    const e = errors[0] ?? { error: 1, offset: 0, length: 0 };
    const lc = lineCol(text, e.offset);
    return {
      diagnostics: [
        diagnostic(
          "E_RECORDING_INVALID",
          undefined,
          `invalid JSON: ${errors.length ? printParseErrorCode(e.error) : "empty"} at ${file}:${lc.line}:${lc.column}`,
          {
            location: { file, ...lc },
          },
        ),
      ],
    };
  }
  const locate = jsonLocator(text, file, root);
  const at = (d: Diagnostic): Diagnostic => {
    if (d.path === undefined) return d;
    const segs =
      d.path === "."
        ? []
        : d.path
            .replace(/^\./, "")
            .split(/\.|\[|\]/)
            .filter(Boolean)
            .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const loc = locate(segs);
    return loc ? { ...d, location: loc } : d;
  };
  const parsed = Recording.safeParse(getNodeValue(root));
  if (!parsed.success) {
    return {
      diagnostics: parsed.error.issues.flatMap((issue) => {
        const p = issue.path.filter((s): s is string | number => typeof s !== "symbol");
        if (issue.code === "unrecognized_keys") {
          return issue.keys.map((k) =>
            at(
              diagnostic(
                "E_UNKNOWN_FIELD",
                formatPath([...p, k]),
                `unknown field ${JSON.stringify(k)} in the recording`,
              ),
            ),
          );
        }
        return [at(diagnostic("E_RECORDING_INVALID", formatPath(p), issue.message))];
      }),
    };
  }
  const lowered = lowerRecording(parsed.data);
  if (lowered.value === undefined) return { diagnostics: lowered.diagnostics.map(at) };
  const v = validateWorkload(lowered.value);
  return {
    ...v,
    diagnostics: [...lowered.diagnostics, ...v.diagnostics].map((d) => ({
      ...d,
      location: d.location ?? { file },
    })),
  };
}
