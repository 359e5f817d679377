// docs/architecture.md documents the files between stages; this keeps it in step with the
// contracts: every top-level key of each schema, and each format version, appears in the section
// about that file. A failure names what is missing and where.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { z } from "zod";
import { ARTIFACT_FORMAT_VERSION, LaunchJson } from "../../src/contracts/compiled-dir.js";
import { RUNTIME_CONFIG_VERSION, RuntimeConfig } from "../../src/contracts/guest-runtime.js";
import { IMAGE_FORMAT_VERSION, ImageManifest } from "../../src/contracts/image-manifest.js";
import { InstanceState, STATE_VERSION } from "../../src/contracts/instance-state.js";
import { REPO_ROOT } from "../helpers/cli.js";

interface Documented {
  file: string;
  /** The `## ` heading of the section that documents it. */
  section: string;
  schema: z.ZodObject;
  /** The version key and the constant's value, which must appear together on one line. */
  version: [key: string, value: string | number, constant: string];
}

const FILES: Documented[] = [
  {
    file: "launch.json",
    section: "Compile output (input of `build`)",
    schema: LaunchJson,
    version: ["artifact_format_version", ARTIFACT_FORMAT_VERSION, "ARTIFACT_FORMAT_VERSION"],
  },
  {
    file: "image.json",
    section: "Image store (output of `build`, input of `up`)",
    schema: ImageManifest,
    version: ["image_format_version", IMAGE_FORMAT_VERSION, "IMAGE_FORMAT_VERSION"],
  },
  {
    file: "/etc/mvm/runtime.json",
    section: "Guest layout",
    schema: RuntimeConfig,
    version: ["version", RUNTIME_CONFIG_VERSION, "RUNTIME_CONFIG_VERSION"],
  },
  {
    file: "state.json",
    section: "Instances (output of `up`)",
    schema: InstanceState,
    version: ["state_version", STATE_VERSION, "STATE_VERSION"],
  },
];

function sectionOf(doc: string, heading: string): string | undefined {
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start < 0) return undefined;
  const end = doc.indexOf("\n## ", start + 4);
  return doc.slice(start, end < 0 ? undefined : end);
}

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const word = (s: string) => new RegExp(`(^|[^A-Za-z0-9_])${reEscape(s)}([^A-Za-z0-9_]|$)`, "m");

test("docs/architecture.md names every top-level key and the format version of each file between stages", async () => {
  const doc = await readFile(join(REPO_ROOT, "docs/architecture.md"), "utf8");
  const missing: string[] = [];
  for (const f of FILES) {
    const text = sectionOf(doc, f.section);
    if (!text) {
      missing.push(`section "## ${f.section}" (documents ${f.file}) is gone`);
      continue;
    }
    for (const key of Object.keys(f.schema.shape)) {
      if (!word(key).test(text)) missing.push(`${f.file}: key \`${key}\` (section "${f.section}")`);
    }
    const [key, value, constant] = f.version;
    const together = new RegExp(
      `${reEscape(key)}\\W[^\\n]*?(^|[^0-9.])${reEscape(String(value))}([^0-9.]|$)`,
      "m",
    );
    if (!together.test(text)) {
      missing.push(
        `${f.file}: ${constant} (\`${key}\` = ${JSON.stringify(value)} on one line, section "${f.section}")`,
      );
    }
  }
  assert.deepEqual(
    missing,
    [],
    `docs/architecture.md is out of step with src/contracts/; missing:\n  ${missing.join("\n  ")}`,
  );
});
