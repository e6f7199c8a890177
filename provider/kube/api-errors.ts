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
