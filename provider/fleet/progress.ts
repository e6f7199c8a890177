/**
 * Live progress per stack. On a terminal the table is redrawn in place; elsewhere (CI logs, pipes)
 * each state change is one plain line, so logs stay readable.
 */
export type StackState =
  | "waiting"
  | "previewing"
  | "updating"
  | "destroying"
  | "refreshing"
  | "done"
  | "failed"
  | "skipped";

export interface Progress {
  set(stack: string, state: StackState, detail?: string): void;
  /** Stops redrawing; the last table (or line) stays. */
  close(): void;
}

export const silentProgress: Progress = { set: () => undefined, close: () => undefined };

export function createProgress(out: NodeJS.WriteStream = process.stderr, stacks: string[] = []): Progress {
  const tty = Boolean(out.isTTY) && !process.env.CI;
  return tty ? new TtyProgress(out, stacks) : new LineProgress(out);
}

class LineProgress implements Progress {
  constructor(private readonly out: NodeJS.WritableStream) {}
  set(stack: string, state: StackState, detail?: string): void {
    this.out.write(`[${stack}] ${state}${detail ? `: ${detail}` : ""}\n`);
  }
  close(): void {}
}

class TtyProgress implements Progress {
  private readonly rows = new Map<string, { state: StackState; detail?: string; since: number }>();
  private drawn = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly out: NodeJS.WriteStream,
    stacks: string[],
  ) {
    for (const s of stacks) this.rows.set(s, { state: "waiting", since: Date.now() });
    this.timer = setInterval(() => this.draw(), 500);
    this.timer.unref();
    this.draw();
  }

  set(stack: string, state: StackState, detail?: string): void {
    this.rows.set(stack, { state, detail, since: Date.now() });
    this.draw();
  }

  close(): void {
    clearInterval(this.timer);
    this.draw();
  }

  private draw(): void {
    const width = Math.max(8, ...[...this.rows.keys()].map((k) => k.length));
    const lines = [...this.rows].map(([name, r]) => {
      const secs = Math.round((Date.now() - r.since) / 1000);
      const busy = !["waiting", "done", "failed", "skipped"].includes(r.state);
      const text = `  ${name.padEnd(width)}  ${r.state}${busy ? ` (${secs}s)` : ""}${r.detail ? `  ${r.detail.split("\n")[0]}` : ""}`;
      return text.slice(0, (this.out.columns ?? 120) - 1);
    });
    // Move up over the previous table, then rewrite every line.
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A`);
    for (const l of lines) this.out.write(`\x1b[2K${l}\n`);
    this.drawn = lines.length;
  }
}
