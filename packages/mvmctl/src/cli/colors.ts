// picocolors with its colour decision made at each call instead of once at import.
//
// picocolors decides `isColorSupported` when it is first imported, from the process.env object,
// argv and stdout of that moment. A one-shot CLI never notices; the compile server (ADR 0013)
// serves many requests from one process, each with its own environment (NO_COLOR, FORCE_COLOR,
// CI, TERM) and its own terminal, so the decision must be made per call. The rule is picocolors'
// own (node_modules/picocolors/picocolors.js), so a fresh process prints exactly what it printed.
import picocolors from "picocolors";

type Colors = ReturnType<typeof picocolors.createColors>;
type Formatter = Colors["red"];

const on = picocolors.createColors(true);
const off = picocolors.createColors(false);

/** picocolors' rule, evaluated now. */
export function colorSupported(): boolean {
  const env = process.env;
  const argv = process.argv;
  return (
    !(!!env.NO_COLOR || argv.includes("--no-color")) &&
    (!!env.FORCE_COLOR ||
      argv.includes("--color") ||
      process.platform === "win32" ||
      (process.stdout.isTTY === true && env.TERM !== "dumb") ||
      !!env.CI)
  );
}

type FormatterName = Exclude<keyof Colors, "isColorSupported">;

function build(): Colors {
  const pc = {} as Colors;
  for (const name of Object.keys(on) as (keyof Colors)[]) {
    if (name === "isColorSupported") continue;
    const key: FormatterName = name;
    const format: Formatter = (input) => (colorSupported() ? on : off)[key](input);
    pc[key] = format;
  }
  Object.defineProperty(pc, "isColorSupported", { get: colorSupported, enumerable: true });
  return pc;
}

/** Drop-in for `import pc from "picocolors"`. */
const pc: Colors = build();
export default pc;
