/**
 * A request answered with an HTTP error status instead of 200. Slack shows the person that the
 * click did not go through (they can click again), where a 200 would tell it all is well.
 */
export class RequestRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'RequestRefused';
  }
}

/** The refusal inside an error from a listener (Bolt wraps what it did not make in `original`). */
export function refusalOf(error: unknown): RequestRefused | null {
  if (error instanceof RequestRefused) return error;
  const original = (error as { original?: unknown } | null)?.original;
  return original instanceof RequestRefused ? original : null;
}
