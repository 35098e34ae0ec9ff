/**
 * The result of a deploy rehearsal as plain data (it crosses the engine worker's process boundary),
 * and its two renderings: markdown for the extension's report and plain text for the CLI.
 */
import { type RehearsalWarning } from './catalog';

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
  if (report.migrations.length === 0) return 'No pending migration: migrate deploy would do nothing.';
  const parts = [`${passed} of ${report.migrations.length} pending migration${report.migrations.length === 1 ? '' : 's'} passed`];
  if (failed) parts.push(`${failed} failed`);
  if (report.warningCount) parts.push(`${report.warningCount} warning${report.warningCount === 1 ? '' : 's'}`);
  return `${parts.join(', ')}.`;
}

/** One-line outcome, for notifications and the CLI's first line. */
export function rehearsalHeadline(report: RehearsalReport): string {
  const verdict = report.ok ? (report.warningCount > 0 ? 'passed with warnings' : 'passed') : 'FAILED';
  return `Deploy rehearsal on a copy of ${report.target}: ${verdict} — ${summary(report)}`;
}

/** The report as a markdown document (the extension opens it in a preview). */
export function rehearsalMarkdown(report: RehearsalReport, relative: (file: string) => string = (f) => f): string {
  const out: string[] = [];
  out.push(`# Deploy rehearsal on a copy of ${escapeMd(report.target)}`, '');
  out.push(`**${report.ok ? (report.warningCount > 0 ? '⚠ Passed with warnings' : '✓ Passed') : '✗ Failed'}** — ${escapeMd(summary(report))}`, '');
  out.push(`Nothing was written to ${escapeMd(report.target)}: its schema was copied into an embedded PostgreSQL and the migrations ran there.`, '');
  for (const blocker of report.blockers) out.push(`> **Blocked:** ${escapeMd(blocker)}`, '');
  if (report.migrations.length > 0) {
    out.push('| # | Migration | Result | Time |', '|---|---|---|---|');
    report.migrations.forEach((m, i) => {
      const result = m.status === 'passed' ? (m.warnings.length > 0 ? `⚠ passed, ${m.warnings.length} warning${m.warnings.length === 1 ? '' : 's'}` : '✓ passed') : m.status === 'failed' ? '✗ **failed**' : 'not run';
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
      out.push(`**PostgreSQL error**${m.error.code ? ` \`${m.error.code}\`` : ''} at \`${where}\`:`, '', '```text', m.error.message, ...(m.error.detail ? [`DETAIL: ${m.error.detail}`] : []), ...(m.error.hint ? [`HINT: ${m.error.hint}`] : []), '```', '');
    }
    for (const w of m.warnings) out.push(`- ⚠ ${escapeMd(w.message)}${w.line ? ` (\`${file ?? 'migration.sql'}:${w.line}\`)` : ''}`);
    if (m.warnings.length > 0) out.push('');
  }
  out.push('## The copy', '');
  out.push(`- Schema from ${escapeMd(report.source.description)} (${formatBytes(report.source.bytes)}${report.source.ms !== undefined ? `, ${ms(report.source.ms)}` : ''}), loaded into ${escapeMd(report.copy.engine)} in ${ms(report.copy.loadMs)}: ${report.copy.statements} statements${report.copy.dataTables > 0 ? `, rows of ${report.copy.dataTables} tables` : ', no rows (schema only)'}.`);
  if (report.copy.realVersion) out.push(`- The real database runs PostgreSQL ${escapeMd(report.copy.realVersion)}.`);
  const skipped = Object.entries(report.copy.skipped).filter(([, n]) => n > 0);
  if (skipped.length > 0) out.push(`- Not reproduced on the copy: ${skipped.map(([reason, n]) => `${n} ${reason}`).join(', ')} statement(s).`);
  out.push(`- History: ${report.history.recorded} ${report.history.recorded === 1 ? 'row' : 'rows'} of \`_prisma_migrations\` ${report.history.source === 'database' ? 'read from the real database' : report.history.source === 'dump' ? 'from the dump' : '(none)'}, ${report.history.applied} applied.`);
  if (report.copy.missingExtensions.length > 0) out.push(`- Extensions the copy cannot load: ${report.copy.missingExtensions.map((e) => `\`${e}\``).join(', ')} — what uses them is missing from the copy.`);
  for (const p of report.copy.problems.slice(0, 20)) out.push(`- Dump line ${p.line} did not load: ${escapeMd(p.message)} — \`${escapeMd(p.statement)}\``);
  if (report.copy.problems.length > 20) out.push(`- … and ${report.copy.problems.length - 20} more dump statement(s) that did not load.`);
  for (const note of report.notes) out.push(`- ${escapeMd(note)}`);
  out.push('', `_Rehearsed ${report.startedAt} in ${ms(report.totalMs)} by Prisma Drift Guard._`, '');
  return out.join('\n');
}

/** The report as plain text lines (the CLI without `--json`). */
export function rehearsalText(report: RehearsalReport, relative: (file: string) => string = (f) => f): string {
  const out: string[] = [rehearsalHeadline(report)];
  for (const blocker of report.blockers) out.push(`  BLOCKED: ${blocker}`);
  for (const m of report.migrations) {
    const mark = m.status === 'passed' ? (m.warnings.length > 0 ? '⚠' : '✓') : m.status === 'failed' ? '✗' : '·';
    out.push(`${mark} ${m.name}${m.status === 'notRun' ? ' (not run)' : `  ${ms(m.ms)}`}`);
    const file = m.sqlPath ? relative(m.sqlPath) : 'migration.sql';
    if (m.error) out.push(`    ${file}${m.error.line ? `:${m.error.line}` : ''}: ${m.error.message}${m.error.code ? ` [${m.error.code}]` : ''}`);
    for (const w of m.warnings) out.push(`    warning${w.line ? ` ${file}:${w.line}` : ''}: ${w.message}`);
  }
  out.push(
    `Copy: ${report.source.description}, ${report.copy.statements} statements loaded into ${report.copy.engine} in ${ms(report.copy.loadMs)}${report.copy.problems.length ? `; ${report.copy.problems.length} dump statement(s) did not load` : ''}. Nothing was written to ${report.target}.`,
  );
  for (const note of report.notes) out.push(`Note: ${note}`);
  return out.join('\n');
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function escapeMd(text: string): string {
  return text.replace(/([\\`*_[\]<>|])/g, '\\$1');
}
