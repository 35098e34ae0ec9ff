import * as vscode from 'vscode';
import { safeNotificationArgs } from '../../core/util/controlChars';

/** `vscode.window.show…Message` with the same overloads (items, modal options). */
export interface Notification {
  <T extends string>(message: string, ...items: T[]): Thenable<T | undefined>;
  <T extends string>(message: string, options: vscode.MessageOptions, ...items: T[]): Thenable<T | undefined>;
  <T extends vscode.MessageItem>(message: string, ...items: T[]): Thenable<T | undefined>;
  <T extends vscode.MessageItem>(
    message: string,
    options: vscode.MessageOptions,
    ...items: T[]
  ): Thenable<T | undefined>;
}

type Show = (message: string, ...rest: unknown[]) => Thenable<unknown>;

function through(show: () => Show): Notification {
  return (message: string, ...rest: unknown[]) => show()(...safeNotificationArgs(message, rest));
}

/**
 * The one path to a notification: messages and details often carry text from databases and files (migration
 * names, `_prisma_migrations` logs, server errors), so they are stripped of control characters and escape
 * sequences first. Nothing else changes: same items, same modal flag. A unit test keeps every
 * `show…Message` of src/features going through here.
 */
export const notify = {
  error: through(() => vscode.window.showErrorMessage),
  warn: through(() => vscode.window.showWarningMessage),
  info: through(() => vscode.window.showInformationMessage),
};
