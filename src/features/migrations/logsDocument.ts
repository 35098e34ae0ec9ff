import * as vscode from 'vscode';
import { safeText } from '../../core/util/controlChars';

export const LOGS_SCHEME = 'drift-guard-logs';

/**
 * Read-only documents holding the logs `_prisma_migrations` recorded for a failed migration
 * (`drift-guard-logs:/<environment>/<migration>.log`). The text is set before the document opens.
 */
export class MigrationLogsProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;

  /** Stores the text and returns the document's URI. */
  put(environment: string, migration: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: LOGS_SCHEME, path: `/${environment}/${migration}.log` });
    this.texts.set(uri.toString(), text);
    this.changeEmitter.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return safeText(this.texts.get(uri.toString()) ?? '');
  }

  dispose(): void {
    this.changeEmitter.dispose();
    this.texts.clear();
  }
}
