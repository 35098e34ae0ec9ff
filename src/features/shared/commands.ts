import * as vscode from 'vscode';
import { type Logger } from './logger';
import { safeText } from '../../core/util/controlChars';
import { notify } from './notify';

/**
 * Registers a command whose failures become one clear message naming the command, never an
 * unhandled rejection. `title` is the palette title, used in the message.
 */
export function registerCommand(
  id: string,
  title: string,
  logger: Logger,
  handler: (...args: unknown[]) => unknown,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (err) {
      const message = errorMessage(err);
      logger.error(`${title} failed: ${message}`);
      void notify.error(safeText(vscode.l10n.t('{0} failed: {1}', title, message)));
      return undefined;
    }
  });
}

/** The message of an error without its stack. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
