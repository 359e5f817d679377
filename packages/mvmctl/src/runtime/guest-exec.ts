// `exec()`: a command in a running dev instance, output streamed, exit code returned as data.

import { openInstance } from "./agent/open-instance.js";
import type { OutputSink } from "./agent/session.js";

export interface ExecOptions {
  home: string;
  name: string;
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
  stdin?: Buffer;
  timeoutMs?: number;
  sink: OutputSink;
}

export async function exec(o: ExecOptions): Promise<number> {
  const { agent, secretEnv } = await openInstance(o.home, o.name);
  try {
    return await agent.exec(
      {
        argv: o.argv,
        env: { ...(o.env ?? {}), ...secretEnv },
        cwd: o.cwd,
        stdin: o.stdin,
        timeoutMs: o.timeoutMs,
      },
      o.sink,
    );
  } finally {
    agent.close();
  }
}
