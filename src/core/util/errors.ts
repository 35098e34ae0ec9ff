/**
 * The one base of our errors: a stable `code` (what callers branch on) and one clear message for the user
 * (what they show). Engine, SSH, git, dump, environment and usage errors extend it with their own codes, so a
 * consumer tests `error instanceof DriftGuardError` / {@link hasErrorCode} instead of duck-typing `.code`
 * (which Node's own errors also carry, with other meanings: `ENOENT`, `ECONNREFUSED`…).
 */
export abstract class DriftGuardError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `error` is one of our errors, and (when codes are given) has one of them. */
export function hasErrorCode<Code extends string>(error: unknown, ...codes: Code[]): error is DriftGuardError<Code> {
  if (!(error instanceof DriftGuardError)) return false;
  const code: string = (error as DriftGuardError).code;
  return codes.length === 0 || (codes as string[]).includes(code);
}

/** The `code` of one of our errors, else `fallback` (a Node error's `ENOENT` is not ours). */
export function errorCodeOf(error: unknown, fallback = 'internal'): string {
  return error instanceof DriftGuardError ? (error as DriftGuardError).code : fallback;
}
