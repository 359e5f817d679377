// The initramfs: /init (the agent, PID 1), the guest's kernel modules (decompressed) and
// /etc/mvm/modules listing them in load order. Deterministic: see cpio.ts.
//
// /etc/mvm/modules, one module a line, "#" lines ignored:
//   <absolute path>                          always loaded
//   <absolute path>\t<pattern>,<pattern>...  loaded only when a device's modalias
//                                            (/sys/bus/{virtio,pci}/devices/*/modalias) matches
//                                            one of the fnmatch patterns
// A line without a tab is the format images before conditional loading used (all always).
import { readFileSync } from "node:fs";
import { type CpioEntry, initramfsBytes } from "../../lib/cpio.js";
import type { ModuleFile } from "./kernel-modules.js";
import { moduleBytes } from "./kernel-modules.js";

const MODULES_HEADER =
  "# path, or path<TAB>modalias patterns (comma-separated): load only if a device matches\n";

export function initramfsEntries(agentPath: string, release: string, modules: ModuleFile[]): CpioEntry[] {
  const entries: CpioEntry[] = [{ path: "init", type: "file", mode: 0o755, data: readFileSync(agentPath) }];
  const listed: string[] = [];
  for (const m of modules) {
    // Stored uncompressed so the agent can finit_module() them without a decompressor.
    const rel = `lib/modules/${release}/${m.rel.replace(/\.(xz|zst|gz)$/, "")}`;
    entries.push({ path: rel, type: "file", mode: 0o644, data: moduleBytes(m.abs) });
    listed.push(m.when.length ? `/${rel}\t${m.when.join(",")}` : `/${rel}`);
  }
  entries.push({
    path: "etc/mvm/modules",
    type: "file",
    mode: 0o644,
    data: Buffer.from(listed.length ? `${MODULES_HEADER}${listed.join("\n")}\n` : ""),
  });
  for (const d of ["dev", "proc", "sys", "newroot", "tmp"])
    entries.push({ path: d, type: "dir", mode: 0o755 });
  return entries;
}

export function buildInitramfs(agentPath: string, release: string, modules: ModuleFile[]): Buffer {
  return initramfsBytes(initramfsEntries(agentPath, release, modules));
}
