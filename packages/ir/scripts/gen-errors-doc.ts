// Generates docs/errors.md from the error catalogue (src/catalog/). Run:
//   node --import tsx packages/ir/scripts/gen-errors-doc.ts
// test/errors-doc-drift.test.ts fails when the checked-in page differs from what this prints.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { catalogSections } from "../src/catalog/index.js";

export const ERRORS_DOC_FILE = fileURLToPath(new URL("../../../docs/errors.md", import.meta.url));

/** Markdown table cells cannot hold a raw `|` or a newline. */
function cell(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export function renderErrorsDoc(): string {
  const lines: string[] = [
    "# Error codes",
    "",
    "<!-- Generated from packages/ir/src/catalog/ by packages/ir/scripts/gen-errors-doc.ts; do not edit. -->",
    "",
    "Every failure mvm reports carries one of these stable codes. Codes are append-only: never renamed,",
    "never reused. Each row gives what the code means, the next action, and the process exit code when",
    "the error ends a command (see [cli/exit-codes.md](cli/exit-codes.md)). Warnings are reported and do",
    "not fail the command. The Workload IR codes are explained with examples in [ir.md](ir.md).",
    "",
  ];
  for (const section of catalogSections) {
    const codes = Object.keys(section.rows);
    lines.push(`## ${section.title}`, "");
    if (codes.length === 0) {
      lines.push("No codes yet.", "");
      continue;
    }
    lines.push("| code | severity | exit | meaning | what to do |", "|---|---|---|---|---|");
    for (const code of codes) {
      const row = section.rows[code]!;
      lines.push(
        `| \`${code}\` | ${row.severity ?? "error"} | ${row.exit} | ${cell(row.summary)} | ${cell(row.hint)} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(ERRORS_DOC_FILE, renderErrorsDoc());
  console.error(`wrote ${ERRORS_DOC_FILE}`);
}
