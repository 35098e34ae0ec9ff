import * as vscode from 'vscode';
import { safeText } from '../../core/util/controlChars';

/** The extension's single Output channel ("Prisma Drift Guard"), with log levels and timestamps; no control character gets in. */
export class Logger implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel('Prisma Drift Guard', { log: true });
  }

  info(message: string): void {
    this.channel.info(safeText(message));
  }

  debug(message: string): void {
    this.channel.debug(safeText(message));
  }

  warn(message: string): void {
    this.channel.warn(safeText(message));
  }

  error(message: string): void {
    this.channel.error(safeText(message));
  }

  /** Appends a block of text (a summary) line by line so it reads well in the channel. */
  block(text: string): void {
    for (const line of safeText(text).split('\n')) this.channel.info(line);
  }

  show(preserveFocus = true): void {
    this.channel.show(preserveFocus);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
