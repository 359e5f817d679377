// The SDKs inside the guest. A declaration file imports mvm (Python) or "mvm-sdk" (TypeScript) at
// module level, and the guest runner imports that module, so both SDKs are baked into every image:
// Python's at /usr/lib/python3/dist-packages/mvm (on Debian's default sys.path), the Node one at
// /node_modules/mvm-sdk (found by ESM resolution from any file under /), with the dist of @mvm/ir
// beside it for its light "@mvm/ir/declare" subpath. In the guest the SDK only records
// declarations; emit calls are silent there (MVM_IN_GUEST=1), so zod is never needed there.
import { chmod, copyFile, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";

async function copyTree(from: string, to: string, keep: (name: string) => boolean): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o755 });
  for (const e of (await readdir(from, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory()) {
      if (e.name !== "__pycache__") await copyTree(join(from, e.name), join(to, e.name), keep);
    } else if (e.isFile() && keep(e.name)) {
      await copyFile(join(from, e.name), join(to, e.name));
      await chmod(join(to, e.name), 0o644);
    }
  }
}

/** packages/ir, next to packages/sdk. */
export function irNodeDir(sdkNode: string): string {
  return join(sdkNode, "..", "ir");
}

export async function bakeGuestSdks(root: string, sdkPython: string, sdkNode: string): Promise<void> {
  await copyTree(
    sdkPython,
    join(root, "usr/lib/python3/dist-packages/mvm"),
    (n) => n.endsWith(".py") || n === "py.typed",
  );
  const nodeDest = join(root, "node_modules/mvm-sdk");
  await copyTree(join(sdkNode, "dist"), join(nodeDest, "dist"), (n) => n.endsWith(".js"));
  await copyFile(join(sdkNode, "package.json"), join(nodeDest, "package.json"));
  await chmod(join(nodeDest, "package.json"), 0o644);
  const irDest = join(root, "node_modules/@mvm/ir");
  await copyTree(join(irNodeDir(sdkNode), "dist"), join(irDest, "dist"), (n) => n.endsWith(".js"));
  await copyFile(join(irNodeDir(sdkNode), "package.json"), join(irDest, "package.json"));
  await chmod(join(irDest, "package.json"), 0o644);
}
