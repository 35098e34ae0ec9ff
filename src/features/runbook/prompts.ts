import * as vscode from 'vscode';
import { type RunbookVariable } from '../../core/runbook/parser';
import { confirmWrite } from '../drift/commands';
import { askTyped } from '../shared/typedConfirmation';
import { type DatabaseEnvironment } from '../environments/environmentService';
import { notify } from '../shared/notify';
import { SAFE_VALUE, type TypedConfirmation } from '../../core/app/runbookRunner';

/**
 * Every question the runbook asks. The integration tests replace it (the questions themselves are VS Code's
 * input boxes and modals, exercised by the e2e tests).
 */
export interface RunbookPrompts {
  /** A variable's value; undefined when the user cancelled. */
  variable(variable: RunbookVariable, defaultValue: string | undefined): Promise<string | undefined>;
  /** Typed confirmation of a destructive step (or a write to production without a database environment). */
  confirmTyped(request: TypedConfirmation): Promise<boolean>;
  /** A write to a configured database (production: the name typed). */
  confirmWrite(environment: DatabaseEnvironment, action: string): Promise<boolean>;
  /** "Run section" reached a manual step: done? */
  manualStep(title: string): Promise<boolean>;
  /** Why a step is skipped (empty: no reason); undefined when cancelled. */
  skipReason(title: string): Promise<string | undefined>;
  /** A production deploy lacks a passing rehearsal (rule 3): rehearse now on a copy of `environment`? */
  offerRehearsal?(environment: string, reason: string): Promise<boolean>;
}

export { SAFE_VALUE, type TypedConfirmation } from '../../core/app/runbookRunner';

export const defaultPrompts: RunbookPrompts = {
  variable: async (variable, defaultValue) =>
    await vscode.window.showInputBox({
      title: vscode.l10n.t(
        'Runbook variable {0}',
        variable.kind === 'assignment' ? `\${${variable.name}}` : variable.token,
      ),
      prompt: vscode.l10n.t('Value used in every step of this run (asked once).'),
      ...(defaultValue !== undefined ? { value: defaultValue } : {}),
      ignoreFocusOut: true,
      validateInput: (value) =>
        value === ''
          ? vscode.l10n.t('A value is needed.')
          : SAFE_VALUE.test(value)
            ? undefined
            : vscode.l10n.t(
                'Letters, digits and . _ - / : @ % + = , ~ only: the value goes into shell commands as typed.',
              ),
    }),
  confirmTyped: (request) =>
    askTyped({
      title: request.production
        ? vscode.l10n.t('{0} — PRODUCTION ({1})', request.step, request.expected)
        : vscode.l10n.t('{0} on {1}', request.step, request.expected),
      prompt: vscode.l10n.t('This step {0}. Type "{1}" to run it.', request.reason, request.expected),
      expected: request.expected,
    }),
  confirmWrite: (environment, action) => confirmWrite(environment, action),
  manualStep: async (title) => {
    const done = vscode.l10n.t('Done, Continue');
    const choice = await notify.info(
      vscode.l10n.t('Manual step: {0}', title),
      { modal: true, detail: vscode.l10n.t('Do it, then continue the section.') },
      done,
    );
    return choice === done;
  },
  offerRehearsal: async (environment, reason) => {
    const rehearse = vscode.l10n.t('Rehearse on a Copy of {0}', environment);
    const choice = await notify.warn(
      vscode.l10n.t('Rule 3: test the migration on a copy of the prod database before deploying.'),
      { modal: true, detail: reason },
      rehearse,
    );
    return choice === rehearse;
  },
  skipReason: async (title) =>
    await vscode.window.showInputBox({
      title: vscode.l10n.t('Skip "{0}"', title),
      prompt: vscode.l10n.t('Why is it skipped? (kept in the run log; may be empty)'),
      ignoreFocusOut: true,
    }),
};
