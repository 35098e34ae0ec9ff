/**
 * The deploy plan in the editor: computed before every deploy (the tree's Deploy Pending Migrations, the runbook's
 * `migrate deploy` step) and for every environment after Create Baseline. The plan itself is
 * src/core/app/deployPlan.ts; this module reads it on an environment, says it in the user's language, and offers
 * the fix: "Mark as Applied on <environment>", which runs Mark Applied (its proof, and the typed confirmation for
 * production) for each migration the database already has.
 */
import * as vscode from 'vscode';
import {
  computeDeployPlan,
  type DeployPlan,
  migrationsToMarkApplied,
  type PlannedMigration,
} from '../../core/app/deployPlan';
import { withCancellation } from '../../core/engine';
import { labelOf } from '../../core/app/resolveProof';
import { type PrismaProject } from '../../core/project/types';
import { type EngineService } from '../engine/engineService';
import { type DatabaseEnvironment } from '../environments/environmentService';
import { abortSignalOf } from '../shared/cancellation';
import { type Logger } from '../shared/logger';
import { notify } from '../shared/notify';

/** What reading a plan needs. */
export interface DeployPlanServices {
  engines: EngineService;
}

/** The deploy plan of `environment` now (read-only: its history, a diff against the migrations, its CHECK constraints). */
export async function planOn(
  services: DeployPlanServices,
  project: PrismaProject,
  environment: DatabaseEnvironment,
): Promise<DeployPlan> {
  const acquired = await environment.acquire();
  try {
    return await computeDeployPlan(services.engines.engine, project, acquired.url);
  } finally {
    acquired.release();
  }
}

/** One step of a plan, translated: `✓ 2026…_baseline — mark applied: present: table invoices (Invoice), …`. */
export function describeStep(step: PlannedMigration): string {
  const present = step.present.map((c) => c.label).join(', ');
  const missing = step.missing.map((c) => labelOf(c)).join(', ');
  if (step.failed) {
    return vscode.l10n.t(
      '✗ {0} — recorded as failed: migrate deploy stops on it. Mark it rolled back or applied first.',
      step.migration,
    );
  }
  switch (step.action) {
    case 'apply':
      return vscode.l10n.t('→ {0} — to deploy: the database has none of its changes.', step.migration);
    case 'markApplied':
      return vscode.l10n.t(
        '✓ {0} — to mark as applied: the database already has every change it makes ({1}). Deploying it would fail.',
        step.migration,
        present,
      );
    case 'blocked':
      return vscode.l10n.t(
        '✗ {0} — blocked: the database has part of it. Present: {1}. Missing: {2}.',
        step.migration,
        present,
        missing,
      );
  }
}

/** The whole plan of one environment, one line per step. */
export function describePlan(plan: DeployPlan): string {
  return plan.steps.map(describeStep).join('\n');
}

/**
 * Says that a deploy to `environment` is refused and why (the plan), and offers the fix when there is one: "Mark as
 * Applied on <environment>" runs Mark Applied with its proof (and the typed confirmation for production) for each
 * migration the database already has. Not awaited by callers: the refusal is the command's answer; the dialog waits
 * for the user alone. Nothing is written unless the user picks the fix.
 */
export function offerPlanFix(
  project: PrismaProject,
  environment: DatabaseEnvironment,
  plan: DeployPlan,
  logger: Logger,
): Thenable<void> {
  const marks = migrationsToMarkApplied(plan);
  const fix = vscode.l10n.t('Mark as Applied on {0}', environment.name);
  logger.warn(
    `Deploy to ${environment.name} refused by its plan: ${plan.steps.map((s) => `${s.migration} ${s.action}${s.failed ? ' (failed)' : ''}`).join(', ')}. Nothing was executed.`,
  );
  return notify
    .error(
      vscode.l10n.t(
        'Deploy to {0} refused: not every pending migration can be deployed there. Nothing was executed.',
        environment.name,
      ),
      { modal: true, detail: describePlan(plan) },
      ...(marks.length > 0 ? [fix] : []),
    )
    .then(async (choice) => {
      if (choice !== fix) return;
      for (const migration of marks) {
        await vscode.commands.executeCommand('driftGuard.markApplied', project.root, migration, environment.name);
      }
    });
}

/** The plan of one environment in "Baseline Every Environment…", or why it could not be read. */
export interface EnvironmentPlan {
  environment: DatabaseEnvironment;
  plan?: DeployPlan;
  error?: string;
}

/** One line of "Baseline Every Environment…" for one environment: what to do there. */
export function describeEnvironmentPlan(entry: EnvironmentPlan): string {
  const name = `${entry.environment.name} (${entry.environment.kind})`;
  if (!entry.plan) return vscode.l10n.t('{0}: could not be checked — {1}', name, entry.error ?? '?');
  const plan = entry.plan;
  if (plan.steps.length === 0) return vscode.l10n.t('{0}: nothing pending, every migration is applied.', name);
  const of = (action: PlannedMigration['action']): PlannedMigration[] => plan.steps.filter((s) => s.action === action);
  const parts: string[] = [];
  const marks = of('markApplied');
  if (marks.length > 0) {
    parts.push(
      vscode.l10n.t('mark as applied (proven: it has every change): {0}', marks.map((s) => s.migration).join(', ')),
    );
  }
  const applies = of('apply');
  if (applies.length > 0) {
    parts.push(
      vscode.l10n.t(
        'deploy there instead (it has none of the changes): {0}',
        applies.map((s) => s.migration).join(', '),
      ),
    );
  }
  for (const step of of('blocked')) parts.push(describeStep(step));
  return `${name}: ${parts.join(' · ')}`;
}

/**
 * "Baseline Every Environment…": the deploy plan of every environment of the project (the local database counts) in
 * one dialog — where the pending migrations are proven present (mark as applied), where they must be deployed
 * instead, what blocks — and one button that marks them applied where proven, each environment through Mark Applied
 * (its proof, and the typed confirmation for production). Resolves with the plans once the dialog is shown (it is
 * not awaited: the marks follow the user's choice).
 */
export async function baselineEveryEnvironment(
  services: DeployPlanServices & { logger: Logger },
  project: PrismaProject,
  environments: readonly DatabaseEnvironment[],
): Promise<EnvironmentPlan[]> {
  if (environments.length === 0) {
    void notify.warn(
      vscode.l10n.t(
        '{0} has no database to baseline: set its datasource URL (e.g. DATABASE_URL in .env) or add an environment.',
        project.name,
      ),
    );
    return [];
  }
  const plans = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: vscode.l10n.t('Reading the deploy plan of every environment of {0}…', project.name),
      cancellable: true,
    },
    // Read-only: Cancel stops the engine calls of the plans (they read the databases under this cancellation).
    (_progress, token) =>
      withCancellation(abortSignalOf(token), () =>
        Promise.all(
          environments.map(async (environment): Promise<EnvironmentPlan> => {
            try {
              return { environment, plan: await planOn(services, project, environment) };
            } catch (error) {
              return { environment, error: error instanceof Error ? error.message : String(error) };
            }
          }),
        ),
      ),
  );
  for (const entry of plans) {
    services.logger.info(
      `Baseline every environment — ${entry.environment.name}: ${entry.plan ? entry.plan.steps.map((s) => `${s.migration} ${s.action}`).join(', ') || 'nothing pending' : entry.error}`,
    );
  }
  const markable = plans.filter((p) => p.plan && migrationsToMarkApplied(p.plan).length > 0);
  const mark = vscode.l10n.t('Mark as Applied on {0}', markable.map((p) => p.environment.name).join(', '));
  void notify
    .info(
      markable.length > 0
        ? vscode.l10n.t(
            'Baseline every environment of {0}: {1} of {2} can be marked as applied.',
            project.name,
            String(markable.length),
            String(plans.length),
          )
        : vscode.l10n.t('Baseline every environment of {0}: no environment to mark as applied.', project.name),
      { modal: true, detail: plans.map(describeEnvironmentPlan).join('\n') },
      ...(markable.length > 0 ? [mark] : []),
    )
    .then(async (choice) => {
      if (choice !== mark) return;
      for (const entry of markable) {
        for (const migration of migrationsToMarkApplied(entry.plan!)) {
          await vscode.commands.executeCommand(
            'driftGuard.markApplied',
            project.root,
            migration,
            entry.environment.name,
          );
        }
      }
    });
  return plans;
}
