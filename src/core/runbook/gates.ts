import * as l10n from '@vscode/l10n';
/**
 * The team's rules as checks on a step before it runs, and the backup bookkeeping they rely on:
 * - a `migrate deploy` on production is refused until a backup step succeeded on production in the same run;
 * - `db push`, `migrate reset` and `migrate dev` against production are refused outright;
 * - destructive steps (restore, reset, DROP, `rm -rf`, rewinding the deployed code) need a typed confirmation,
 *   and so does every write to production.
 * A backup's file name is pinned before it runs (`$(date +…)` becomes the time it ran), so the exact file and
 * the exact restore command can be shown afterwards.
 */
import { type StepClassification, type StepKind } from './classify';
import { type Runbook, type RunbookStep, type RunbookVariable, substituteVariables } from './parser';
import { dumpAllowsSingleTransaction, strictRestoreCommand } from './restoreSafety';
import { quoteShellArg } from '../remote/shellQuote';

export type EnvironmentKindName = 'production' | 'staging' | 'development';

// These describe a backup (kept in the run state): defined here, below the application layer that verifies them.
/** How a backup command dumps: what is needed to restore it elsewhere on the same server. */
export interface DumpRecipe {
  /** What runs before pg_dump (`docker exec -i nexus-postgres-db`), empty when nothing. */
  prefix: string;
  /** Connection options (`-h 127.0.0.1 -p 5432 -U app`). */
  conn: string[];
  database: string;
  format: 'plain' | 'custom' | 'directory';
  /** The dump creates and connects to its database itself (`-C`, `pg_dumpall`): it cannot go into a scratch database. */
  createsDatabase: boolean;
}

/** Tables with their exact row counts, and the applied migrations (`_prisma_migrations`, finished, not rolled back). */
export interface DatabaseCensus {
  tables: Record<string, number>;
  migrations: string[];
}

/** A backup that succeeded in the current run. */
export interface BackupRecord {
  stepId: string;
  /** Environment the backup was taken on (`local` for this machine). */
  environment: string;
  /** The file, as the command wrote it (after pinning). */
  path: string;
  /** Size in bytes when it could be read after the step. */
  sizeBytes?: number;
  /** The command that restores it. */
  restoreCommand?: string;
  /** ISO time the backup step ended. */
  at: string;
  /** sha256 (hex) of the file, computed where it was written. */
  sha256?: string;
  /** The restore of this backup into a scratch database, compared with the source (the production deploy gate needs it). */
  verification?: { status: 'verified' | 'failed'; summary: string; where?: string; differences?: string[] };
  /** How the dump reaches its database, and what a restore of it must give back. */
  recipe?: DumpRecipe;
  census?: DatabaseCensus;
}

export type GateRule =
  | 'backupBeforeDeploy'
  | 'rehearsalBeforeDeploy'
  | 'dbPushProduction'
  | 'resetProduction'
  | 'migrateDevProduction'
  | 'deployPlan';

/**
 * The number of the team's rule (strategie-migrations.md, "Règles") each gate enforces: 1 never `db push` in
 * production, only `migrate deploy`; 3 test the migration on a copy of the prod database before deploying;
 * 5 a backup before every `migrate deploy` in production. The deploy plan's gate is ours, not one of the team's
 * rules: it has no number.
 */
export const TEAM_RULE: Readonly<Partial<Record<GateRule, number>>> = {
  dbPushProduction: 1,
  resetProduction: 1,
  migrateDevProduction: 1,
  rehearsalBeforeDeploy: 3,
  backupBeforeDeploy: 5,
};

/** The team's rules whose gates apply to a step of `kinds` on an environment of `kind` (for the panel). */
export function teamRulesOf(kinds: readonly StepKind[], kind: EnvironmentKindName): number[] {
  if (kind !== 'production') return [];
  const rules = new Set<number>();
  if (kinds.includes('dbPush') || kinds.includes('migrateReset') || kinds.includes('migrateDev')) rules.add(1);
  if (kinds.includes('deploy')) [1, 3, 5].forEach((r) => rules.add(r));
  return [...rules].sort();
}

export type GateVerdict =
  | {
      verdict: 'allow';
      /** When set, the user must type `expected` before the step runs. */
      confirmation?: { expected: string; reason: string; destructive: boolean };
    }
  | { verdict: 'refuse'; rule: GateRule; message: string };

/** What a gate needs to know about where the step runs and what this run already did. */
export interface GateContext {
  /** Resolved environment name (`local` for this machine without an environment). */
  environment: string;
  kind: EnvironmentKindName;
  /** Backups that succeeded in this run. */
  backups: readonly BackupRecord[];
  /**
   * Rule 3 for a deploy to production: whether a passing rehearsal of the same pending migrations was recorded
   * (see `rehearsalGate` in core/app/rehearsals). Undefined: not checked (the caller checks it when running).
   */
  rehearsal?: { ok: boolean; message: string };
}

const WRITES: readonly StepKind[] = [
  'deploy',
  'dbPush',
  'migrateReset',
  'migrateDev',
  'migrateResolve',
  'restore',
  'sqlDrop',
];

/** Decides whether `step` may run in `context`, and which confirmation it needs. */
export function evaluateGates(classification: StepClassification, context: GateContext): GateVerdict {
  const kinds = classification.kinds;
  if (context.kind === 'production') {
    if (kinds.includes('dbPush')) {
      return {
        verdict: 'refuse',
        rule: 'dbPushProduction',
        message: l10n.t(
          'db push is never run against production ({0}): it changes the schema without a migration. Create a migration with migrate dev and deploy it with migrate deploy.',
          context.environment,
        ),
      };
    }
    if (kinds.includes('migrateReset')) {
      return {
        verdict: 'refuse',
        rule: 'resetProduction',
        message: l10n.t(
          'migrate reset is never run against production ({0}): it drops every table and all data.',
          context.environment,
        ),
      };
    }
    if (kinds.includes('migrateDev')) {
      return {
        verdict: 'refuse',
        rule: 'migrateDevProduction',
        message: l10n.t(
          'migrate dev is never run against production ({0}): it may ask to reset the database. Use migrate deploy.',
          context.environment,
        ),
      };
    }
    if (
      kinds.includes('deploy') &&
      !context.backups.some((b) => b.environment === context.environment && b.verification?.status === 'verified')
    ) {
      const unverified = [...context.backups].reverse().find((b) => b.environment === context.environment);
      return {
        verdict: 'refuse',
        rule: 'backupBeforeDeploy',
        message: unverified
          ? l10n.t(
              'The backup of {0} taken in this run is not verified — {1} A production deploy needs a backup restored and compared with the source (rule: backup before every migrate deploy in production).',
              context.environment,
              unverified.verification?.summary ?? l10n.t('its restore was not checked.'),
            )
          : l10n.t(
              'No backup of {0} succeeded in this run: run the backup step first (rule: backup before every migrate deploy in production).',
              context.environment,
            ),
      };
    }
    if (kinds.includes('deploy') && context.rehearsal && !context.rehearsal.ok) {
      return { verdict: 'refuse', rule: 'rehearsalBeforeDeploy', message: context.rehearsal.message };
    }
  }
  const writes = context.kind === 'production' && kinds.some((k) => WRITES.includes(k));
  if (classification.destructive || writes) {
    const reasons = [
      classification.destructiveReason,
      writes ? l10n.t('writes to the production database {0}', context.environment) : undefined,
    ].filter((r): r is string => !!r);
    return {
      verdict: 'allow',
      confirmation: {
        expected: context.environment,
        reason: reasons.join('; '),
        destructive: classification.destructive,
      },
    };
  }
  return { verdict: 'allow' };
}

// ── Backups ─────────────────────────────────────────────────────────────────────────────────────────

const DATE_SUBSTITUTION = /\$\(\s*date\s+(['"]?)\+([^'")`]*)\1\s*\)|`\s*date\s+(['"]?)\+([^'"`]*)\3\s*`/g;

/** strftime for the few conversions backup names use (`%Y %m %d %H %M %S %F %T %s %y %j %%`). */
export function formatDate(format: string, date: Date): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const start = new Date(date.getFullYear(), 0, 1);
  const day = Math.floor((date.getTime() - start.getTime()) / 86_400_000) + 1;
  return format.replace(/%([YmdHMSFTsyj%])/g, (_, c: string) => {
    switch (c) {
      case 'Y':
        return String(date.getFullYear());
      case 'y':
        return pad(date.getFullYear() % 100);
      case 'm':
        return pad(date.getMonth() + 1);
      case 'd':
        return pad(date.getDate());
      case 'H':
        return pad(date.getHours());
      case 'M':
        return pad(date.getMinutes());
      case 'S':
        return pad(date.getSeconds());
      case 'F':
        return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
      case 'T':
        return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
      case 's':
        return String(Math.floor(date.getTime() / 1000));
      case 'j':
        return pad(day, 3);
      default:
        return '%';
    }
  });
}

/**
 * A backup command with its file name fixed before it runs: each `$(date +FORMAT)` becomes the formatted time,
 * so the path written is known exactly. `backupPath` is undefined when the command names no file (`pg_dump`
 * to stdout) or still expands something (`$HOME`) we cannot know.
 */
export function pinBackupCommand(
  command: string,
  classification: StepClassification,
  now: Date,
): { command: string; backupPath?: string; literal: boolean } {
  if (!classification.kinds.includes('backup')) return { command, literal: false };
  const pin = (text: string): string =>
    text.replace(DATE_SUBSTITUTION, (_m, _q1, f1: string | undefined, _q3, f3: string | undefined) =>
      formatDate(f1 ?? f3 ?? '', now),
    );
  const pinned = pin(command);
  if (classification.backupPath === undefined) return { command: pinned, literal: false };
  const backupPath = pin(classification.backupPath);
  return { command: pinned, backupPath, literal: !/[$`*?]/.test(backupPath) };
}

/** A shell word for `path` that keeps a leading `~/` expandable. */
export function shellPath(path: string): string {
  if (path.startsWith('~/')) return `~/${quoteShellArg(path.slice(2))}`;
  return quoteShellArg(path);
}

/** A command printing the size in bytes of `path` (for checking a backup is not empty). */
export function sizeCommand(path: string): string {
  return `wc -c < ${shellPath(path)}`;
}

/**
 * The command restoring `backupPath`: the runbook's own restore step when its file pattern matches (with the
 * variables it implies, e.g. `YYYYMMDD_HHMMSS` = `20260217_104205`), else one derived from the pg_dump command.
 * Its psql stops at the first error (`-v ON_ERROR_STOP=1`), in one transaction when the dump allows it.
 */
export function restoreCommandFor(
  backupCommand: string,
  backupPath: string,
  runbook: Pick<Runbook, 'sections' | 'variables'>,
  values: Readonly<Record<string, string>> = {},
  /** Only restore steps it accepts (e.g. those on the backup's environment); none accepted → derived. */
  accept: (step: RunbookStep) => boolean = () => true,
): { command: string; stepId?: string; bindings: Record<string, string> } | undefined {
  for (const step of runbook.sections.flatMap((s) => s.steps)) {
    const restorePath = step.classification.restorePath;
    if (!step.classification.kinds.includes('restore') || restorePath === undefined || !accept(step)) continue;
    const bindings = matchPathPattern(restorePath, backupPath, runbook.variables, values);
    if (!bindings) continue;
    const command = strictRestoreCommand(
      substituteVariables(step.command, runbook.variables, { ...values, ...bindings }),
      dumpAllowsSingleTransaction(backupCommand),
    );
    return { command, stepId: step.id, bindings };
  }
  const derived = deriveRestoreCommand(backupCommand, backupPath);
  return derived ? { command: derived, bindings: {} } : undefined;
}

/** Matches `pattern` (a restore path with variables) against a real path; returns the variables' values. */
export function matchPathPattern(
  pattern: string,
  path: string,
  variables: readonly RunbookVariable[],
  values: Readonly<Record<string, string>> = {},
): Record<string, string> | undefined {
  type Part = { literal: string } | { variable: RunbookVariable };
  let parts: Part[] = [{ literal: pattern }];
  for (const v of variables) {
    const tokens = v.kind === 'assignment' ? [`\${${v.name}}`, `$${v.name}`] : [v.token];
    for (const token of tokens) {
      parts = parts.flatMap((p): Part[] => {
        if (!('literal' in p) || !p.literal.includes(token)) return [p];
        const pieces = p.literal.split(token);
        return pieces.flatMap((piece, i): Part[] =>
          i === 0 ? [{ literal: piece }] : [{ variable: v }, { literal: piece }],
        );
      });
    }
  }
  const names: string[] = [];
  const source = parts
    .map((p) => {
      if ('literal' in p) return p.literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const known = values[p.variable.name];
      if (known !== undefined) return known.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(p.variable.name);
      return p.variable.kind === 'date'
        ? `(${p.variable.token.replace(/[YMDHS]/g, '\\d').replace(/[-_:T]/g, (c) => `\\${c}`)})`
        : '([^/]+?)';
    })
    .join('');
  const m = new RegExp(`^${source}$`).exec(path);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  names.forEach((name, i) => {
    if (out[name] === undefined) out[name] = m[i + 1];
  });
  return out;
}

/**
 * `[docker exec C] pg_dump [conn] DB > FILE` → `[docker exec -i C] psql -v ON_ERROR_STOP=1 --single-transaction
 * [conn] -d DB < FILE` (plain SQL; not one transaction for a `-C` dump), or `pg_restore --clean --if-exists
 * --single-transaction [conn] -d DB` for custom/tar dumps. Undefined when it cannot tell.
 */
export function deriveRestoreCommand(backupCommand: string, backupPath: string): string | undefined {
  const text = backupCommand.replace(/\\\n/g, ' ');
  const at = /\bpg_dump\b/.exec(text);
  if (!at) return undefined;
  let prefix = text.slice(0, at.index).trim();
  const rest = text.slice(at.index + 'pg_dump'.length).split(/\s(?:>|-f|--file[=\s])/)[0];
  const words = rest.trim().split(/\s+/).filter(Boolean);
  const conn: string[] = [];
  let database: string | undefined;
  let custom = false;
  let create = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (/^-[hpU]$/.test(w) && words[i + 1]) {
      conn.push(w, words[++i]);
    } else if (/^--(?:host|port|username)=/.test(w) || /^-[hpU]\S+$/.test(w)) {
      conn.push(w);
    } else if (w === '-d' || w === '--dbname') {
      database = words[++i];
    } else if (/^--dbname=/.test(w)) {
      database = w.slice('--dbname='.length);
    } else if (
      /^-F[ctd]$|^--format=(?:c|custom|t|tar|d|directory)$/.test(w) ||
      (w === '-F' && /^[ctd]/.test(words[i + 1] ?? ''))
    ) {
      custom = true;
      if (w === '-F') i++;
    } else if (/^-Fp$|^--format=(?:p|plain)$/.test(w)) {
      custom = false;
    } else if (w === '-C' || w === '--create') {
      create = true;
    } else if (!w.startsWith('-')) {
      database = w;
    }
  }
  if (!database) return undefined;
  prefix = prefix.replace(/\bdocker\s+exec\s+(?!-i\b|-it\b|-ti\b)/, 'docker exec -i ');
  const single = create && !custom ? [] : ['--single-transaction'];
  const tool = custom
    ? ['pg_restore', '--clean', '--if-exists', ...single, ...conn, '-d', database]
    : ['psql', '-v', 'ON_ERROR_STOP=1', ...single, ...conn, '-d', database];
  return `${prefix ? `${prefix} ` : ''}${tool.join(' ')} < ${shellPath(backupPath)}`;
}
