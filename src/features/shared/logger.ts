import * as vscode from 'vscode';

/** The extension's single Output channel ("Prisma Drift Guard"), with log levels and timestamps. */
export class Logger implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel('Prisma Drift Guard', { log: true });
  }

  info(message: string): void {
    this.channel.info(message);
  }

  debug(message: string): void {
    this.channel.debug(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  error(message: string): void {
    this.channel.error(message);
  }

  /** Appends a block of text (a summary) line by line so it reads well in the channel. */
  block(text: string): void {
    for (const line of text.split('\n')) this.channel.info(line);
  }

  show(preserveFocus = true): void {
    this.channel.show(preserveFocus);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
