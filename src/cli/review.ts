/**
 * `drift-guard review`: the rules of src/core/review over the pending migrations, printed as text, JSON, a markdown
 * review comment, SARIF 2.1.0 or GitHub workflow commands. Argument parsing and printing only; main.ts hands over
 * the project selection and database opening it shares with the other commands.
 */
import * as l10n from '@vscode/l10n';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { type CiFinding, toGithubCommands, toSarif } from '../core/app/ciReport';
import { type OpenedEnvironment } from '../core/app/environments';
import { DEFAULT_ENGINE_TIMEOUTS } from '../core/engine/timeouts';
import { repositoryRoot } from '../core/guards/git';
import { type PrismaProject } from '../core/project/types';
import { readRealDatabase } from '../core/rehearsal/rehearse';
import { rowEstimateText } from '../core/rehearsal/catalog';
import { atOrAbove, type ReviewFinding, reviewRules, type ReviewSeverity } from '../core/review/reviewFindings';
import { type PendingSplit, pendingFromGit, pendingFromRecords, readLocalMigrations } from '../core/review/pending';
import { type ReviewReport, reviewMarkdown, reviewText } from '../core/review/reviewReport';
import { reviewMigrations } from '../core/review/rules';
import { displayPath } from './format';

/** What `review` borrows from main.ts (shared with the other commands). */
export interface ReviewCommandContext {
  out: (s: string) => void;
  cwd: string;
  version: string;
  /** A usage error (exit 2, one line). */
  usage: (message: string) => Error;
  selectProject: (values: { project?: string; schema?: string; migrations?: string }) => Promise<PrismaProject>;
  openDatabase: (project: PrismaProject, values: { url?: string; env?: string }) => Promise<OpenedEnvironment>;
}

const FORMATS = ['text', 'json', 'markdown', 'sarif', 'github'] as const;
const LEVELS = ['warning', 'error'] as const;

/** `drift-guard review`: 0 when nothing is at or above --fail-on, 1 otherwise (errors throw: exit 2). */
export async function cmdReview(argv: string[], ctx: ReviewCommandContext): Promise<number> {
  let values: {
    project?: string;
    schema?: string;
    migrations?: string;
    url?: string;
    env?: string;
    format?: string;
    'fail-on'?: string;
    json?: boolean;
  };
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        project: { type: 'string' },
        schema: { type: 'string' },
        migrations: { type: 'string' },
        url: { type: 'string' },
        env: { type: 'string' },
        format: { type: 'string' },
        'fail-on': { type: 'string' },
        json: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    throw ctx.usage(l10n.t('{0}. Run drift-guard --help.', (err as Error).message.replace(/\. To specify.*$/s, '')));
  }
  const format = values.format ?? (values.json ? 'json' : 'text');
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw ctx.usage(l10n.t('--format {0}: expected one of {1}.', format, FORMATS.join(', ')));
  }
  const failOn = values['fail-on'] ?? 'error';
  if (!(LEVELS as readonly string[]).includes(failOn)) {
    throw ctx.usage(l10n.t('--fail-on {0}: expected one of {1}.', failOn, LEVELS.join(', ')));
  }

  const project = await ctx.selectProject(values);
  const local = await readLocalMigrations(project.migrations);
  let split: PendingSplit;
  // `table` → its qualified name on the database (the key of the rehearsal's row estimates) and its estimate.
  let rows: ((table: string) => { key: string; n: number | undefined }) | undefined;
  if (values.url || values.env) {
    const db = await ctx.openDatabase(project, values);
    try {
      const facts = await readRealDatabase(db.url, DEFAULT_ENGINE_TIMEOUTS.connectMs);
      split = pendingFromRecords(local, facts.records, values.env ?? db.label);
      rows = (table) => {
        const key = table.includes('.') ? table : `${facts.schema}.${table}`;
        return { key, n: facts.rows[key] };
      };
    } finally {
      await db.close();
    }
  } else {
    split = await pendingFromGit(project.migrationsDir, local);
  }

  const findings = reviewMigrations(split).map((f): ReviewFinding => {
    const estimate = f.table !== undefined && rows ? rows(f.table) : undefined;
    if (estimate?.n === undefined) return f;
    // As the rehearsal says it: the table's size is what turns a warning into an incident.
    return {
      ...f,
      rows: estimate.n,
      message: `${f.message.replace(/\.$/, '')}${rowEstimateText(estimate.key, estimate.n)}.`,
    };
  });
  const report: ReviewReport = { basis: split.basis, pending: split.pending.map((m) => m.name), findings };
  const relative = (file: string): string => displayPath(file, ctx.cwd);
  const root = (await repositoryRoot(project.root)) ?? project.root;
  if (format === 'json') {
    ctx.out(JSON.stringify({ ...report, findings: findings.map((f) => ({ ...f, file: relative(f.file) })) }, null, 2));
  } else if (format === 'markdown') {
    ctx.out(reviewMarkdown(report, (file) => path.relative(root, file).split(path.sep).join('/')));
  } else if (format === 'sarif') {
    const rules = reviewRules().map((r) => ({ id: r.id, shortDescription: r.summary }));
    ctx.out(JSON.stringify(toSarif(ciFindings(findings), { root, version: ctx.version, rules }), null, 2));
  } else if (format === 'github') {
    const commands = toGithubCommands(ciFindings(findings), root);
    ctx.out(commands.length > 0 ? commands.join('\n') : reviewText(report, relative));
  } else {
    ctx.out(reviewText(report, relative));
  }
  return atOrAbove(findings, failOn as ReviewSeverity).length > 0 ? 1 : 0;
}

function ciFindings(findings: readonly ReviewFinding[]): CiFinding[] {
  return findings.map((f) => ({
    ruleId: f.rule,
    level: f.severity,
    title: f.migration,
    message: `${f.message} ${l10n.t('Safe rewrite: {0}', f.fix)}`,
    file: f.file,
    line: f.line,
    column: f.character,
  }));
}
