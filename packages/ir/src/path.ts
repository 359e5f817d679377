// jq-like paths for diagnostics: .apps[0].env["MY-KEY"].kind
export type PathSegment = string | number;

export function formatPath(segments: readonly PathSegment[]): string {
  if (segments.length === 0) return ".";
  return segments
    .map((s) =>
      typeof s === "number"
        ? `[${s}]`
        : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s)
          ? `.${s}`
          : `[${JSON.stringify(s)}]`,
    )
    .join("")
    .replace(/^\[/, ".[");
}
