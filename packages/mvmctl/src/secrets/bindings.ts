// Which built images bind each secret, and to which hosts (`mvmctl secret ls`). Read from the
// images' manifests (image.json `secrets`: names and bindings, never values); an image whose
// manifest cannot be read is skipped, as the build cache does.
import { readdir } from "node:fs/promises";
import { DIGEST_RE, imageDir, imagesDir, readImageManifest } from "../contracts/image-manifest.js";

export interface SecretBindingInfo {
  workload_id: string;
  /** The image digest's first 12 hex digits. */
  image: string;
  /** The env var the guest sees the token in. */
  env: string;
  /** The hosts the value may be released to (https, via mvm.web_fetch). */
  hosts: string[];
}

/** secret name -> its bindings, newest images first is not guaranteed: sorted by workload, then env. */
export async function secretBindings(home: string): Promise<Map<string, SecretBindingInfo[]>> {
  const out = new Map<string, SecretBindingInfo[]>();
  let digests: string[];
  try {
    digests = (await readdir(imagesDir(home))).filter((d) => DIGEST_RE.test(d));
  } catch {
    return out;
  }
  for (const digest of digests) {
    const m = await readImageManifest(imageDir(home, digest)).catch(() => undefined);
    for (const [env, b] of Object.entries(m?.secrets ?? {})) {
      const list = out.get(b.name) ?? [];
      list.push({
        workload_id: m?.workload_id ?? "",
        image: digest.slice(0, 12),
        env,
        hosts: b.allowed_hosts,
      });
      out.set(b.name, list);
    }
  }
  for (const list of out.values())
    list.sort((a, b) => (a.workload_id + a.env < b.workload_id + b.env ? -1 : 1));
  return out;
}
