import * as l10n from '@vscode/l10n';
import { withCancellation } from '../core/engine';

/** The output a command writes its error lines to. */
export interface ErrorOutput {
  err: (line: string) => void;
}

/** How {@link runInterruptible} treats Ctrl-C. */
export interface InterruptOptions {
  /**
   * What the first Ctrl-C says instead of cancelling, if anything (asked then, in the command's language): the
   * command goes on (a deploy must not stop inside a migration). The second Ctrl-C still quits.
   */
  refuse?: () => string | undefined;
  /** Leaves the process (tests pass their own). Default `process.exit`. */
  exit?: (code: number) => void;
}

/** The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * Runs a command so that the first Ctrl-C (SIGINT) cancels the engine call in progress — its queries on a server
 * are stopped, a queued one never starts — then the command ends with exit code 130 and one line on stderr: the
 * cancelled call's message (what was stopped where), or a plain "cancelled". A second Ctrl-C quits at once.
 */
export async function runInterruptible<O extends ErrorOutput>(
  run: (output: O) => Promise<number>,
  output: O,
  options: InterruptOptions = {},
): Promise<number> {
  const controller = new AbortController();
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) {
      output.err(`drift-guard: ${l10n.t('Interrupted.')}`);
      exit(INTERRUPTED_EXIT_CODE);
      return;
    }
    const refusal = options.refuse?.();
    if (refusal) output.err(`drift-guard: ${refusal}`);
    else controller.abort();
  };
  // After the cancellation, the command's own error line (the engine's "… was cancelled") is kept for the end.
  let lastError: string | undefined;
  const err = (line: string): void => {
    if (controller.signal.aborted) lastError = line;
    else output.err(line);
  };
  process.on('SIGINT', onSigint);
  try {
    const code = await withCancellation(controller.signal, () => run({ ...output, err }));
    if (!controller.signal.aborted) return code;
    output.err(lastError ?? `drift-guard: ${l10n.t('Cancelled.')}`);
    return INTERRUPTED_EXIT_CODE;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
