import * as l10n from '@vscode/l10n';
/**
 * The deploy plan of one database: for each migration `migrate deploy` would meet there, whether deploying it is
 * safe. Computed before every deploy (the tree's Deploy Pending Migrations, the runbook's `migrate deploy` step, the
 * CLI's `deploy`), and for each environment after Create Baseline. A deploy runs only when every step is `apply`.
 *
 * Each pending migration (local, not applied: `pending` or `rolledBack`) is judged with the resolve proof
 * (./resolveProof.ts, `proofOf`), read-only:
 * - `apply`: the database has none of its changes — deploying it is what it is for. A migration the proof cannot see
 *   at all (data only, or empty: nothing present, nothing missing) is `apply` too: there is nothing to prove, deploy
 *   runs it.
 * - `markApplied`: the database already has every change it makes (the proof of Mark Applied passes). Deploying it
 *   would fail (`already exists`, P3018), leave a failed row and block every later deploy (P3009): record it as
 *   applied instead.
 * - `blocked`: the database has part of it — what is present and what is missing are listed; neither deploying nor
 *   marking it is safe until the database is on one side.
 * A row of `_prisma_migrations` recorded as failed (started, never finished) is `blocked` too (`failed: true`):
 * `migrate deploy` stops on it.
 *
 * Order rule: migrations are judged in the order deploy meets them (name order), each one on top of every migration
 * before it as if those were complete. After a `markApplied` one that is exact: the database already is in the
 * state that migration leaves, so the next one (the normal baseline case: a baseline `markApplied`, then a new
 * migration `apply`) is judged on the database as it is. After an `apply` one, that migration's changes are absent
 * on both sides of the next one's proof and cancel out; where the next one changes an object the earlier one
 * creates, that object counts as missing (it will exist only once the earlier one ran), so the next one is `apply`
 * unless the database already has something of its own. After a `blocked` one, the next ones are judged as if it
 * were complete; the plan is refused anyway.
 */
import { type EngineApi, type MigrationProof } from './engineApi';
import { labelOf, type MissingChange, type PresentChange } from './resolveProof';
import { type HistoryStatus } from '../history/status';
import { type PrismaProject } from '../project/types';

export type DeployAction = 'apply' | 'markApplied' | 'blocked';

/** One migration of the plan, in the order `migrate deploy` meets them. */
export interface PlannedMigration {
  migration: string;
  action: DeployAction;
  /** Changes it makes that the database already has (`markApplied`, `blocked`). */
  present: PresentChange[];
  /** Changes it makes that the database lacks (`apply`, `blocked`). */
  missing: MissingChange[];
  /** A row recorded as failed in `_prisma_migrations` (always `blocked`). */
  failed?: boolean;
  /** For a failed row: its folder is not in the migrations directory. */
  missingLocally?: boolean;
  /** One English sentence: why this action, and what to do. */
  reason: string;
}

/** The plan of one database. */
export interface DeployPlan {
  /** Failed rows and pending migrations, in name order. Empty: nothing to deploy. */
  steps: PlannedMigration[];
  /** True when `migrate deploy` may run: every step is `apply` (vacuously true when there is none). */
  deployable: boolean;
  /** The migrations `migrate deploy` would apply (names of the pending steps). */
  pending: string[];
}

/** What the plan needs from the engine (an `EngineSession` or the extension's worker client). */
export type DeployPlanEngine = Pick<EngineApi, 'historyStatus' | 'migrationProofs'>;

/**
 * The deploy plan of the database at `url`, read-only (reads `_prisma_migrations`, diffs the database against the
 * migrations on the embedded shadow, reads CHECK constraints). Rejects with the engine's errors (connection, unknown
 * migration, timeout).
 */
export async function computeDeployPlan(
  engine: DeployPlanEngine,
  project: PrismaProject,
  url: string,
): Promise<DeployPlan> {
  const history = await engine.historyStatus(project, url);
  const pending = pendingMigrations(history);
  const proofs = pending.length > 0 ? await engine.migrationProofs(project, url, pending) : [];
  return planFromProofs(history, proofs);
}

/** The migrations `migrate deploy` would apply: local, neither applied nor failed (`rolledBack` ones run again). */
export function pendingMigrations(history: HistoryStatus): string[] {
  return history.migrations
    .filter((m) => (m.state === 'pending' || m.state === 'rolledBack') && !m.missingLocally)
    .map((m) => m.name);
}

/** The plan from the history and the proofs of its pending migrations (pure; see the rules at the top). */
export function planFromProofs(history: HistoryStatus, proofs: readonly MigrationProof[]): DeployPlan {
  const byName = new Map(proofs.map((p) => [p.migration, p]));
  const pending = pendingMigrations(history);
  const steps: PlannedMigration[] = [];
  for (const status of history.migrations) {
    if (status.state === 'failed') {
      steps.push({
        migration: status.name,
        action: 'blocked',
        present: [],
        missing: [],
        failed: true,
        ...(status.missingLocally ? { missingLocally: true } : {}),
        reason: status.missingLocally
          ? l10n.t(
              'recorded as failed in _prisma_migrations (its folder is not in the migrations directory): migrate deploy stops on it (P3009). Mark it rolled back once the database is as before it, or applied once it has every change it makes.',
            )
          : l10n.t(
              'recorded as failed in _prisma_migrations: migrate deploy stops on it (P3009). Mark it rolled back once the database is as before it, or applied once it has every change it makes.',
            ),
      });
      continue;
    }
    if (!pending.includes(status.name)) continue;
    const proof = byName.get(status.name);
    if (!proof) throw new Error(`No proof for the pending migration ${status.name}.`);
    steps.push(judge(proof));
  }
  return { steps, deployable: steps.every((s) => s.action === 'apply'), pending };
}

function judge(proof: MigrationProof): PlannedMigration {
  const { migration, present, missing } = proof;
  if (present.length === 0 && missing.length === 0) {
    return {
      migration,
      action: 'apply',
      present,
      missing,
      reason: l10n.t('changes nothing the schema comparison sees (data or empty migration): deploy runs it.'),
    };
  }
  if (present.length === 0) {
    return {
      migration,
      action: 'apply',
      present,
      missing,
      reason: l10n.t('the database has none of its changes: deploy applies it.'),
    };
  }
  if (missing.length === 0) {
    return {
      migration,
      action: 'markApplied',
      present,
      missing,
      reason: l10n.t(
        'the database already has every change it makes: mark it applied. Deploying it would fail (P3018) and block every later deploy.',
      ),
    };
  }
  return {
    migration,
    action: 'blocked',
    present,
    missing,
    reason: l10n.t(
      'the database has part of it ({0} present, {1} missing): neither deploying it nor marking it applied is safe. Bring the database to one side first.',
      present.length,
      missing.length,
    ),
  };
}

/** The migrations the plan says to mark as applied (their proof passes), in order. */
export function migrationsToMarkApplied(plan: DeployPlan): string[] {
  return plan.steps.filter((s) => s.action === 'markApplied').map((s) => s.migration);
}

/**
 * The pending migrations a database already has entirely (the plan's `markApplied`: a baseline of what `db push`
 * added, not yet recorded there), for the Migrations view and the CodeLens to keep offering "Mark as applied" where
 * the user finds it again. Asked of the engine only when it can be non-empty: something is pending and the database
 * has objects no applied migration creates (`driftCount`); otherwise no pending migration can be present.
 */
export async function alreadyPresentMigrations(
  engine: Pick<EngineApi, 'migrationProofs'>,
  project: PrismaProject,
  url: string,
  history: HistoryStatus,
  driftCount: number,
): Promise<string[]> {
  const pending = pendingMigrations(history);
  if (pending.length === 0 || driftCount === 0) return [];
  return migrationsToMarkApplied(planFromProofs(history, await engine.migrationProofs(project, url, pending)));
}

/** One step as `drift-guard deploy --json` prints it: `present` / `missing` as labels, only when not empty. */
export interface DeployPlanJsonStep {
  migration: string;
  action: DeployAction;
  present?: string[];
  missing?: string[];
  failed?: true;
  reason: string;
}

/** The plan's steps as `drift-guard deploy --json` prints them (`{ "plan": [...] }`). */
export function deployPlanJson(plan: DeployPlan): DeployPlanJsonStep[] {
  return plan.steps.map((s) => ({
    migration: s.migration,
    action: s.action,
    ...(s.present.length > 0 ? { present: s.present.map((c) => c.label) } : {}),
    ...(s.missing.length > 0 ? { missing: s.missing.map((c) => labelOf(c)) } : {}),
    ...(s.failed ? { failed: true as const } : {}),
    reason: s.reason,
  }));
}

/** The plan in lines (the CLI, localised through @vscode/l10n; the extension renders its own text). `target` names the database. */
export function deployPlanText(plan: DeployPlan, target: string): string[] {
  if (plan.steps.length === 0) return [l10n.t('✓ Nothing to deploy on {0}: every migration is applied.', target)];
  const head = plan.deployable
    ? l10n.t('✓ Deploy plan for {0}: {1} migration(s) to apply.', target, plan.steps.length)
    : l10n.t('✗ Deploy plan for {0}: not every migration can be deployed — {1}.', target, summary(plan));
  const marks: Record<DeployAction, string> = {
    apply: l10n.t('→ apply'),
    markApplied: l10n.t('✓ mark applied'),
    blocked: l10n.t('✗ blocked'),
  };
  const width = Math.max(...Object.values(marks).map((m) => m.length));
  const lines = [head];
  for (const step of plan.steps) {
    lines.push(
      `  ${marks[step.action].padEnd(width)}  ${step.migration}${step.failed ? l10n.t(' (failed)') : ''} — ${step.reason}`,
    );
    if (step.action !== 'apply') {
      for (const c of step.present) {
        const label =
          c.change === 'created'
            ? c.label
            : c.change === 'dropped'
              ? l10n.t('{0} (already dropped)', c.label)
              : l10n.t('{0} (already as it leaves it)', c.label);
        lines.push(`      ${l10n.t('present: {0}', label)}`);
      }
      for (const c of step.missing) {
        lines.push(`      ${l10n.t('missing: {0}', c.description.replace(/ missing$/, ''))}`);
      }
    }
  }
  return lines;
}

function summary(plan: DeployPlan): string {
  const count = (a: DeployAction): number => plan.steps.filter((s) => s.action === a).length;
  return [
    count('markApplied') > 0 ? l10n.t('{0} to mark applied', count('markApplied')) : '',
    count('blocked') > 0 ? l10n.t('{0} blocked', count('blocked')) : '',
    count('apply') > 0 ? l10n.t('{0} to apply', count('apply')) : '',
  ]
    .filter(Boolean)
    .join(', ');
}
