// Guest tools Debian bookworm does not package but their authors publish as a wheel on PyPI that
// carries one static binary (uv). The wheel is pinned here by version and sha256, fetched from
// MVM_WHEELHOUSE, the download cache, or PyPI, checked against the pin, and only its binaries are
// copied into the image's /usr/local/bin. Nothing from the wheel runs on the host: python3's
// zipfile reads the members, which is all a wheel needs to be opened.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import { runOk } from "../host-tools.js";

export interface ToolWheel {
  /** The Nix attribute that asks for it. */
  attr: string;
  version: string;
  filename: string;
  url: string;
  sha256: string;
  /** Wheel members -> paths in the guest root. */
  binaries: Record<string, string>;
}

// The manylinux_2_17 wheel: glibc 2.17 or newer, which bookworm's 2.36 is. (The musllinux wheel
// would run too, but the glibc one is what the guest's libc is.) Facts from
// https://pypi.org/pypi/uv/json for 0.13.9.
const UV: ToolWheel = {
  attr: "uv",
  version: "0.13.9",
  filename: "uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
  url: "https://files.pythonhosted.org/packages/3d/aa/26d64642d808de4a652579ef950d7cd2d37f080a8babf9c67c6b75fc4c3f/uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
  sha256: "d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19",
  binaries: {
    "uv-0.13.9.data/scripts/uv": "usr/local/bin/uv",
    "uv-0.13.9.data/scripts/uvx": "usr/local/bin/uvx",
  },
};

const TOOL_WHEELS: Record<string, ToolWheel> = { uv: UV };

export function toolWheel(attr: string): ToolWheel | undefined {
  return TOOL_WHEELS[attr];
}

/** What goes into the inputs hash: the pin, not the path it was found at. */
export const toolWheelKey = (w: ToolWheel): string => `${w.attr}==${w.version} sha256:${w.sha256}`;

const sha256 = async (file: string): Promise<string> =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");

function supplyHint(w: ToolWheel): string {
  return `put ${w.filename} (sha256 ${w.sha256}, from ${w.url}) in a directory and set MVM_WHEELHOUSE to it`;
}

async function download(w: ToolWheel, dest: string): Promise<void> {
  let bytes: Buffer;
  try {
    const res = await fetch(w.url, { signal: AbortSignal.timeout(300_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new MvmError(
      "E_BUILD_DEPS_FAILED",
      `image package "${w.attr}": cannot download ${w.filename} from PyPI: ${cause}`,
      { hint: supplyHint(w), path: ".image.packages" },
    );
  }
  // Written beside the final name and renamed, so a killed build never leaves half a wheel.
  const part = `${dest}.${process.pid}.part`;
  await writeFile(part, bytes);
  await rename(part, dest);
}

/**
 * The verified local wheel: from the wheelhouse when one is set (no network), else the cache,
 * else PyPI into the cache. A cached file with the wrong hash is fetched again; a wheelhouse
 * file with the wrong hash is an error (it is the user's).
 */
export async function fetchToolWheel(w: ToolWheel, cache: string, wheelhouse?: string): Promise<string> {
  if (wheelhouse) {
    const f = join(wheelhouse, w.filename);
    if (!existsSync(f)) {
      throw new MvmError(
        "E_BUILD_DEPS_FAILED",
        `image package "${w.attr}": ${w.filename} is not in MVM_WHEELHOUSE (${wheelhouse})`,
        { hint: `${supplyHint(w)}, or unset MVM_WHEELHOUSE to download it`, path: ".image.packages" },
      );
    }
    await verify(w, f);
    return f;
  }
  await mkdir(cache, { recursive: true });
  const f = join(cache, w.filename);
  if (existsSync(f) && (await sha256(f)) !== w.sha256) await rm(f, { force: true });
  if (!existsSync(f)) await download(w, f);
  await verify(w, f);
  return f;
}

async function verify(w: ToolWheel, file: string): Promise<void> {
  const got = await sha256(file);
  if (got !== w.sha256) {
    throw new MvmError(
      "E_BUILD_DEPS_HASH_MISMATCH",
      `image package "${w.attr}": ${file} has sha256 ${got}, the build pins ${w.sha256}`,
      { hint: supplyHint(w) },
    );
  }
}

// Reads named members of a zip and writes them out; no member is executed or imported.
const EXTRACT = [
  "import sys, zipfile",
  "z = zipfile.ZipFile(sys.argv[1])",
  "for i in range(2, len(sys.argv), 2):",
  "    open(sys.argv[i + 1], 'wb').write(z.read(sys.argv[i]))",
].join("\n");

/** Copies each pinned wheel's binaries into the staged root (mode 0755). */
export async function installToolWheels(
  root: string,
  wheels: ToolWheel[],
  opts: { cache: string; wheelhouse?: string },
): Promise<void> {
  for (const w of wheels) {
    const file = await fetchToolWheel(w, opts.cache, opts.wheelhouse);
    const pairs = Object.entries(w.binaries);
    for (const [, to] of pairs) await mkdir(join(root, to, ".."), { recursive: true });
    await runOk(
      process.env.MVM_PYTHON ?? "python3",
      ["-c", EXTRACT, file, ...pairs.flatMap(([from, to]) => [from, join(root, to)])],
      { what: `extracting ${w.filename}`, code: "E_BUILD_DEPS_FAILED" },
    );
    for (const [, to] of pairs) await chmod(join(root, to), 0o755);
  }
}
