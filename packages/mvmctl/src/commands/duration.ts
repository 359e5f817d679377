// Durations as users type them: "500ms", "30s", "2m", "1.5s". A bare number means seconds, as
// with coreutils `timeout`.
import { MvmError } from "@mvm/ir/errors";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDurationMs(text: string, flag = "--timeout"): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m?.[1]) {
    throw new MvmError("E_USAGE", `${flag}: cannot read "${text}" as a duration`, {
      hint: 'write a number with a unit: "500ms", "30s", "2m"',
      exitCode: 2,
    });
  }
  const ms = Math.round(Number(m[1]) * (UNIT_MS[m[2] ?? "s"] ?? 1000));
  if (ms <= 0) {
    throw new MvmError("E_USAGE", `${flag}: the duration must be more than zero`, { exitCode: 2 });
  }
  return ms;
}
