import * as vscode from 'vscode';
import { type PrismaProject } from '../../core/project/types';
import { type AnalysisService } from './analysisService';
import { Disposable } from '../../core/util/lifecycle';

export const SQL_SCHEME = 'drift-guard-sql';

/**
 * Read-only documents with the SQL the migrations lack (what a baseline would contain), whole or
 * for some findings. They follow the analysis: an open document updates when it changes.
 */
export class DriftSqlProvider extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly analysis: AnalysisService) {
    super();
    this.disposables.push(this.changeEmitter);
    analysis.onDidChangeAnalysis(
      (a) => {
        for (const doc of vscode.workspace.textDocuments) {
          if (doc.uri.scheme === SQL_SCHEME && new URLSearchParams(doc.uri.query).get('root') === a.project.root) {
            this.changeEmitter.fire(doc.uri);
          }
        }
      },
      this,
      this.disposables,
    );
  }

  uriFor(project: PrismaProject, labels?: string[]): vscode.Uri {
    const query = new URLSearchParams({ root: project.root });
    if (labels && labels.length > 0) query.set('only', labels.join(','));
    const name = labels && labels.length === 1 ? labels[0] : 'baseline';
    return vscode.Uri.from({ scheme: SQL_SCHEME, path: `/${project.name}/${name}.sql`, query: query.toString() });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const query = new URLSearchParams(uri.query);
    const result = this.analysis.get(query.get('root') ?? '');
    if (!result) return '-- No analysis for this project yet. Run "Prisma Drift Guard: Check Drift Now".\n';
    if (result.schemaError) return `-- The drift check failed: ${result.schemaError.message}\n`;
    if (!result.schema) return '-- Checking drift…\n';
    const only = query.get('only')?.split(',');
    const header = [
      `-- Schema vs migrations for ${result.project.name}`,
      `-- What the migrations in ${vscode.workspace.asRelativePath(result.project.migrationsDir)} lack to produce ${vscode.workspace.asRelativePath(result.project.schemaPath)}.`,
      '-- Read-only preview: "Prisma Drift Guard: Create Baseline" writes it as a migration.',
      '',
    ];
    if (!only) {
      return result.schema.findings.length === 0
        ? `${header.join('\n')}-- Nothing: the migrations produce the schema.\n`
        : `${header.join('\n')}${result.schema.script.trim()}\n`;
    }
    const findings = result.schema.findings.filter((f) => only.includes(f.label));
    if (findings.length === 0) return `${header.join('\n')}-- ${only.join(', ')}: no difference any more.\n`;
    return `${header.join('\n')}${findings.map((f) => `-- ${f.message}\n${f.sql.trim()}\n`).join('\n')}`;
  }
}
