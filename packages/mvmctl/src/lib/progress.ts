// The progress interface every stage reports through. Stages never print: the CLI passes a
// renderer (cli/reporter.ts: live lines on a TTY, plain lines in logs, nothing for --quiet), a
// test passes silentReporter or a recorder. No imports, so any stage may depend on it.

export interface Reporter {
  /** A stage (compile, build, up...) begins; later steps are timed from here. */
  stageStart(name: string): void;
  /** One step the user should see, such as "resolving hello-app". */
  step(message: string): void;
  /** Detail worth keeping in a log (tool output, console lines), dimmed on a TTY. */
  log(message: string): void;
  /** Something the user must read even when it does not fail the command. */
  warn(message: string): void;
  stageEnd(name: string, durationMs: number): void;
}

export const silentReporter: Reporter = {
  stageStart() {},
  step() {},
  log() {},
  warn() {},
  stageEnd() {},
};
