import assert from "node:assert/strict";
import { test } from "node:test";
import { rewriteTsImports, transpileFile } from "../../src/image/guest/app-bundle.js";

test("relative .ts specifiers become .mjs; packages and .js are left alone", () => {
  const src = `import a from "./a.ts";\nimport { b } from '../lib/b.mts';\nexport * from "./c.tsx";\nconst d = await import("./d.ts");\nimport "pkg/x.ts";\nimport e from "./e.js";\n`;
  assert.equal(
    rewriteTsImports(src),
    `import a from "./a.mjs";\nimport { b } from '../lib/b.mjs';\nexport * from "./c.mjs";\nconst d = await import("./d.mjs");\nimport "pkg/x.ts";\nimport e from "./e.js";\n`,
  );
});

test("types are stripped and imports rewritten", async () => {
  const out = await transpileFile(
    `import { s } from "./util.ts";\nexport function greet(name: string): string { return s + name; }\n`,
    "app.ts",
  );
  assert.match(out, /from "\.\/util\.mjs"/);
  assert.ok(!out.includes(": string"));
});
