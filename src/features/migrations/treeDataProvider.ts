import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DriftFinding } from '../../core/drift/driftFindings';
import { countStates, hazardsFor, isBaseline } from '../../core/history/historySummary';
import { type MigrationStatus, type OrderingHazard } from '../../core/history/status';
import { type GuardFinding } from '../../core/guards/guardFindings';
import { type PrismaProject } from '../../core/project/types';
import { type AnalysisService, type DatabaseAnalysis } from '../drift/analysisService';
import { type DatabaseEnvironment, type EnvironmentService } from '../environments/environmentService';
import { replayBlockedText } from '../drift/presentation';
import { type GuardRailsService, guardLabel } from '../guards/guardRailsService';
import { type ProjectService } from '../projects/projectService';
import { noDatabaseAnywhere } from '../projects/envFromExampleCommand';
import { driftedObjectsText } from '../drift/presentation';
import { safeText } from '../../core/util/controlChars';
import { Disposable } from '../../core/util/lifecycle';

/** A root: one database of one project. */
export interface EnvironmentNode {
  kind: 'environment';
  project: PrismaProject;
  environment: DatabaseEnvironment;
  /** The latest analysis of this database, when one finished. */
  result?: DatabaseAnalysis;
  /** This database's check is in progress (the project's other databases may be done already). */
  running: boolean;
  /** Several projects in the workspace: the label names the project too. */
  showProject: boolean;
}

/** One migration on one database. */
export interface MigrationNode {
  kind: 'migration';
  project: PrismaProject;
  environment: DatabaseEnvironment;
  status: MigrationStatus;
  hazards: OrderingHazard[];
  baseline: boolean;
  /** Guard-rail findings about this migration (names, ordering, applied-migration edits). */
  guards?: GuardFinding[];
  /** Pending here, and this database already has every change it makes: to mark as applied, not to deploy. */
  markApplicable?: boolean;
}

/** "N drifted objects" under an environment, with one child per finding. */
export interface DriftNode {
  kind: 'drift';
  project: PrismaProject;
  environment: DatabaseEnvironment;
  findings: DriftFinding[];
}

export interface FindingNode {
  kind: 'finding';
  project: PrismaProject;
  environment: DatabaseEnvironment;
  finding: DriftFinding;
  index: number;
}

/** A row that is not a migration: checking…, unreachable, a note, a settings problem, no database. */
export interface MessageNode {
  kind: 'message';
  variant: 'loading' | 'notChecked' | 'error' | 'note' | 'problem' | 'noEnvironment' | 'blocked' | 'untested';
  label: string;
  detail?: string;
  /** For errors: the code (`auth-failed`, `database-unreachable`, `missing-secret`…). */
  code?: string;
  project?: PrismaProject;
  environment?: DatabaseEnvironment;
  /** For `blocked`: the deleted migration that Restore from git brings back. */
  migration?: string;
  /** Unique within the parent. */
  key: string;
}

export type MigrationsNode = EnvironmentNode | MigrationNode | DriftNode | FindingNode | MessageNode;

/** contextValue of each kind of row, matched by `viewItem == …` in package.json menus. */
export const CONTEXT = {
  environmentLocal: 'driftGuard.environment.local',
  environmentLocalDeployable: 'driftGuard.environment.localDeployable',
  environmentConfigured: 'driftGuard.environment.configured',
  environmentConfiguredDeployable: 'driftGuard.environment.configuredDeployable',
  migration: (state: MigrationStatus['state'], deployable: boolean) =>
    `driftGuard.migration.${state}${state === 'pending' && deployable ? 'Deployable' : ''}`,
  drift: 'driftGuard.drift',
  finding: 'driftGuard.finding',
  error: 'driftGuard.status.error',
  errorConfigured: 'driftGuard.status.errorConfigured',
  loading: 'driftGuard.status.loading',
  notChecked: 'driftGuard.status.notChecked',
  note: 'driftGuard.status.note',
  problem: 'driftGuard.status.problem',
  noEnvironment: 'driftGuard.status.noEnvironment',
  blocked: 'driftGuard.status.blocked',
  untested: 'driftGuard.status.untested',
} as const;

/** Icon and colour of each migration state. */
const STATE_ICONS: Record<MigrationStatus['state'], [string, string]> = {
  applied: ['pass', 'testing.iconPassed'],
  pending: ['circle-large-outline', 'list.warningForeground'],
  failed: ['error', 'testing.iconFailed'],
  rolledBack: ['discard', 'descriptionForeground'],
  modified: ['diff-modified', 'list.warningForeground'],
  missingLocally: ['debug-breakpoint-unverified', 'disabledForeground'],
};

function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "2 pending · 1 failed · 7 drifted objects", or "in sync". */
export function summarize(result: DatabaseAnalysis): string {
  if (result.error?.code === 'cancelled') return vscode.l10n.t('check cancelled');
  if (result.error) return vscode.l10n.t('unreachable');
  const parts: string[] = [];
  if (result.blocked) parts.push(vscode.l10n.t('drift not computed'));
  if (result.history) {
    const c = countStates(result.history);
    if (c.failed) parts.push(vscode.l10n.t('{0} failed', String(c.failed)));
    if (c.pending) parts.push(vscode.l10n.t('{0} pending', String(c.pending)));
    if (c.rolledBack) parts.push(vscode.l10n.t('{0} rolled back', String(c.rolledBack)));
    if (c.modified) parts.push(vscode.l10n.t('{0} modified', String(c.modified)));
    if (c.missingLocally) parts.push(vscode.l10n.t('{0} missing locally', String(c.missingLocally)));
  }
  const drift = result.findings?.length ?? 0;
  if (drift) parts.push(driftedObjectsText(drift));
  return parts.length > 0 ? parts.join(' · ') : vscode.l10n.t('in sync');
}

function stateText(m: MigrationStatus): string {
  switch (m.state) {
    case 'applied':
      return vscode.l10n.t('applied {0}', formatDate(m.appliedAt));
    case 'pending':
      return vscode.l10n.t('pending');
    case 'failed':
      return m.missingLocally
        ? vscode.l10n.t('failed {0} · missing locally', formatDate(m.appliedAt))
        : vscode.l10n.t('failed {0}', formatDate(m.appliedAt));
    case 'rolledBack':
      return m.missingLocally ? vscode.l10n.t('rolled back · missing locally') : vscode.l10n.t('rolled back');
    case 'modified':
      return m.difference === 'lineEndings'
        ? vscode.l10n.t('modified after apply (line endings only)')
        : m.difference === 'whitespace'
          ? vscode.l10n.t('modified after apply (whitespace only)')
          : vscode.l10n.t('modified after apply');
    case 'missingLocally':
      return vscode.l10n.t('missing locally · applied {0}', formatDate(m.appliedAt));
  }
}

/** Deploy is offered on databases that are not production and have something pending. */
export function isDeployable(environment: DatabaseEnvironment, result: DatabaseAnalysis | undefined): boolean {
  return environment.kind !== 'production' && !!result?.history?.migrations.some((m) => m.state === 'pending');
}

/**
 * The "Migrations" view: one root per database of each project (its own datasource URL as `local`, then
 * the configured environments) with a summary, then its migrations in apply order with their state.
 * Everything shown comes from {@link AnalysisService} (no query of its own); refresh = a new analysis.
 */
export class MigrationsTreeDataProvider extends Disposable implements vscode.TreeDataProvider<MigrationsNode> {
  private readonly changeEmitter = new vscode.EventEmitter<MigrationsNode | undefined | void>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  /** {@link signature} of the last redraw asked for. */
  private shown: string | undefined;

  constructor(
    private readonly projects: ProjectService,
    private readonly analysis: AnalysisService,
    private readonly environments: EnvironmentService,
    private readonly guards?: Pick<GuardRailsService, 'findingsFor' | 'onDidChange'>,
  ) {
    super();
    this.disposables.push(this.changeEmitter);
    guards?.onDidChange(() => this.refresh(), this, this.disposables);
    analysis.onDidChangeAnalysis(() => this.refresh(), this, this.disposables);
    projects.onDidChangeProjects(() => this.refresh(), this, this.disposables);
    environments.onDidChangeEnvironments(() => this.refresh(), this, this.disposables);
  }

  /**
   * Redraws the whole tree from the latest results, when they change what it shows. Every redraw makes VS Code
   * drop the rows it holds until it has fetched them again, and a row clicked in that moment reaches its command
   * as `undefined`: the analysis, guard rails and settings signal often, mostly without a visible change.
   */
  refresh(): void {
    const signature = this.signature();
    if (signature !== undefined && signature === this.shown) return;
    this.shown = signature;
    this.changeEmitter.fire();
  }

  /** What the tree would show now (each row's item and plain data, without the shared project/environment objects); undefined when it cannot be built. */
  private signature(): string | undefined {
    const parts: string[] = [];
    const visit = (node: MigrationsNode): void => {
      const item = this.getTreeItem(node);
      const icon = item.iconPath instanceof vscode.ThemeIcon ? JSON.stringify(item.iconPath) : '';
      const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : (item.tooltip ?? '');
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      const data = JSON.stringify(node, (key, value: unknown) =>
        key === 'project' || key === 'environment' || key === 'result' ? undefined : value,
      );
      parts.push(
        JSON.stringify([
          item.id,
          label,
          item.description,
          item.contextValue,
          tooltip,
          icon,
          item.collapsibleState,
          item.command?.command,
          data,
        ]),
      );
      for (const child of this.getChildren(node)) visit(child);
    };
    try {
      for (const root of this.getChildren()) visit(root);
    } catch {
      return undefined;
    }
    return parts.join('\n');
  }

  getChildren(node?: MigrationsNode): MigrationsNode[] {
    if (!node) return this.roots();
    switch (node.kind) {
      case 'environment':
        return this.environmentChildren(node);
      case 'drift':
        return node.findings.map((finding, index) => ({
          kind: 'finding',
          project: node.project,
          environment: node.environment,
          finding,
          index,
        }));
      default:
        return [];
    }
  }

  getParent(): undefined {
    return undefined;
  }

  private roots(): MigrationsNode[] {
    const projects = [...this.projects.all].sort(
      (a, b) => a.name.localeCompare(b.name) || a.root.localeCompare(b.root),
    );
    const showProject = projects.length > 1;
    // No database anywhere: the view stays empty and shows its welcome content (package.json viewsWelcome,
    // context key driftGuard.noDatabase), with "Create .env from .env.example" when the project has one.
    if (noDatabaseAnywhere(projects, this.environments)) return [];
    const out: MigrationsNode[] = [];
    for (const project of projects) {
      const analysis = this.analysis.get(project.root);
      const environments = this.environments.environments(project);
      for (const problem of this.environments.settingsFor(project).problems) {
        out.push({
          kind: 'message',
          variant: 'problem',
          label: problem,
          project,
          key: `${project.root}::problem::${problem}`,
        });
      }
      if (environments.length === 0) {
        out.push({
          kind: 'message',
          variant: 'noEnvironment',
          label: showProject
            ? vscode.l10n.t('{0}: no database to show', project.name)
            : vscode.l10n.t('No database to show'),
          detail: vscode.l10n.t('Set the datasource URL (e.g. DATABASE_URL in .env) or add an environment.'),
          project,
          key: `${project.root}::noEnvironment`,
        });
        continue;
      }
      for (const environment of environments) {
        const result = analysis?.databases.find((d) => d.environment.name === environment.name);
        out.push({
          kind: 'environment',
          project,
          environment,
          ...(result ? { result } : {}),
          running: analysis?.databasesChecking.includes(environment.name) ?? false,
          showProject,
        });
      }
    }
    return out;
  }

  private environmentChildren(node: EnvironmentNode): MigrationsNode[] {
    const children = this.stateChildren(node);
    const { project, environment } = node;
    if (!this.environments.isUntested(environment)) return children;
    // Added with Add Environment and never tested: the step its toast offered stays here until it ran.
    const label = vscode.l10n.t('Test Connection — not tested since it was added');
    return [
      {
        kind: 'message',
        variant: 'untested',
        label,
        project,
        environment,
        key: `${project.root}::${environment.name}::untested`,
      },
      ...children,
    ];
  }

  private stateChildren(node: EnvironmentNode): MigrationsNode[] {
    const { project, environment, result } = node;
    const base = { project, environment };
    const id = `${project.root}::${environment.name}`;
    const blocking = project.problems.find((p) => p.severity === 'error');
    if (blocking) {
      return [
        {
          kind: 'message',
          variant: 'error',
          label: blocking.message,
          code: blocking.code,
          ...base,
          key: `${id}::blocking`,
        },
      ];
    }
    if (!result) {
      return node.running || !this.analysis.get(project.root)
        ? [
            {
              kind: 'message',
              variant: 'loading',
              label: vscode.l10n.t('Checking {0}…', environment.name),
              ...base,
              key: `${id}::loading`,
            },
          ]
        : [
            {
              kind: 'message',
              variant: 'notChecked',
              label: vscode.l10n.t('Not checked yet — refresh to check'),
              ...base,
              key: `${id}::notChecked`,
            },
          ];
    }
    if (result.error?.code === 'cancelled') {
      return [
        {
          kind: 'message',
          variant: 'notChecked',
          label: result.error.message,
          code: result.error.code,
          ...base,
          key: `${id}::cancelled`,
        },
      ];
    }
    if (result.error) {
      return [
        {
          kind: 'message',
          variant: 'error',
          label: firstLine(result.error.message),
          detail: result.error.message,
          code: result.error.code,
          ...base,
          key: `${id}::error`,
        },
      ];
    }
    const out: MigrationsNode[] = [];
    const history = result.history;
    // The database was read: its rows stay, ghost row included; only the drift is missing, and this says why.
    if (result.blocked) {
      const text = replayBlockedText(result.blocked);
      out.push({
        kind: 'message',
        variant: 'blocked',
        label: text,
        detail: text,
        migration: result.blocked.deleted[0],
        ...base,
        key: `${id}::blocked`,
      });
    }
    for (const note of history?.notes ?? []) {
      out.push({ kind: 'message', variant: 'note', label: note, ...base, key: `${id}::note::${note}` });
    }
    if (result.findings && result.findings.length > 0) out.push({ kind: 'drift', ...base, findings: result.findings });
    for (const status of history?.migrations ?? []) {
      const guards = this.guards?.findingsFor(project.root, status.name) ?? [];
      const markApplicable = result.markApplicable?.includes(status.name) === true;
      out.push({
        kind: 'migration',
        ...base,
        status,
        hazards: history ? hazardsFor(history, status.name) : [],
        baseline: isBaseline(status),
        ...(guards.length > 0 ? { guards } : {}),
        ...(markApplicable ? { markApplicable } : {}),
      });
    }
    return out;
  }

  getTreeItem(node: MigrationsNode): vscode.TreeItem {
    return cleanTreeItem(this.treeItem(node));
  }

  private treeItem(node: MigrationsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'environment':
        return this.environmentItem(node);
      case 'migration':
        return this.migrationItem(node);
      case 'drift': {
        const item = new vscode.TreeItem(
          vscode.l10n.t('Drift: {0}', driftedObjectsText(node.findings.length)),
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.id = `${node.project.root}::${node.environment.name}::drift`;
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
        item.tooltip = vscode.l10n.t(
          '{0} and the migrations differ: objects in the database that no migration creates (usually `prisma db push`; a baseline migration records them), or objects of migrations that are not in it (pending migrations count until deployed).',
          node.environment.name,
        );
        item.contextValue = CONTEXT.drift;
        return item;
      }
      case 'finding': {
        const item = new vscode.TreeItem(node.finding.label, vscode.TreeItemCollapsibleState.None);
        item.id = `${node.project.root}::${node.environment.name}::finding::${node.index}::${node.finding.primary.change}:${node.finding.label}`;
        item.description = node.finding.message;
        item.tooltip = new vscode.MarkdownString()
          .appendText(node.finding.message)
          .appendCodeblock(node.finding.sql, 'sql');
        item.iconPath = new vscode.ThemeIcon('symbol-field');
        item.contextValue = CONTEXT.finding;
        if (node.finding.location) {
          const { file, line, character } = node.finding.location;
          item.command = {
            command: 'vscode.open',
            title: vscode.l10n.t('Open'),
            arguments: [
              vscode.Uri.file(file),
              { selection: new vscode.Range(line - 1, character - 1, line - 1, character - 1) },
            ],
          };
        }
        return item;
      }
      case 'message':
        return this.messageItem(node);
    }
  }

  private environmentItem(node: EnvironmentNode): vscode.TreeItem {
    const { environment, result, project } = node;
    const label = node.showProject ? `${environment.name} · ${project.name}` : environment.name;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `${project.root}::${environment.name}`;
    const kind = environment.kind !== environment.name ? `${environment.kind} · ` : '';
    const summary = result ? summarize(result) : vscode.l10n.t('checking…');
    item.description = `${kind}${summary}${node.running && result ? ` · ${vscode.l10n.t('refreshing…')}` : ''}`;
    const via = environment.setting?.ssh ? 'cloud' : 'database';
    if (node.running && !result) {
      item.iconPath = new vscode.ThemeIcon('sync~spin');
    } else if (!result || result.error?.code === 'cancelled') {
      item.iconPath = new vscode.ThemeIcon(via);
    } else if (result.error) {
      item.iconPath = new vscode.ThemeIcon(via, new vscode.ThemeColor('errorForeground'));
    } else {
      const c = result.history ? countStates(result.history) : undefined;
      const drift = result.findings?.length ?? 0;
      const trouble = (c?.failed ?? 0) + (c?.modified ?? 0) + (c?.missingLocally ?? 0) + drift;
      const waiting = (c?.pending ?? 0) + (c?.rolledBack ?? 0);
      item.iconPath = new vscode.ThemeIcon(
        via,
        new vscode.ThemeColor(
          trouble > 0 ? 'list.warningForeground' : waiting > 0 ? 'list.warningForeground' : 'testing.iconPassed',
        ),
      );
    }
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(
      `**${escape(environment.name)}** — ${escape(environment.kind)}${environment.kind === 'production' ? ` ${vscode.l10n.t('(read-only: every write asks for the name)')}` : ''}\n\n`,
    );
    tip.appendMarkdown(`${escape(environment.description)}\n\n`);
    tip.appendMarkdown(`${vscode.l10n.t('Project')}: ${escape(project.name)}\n\n`);
    if (result) {
      tip.appendMarkdown(`${escape(summary)}${result.error ? `\n\n${escape(result.error.message)}` : ''}\n\n`);
      tip.appendMarkdown(vscode.l10n.t('Checked in {0} ms', String(result.durationMs)));
      if (result.history?.hazards.length) {
        tip.appendMarkdown(
          `\n\n$(warning) ${vscode.l10n.t('{0} ordering hazard(s)', String(result.history.hazards.length))}`,
        );
      }
    }
    item.tooltip = tip;
    const deployable = isDeployable(environment, result);
    item.contextValue =
      environment.source === 'configured'
        ? deployable
          ? CONTEXT.environmentConfiguredDeployable
          : CONTEXT.environmentConfigured
        : deployable
          ? CONTEXT.environmentLocalDeployable
          : CONTEXT.environmentLocal;
    return item;
  }

  private migrationItem(node: MigrationNode): vscode.TreeItem {
    const { status, environment, project } = node;
    const item = new vscode.TreeItem(status.name, vscode.TreeItemCollapsibleState.None);
    item.id = `${project.root}::${environment.name}::${status.name}`;
    const parts = [stateText(status)];
    if (node.markApplicable) parts.push(vscode.l10n.t('already in {0}: mark as applied', environment.name));
    if (node.baseline && (status.state === 'applied' || status.state === 'modified')) {
      parts.unshift(vscode.l10n.t('baseline'));
    }
    if (node.hazards.length > 0) parts.push(`⚠ ${vscode.l10n.t('ordering hazard')}`);
    // Guard rails worth a glance that the state and the engine's hazards do not already say (notes such as
    // a date-only name stay in the tooltip).
    const said = (code: GuardFinding['code']): boolean =>
      (code === 'applied-migration-edited' && status.state === 'modified') ||
      (code === 'applied-migration-deleted' && status.state === 'missingLocally') ||
      (node.hazards.length > 0 &&
        (code === 'migration-same-day-order' ||
          code === 'migration-applied-out-of-order' ||
          code === 'migration-depends-on-later'));
    const shown = [
      ...new Set(
        (node.guards ?? []).filter((g) => g.severity !== 'info' && !said(g.code)).map((g) => guardLabel(g.code)),
      ),
    ];
    if (shown.length > 0) parts.push(`⚠ ${shown.join(', ')}`);
    item.description = parts.join(' · ');
    const [icon, color] = node.markApplicable
      ? ['check-all', 'list.warningForeground']
      : node.baseline && status.state === 'applied'
        ? ['milestone', 'testing.iconPassed']
        : STATE_ICONS[status.state];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**${escape(status.name)}** — ${escape(stateText(status))} (${escape(environment.name)})\n\n`);
    if (node.baseline) {
      tip.appendMarkdown(
        `${vscode.l10n.t('Baseline: recorded as applied without running (migrate resolve --applied).')}\n\n`,
      );
    }
    if (status.note) tip.appendMarkdown(`${escape(status.note)}\n\n`);
    if (node.markApplicable) {
      tip.appendMarkdown(
        `${vscode.l10n.t('{0} already has every change this migration makes: mark it as applied there (Mark Applied proves it first). Deploying it would fail (P3018).', escape(environment.name))}\n\n`,
      );
    }
    for (const hazard of node.hazards) tip.appendMarkdown(`$(warning) ${escape(hazard.message)}\n\n`);
    for (const guard of node.guards ?? []) {
      tip.appendMarkdown(
        `${guard.severity === 'error' ? '$(error)' : guard.severity === 'warning' ? '$(warning)' : '$(info)'} ${escape(guard.message)}\n\n`,
      );
    }
    if (status.state === 'failed') {
      if (status.logs) tip.appendCodeblock(status.logs.split('\n').slice(0, 12).join('\n'), 'log');
      else tip.appendMarkdown(vscode.l10n.t('No logs were recorded.'));
    }
    if (status.sqlPath) tip.appendMarkdown(`\n\n${escape(path.relative(project.root, status.sqlPath))}`);
    item.tooltip = tip;
    // Without its folder, a failed migration can only be marked rolled back (or its logs read).
    // Already there: Mark Applied (inline) is the way; Deploy would be refused by the plan.
    item.contextValue = status.missingLocally
      ? `${CONTEXT.migration(status.state, false)}MissingLocally`
      : CONTEXT.migration(status.state, environment.kind !== 'production' && !node.markApplicable);
    if (status.sqlPath) {
      item.command = {
        command: 'driftGuard.openMigration',
        title: vscode.l10n.t('Open migration.sql'),
        arguments: [node],
      };
    }
    return item;
  }

  private messageItem(node: MessageNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
    item.id = node.key;
    if (node.detail && node.detail !== node.label) item.tooltip = node.detail;
    switch (node.variant) {
      case 'loading':
        item.iconPath = new vscode.ThemeIcon('loading~spin');
        item.contextValue = CONTEXT.loading;
        break;
      case 'notChecked':
        item.iconPath = new vscode.ThemeIcon('circle-outline');
        item.contextValue = CONTEXT.notChecked;
        item.command = { command: 'driftGuard.refreshMigrations', title: vscode.l10n.t('Refresh'), arguments: [node] };
        break;
      case 'error':
        item.iconPath = new vscode.ThemeIcon(
          node.code?.startsWith('host-key') ? 'shield' : 'error',
          new vscode.ThemeColor('errorForeground'),
        );
        item.contextValue = node.environment?.source === 'configured' ? CONTEXT.errorConfigured : CONTEXT.error;
        item.tooltip = new vscode.MarkdownString()
          .appendText(node.detail ?? node.label)
          .appendMarkdown(node.code ? `\n\n\`${node.code}\`` : '');
        break;
      case 'note':
        item.iconPath = new vscode.ThemeIcon('info');
        item.contextValue = CONTEXT.note;
        break;
      case 'problem':
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
        item.contextValue = CONTEXT.problem;
        item.command = { command: 'workbench.action.openWorkspaceSettingsFile', title: vscode.l10n.t('Open Settings') };
        break;
      case 'blocked':
        item.iconPath = new vscode.ThemeIcon('history', new vscode.ThemeColor('list.warningForeground'));
        item.contextValue = CONTEXT.blocked;
        if (node.project && node.migration) {
          item.command = {
            command: 'driftGuard.restoreMigrationFromGit',
            title: vscode.l10n.t('Restore from git'),
            arguments: [node.project.root, node.migration],
          };
        }
        break;
      case 'untested':
        item.iconPath = new vscode.ThemeIcon('plug', new vscode.ThemeColor('list.warningForeground'));
        item.contextValue = CONTEXT.untested;
        if (node.project && node.environment) {
          item.command = {
            command: 'driftGuard.testConnection',
            title: vscode.l10n.t('Test Connection'),
            arguments: [node.project.root, node.environment.name],
          };
        }
        break;
      case 'noEnvironment':
        item.iconPath = new vscode.ThemeIcon('database');
        item.description = node.detail;
        item.contextValue = CONTEXT.noEnvironment;
        item.command = {
          command: 'driftGuard.addEnvironment',
          title: vscode.l10n.t('Add Environment'),
          arguments: [node.project?.root],
        };
        break;
    }
    return item;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Markdown-escapes text from databases and settings (names, messages). */
function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

/** The item with no control character in its label, description or tooltip (names and logs come from databases). */
function cleanTreeItem(item: vscode.TreeItem): vscode.TreeItem {
  if (typeof item.label === 'string') item.label = safeText(item.label);
  else if (item.label) item.label = { ...item.label, label: safeText(item.label.label) };
  if (typeof item.description === 'string') item.description = safeText(item.description);
  if (typeof item.tooltip === 'string') item.tooltip = safeText(item.tooltip);
  else if (item.tooltip instanceof vscode.MarkdownString) {
    const clean = new vscode.MarkdownString(safeText(item.tooltip.value), item.tooltip.supportThemeIcons);
    clean.isTrusted = item.tooltip.isTrusted;
    clean.supportHtml = item.tooltip.supportHtml;
    item.tooltip = clean;
  }
  return item;
}
