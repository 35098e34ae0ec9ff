import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DriftFinding } from '../../core/drift/driftFindings';
import { type MigrationStatus } from '../../core/history/status';
import { scanSchema } from '../../core/project/schemaScanner';
import { type ProjectService } from '../projects/projectService';
import { type AnalysisService, type ProjectAnalysis } from './analysisService';
import {
  driftPlan,
  driftedObjectsText,
  errorMessageIn,
  names,
  notInMigrationsText,
  replayBlockedText,
  schemaReplayBlocked,
} from './presentation';
import { Disposable } from '../../core/util/lifecycle';

export const SCHEMA_SELECTOR: vscode.DocumentSelector = [
  { language: 'prisma', scheme: 'file' },
  { pattern: '**/*.prisma', scheme: 'file' },
];
export const MIGRATION_SELECTOR: vscode.DocumentSelector = [{ pattern: '**/migration.sql', scheme: 'file' }];

/** Each migration state: its word on a migration.sql ("local: pending"), and its count in a database's summary. */
const STATES: Record<MigrationStatus['state'], { word: () => string; count: (n: string) => string }> = {
  applied: { word: () => vscode.l10n.t('applied'), count: (n) => vscode.l10n.t('{0} applied', n) },
  pending: { word: () => vscode.l10n.t('pending'), count: (n) => vscode.l10n.t('{0} pending', n) },
  failed: { word: () => vscode.l10n.t('failed'), count: (n) => vscode.l10n.t('{0} failed', n) },
  rolledBack: { word: () => vscode.l10n.t('rolled back'), count: (n) => vscode.l10n.t('{0} rolled back', n) },
  modified: {
    word: () => vscode.l10n.t('modified after apply'),
    count: (n) => vscode.l10n.t('{0} modified after apply', n),
  },
  missingLocally: {
    word: () => vscode.l10n.t('missing locally'),
    count: (n) => vscode.l10n.t('{0} missing locally', n),
  },
};

/**
 * Lenses on schema files (the drift summary on the datasource block, one per drifted model or
 * enum) and on migration.sql files (state per environment, "Mark applied on …").
 */
export class DriftCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;

  constructor(
    private readonly projects: ProjectService,
    private readonly analysis: AnalysisService,
  ) {
    super();
    this.disposables.push(this.changeEmitter);
    analysis.onDidChangeAnalysis(() => this.changeEmitter.fire(), this, this.disposables);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const project = this.projects.projectFor(document.uri.fsPath);
    if (!project) return [];
    const result = this.analysis.get(project.root);
    if (document.fileName.endsWith('.sql')) return this.migrationLenses(document, result);
    return this.schemaLenses(document, result, project.root);
  }

  private schemaLenses(
    document: vscode.TextDocument,
    result: ProjectAnalysis | undefined,
    root: string,
  ): vscode.CodeLens[] {
    const lenses: vscode.CodeLens[] = [];
    // Positions from the live buffer, so lenses stay on their lines while typing.
    const blocks = scanSchema(document.uri.fsPath, document.getText()).blocks;
    const datasource = blocks.find((b) => b.kind === 'datasource');
    const isMain = datasource !== undefined || result?.project.schemaFiles[0]?.path === document.uri.fsPath;
    const top = new vscode.Range(
      datasource ? datasource.start.line - 1 : 0,
      0,
      datasource ? datasource.start.line - 1 : 0,
      0,
    );
    if (isMain) {
      if (!result || (result.running && !result.schema && !result.schemaError)) {
        lenses.push(
          new vscode.CodeLens(top, { title: `$(sync~spin) ${vscode.l10n.t('Checking drift…')}`, command: '' }),
        );
      } else if (result.schemaError && schemaReplayBlocked(result)) {
        const blocked = schemaReplayBlocked(result)!;
        lenses.push(
          new vscode.CodeLens(top, {
            title: `$(error) ${truncate(replayBlockedText(blocked), 120)}`,
            command: 'workbench.actions.view.problems',
          }),
          new vscode.CodeLens(top, {
            title: vscode.l10n.t('Restore {0} from git', blocked.deleted[0]),
            command: 'driftGuard.restoreMigrationFromGit',
            arguments: [root, blocked.deleted[0]],
          }),
        );
      } else if (result.schemaError) {
        lenses.push(
          new vscode.CodeLens(top, {
            title: `$(error) ${vscode.l10n.t('Drift check failed: {0}', truncate(errorMessageIn(result.schemaError, document.uri.fsPath), 80))}`,
            command: 'driftGuard.showOutput',
          }),
        );
      } else if (result.schema) {
        const n = result.schema.findings.length;
        if (n > 0) {
          const plan = driftPlan(result);
          const present = plan.schema.filter((a) => a.action === 'baseline');
          const where = [...new Set(present.flatMap((a) => a.presentIn))];
          const state =
            plan.checked.length === 0
              ? vscode.l10n.t('no database checked')
              : plan.overall === 'migrate'
                ? vscode.l10n.t('new, in no checked database')
                : plan.overall === 'baseline'
                  ? vscode.l10n.t('already in {0} (db push)', names(where))
                  : vscode.l10n.t(
                      '{0} already in {1} (db push), {2} new',
                      String(present.length),
                      names(where),
                      String(n - present.length),
                    );
          lenses.push(
            new vscode.CodeLens(top, {
              title: `$(warning) ${notInMigrationsText(n)} — ${state}`,
              command: 'workbench.actions.view.problems',
            }),
          );
          // The action the objects need; with no database checked, both (nothing says which is right).
          if (plan.overall === 'mixed') {
            lenses.push(
              new vscode.CodeLens(top, {
                title: vscode.l10n.t('Create baseline + migration'),
                command: 'driftGuard.createBaselineAndMigration',
                arguments: [root],
              }),
            );
          }
          if (plan.overall === 'migrate') {
            lenses.push(
              new vscode.CodeLens(top, {
                title: vscode.l10n.t('Create migration'),
                command: 'driftGuard.createMigration',
                arguments: [root],
              }),
            );
          }
          if (plan.overall === 'baseline' || plan.checked.length === 0) {
            lenses.push(
              new vscode.CodeLens(top, {
                title: vscode.l10n.t('Create baseline'),
                command: 'driftGuard.createBaseline',
                arguments: [root],
              }),
            );
          }
          lenses.push(
            new vscode.CodeLens(top, {
              title: vscode.l10n.t('Show SQL'),
              command: 'driftGuard.showDriftSql',
              arguments: [root],
            }),
          );
        } else {
          lenses.push(
            new vscode.CodeLens(top, { title: `$(check) ${vscode.l10n.t('Schema matches migrations')}`, command: '' }),
          );
        }
      }
      for (const db of result?.databases ?? []) {
        lenses.push(
          new vscode.CodeLens(top, {
            title: `$(database) ${db.environment.name}: ${databaseSummary(db)}`,
            command: 'driftGuard.checkDriftNow',
          }),
        );
        // A baseline created earlier and not yet recorded where its objects already are: the next step stays in view.
        for (const migration of db.markApplicable ?? []) {
          lenses.push(
            new vscode.CodeLens(top, {
              title: `$(check-all) ${vscode.l10n.t('Mark {0} as applied on {1}', migration, db.environment.name)}`,
              command: 'driftGuard.markApplied',
              arguments: [root, migration, db.environment.name],
            }),
          );
        }
      }
    }
    // One lens per drifted model or enum; field findings are counted on their model.
    const byModel = new Map<string, DriftFinding[]>();
    for (const f of result?.schema?.findings ?? []) {
      if (f.primary.model === undefined || f.location?.file !== document.uri.fsPath) continue;
      const list = byModel.get(f.primary.model) ?? [];
      list.push(f);
      byModel.set(f.primary.model, list);
    }
    for (const block of blocks) {
      const findings = byModel.get(block.name);
      if (!findings || (block.kind !== 'model' && block.kind !== 'enum' && block.kind !== 'view')) continue;
      const range = new vscode.Range(block.start.line - 1, 0, block.start.line - 1, 0);
      const whole = findings.find((f) => f.primary.field === undefined);
      const fields = findings.filter((f) => f.primary.field !== undefined);
      const title = whole
        ? whole.primary.change === 'added'
          ? vscode.l10n.t('Not in migrations')
          : vscode.l10n.t('Differs from migrations')
        : fields.length === 1
          ? vscode.l10n.t('1 field not in migrations')
          : vscode.l10n.t('{0} fields not in migrations', String(fields.length));
      lenses.push(
        new vscode.CodeLens(range, { title: `$(warning) ${title}`, command: '' }),
        new vscode.CodeLens(range, {
          title: vscode.l10n.t('Show SQL'),
          command: 'driftGuard.showDriftSql',
          arguments: [root, findings.map((f) => f.label)],
        }),
      );
    }
    return lenses;
  }

  private migrationLenses(document: vscode.TextDocument, result: ProjectAnalysis | undefined): vscode.CodeLens[] {
    if (!result) return [];
    const name = path.basename(path.dirname(document.uri.fsPath));
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses: vscode.CodeLens[] = [];
    for (const db of result.databases) {
      const status = db.history?.migrations.find((m) => m.name === name);
      if (!status) continue;
      const env = db.environment.name;
      lenses.push(new vscode.CodeLens(top, { title: `${env}: ${STATES[status.state].word()}`, command: '' }));
      if (db.markApplicable?.includes(name)) {
        // The deploy plan's markApplied (a baseline of what db push added): the next step, kept here until done.
        lenses.push(
          new vscode.CodeLens(top, {
            title: `$(check-all) ${vscode.l10n.t('Mark as applied on {0} — it already has every change', env)}`,
            command: 'driftGuard.markApplied',
            arguments: [result.project.root, name, env],
          }),
        );
      } else if (status.state === 'pending' || status.state === 'failed') {
        lenses.push(
          new vscode.CodeLens(top, {
            title: vscode.l10n.t('Mark applied on {0}', env),
            command: 'driftGuard.markApplied',
            arguments: [result.project.root, name, env],
          }),
        );
      }
      if (status.state === 'failed') {
        lenses.push(
          new vscode.CodeLens(top, {
            title: vscode.l10n.t('Mark rolled back on {0}', env),
            command: 'driftGuard.markRolledBack',
            arguments: [result.project.root, name, env],
          }),
        );
      }
    }
    return lenses;
  }
}

/** `in sync`, `2 pending · 7 drifted objects`, `unreachable: …` */
export function databaseSummary(db: ProjectAnalysis['databases'][number]): string {
  if (db.error) return vscode.l10n.t('unreachable — {0}', truncate(db.error.message, 60));
  if (db.blocked) return vscode.l10n.t('drift not computed — {0} deleted', db.blocked.deleted.join(', '));
  const parts: string[] = [];
  const counts = new Map<string, number>();
  for (const m of db.history?.migrations ?? []) {
    if (m.state !== 'applied') counts.set(m.state, (counts.get(m.state) ?? 0) + 1);
  }
  for (const [state, n] of counts) parts.push(STATES[state as MigrationStatus['state']].count(String(n)));
  const drift = db.findings?.length ?? 0;
  if (drift > 0) parts.push(driftedObjectsText(drift));
  return parts.length > 0 ? parts.join(' · ') : vscode.l10n.t('in sync');
}

function truncate(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}
