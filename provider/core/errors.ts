/**
 * Problems found while planning. The core never throws on the first problem: it collects every
 * problem with the path of the field and the offending value, so a user fixes a spec in one go.
 */
export interface Problem {
  /** Path of the field in the spec, e.g. `tenants[acme].subnets[app].cidr`. */
  path: string;
  /** The value found there (as the user wrote it). */
  value: unknown;
  /** What is wrong and, where it helps, what would be right. */
  message: string;
  /** The id of the rule that refused it (provider/core/rules), when a rule did. */
  rule?: string;
}

export class PlanError extends Error {
  constructor(
    readonly subject: string,
    readonly problems: Problem[],
  ) {
    super(formatProblems(subject, problems));
    this.name = "PlanError";
  }
}

export function formatProblems(subject: string, problems: Problem[]): string {
  const head = problems.length === 1 ? `1 problem in ${subject}` : `${problems.length} problems in ${subject}`;
  return [`${head}:`, ...problems.map((p) => `  - ${p.path}: ${show(p.value)} ${p.message}`)].join("\n");
}

function show(value: unknown): string {
  if (value === undefined) return "(missing)";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    const s = JSON.stringify(value);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  } catch {
    return String(value);
  }
}

/** Collects problems under a path prefix. */
export class Problems {
  readonly list: Problem[] = [];

  add(path: string, value: unknown, message: string, rule?: string): void {
    this.list.push(rule === undefined ? { path, value, message } : { path, value, message, rule });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Throws one PlanError listing every problem collected, if any. */
  throwIfAny(subject: string): void {
    if (!this.empty) throw new PlanError(subject, this.list);
  }
}
