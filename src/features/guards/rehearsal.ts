import * as path from 'node:path';
import * as vscode from 'vscode';
import { cancellableBy } from '../../core/engine';
import { REHEARSALS_FILE, rehearsalRecord, saveRehearsal } from '../../core/app/rehearsals';
import { describeSsh } from '../../core/environments/config';
import { type DumpResult, dumpOverSsh, dumpWithPgDump } from '../../core/rehearsal/dumpSource';
import { rehearsalMarkdown, type RehearsalReport, rehearsalText } from '../../core/rehearsal/report';
import { type EngineService } from '../engine/engineService';
import { type EnvironmentRef } from '../environments/commands';
import { type EnvironmentService } from '../environments/environmentService';
import { type Logger } from '../shared/logger';
import { notify } from '../shared/notify';

export const REHEARSAL_SCHEME = 'driftguard-rehearsal';

/** Read-only markdown documents holding rehearsal reports (`driftguard-rehearsal:/<n>/Rehearsal of <env>.md`). */
export class RehearsalReportProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly reports = new Map<string, string>();
  private next = 1;

  /** Keeps a report and returns the URI that shows it. */
  add(title: string, markdown: string): vscode.Uri {
    const uri = vscode.Uri.from({
      scheme: REHEARSAL_SCHEME,
      path: `/${this.next++}/${title.replace(/[/\\?#]/g, '_')}.md`,
    });
    this.reports.set(uri.toString(), markdown);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.reports.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.reports.clear();
  }
}

/** What a rehearsal needs from the extension. */
export interface RehearsalServices {
  engines: EngineService;
  environments: EnvironmentService;
  logger: Logger;
  reports: RehearsalReportProvider;
}

/** The outcome of "Rehearse Deploy on a Copy…", also kept for the API. */
export interface RehearsalOutcome {
  report: RehearsalReport;
  /** The markdown report's document. */
  uri: vscode.Uri;
}

/**
 * "Rehearse Deploy on a Copy of <env>": dumps the environment's schema (the environment's
 * `ssh.rehearseDumpCommand` on its server, else the local pg_dump through its URL or tunnel), has the
 * engine worker load it into a fresh embedded PostgreSQL with the environment's `_prisma_migrations`
 * and apply the pending migrations there one by one, then opens the report. The real database is only
 * read. Cancellable while dumping and while the engine applies the migrations to the copy.
 */
export async function rehearseDeploy(
  services: RehearsalServices,
  ref: EnvironmentRef,
  token?: vscode.CancellationToken,
  report?: (message: string) => void,
): Promise<RehearsalOutcome> {
  const { project, environment } = ref;
  const controller = new AbortController();
  const onCancel = token?.onCancellationRequested(() => controller.abort());
  const started = Date.now();
  report?.(vscode.l10n.t('Connecting to {0}…', environment.name));
  const acquired = await environment.acquire();
  try {
    let dump: DumpResult;
    const setting = environment.setting;
    const command = setting?.ssh?.rehearseDumpCommand;
    if (setting?.ssh && command) {
      report?.(vscode.l10n.t('Dumping the schema on {0}…', setting.ssh.host));
      const target = await services.environments.sshTarget(setting, environment.folder);
      if (!target) throw new Error(vscode.l10n.t('{0} has no SSH settings.', environment.name));
      const lease = await (await services.environments.sshPool()).acquire(target);
      try {
        dump = await dumpOverSsh(lease.session, command, { signal: controller.signal, host: describeSsh(setting.ssh) });
      } finally {
        lease.release();
      }
    } else {
      report?.(vscode.l10n.t('Dumping the schema of {0} with pg_dump…', environment.name));
      const pgDump = vscode.workspace.getConfiguration('driftGuard').get<string>('pgDumpPath', '').trim();
      dump = await dumpWithPgDump(acquired.url, { signal: controller.signal, ...(pgDump ? { pgDump } : {}) });
    }
    if (token?.isCancellationRequested) throw new vscode.CancellationError();
    report?.(vscode.l10n.t('Applying the pending migrations on a copy of {0}…', environment.name));
    const result = await cancellableBy(services.engines.engine, controller.signal).rehearse(project, {
      dump: dump.sql,
      source: dump.source,
      target: environment.name,
      url: acquired.url,
    });
    // Rule 3: a production deploy opens on this record (same pending migrations, same checksums, recent).
    try {
      await saveRehearsal(project.root, await rehearsalRecord(result, 'extension'));
    } catch (error) {
      services.logger.warn(
        `Could not record the rehearsal of ${environment.name} in ${REHEARSALS_FILE}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const markdown = rehearsalMarkdown(result, (file) => path.relative(project.root, file).split(path.sep).join('/'));
    const uri = services.reports.add(vscode.l10n.t('Rehearsal on a copy of {0}', environment.name), markdown);
    // The text opens with the headline: one line for it, with the whole rehearsal's duration.
    const [headline, ...details] = rehearsalText(result, (file) => path.relative(project.root, file)).split('\n');
    services.logger.info(`${headline} (${Date.now() - started} ms)`);
    if (details.length > 0) services.logger.block(details.join('\n'));
    return { report: result, uri };
  } finally {
    acquired.release();
    onCancel?.dispose();
  }
}

/** Opens a report: the markdown preview when available, else the document itself. */
export async function showRehearsalReport(uri: vscode.Uri): Promise<void> {
  try {
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  } catch {
    await vscode.window.showTextDocument(uri, { preview: false });
  }
}

/** The notification after a rehearsal: its one-line outcome, and the report on demand. */
export function notifyRehearsal(outcome: RehearsalOutcome): void {
  const { report } = outcome;
  const failed = report.migrations.find((m) => m.status === 'failed');
  const passed = report.migrations.filter((m) => m.status === 'passed').length;
  const message =
    report.migrations.length === 0
      ? vscode.l10n.t(
          'Rehearsal on a copy of {0}: no pending migration, migrate deploy would do nothing.',
          report.target,
        )
      : failed
        ? vscode.l10n.t(
            'Rehearsal on a copy of {0}: {1} failed — {2}. {3} of {4} pending migration(s) passed before it.',
            report.target,
            failed.name,
            failed.error?.message ?? '',
            String(passed),
            String(report.migrations.length),
          )
        : report.blockers.length > 0
          ? vscode.l10n.t(
              'Rehearsal on a copy of {0}: migrate deploy would refuse to run — {1}',
              report.target,
              report.blockers[0],
            )
          : report.warningCount > 0
            ? vscode.l10n.t(
                'Rehearsal on a copy of {0}: all {1} pending migration(s) passed, with {2} warning(s) about existing data.',
                report.target,
                String(report.migrations.length),
                String(report.warningCount),
              )
            : vscode.l10n.t(
                'Rehearsal on a copy of {0}: all {1} pending migration(s) passed.',
                report.target,
                String(report.migrations.length),
              );
  const open = vscode.l10n.t('Show Report');
  const show = !report.ok ? notify.error : report.warningCount > 0 ? notify.warn : notify.info;
  void show(message, open).then((choice) => {
    if (choice === open) void showRehearsalReport(outcome.uri);
  });
}
