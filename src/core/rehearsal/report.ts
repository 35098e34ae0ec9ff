/**
 * The result of a deploy rehearsal as plain data (it crosses the engine worker's process boundary),
 * and its two renderings: markdown for the extension's report and plain text for the CLI.
 */
import { type RehearsalWarning } from './catalog';
import * as l10n from '@vscode/l10n';

/** What happened to one pending migration on the copy. */
export interface RehearsedMigration {
  name: string;
  /** `passed`: ran without error; `failed`: PostgreSQL refused it; `notRun`: after a failure, as `migrate deploy` stops. */
  status: 'passed' | 'failed' | 'notRun';
  /** How long it ran on the copy, in milliseconds. */
  ms?: number;
  error?: {
    message: string;
    /** SQLSTATE, e.g. `42P07`. */
    code?: string;
    detail?: string;
    hint?: string;
    /** 1-based position of the failing statement in migration.sql, when found. */
    line?: number;
    character?: number;
  };
  warnings: RehearsalWarning[];
  /** Absolute path of migration.sql. */
  sqlPath?: string;
}

/** Where the copy's schema came from. */
export interface RehearsalSource {
  /** `pg_dump`: run here through the URL/tunnel; `command`: the environment's remote command over SSH; `file`: a dump file. */
  kind: 'pg_dump' | 'command' | 'file';
  /** For messages: `pg_dump 15.18 (local)`, the remote command, the file path. */
  description: string;
  bytes: number;
  /** Time taken to get the dump (measured by the caller). */
  ms?: number;
}

export interface RehearsalReport {
  /** Environment name, or a label for a plain URL. */
  target: string;
  /** ISO time the rehearsal started. */
  startedAt: string;
  source: RehearsalSource;
  copy: {
    /** `PostgreSQL 17.x (PGlite, in-process)`. */
    engine: string;
    /** Version of the real database, when known (from the connection or the dump header). */
    realVersion?: string;
    loadMs: number;
    statements: number;
    /** Statements not run on the copy, by reason (ownership, privileges…). */
    skipped: Record<string, number>;
    /** Tables whose rows came with the dump. */
    dataTables: number;
    /** Dump statements that failed on the copy: the copy differs from the real database there. */
    problems: Array<{ line: number; statement: string; message: string }>;
    /** Extensions the dump or the migrations use that the copy cannot load. */
    missingExtensions: string[];
  };
  history: {
    /** Where `_prisma_migrations` came from: read from the real database, or the dump's own rows. */
    source: 'database' | 'dump' | 'none';
    recorded: number;
    applied: number;
  };
  /** Reasons `migrate deploy` would refuse to start (a failed migration in the history: P3009). */
  blockers: string[];
  /** The pending migrations (pending and rolled back), in the order `migrate deploy` applies them. */
  migrations: RehearsedMigration[];
  /** Every pending migration passed and nothing blocks the deploy. */
  ok: boolean;
  warningCount: number;
  totalMs: number;
  notes: string[];
}

/** Exit code of `drift-guard rehearse`: 1 when a migration fails or the deploy is blocked (or, with `strict`, on warnings). */
export function rehearsalExitCode(report: RehearsalReport, strict = false): number {
  if (!report.ok) return 1;
  return strict && report.warningCount > 0 ? 1 : 0;
}

function ms(value: number | undefined): string {
  if (value === undefined) return '';
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

function summary(report: RehearsalReport): string {
  const passed = report.migrations.filter((m) => m.status === 'passed').length;
  const failed = report.migrations.filter((m) => m.status === 'failed').length;
  if (report.migrations.length === 0) return l10n.t('No pending migration: migrate deploy would do nothing.');
  const parts = [
    report.migrations.length === 1
      ? l10n.t('{0} of 1 pending migration passed', passed)
      : l10n.t('{0} of {1} pending migrations passed', passed, report.migrations.length),
  ];
  if (failed) parts.push(l10n.t('{0} failed', failed));
  if (report.warningCount) {
    parts.push(report.warningCount === 1 ? l10n.t('1 warning') : l10n.t('{0} warnings', report.warningCount));
  }
  return `${parts.join(', ')}.`;
}

/** One-line outcome, for notifications and the CLI's first line. */
export function rehearsalHeadline(report: RehearsalReport): string {
  const verdict = report.ok
    ? report.warningCount > 0
      ? l10n.t('passed with warnings')
      : l10n.t('passed')
    : l10n.t('FAILED');
  return l10n.t('Deploy rehearsal on a copy of {0}: {1} — {2}', report.target, verdict, summary(report));
}

/** The report as a markdown document (the extension opens it in a preview). */
export function rehearsalMarkdown(report: RehearsalReport, relative: (file: string) => string = (f) => f): string {
  const out: string[] = [];
  out.push(`# ${l10n.t('Deploy rehearsal on a copy of {0}', escapeMd(report.target))}`, '');
  out.push(
    `**${report.ok ? (report.warningCount > 0 ? `⚠ ${l10n.t('Passed with warnings')}` : `✓ ${l10n.t('Passed')}`) : `✗ ${l10n.t('Failed')}`}** — ${escapeMd(summary(report))}`,
    '',
  );
  out.push(
    l10n.t(
      'Nothing was written to {0}: its schema was copied into an embedded PostgreSQL and the migrations ran there.',
      escapeMd(report.target),
    ),
    '',
  );
  for (const blocker of report.blockers) out.push(`> **${l10n.t('Blocked:')}** ${escapeMd(blocker)}`, '');
  if (report.migrations.length > 0) {
    out.push(`| # | ${l10n.t('Migration')} | ${l10n.t('Result')} | ${l10n.t('Time')} |`, '|---|---|---|---|');
    report.migrations.forEach((m, i) => {
      const passedText =
        m.warnings.length === 0
          ? `✓ ${l10n.t('passed')}`
          : m.warnings.length === 1
            ? `⚠ ${l10n.t('passed, 1 warning')}`
            : `⚠ ${l10n.t('passed, {0} warnings', m.warnings.length)}`;
      const result =
        m.status === 'passed' ? passedText : m.status === 'failed' ? `✗ **${l10n.t('failed')}**` : l10n.t('not run');
      out.push(`| ${i + 1} | \`${m.name}\` | ${result} | ${ms(m.ms)} |`);
    });
    out.push('');
  }
  for (const m of report.migrations) {
    if (m.status === 'notRun' || (m.status === 'passed' && m.warnings.length === 0)) continue;
    out.push(`## ${m.status === 'failed' ? '✗' : '⚠'} ${escapeMd(m.name)}`, '');
    const file = m.sqlPath ? relative(m.sqlPath) : undefined;
    if (m.error) {
      const where = m.error.line ? `${file ?? 'migration.sql'}:${m.error.line}` : (file ?? 'migration.sql');
      out.push(
        m.error.code
          ? l10n.t('**PostgreSQL error** {0} at {1}:', `\`${m.error.code}\``, `\`${where}\``)
          : l10n.t('**PostgreSQL error** at {0}:', `\`${where}\``),
        '',
        '```text',
        m.error.message,
        ...(m.error.detail ? [`DETAIL: ${m.error.detail}`] : []),
        ...(m.error.hint ? [`HINT: ${m.error.hint}`] : []),
        '```',
        '',
      );
    }
    for (const w of m.warnings) {
      out.push(`- ⚠ ${escapeMd(w.message)}${w.line ? ` (\`${file ?? 'migration.sql'}:${w.line}\`)` : ''}`);
    }
    if (m.warnings.length > 0) out.push('');
  }
  out.push(`## ${l10n.t('The copy')}`, '');
  const size = `${formatBytes(report.source.bytes)}${report.source.ms !== undefined ? `, ${ms(report.source.ms)}` : ''}`;
  const rows =
    report.copy.dataTables > 0
      ? l10n.t(', rows of {0} tables', report.copy.dataTables)
      : l10n.t(', no rows (schema only)');
  out.push(
    `- ${l10n.t('Schema from {0} ({1}), loaded into {2} in {3}: {4} statements{5}.', escapeMd(report.source.description), size, escapeMd(report.copy.engine), ms(report.copy.loadMs), report.copy.statements, rows)}`,
  );
  if (report.copy.realVersion) {
    out.push(`- ${l10n.t('The real database runs PostgreSQL {0}.', escapeMd(report.copy.realVersion))}`);
  }
  const skipped = Object.entries(report.copy.skipped).filter(([, n]) => n > 0);
  if (skipped.length > 0) {
    out.push(
      `- ${l10n.t('Not reproduced on the copy: {0} statement(s).', skipped.map(([reason, n]) => `${n} ${reason}`).join(', '))}`,
    );
  }
  const historySource =
    report.history.source === 'database'
      ? l10n.t('read from the real database')
      : report.history.source === 'dump'
        ? l10n.t('from the dump')
        : l10n.t('(none)');
  out.push(
    `- ${
      report.history.recorded === 1
        ? l10n.t(
            'History: 1 row of {0} {1}, {2} applied.',
            '`_prisma_migrations`',
            historySource,
            report.history.applied,
          )
        : l10n.t(
            'History: {0} rows of {1} {2}, {3} applied.',
            report.history.recorded,
            '`_prisma_migrations`',
            historySource,
            report.history.applied,
          )
    }`,
  );
  if (report.copy.missingExtensions.length > 0) {
    out.push(
      `- ${l10n.t('Extensions the copy cannot load: {0} — what uses them is missing from the copy.', report.copy.missingExtensions.map((e) => `\`${e}\``).join(', '))}`,
    );
  }
  for (const p of report.copy.problems.slice(0, 20)) {
    out.push(
      `- ${l10n.t('Dump line {0} did not load: {1} — {2}', p.line, escapeMd(p.message), `\`${escapeMd(p.statement)}\``)}`,
    );
  }
  if (report.copy.problems.length > 20) {
    out.push(`- ${l10n.t('… and {0} more dump statement(s) that did not load.', report.copy.problems.length - 20)}`);
  }
  for (const note of report.notes) out.push(`- ${escapeMd(note)}`);
  out.push('', `_${l10n.t('Rehearsed {0} in {1} by Prisma Drift Guard.', report.startedAt, ms(report.totalMs))}_`, '');
  return out.join('\n');
}

/** The report as plain text lines (the CLI without `--json`). */
export function rehearsalText(report: RehearsalReport, relative: (file: string) => string = (f) => f): string {
  const out: string[] = [rehearsalHeadline(report)];
  for (const blocker of report.blockers) out.push(`  ${l10n.t('BLOCKED: {0}', blocker)}`);
  for (const m of report.migrations) {
    const mark = m.status === 'passed' ? (m.warnings.length > 0 ? '⚠' : '✓') : m.status === 'failed' ? '✗' : '·';
    out.push(`${mark} ${m.name}${m.status === 'notRun' ? ` (${l10n.t('not run')})` : `  ${ms(m.ms)}`}`);
    const file = m.sqlPath ? relative(m.sqlPath) : 'migration.sql';
    if (m.error) {
      out.push(
        `    ${file}${m.error.line ? `:${m.error.line}` : ''}: ${m.error.message}${m.error.code ? ` [${m.error.code}]` : ''}`,
      );
    }
    for (const w of m.warnings) {
      out.push(
        `    ${w.line ? l10n.t('warning {0}: {1}', `${file}:${w.line}`, w.message) : l10n.t('warning: {0}', w.message)}`,
      );
    }
  }
  out.push(
    l10n.t(
      'Copy: {0}, {1} statements loaded into {2} in {3}{4}. Nothing was written to {5}.',
      report.source.description,
      report.copy.statements,
      report.copy.engine,
      ms(report.copy.loadMs),
      report.copy.problems.length ? l10n.t('; {0} dump statement(s) did not load', report.copy.problems.length) : '',
      report.target,
    ),
  );
  for (const note of report.notes) out.push(l10n.t('Note: {0}', note));
  return out.join('\n');
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function escapeMd(text: string): string {
  return text.replace(/([\\`*_[\]<>|])/g, '\\$1');
}
