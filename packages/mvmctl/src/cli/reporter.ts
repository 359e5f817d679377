// The CLI's renderers of stage progress (the interface is lib/progress.ts): live elapsed time on a
// TTY, plain step lines otherwise, nothing for --quiet. All go to stderr, so stdout holds only
// results.
import { type Reporter, silentReporter } from "../lib/progress.js";
import pc from "./colors.js";

export { type Reporter, silentReporter };

function fmtMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** Plain lines with elapsed time since the stage started: for logs, CI and pipes. */
export class LineReporter implements Reporter {
  private started = new Map<string, number>();
  private current?: string;
  constructor(private readonly out: NodeJS.WritableStream = process.stderr) {}

  private elapsed(): string {
    const t0 = this.current ? this.started.get(this.current) : undefined;
    return t0 === undefined ? "" : pc.dim(`[${fmtMs(performance.now() - t0).padStart(6)}] `);
  }
  stageStart(name: string): void {
    this.started.set(name, performance.now());
    this.current = name;
    this.out.write(`${pc.bold(name)}\n`);
  }
  step(message: string): void {
    this.out.write(`  ${this.elapsed()}${message}\n`);
  }
  log(message: string): void {
    this.out.write(`  ${this.elapsed()}${pc.dim(message)}\n`);
  }
  warn(message: string): void {
    this.out.write(`${pc.yellow("warning")}: ${message}\n`);
  }
  stageEnd(name: string, durationMs: number): void {
    this.out.write(`${pc.green("✓")} ${name} ${pc.dim(`(${fmtMs(durationMs)})`)}\n`);
    if (this.current === name) this.current = undefined;
  }
}

/** On a TTY: the current step on one line with a live elapsed counter; finished steps scroll up. */
export class TtyReporter implements Reporter {
  private timer?: NodeJS.Timeout;
  private stageT0 = 0;
  private stepT0 = 0;
  private stepText = "";
  private stage = "";
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  private render(): void {
    const total = fmtMs(performance.now() - this.stageT0);
    this.out.write(`\r\x1b[2K${pc.cyan("›")} ${this.stepText} ${pc.dim(`${total}`)}`);
  }
  private finishStep(): void {
    if (!this.stepText) return;
    this.out.write(`\r\x1b[2K  ${this.stepText} ${pc.dim(fmtMs(performance.now() - this.stepT0))}\n`);
    this.stepText = "";
  }
  stageStart(name: string): void {
    this.stage = name;
    this.stageT0 = performance.now();
    this.out.write(`${pc.bold(name)}\n`);
    this.timer ??= setInterval(() => this.stepText && this.render(), 100);
    this.timer.unref();
  }
  step(message: string): void {
    this.finishStep();
    this.stepText = message;
    this.stepT0 = performance.now();
    this.render();
  }
  log(message: string): void {
    this.out.write(`\r\x1b[2K  ${pc.dim(message)}\n`);
    if (this.stepText) this.render();
  }
  warn(message: string): void {
    this.out.write(`\r\x1b[2K${pc.yellow("warning")}: ${message}\n`);
    if (this.stepText) this.render();
  }
  stageEnd(name: string, durationMs: number): void {
    this.finishStep();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.out.write(`${pc.green("✓")} ${name || this.stage} ${pc.dim(`(${fmtMs(durationMs)})`)}\n`);
  }
  /** Stops the live counter of a stage that failed (it never got stageEnd). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * Ends what a reporter left running when its command failed. A one-shot process exits and takes
 * the (unref'd) timer with it; the compile server (ADR 0013) lives on, and the timer would keep
 * redrawing a stale line into whatever stderr is next.
 */
export function closeReporter(r: Reporter): void {
  if (r instanceof TtyReporter) r.close();
}

export function createReporter(opts: { quiet?: boolean } = {}): Reporter {
  if (opts.quiet) return silentReporter;
  return process.stderr.isTTY && !process.env.CI ? new TtyReporter() : new LineReporter();
}
