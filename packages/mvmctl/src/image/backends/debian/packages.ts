// The explicit table from Nix attribute names (what the IR's nix_packages image names) to the
// Debian bookworm packages the debian backend installs instead. Nothing is guessed: an attribute
// that is not in this table is an error that lists the ones that are, and a version the suite
// does not carry is substituted only with a warning naming both versions (or refused, --strict).
import { MvmError } from "@mvm/ir/errors";
import { type ToolWheel, toolWheel } from "../../deps/tool-wheels.js";

export const DEBIAN_SUITE = "bookworm";

/** Python and Node versions bookworm ships; versioned attributes are compared against these. */
export const SUITE_PYTHON = "3.11";
export const SUITE_NODE = "18";

/** Plain attributes: one Nix attribute -> the Debian packages that provide it. */
const PLAIN: Record<string, string[]> = {
  bash: ["bash"],
  binutils: ["binutils"],
  busybox: ["busybox"],
  cacert: ["ca-certificates"],
  cmake: ["cmake"],
  coreutils: ["coreutils"],
  curl: ["curl"],
  diffutils: ["diffutils"],
  file: ["file"],
  findutils: ["findutils"],
  gawk: ["gawk"],
  gcc: ["gcc", "libc6-dev"],
  git: ["git"],
  gnugrep: ["grep"],
  gnumake: ["make"],
  gnupg: ["gnupg"],
  gnused: ["sed"],
  gnutar: ["tar"],
  gzip: ["gzip"],
  iproute2: ["iproute2"],
  jq: ["jq"],
  less: ["less"],
  nodejs: ["nodejs"],
  openssh: ["openssh-client"],
  openssl: ["openssl"],
  "pkg-config": ["pkg-config"],
  procps: ["procps"],
  // Nix's python3 also provides `python`; python-is-python3 is that link on Debian.
  python3: ["python3", "python-is-python3"],
  ripgrep: ["ripgrep"],
  rsync: ["rsync"],
  sqlite: ["sqlite3"],
  strace: ["strace"],
  tzdata: ["tzdata"],
  unzip: ["unzip"],
  "util-linux": ["util-linux"],
  wget: ["wget"],
  which: ["debianutils"],
  xz: ["xz-utils"],
  zip: ["zip"],
  zstd: ["zstd"],
};

// Attributes bookworm does not package are provided by a pinned wheel instead (tool-wheels.ts:
// uv); substituting pip for uv would hand the workload a different tool under the same name.

const PYTHON_ATTR = /^python3(\d{1,2})$/;
const NODE_ATTR = /^nodejs_(\d{2})$/;

export interface PackageResolution {
  requested: string;
  /** The Debian package recorded as the provider (the first one installed for it). */
  provided: string;
  debs: string[];
  /** The version the user asked for, when the attribute names one ("3.12", "22"). */
  requestedVersion?: string;
  /** The version family the suite ships for it ("3.11", "18"). */
  suiteVersion?: string;
  substituted: boolean;
  /** Provided by a pinned PyPI wheel rather than a Debian package (debs is then empty). */
  wheel?: ToolWheel;
}

/** Every attribute name the table knows, for error messages and docs. */
export function knownAttributes(): string[] {
  return [
    ...Object.keys(PLAIN),
    "uv (pinned PyPI wheel)",
    "python3<minor> (python38 … python314)",
    "nodejs_<major> (nodejs_18, nodejs_20, nodejs_22, …)",
  ].sort();
}

function resolveOne(attr: string): PackageResolution {
  const py = PYTHON_ATTR.exec(attr);
  if (py) {
    const requestedVersion = `3.${py[1]}`;
    return {
      requested: attr,
      provided: "python3",
      debs: ["python3", "python-is-python3"],
      requestedVersion,
      suiteVersion: SUITE_PYTHON,
      substituted: requestedVersion !== SUITE_PYTHON,
    };
  }
  const node = NODE_ATTR.exec(attr);
  if (node) {
    const requestedVersion = String(Number(node[1]));
    return {
      requested: attr,
      provided: "nodejs",
      debs: ["nodejs"],
      requestedVersion,
      suiteVersion: SUITE_NODE,
      substituted: requestedVersion !== SUITE_NODE,
    };
  }
  const debs = PLAIN[attr];
  if (debs) {
    return { requested: attr, provided: debs[0] as string, debs, substituted: false };
  }
  const wheel = toolWheel(attr);
  if (wheel) {
    return { requested: attr, provided: `${attr} (PyPI wheel)`, debs: [], substituted: false, wheel };
  }
  throw new MvmError(
    "E_PACKAGE_UNKNOWN",
    `package "${attr}" has no Debian ${DEBIAN_SUITE} mapping; known attributes: ${knownAttributes().join(", ")}`,
    { path: ".image.packages" },
  );
}

export interface ResolveOutcome {
  resolutions: PackageResolution[];
  /** Debian packages to install, sorted and deduplicated. */
  debs: string[];
  /** One warning per substitution, naming both versions. */
  warnings: string[];
  /** Tools installed from pinned wheels, by attribute name. */
  wheels: ToolWheel[];
}

/**
 * Resolves the image's Nix attributes. `implicit` names runtime needs (the language runner's
 * interpreter) added when the user did not list a provider for them.
 */
export function resolvePackages(
  attrs: string[],
  opts: { strict?: boolean; implicit?: string[] } = {},
): ResolveOutcome {
  const resolutions = attrs.map(resolveOne);
  for (const need of opts.implicit ?? []) {
    if (!resolutions.some((r) => r.provided === need)) {
      resolutions.push({ requested: `${need} (runner)`, provided: need, debs: [need], substituted: false });
    }
  }
  const warnings: string[] = [];
  for (const r of resolutions.filter((x) => x.substituted)) {
    const text = `${r.requested} requests ${r.provided} ${r.requestedVersion}, but Debian ${DEBIAN_SUITE} provides ${r.suiteVersion}: substituted ${r.requestedVersion} -> ${r.suiteVersion}`;
    if (opts.strict) {
      throw new MvmError("E_PACKAGE_SUBSTITUTED_STRICT", `${text} (refused: --strict)`, {
        path: ".image.packages",
      });
    }
    warnings.push(text);
  }
  const debs = [...new Set(resolutions.flatMap((r) => r.debs))].sort();
  const wheels = resolutions.flatMap((r) => (r.wheel ? [r.wheel] : []));
  return { resolutions, debs, warnings, wheels };
}
