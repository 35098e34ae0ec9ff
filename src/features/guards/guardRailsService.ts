import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type AppliedRecord,
  type AppliedViolation,
  appliedIndex,
  appliedViolationFinding,
  checkAppliedContent,
  type EnvironmentHistory,
} from '../../core/guards/appliedMigrations';
import { type GuardCode, type GuardFinding } from '../../core/guards/guardFindings';
import { type AddingCommit } from '../../core/guards/commitMessages';
import {
  gatherGuardRailInputs,
  type GuardRailGit,
  guardRailFindings,
  nodeGuardRailGit,
} from '../../core/app/guardRailInputs';
import { committedFolder, GitError } from '../../core/guards/git';
import { type ObservedOrder } from '../../core/guards/migrationNames';
import { type HistoryStatus, type OrderingHazard } from '../../core/history/status';
import { type PrismaProject } from '../../core/project/types';
import { type AnalysisService } from '../drift/analysisService';
import { README_URL } from '../drift/presentation';
import { type ProjectService } from '../projects/projectService';
import { type Logger } from '../shared/logger';
import { notify } from '../shared/notify';
import { Disposable } from '../../core/util/lifecycle';

/** The `source` of guard-rail diagnostics (the drift ones say "Prisma Drift Guard"). */
export const GUARD_SOURCE = 'Prisma Drift Guard (guard rails)';

/** A notification the guard rails showed (kept for tests and the log). */
export interface GuardNotification {
  kind: AppliedViolation['kind'];
  migration: string;
  environments: string[];
  message: string;
}

interface ProjectGuards {
  findings: GuardFinding[];
  /** Migration name → the environments that recorded it as applied (for buffer checks while typing). */
  applied: Map<string, AppliedRecord[]>;
}

/**
 * The guard rails in the editor: ordering hazards and meaningless names on each migration.sql, and
 * applied migrations kept read-only — an edit (saved, or still unsaved) or a deleted folder of a migration
 * that an environment recorded as applied gives an immediate error diagnostic and a notification offering
 * "Restore from git". Everything comes from what the analyses already read (each environment's history
 * with its recorded checksums): no database is queried here, and typing costs one sha256 of the buffer.
 */
export class GuardRailsService extends Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('prisma-drift-guard-guards');
  private readonly state = new Map<string, ProjectGuards>();
  /** URIs each project last wrote diagnostics to. */
  private readonly urisByProject = new Map<string, string[]>();
  /** Migration names seen in the folder this session, per project (to tell "deleted here" from "never had it"). */
  private readonly seen = new Map<string, Set<string>>();
  /** The last history read of each environment (`root\0name`). */
  private readonly lastHistories = new Map<string, HistoryStatus>();
  /** What the last recompute of each project was based on. */
  private readonly inputs = new Map<string, { project: PrismaProject; databases: unknown }>();
  private readonly written = new Map<string, Promise<ObservedOrder | undefined>>();
  /** The commit that added each migration (rule 4), asked of git with the written order, cached alike. */
  private readonly commits = new Map<string, Promise<ReadonlyMap<string, AddingCommit> | undefined>>();
  /** Violations already notified (cleared when the violation goes away). */
  private readonly notifiedKeys = new Set<string>();
  /**
   * Migrations edited in an editor or deleted during this session, per project: their violations are
   * notified. One found already there (modified before VS Code started) only gets its diagnostic.
   */
  private readonly touched = new Map<string, Set<string>>();
  private readonly generation = new Map<string, number>();
  /** Input problems already written to the Output channel, per project (the diagnostics show them every time). */
  private readonly loggedProblems = new Map<string, Set<string>>();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Every notification shown, oldest first (tests read it through the extension's API). */
  readonly notifications: GuardNotification[] = [];

  /** Fires when findings change (the Migrations view shows them). */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly projects: ProjectService,
    private readonly analysis: AnalysisService,
    private readonly logger: Logger,
  ) {
    super();
    this.disposables.push(this.collection, this.changeEmitter);
    projects.onDidChangeProjects((list) => this.onProjects(list), this, this.disposables);
    analysis.onDidChangeAnalysis(
      (a) => {
        // Histories arrive with the database analysis, each database's as soon as it is checked (one that
        // does not answer delays nobody): recompute when they (or the project) changed.
        const last = this.inputs.get(a.project.root);
        if (last && last.project === a.project && last.databases === a.databases) return;
        this.inputs.set(a.project.root, { project: a.project, databases: a.databases });
        this.schedule(a.project);
      },
      this,
      this.disposables,
    );
    vscode.workspace.onDidChangeTextDocument(
      (e) => e.contentChanges.length > 0 && this.onEdit(e.document, true),
      this,
      this.disposables,
    );
    // Saving, reverting or closing changes which text counts (the buffer or the file).
    vscode.workspace.onDidChangeTextDocument(
      (e) => e.contentChanges.length === 0 && this.onEdit(e.document, false),
      this,
      this.disposables,
    );
    vscode.workspace.onDidSaveTextDocument((doc) => this.onEdit(doc, false), this, this.disposables);
    vscode.workspace.onDidCloseTextDocument((doc) => this.onEdit(doc, false), this, this.disposables);
  }

  /** Guard-rail findings of a project (every migration), errors first. */
  findings(root: string): GuardFinding[] {
    return this.state.get(root)?.findings ?? [];
  }

  /** The findings about one migration. */
  findingsFor(root: string, migration: string): GuardFinding[] {
    return this.findings(root).filter((f) => f.migration === migration || f.members?.includes(migration));
  }

  /** Recomputes every project now; resolves when done (tests, commands). */
  async refresh(): Promise<void> {
    for (const project of await this.projects.ready()) {
      this.written.delete(project.root);
      this.commits.delete(project.root);
    }
    await Promise.all(this.projects.all.map((p) => this.recompute(p)));
  }

  private onProjects(list: readonly PrismaProject[]): void {
    for (const root of [...this.state.keys()]) {
      if (list.some((p) => p.root === root)) continue;
      this.state.delete(root);
      this.loggedProblems.delete(root);
      for (const uri of this.urisByProject.get(root) ?? []) this.collection.delete(vscode.Uri.parse(uri));
      this.urisByProject.delete(root);
    }
    for (const project of list) {
      // A new or removed folder may change the committed order: ask git again.
      this.written.delete(project.root);
      this.commits.delete(project.root);
      this.schedule(project);
    }
  }

  private schedule(project: PrismaProject): void {
    void this.recompute(project).catch((error: unknown) =>
      this.logger.warn(`Guard rails of ${project.name}: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  /**
   * Each environment's latest history. When its latest analysis failed (unreachable, or a migration that
   * no longer replays because a folder was just deleted), the last history read stays the reference: what
   * a database recorded as applied does not change because we could not look this time.
   */
  private histories(root: string): Array<EnvironmentHistory & { hazards: readonly OrderingHazard[] }> {
    const out: Array<EnvironmentHistory & { hazards: readonly OrderingHazard[] }> = [];
    for (const d of this.analysis.get(root)?.databases ?? []) {
      const key = `${root}\0${d.environment.name}`;
      if (d.history) this.lastHistories.set(key, d.history);
      const history = d.history ?? (d.error ? this.lastHistories.get(key) : undefined);
      if (history) {
        out.push({
          environment: d.environment.name,
          kind: d.environment.kind,
          migrations: history.migrations,
          hazards: history.hazards,
        });
      }
    }
    return out;
  }

  private async recompute(project: PrismaProject): Promise<void> {
    const root = project.root;
    const generation = (this.generation.get(root) ?? 0) + 1;
    this.generation.set(root, generation);
    const histories = this.histories(root);
    const applied = appliedIndex(histories);
    const seen = this.seen.get(root) ?? new Set<string>();
    for (const m of project.migrations) seen.add(m.name);
    this.seen.set(root, seen);
    const inputs = await gatherGuardRailInputs(project, histories, { git: this.cachedGit(root), seen });
    for (const name of inputs.input.deleted) if (seen.has(name)) this.touch(root, name);
    if (this.generation.get(root) !== generation || !this.projects.all.some((p) => p.root === root)) return;
    // Recomputed after every analysis (schema edits included): say each unreadable input once, not on every pass.
    const logged = this.loggedProblems.get(root) ?? new Set<string>();
    this.loggedProblems.set(root, logged);
    for (const problem of inputs.problems) {
      if (logged.has(problem.message)) continue;
      logged.add(problem.message);
      this.logger.warn(`Guard rails of ${project.name}: ${problem.message}`);
    }
    const findings = guardRailFindings(inputs);
    this.state.set(root, { findings, applied });
    this.show(project);
    this.changeEmitter.fire();
  }

  /**
   * Git's answers about the project's history, asked once per project until {@link refresh} or a change of the
   * project list (a failure too: it is reported with each recompute, not asked again on every keystroke).
   */
  private cachedGit(root: string): GuardRailGit {
    const remember = <T>(cache: Map<string, Promise<T>>, ask: () => Promise<T>): Promise<T> => {
      let answer = cache.get(root);
      if (!answer) {
        answer = ask();
        cache.set(root, answer);
      }
      return answer;
    };
    return {
      ...nodeGuardRailGit,
      writtenOrder: (dir) => remember(this.written, () => nodeGuardRailGit.writtenOrder(dir)),
      addingCommits: (dir) => remember(this.commits, () => nodeGuardRailGit.addingCommits(dir)),
    };
  }

  /** An edit (or close) of a migration.sql: check the buffer against what was applied, at once. */
  private onEdit(doc: vscode.TextDocument, edited: boolean): void {
    if (doc.uri.scheme !== 'file' || path.basename(doc.uri.fsPath) !== 'migration.sql') return;
    const project = this.projects.projectFor(doc.uri.fsPath);
    if (!project) return;
    if (edited) this.touch(project.root, path.basename(path.dirname(doc.uri.fsPath)));
    if (!this.state.has(project.root)) return;
    this.show(project);
  }

  private touch(root: string, migration: string): void {
    const set = this.touched.get(root) ?? new Set<string>();
    set.add(migration);
    this.touched.set(root, set);
  }

  /**
   * Findings of the project with each open migration.sql checked as it is now: the unsaved buffer of a
   * dirty editor (the file on disk may still match: the edit is what matters), the file's bytes otherwise
   * (just saved: no need to wait for the next discovery).
   */
  private effectiveFindings(project: PrismaProject): GuardFinding[] {
    const state = this.state.get(project.root);
    if (!state) return [];
    const open = new Map(
      project.migrations.flatMap((m) => {
        const doc = m.hasSql ? this.openDocument(project, m.name) : undefined;
        return doc ? [[m.name, doc] as const] : [];
      }),
    );
    const out = state.findings.filter((f) => f.code !== 'applied-migration-edited' || !open.has(f.migration));
    for (const [name, doc] of open) {
      let content: string | Buffer;
      try {
        content = doc.isDirty ? doc.getText() : readFileSync(doc.uri.fsPath);
      } catch {
        continue;
      }
      const violation = checkAppliedContent(name, content, state.applied.get(name));
      if (violation) out.unshift(appliedViolationFinding(violation));
    }
    return out;
  }

  private openDocument(project: PrismaProject, migration: string): vscode.TextDocument | undefined {
    const file = path.join(project.migrationsDir, migration, 'migration.sql');
    return vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  }

  /** Writes the project's diagnostics and notifies new applied-migration violations. */
  private show(project: PrismaProject): void {
    const root = project.root;
    const findings = this.effectiveFindings(project);
    const byUri = new Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] }>();
    for (const finding of findings) {
      const { uri, range } = this.place(project, finding);
      const message = isAppliedViolation(finding) ? violationMessage(toViolation(finding)) : finding.message;
      const diagnostic = new vscode.Diagnostic(range, message, SEVERITY[finding.severity]);
      diagnostic.source = GUARD_SOURCE;
      diagnostic.code = { value: finding.code, target: vscode.Uri.parse(README_URL + finding.code) };
      // A group finding is one diagnostic, at one member, pointing at the others.
      const others = (finding.members ?? []).filter((m) => m !== finding.migration);
      if (others.length > 0) {
        diagnostic.relatedInformation = others.map((m) => {
          const at = this.place(project, { ...finding, migration: m });
          return new vscode.DiagnosticRelatedInformation(new vscode.Location(at.uri, at.range), m);
        });
      }
      const entry = byUri.get(uri.toString()) ?? { uri, diagnostics: [] };
      entry.diagnostics.push(diagnostic);
      byUri.set(uri.toString(), entry);
    }
    for (const uri of this.urisByProject.get(root) ?? []) {
      if (!byUri.has(uri)) this.collection.delete(vscode.Uri.parse(uri));
    }
    for (const { uri, diagnostics } of byUri.values()) this.collection.set(uri, diagnostics);
    this.urisByProject.set(root, [...byUri.keys()]);

    // Notify each applied-migration violation once, until it goes away.
    const current = new Set<string>();
    for (const finding of findings) {
      if (!isAppliedViolation(finding)) continue;
      const key = `${root}\0${finding.code}\0${finding.migration}`;
      current.add(key);
      if (this.notifiedKeys.has(key) || !this.touched.get(root)?.has(finding.migration)) continue;
      this.notifiedKeys.add(key);
      this.notify(project, toViolation(finding));
    }
    for (const key of [...this.notifiedKeys]) {
      if (key.startsWith(`${root}\0`) && !current.has(key)) this.notifiedKeys.delete(key);
    }
  }

  private place(project: PrismaProject, finding: GuardFinding): { uri: vscode.Uri; range: vscode.Range } {
    const folder = project.migrations.find((m) => m.name === finding.migration);
    if (folder?.hasSql) {
      const doc = vscode.workspace.textDocuments.find(
        (d) => d.uri.scheme === 'file' && d.uri.fsPath === folder.sqlPath,
      );
      const line =
        finding.line !== undefined && doc ? Math.min(finding.line - 1, doc.lineCount - 1) : (finding.line ?? 1) - 1;
      const length = doc && doc.lineCount > line ? doc.lineAt(line).text.length : 1;
      return { uri: vscode.Uri.file(folder.sqlPath), range: new vscode.Range(line, 0, line, Math.max(1, length)) };
    }
    // The folder is gone: the migrations folder's lock file, else the schema.
    const file = project.lockFile?.path ?? project.schemaFiles[0]?.path ?? project.schemaPath;
    return { uri: vscode.Uri.file(file), range: new vscode.Range(0, 0, 0, 1) };
  }

  private notify(project: PrismaProject, violation: AppliedViolation): void {
    const message = violationMessage(violation);
    this.notifications.push({
      kind: violation.kind,
      migration: violation.migration,
      environments: violation.environments,
      message,
    });
    this.logger.warn(`${project.name}: ${message}`);
    const restore = vscode.l10n.t('Restore from git');
    const show = violation.kind === 'deleted' || violation.difference === 'content' ? notify.error : notify.warn;
    void show(message, restore).then((choice) => {
      if (choice === restore) {
        void vscode.commands.executeCommand('driftGuard.restoreMigrationFromGit', project.root, violation.migration);
      }
    });
  }

  /**
   * Puts back the committed content (`git show HEAD:…`) of a migration folder, byte for byte, and
   * reverts an open editor that holds unsaved changes to it. Clear errors outside git or when the
   * migration was never committed.
   */
  async restoreFromGit(root: string, migration: string): Promise<string> {
    const project = this.projects.all.find((p) => p.root === root);
    if (!project) throw new Error(vscode.l10n.t('No Prisma project at {0}.', root));
    if (!/^[^/\\]+$/.test(migration) || migration === '.' || migration === '..') {
      throw new Error(vscode.l10n.t('"{0}" is not a migration folder name.', migration));
    }
    const dir = path.join(project.migrationsDir, migration);
    let files;
    try {
      files = await committedFolder(dir);
    } catch (error) {
      if (error instanceof GitError) {
        switch (error.code) {
          case 'not-a-repository':
            throw new Error(
              vscode.l10n.t('{0} is not in a git repository: there is no committed version to restore.', migration),
            );
          case 'no-commit':
            throw new Error(
              vscode.l10n.t(
                'The repository has no commit yet: there is no committed version of {0} to restore.',
                migration,
              ),
            );
          case 'not-committed':
            throw new Error(vscode.l10n.t('{0} was never committed: git has no version of it to restore.', migration));
          default:
            throw new Error(error.message);
        }
      }
      throw error;
    }
    for (const file of files) {
      await mkdir(path.dirname(file.path), { recursive: true });
      await writeFile(file.path, file.content);
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file.path);
      if (doc?.isDirty) {
        // The file on disk is the committed one again: drop the editor's unsaved changes.
        await vscode.window.showTextDocument(doc, { preview: false });
        await vscode.commands.executeCommand('workbench.action.files.revert');
      }
    }
    this.logger.info(
      `Restored ${migration} from git (HEAD): ${files.map((f) => path.relative(project.root, f.path)).join(', ')}`,
    );
    await this.projects.refresh();
    await this.recompute(this.projects.all.find((p) => p.root === root) ?? project);
    return vscode.l10n.t('Restored {0} from git (HEAD).', migration);
  }
}

const SEVERITY: Record<GuardFinding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  // Notes (a date-only name on its own) are latent hazards: a hint on the line, not a row in the Problems panel.
  info: vscode.DiagnosticSeverity.Hint,
};

function isAppliedViolation(finding: GuardFinding): boolean {
  return finding.code === 'applied-migration-edited' || finding.code === 'applied-migration-deleted';
}

function toViolation(finding: GuardFinding): AppliedViolation {
  return {
    kind: finding.code === 'applied-migration-deleted' ? 'deleted' : 'edited',
    migration: finding.migration,
    environments: finding.environments ?? [],
    production: false,
    ...(finding.code === 'applied-migration-edited' ? { difference: finding.difference ?? 'content' } : {}),
  };
}

/** The localised sentence for an applied migration that was edited or deleted. */
function violationMessage(violation: AppliedViolation): string {
  const where = violation.environments.join(', ');
  if (violation.kind === 'deleted') {
    return vscode.l10n.t(
      '{0} was deleted, but {1} recorded it as applied: never delete an applied migration. Restore it from git.',
      violation.migration,
      where,
    );
  }
  if (violation.difference === 'lineEndings') {
    return vscode.l10n.t(
      '{0} was applied on {1}: it is read-only. Only its line endings changed, but Prisma compares checksums (migrate dev will call it modified). Restore it from git.',
      violation.migration,
      where,
    );
  }
  if (violation.difference === 'whitespace') {
    return vscode.l10n.t(
      '{0} was applied on {1}: it is read-only. Only whitespace changed, but Prisma compares checksums (migrate dev will call it modified). Restore it from git.',
      violation.migration,
      where,
    );
  }
  return vscode.l10n.t(
    '{0} was applied on {1}: it is read-only. Its content no longer matches what was applied — restore it from git and put the change in a new migration.',
    violation.migration,
    where,
  );
}

/** Short label of each code, for the Migrations view. */
export function guardLabel(code: GuardCode): string {
  switch (code) {
    case 'applied-migration-edited':
      return vscode.l10n.t('edited after apply');
    case 'applied-migration-deleted':
      return vscode.l10n.t('deleted after apply');
    case 'migration-name-meaningless':
      return vscode.l10n.t('meaningless name');
    case 'migration-name-no-timestamp':
      return vscode.l10n.t('no timestamp');
    case 'migration-date-only':
      return vscode.l10n.t('no time in name');
    case 'migration-duplicate-timestamp':
      return vscode.l10n.t('duplicate timestamp');
    case 'migration-same-day-order':
      return vscode.l10n.t('same-day order');
    case 'migration-applied-out-of-order':
      return vscode.l10n.t('applied out of order');
    case 'migration-depends-on-later':
      return vscode.l10n.t('depends on a later migration');
    case 'migration-commits-midway':
      return vscode.l10n.t('COMMIT midway');
    case 'migration-commit-undocumented':
      return vscode.l10n.t('commit message does not describe it');
    case 'guard-input-unavailable':
      return vscode.l10n.t('could not be checked');
  }
}
