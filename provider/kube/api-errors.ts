/** The HTTP status of a failed @kubernetes/client-node call (ApiException `code`, older `statusCode`, or the status in its body). */
export function apiStatus(err: unknown): number | undefined {
  const e = err as { code?: number; statusCode?: number; body?: unknown };
  if (typeof e?.code === "number") return e.code;
  if (typeof e?.statusCode === "number") return e.statusCode;
  const m = typeof e?.body === "string" ? /"code":(\d{3})/.exec(e.body) : null;
  return m ? Number(m[1]) : undefined;
}

export const isNotFound = (err: unknown) => apiStatus(err) === 404;
export const isConflict = (err: unknown) => apiStatus(err) === 409;
export const isForbidden = (err: unknown) => apiStatus(err) === 403;

/** The API server's own message of a failed call (its Status `message`), else the error's first line. */
export function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown })?.body;
  try {
    const status = typeof body === "string" ? JSON.parse(body) : body;
    if (typeof status?.message === "string") return status.message;
  } catch {
    // not a Status: fall through
  }
  return String((err as Error)?.message ?? err).split("\n")[0];
}
