import type * as vscode from 'vscode';

/**
 * An AbortSignal that aborts when `token` is cancelled (a progress notification's Cancel button), for
 * `withCancellation`/`cancellableBy` (core/engine): the engine calls made under it are cancelled in the worker.
 */
export function abortSignalOf(token: vscode.CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  // The listener lives as long as the token: withProgress disposes its token source when the task ends.
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}
