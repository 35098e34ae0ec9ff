import { randomBytes } from 'node:crypto';
import * as l10n from '@vscode/l10n';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type DriftItem, driftItemKey } from '../drift/diffItems';
import { compareMigrationNames } from '../project/migrationOrder';
import { type PrismaProject } from '../project/types';
import { type DriftReport } from '../drift/driftReport';
import { engineFixedPoints, withoutStatements } from '../engine/engineFixedPoints';
import { EngineError, isEngineError } from '../engine/engineError';
import { type BaselineOptions, type BaselineResult } from './engineApi';

/**
 * Baselines follow one rule: nothing unverified is ever left in the migrations folder. The SQL is
 * written as a draft in `<project>/.drift-guard/drafts/<name>/migration.sql` (a folder git ignores),
 * applied after the migrations on the shadow database and diffed against the schema; only a draft
 * that applies and reproduces the schema exactly is moved into the migrations folder. A draft that
 * fails or does not match stays where it is, and the error says what failed, where, and what to edit.
 */

/** Where drafts live, relative to the project root. */
export const DRAFTS_FOLDER = path.join('.drift-guard', 'drafts');

const DRAFTS_GITIGNORE = '# Baseline drafts of Prisma Drift Guard: not verified, never committed.\n*\n';

/** Schema vs migrations on the shadow (the session's `diffMigrationsToSchema(…, { forWriting: true })`). */
export type SchemaDiff = (project: PrismaProject) => Promise<DriftReport>;

/**
 * `baseline` (and `migrate`, the same machinery): drafts what the migrations lack (or takes the draft
 * `options.from`), verifies it on the shadow and installs it as `<migrations>/<name>/migration.sql`. Throws
 * `refused` (draft kept, migrations untouched) when the draft fails on the shadow or does not reproduce the schema.
 *
 * With `options.only`, the draft holds only those items of the diff, and is verified to apply on the shadow and
 * to leave exactly the other items still to do (a partial draft that fails is removed: it cannot be retried alone).
 */
export async function createBaseline(
  project: PrismaProject,
  options: BaselineOptions,
  diff: SchemaDiff,
): Promise<BaselineResult> {
  const word = options.kind === 'migration' ? 'migration' : 'baseline';
  const fromFile = options.from ? path.resolve(project.root, options.from) : undefined;
  if (fromFile && options.only) {
    throw new EngineError({
      code: 'invalid-argument',
      message: l10n.t(
        'A draft ({0}) is installed whole: it cannot be limited to some changes.',
        relative(project, fromFile),
      ),
    });
  }
  const draftSql = fromFile ? await readDraft(fromFile) : undefined;
  const report = await diff(project);
  const only = options.only ? new Set(options.only) : undefined;
  const selected = only ? report.items.filter((i) => only.has(driftItemKey(i))) : report.items;
  const rest = only ? report.items.filter((i) => !only.has(driftItemKey(i))) : [];
  if (report.empty || selected.length === 0) {
    const kept = fromFile ? l10n.t(' The draft {0} was not installed.', relative(project, fromFile)) : '';
    const why = report.empty
      ? l10n.t('the migrations already produce the schema')
      : l10n.t('the migrations already make the selected changes');
    const message =
      word === 'migration'
        ? l10n.t('Nothing to migrate: {0}. No folder was written.{1}', why, kept)
        : l10n.t('Nothing to baseline: {0}. No folder was written.{1}', why, kept);
    return { created: false, script: '', items: [], verified: true, message };
  }
  if (word === 'migration' && !options.name && !(fromFile && draftName(fromFile))) {
    throw new EngineError({
      code: 'invalid-argument',
      message: l10n.t(
        'A migration needs a name (--name): it is all a reviewer, a deploy log and _prisma_migrations show.',
      ),
    });
  }
  const partial = rest.length > 0 ? { rest } : undefined;
  const name = fromFile && !options.name ? (draftName(fromFile) ?? newName(options)) : newName(options);
  const target = path.join(project.migrationsDir, name);
  if (existsSync(target)) {
    throw new EngineError({
      code: 'already-exists',
      message: l10n.t('Migration folder {0} already exists: nothing was overwritten.', target),
    });
  }
  let sql = draftSql ?? (partial ? scriptOf(selected) : report.script);
  let items = selected;
  let leftOut = '';
  const draftPath = fromFile ?? (await writeDraft(project.root, name, sql));
  const verify = { project, name, word, draftPath, diff, rest } as const;
  // Statements the engine asks for again once applied (engineFixedPoints.ts): left out of a drafted baseline, said.
  const fixedPoints = await verifyDraft(verify, sql, fromFile ? undefined : selected);
  if (fixedPoints) {
    sql = withoutStatements(sql, fixedPoints);
    items = selected.filter((i) => !fixedPoints.includes(i.sql.replace(/\s+/g, ' ').trim()));
    leftOut = l10n.t(
      ' Left out: {0} — the engine reports this again however often it is applied (an index it reads back differently from how it renders it, such as a non-default operator class: prisma/prisma#16275); `check` keeps listing it.',
      fixedPoints.join(' '),
    );
    if (sql === '') {
      await rm(path.dirname(draftPath), { recursive: true, force: true });
      return {
        created: false,
        script: '',
        items: [],
        verified: true,
        leftOut: fixedPoints,
        message:
          word === 'migration'
            ? l10n.t('Nothing to migrate: no folder was written.{0}', leftOut)
            : l10n.t('Nothing to baseline: no folder was written.{0}', leftOut),
      };
    }
    await writeFile(draftPath, sql);
    await verifyDraft(verify, sql, undefined, fixedPoints);
  }

  const later = project.migrations.filter((m) => compareMigrationNames(m.name, name) >= 0).map((m) => m.name);
  await writeFolderAtomically(project.migrationsDir, name, sql);
  const sqlPath = path.join(target, 'migration.sql');
  // The draft is now in the migrations folder: its copy in drafts/ goes (a file given from elsewhere stays).
  if (isInDrafts(project.root, draftPath)) await rm(path.dirname(draftPath), { recursive: true, force: true });
  const orderNote =
    later.length > 0 ? l10n.t(' Warning: it sorts before {0} — check the migration order.', later.join(', ')) : '';
  return {
    created: true,
    migrationName: name,
    sqlPath,
    script: sql,
    items,
    verified: true,
    ...(fixedPoints ? { leftOut: fixedPoints } : {}),
    message: partial
      ? l10n.t(
          'Created {0} with {1}, verified on the shadow database; {2} stay for another migration.{3}',
          relative(project, sqlPath),
          statements(items.length),
          statements(rest.length),
          `${leftOut}${orderNote}`,
        )
      : word === 'migration'
        ? l10n.t(
            'Created {0} with {1}; migrations + this migration now match the schema.{2}',
            relative(project, sqlPath),
            statements(items.length),
            `${leftOut}${orderNote}`,
          )
        : l10n.t(
            'Created {0} with {1}; migrations + baseline now match the schema.{2}',
            relative(project, sqlPath),
            statements(items.length),
            `${leftOut}${orderNote}`,
          ),
  };
}

/**
 * Applies migrations + draft on the shadow and diffs against the schema; throws `refused` unless both succeed.
 * `drafted` (the items of a draft we wrote): when every remaining statement is one of them, those statements are
 * returned (the engine asks for them again once applied). `tolerated`: remaining statements accepted as such.
 */
interface DraftToVerify {
  project: PrismaProject;
  name: string;
  /** `baseline` or `migration`, in messages. */
  word: string;
  draftPath: string;
  diff: SchemaDiff;
  /** Items deliberately left out of a partial draft: they must be exactly what remains after it. */
  rest: readonly DriftItem[];
}

/** `remaining` without one item per `expected` item (same key); and the expected ones not found there. */
function subtractExpected(
  remaining: readonly DriftItem[],
  expected: readonly DriftItem[],
): { extra: DriftItem[]; gone: DriftItem[] } {
  const extra = [...remaining];
  const gone: DriftItem[] = [];
  for (const item of expected) {
    const at = extra.findIndex((i) => driftItemKey(i) === driftItemKey(item));
    if (at >= 0) extra.splice(at, 1);
    else gone.push(item);
  }
  return { extra, gone };
}

async function verifyDraft(
  draft: DraftToVerify,
  sql: string,
  drafted?: readonly DriftItem[],
  tolerated?: readonly string[],
): Promise<string[] | undefined> {
  const { project, name, word, draftPath, diff, rest } = draft;
  const partial = rest.length > 0;
  const withDraft: PrismaProject = {
    ...project,
    migrations: [
      ...project.migrations.filter((m) => m.name !== name),
      { name, dir: path.dirname(draftPath), sqlPath: draftPath, hasSql: true },
    ],
  };
  // A partial draft cannot be installed later with --from (it does not reproduce the schema alone): it goes.
  const refuse = async (data: ConstructorParameters<typeof EngineError>[0]): Promise<never> => {
    if (partial && isInDrafts(project.root, draftPath)) {
      await rm(path.dirname(draftPath), { recursive: true, force: true });
    }
    throw new EngineError(data);
  };
  const isMigration = word === 'migration';
  const kept = partial
    ? l10n.t('Nothing was written to {0}.', relative(project, project.migrationsDir))
    : l10n.t(
        'Nothing was written to {0}; the draft was kept at {1}.',
        relative(project, project.migrationsDir),
        relative(project, draftPath),
      );
  const retry = partial
    ? isMigration
      ? l10n.t('or create the migration for every change at once.')
      : l10n.t('or create the baseline for every change at once.')
    : isMigration
      ? l10n.t('then run: {0}.', `drift-guard migrate --from ${relative(project, draftPath)}`)
      : l10n.t(
          'then run: {0} (in the editor: Create Baseline from Draft…).',
          `drift-guard baseline --from ${relative(project, draftPath)}`,
        );
  const what = partial
    ? isMigration
      ? l10n.t('The migration with only the selected changes')
      : l10n.t('The baseline with only the selected changes')
    : isMigration
      ? l10n.t('The migration')
      : l10n.t('The baseline');
  let check: DriftReport;
  try {
    check = await diff(withDraft);
  } catch (error) {
    if (!isEngineError(error) || error.code !== 'migration-failed' || error.migration !== name) throw error;
    const line = error.location?.line ?? 1;
    const statement = (sql.split('\n')[line - 1] ?? '').trim().slice(0, 120);
    // The shadow failure without its "Migration … failed on the shadow database (line N): " frame (migrationFailure in
    // engineSession.ts), in whichever language it was written.
    const frames = [l10n.t(' (line {0})', line), ''].map((where) =>
      l10n.t('Migration {0} failed on the shadow database{1}: {2}', name, where, ''),
    );
    const frame = frames.find((f) => error.message.startsWith(f));
    const reason = frame ? error.message.slice(frame.length) : error.message;
    const hint = partial ? l10n.t('It needs a change that was not selected: select that change too') : editHint(reason);
    return refuse({
      code: 'refused',
      migration: name,
      ...(partial ? {} : { location: { file: draftPath, line, character: 1 } }),
      message: statement
        ? l10n.t(
            '{0} failed on the shadow database at line {1} ({2}): {3}. {4} {5}, {6}',
            what,
            line,
            statement,
            reason,
            kept,
            hint,
            retry,
          )
        : l10n.t(
            '{0} failed on the shadow database at line {1}: {2}. {3} {4}, {5}',
            what,
            line,
            reason,
            kept,
            hint,
            retry,
          ),
      ...(error.detail ? { detail: error.detail } : {}),
    });
  }
  const { extra, gone } = subtractExpected(check.items, rest);
  if (extra.length > 0 || gone.length > 0) {
    if (
      gone.length === 0 &&
      tolerated &&
      engineFixedPoints(
        tolerated.map((s) => ({ sql: s })),
        extra,
      )
    ) {
      return undefined;
    }
    const fixed = gone.length === 0 && drafted ? engineFixedPoints(drafted, extra) : undefined;
    if (fixed) return fixed;
    const listed = (items: readonly DriftItem[]): string => {
      const shown = items.slice(0, 5).map(describeItem);
      return items.length > shown.length
        ? l10n.t('{0}, and {1} more', shown.join('; '), items.length - shown.length)
        : shown.join('; ');
    };
    if (partial) {
      const parts = [
        ...(extra.length > 0
          ? [l10n.t('{0} difference(s) remain that were not left out ({1})', extra.length, listed(extra))]
          : []),
        ...(gone.length > 0
          ? [l10n.t('it also made {0} change(s) that were not selected ({1})', gone.length, listed(gone))]
          : []),
      ];
      return refuse({
        code: 'refused',
        migration: name,
        message: l10n.t(
          '{0} applies on the shadow database but does not stand alone: {1}. {2} Select the changes it depends on too, {3}',
          what,
          parts.join('; '),
          kept,
          retry,
        ),
      });
    }
    return refuse({
      code: 'refused',
      migration: name,
      location: { file: draftPath, line: 1, character: 1 },
      message: l10n.t(
        '{0} did not reproduce the schema: {1} difference(s) remain after it ({2}). {3} Edit it so that the migrations and the draft produce the schema exactly, {4}',
        what,
        extra.length,
        listed(extra),
        kept,
        retry,
      ),
    });
  }
  return undefined;
}

/** The SQL of some items of a diff, in the diff's order, each statement once (an enum recreation serves several items). */
function scriptOf(items: readonly DriftItem[]): string {
  const statements = [...new Set(items.map((i) => i.sql.trim()).filter(Boolean))];
  return `${statements.join('\n\n')}\n`;
}

/** What to change in the draft, from PostgreSQL's error (its SQLSTATE, when the message ends with one). */
function editHint(reason: string): string {
  const code = /\[(\w{5})\]$/.exec(reason)?.[1];
  switch (code) {
    case '23502':
      return l10n.t(
        'Edit the draft: give the new required column a DEFAULT, or add it nullable, fill it with an UPDATE and then SET NOT NULL',
      );
    case '23505':
      return l10n.t('Edit the draft: merge or delete the duplicate rows (an UPDATE or DELETE before the unique index)');
    case '23503':
      return l10n.t('Edit the draft: fix or delete the rows that point nowhere (before the foreign key)');
    case '23514':
    case '23P01':
      return l10n.t('Edit the draft: fix the rows that break the constraint (before adding it)');
    default:
      return l10n.t('Edit the statement at that line of the draft');
  }
}

function describeItem(item: DriftItem): string {
  const target = item.column
    ? `${item.table}.${item.column}`
    : item.value
      ? `${item.enum}.${item.value}`
      : (item.name ?? item.table ?? item.enum ?? '');
  const sql = item.sql ? `: ${item.sql.replace(/\s+/g, ' ').trim().slice(0, 160)}` : '';
  return `${`${item.change} ${item.object} ${target}`.trim()}${sql}`;
}

async function readDraft(file: string): Promise<string> {
  let sql: string;
  try {
    sql = await readFile(file, 'utf8');
  } catch (error) {
    throw new EngineError({
      code: 'invalid-argument',
      message: l10n.t('Cannot read the draft {0}: {1}.', file, (error as NodeJS.ErrnoException).code ?? String(error)),
    });
  }
  if (sql.trim() === '') {
    throw new EngineError({
      code: 'invalid-argument',
      message: l10n.t('The draft {0} is empty: nothing to install.', file),
    });
  }
  return sql;
}

/** Writes `<root>/.drift-guard/drafts/<name>/migration.sql` (never over an existing draft); returns its path. */
async function writeDraft(root: string, name: string, sql: string): Promise<string> {
  const drafts = path.join(root, DRAFTS_FOLDER);
  await mkdir(drafts, { recursive: true });
  const ignore = path.join(drafts, '.gitignore');
  if (!existsSync(ignore)) await writeFile(ignore, DRAFTS_GITIGNORE);
  const dir = path.join(drafts, name);
  try {
    await mkdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new EngineError({
      code: 'already-exists',
      message: l10n.t(
        'The draft {0} already exists: nothing was overwritten (install it with drift-guard baseline --from, or delete it).',
        dir,
      ),
    });
  }
  const file = path.join(dir, 'migration.sql');
  await writeFile(file, sql);
  return file;
}

/** `<timestamp>_<name>` of a draft folder, when the file sits in one. */
function draftName(file: string): string | undefined {
  const folder = path.basename(path.dirname(file));
  return /^\d{14}_[a-z0-9_]+$/.test(folder) ? folder : undefined;
}

function isInDrafts(root: string, file: string): boolean {
  const rel = path.relative(path.join(root, DRAFTS_FOLDER), file);
  return !rel.startsWith('..') && !path.isAbsolute(rel) && path.dirname(rel) !== '.';
}

function newName(options: BaselineOptions): string {
  return `${timestamp(options.now)}_${sanitizeName(options.name ?? 'baseline', options.kind === 'migration' ? 'migration' : 'baseline')}`;
}

function relative(project: PrismaProject, file: string): string {
  return path.relative(project.root, file) || file;
}

/** `YYYYMMDDHHMMSS` in UTC, as `prisma migrate dev` names folders. */
export function timestamp(now?: string): string {
  const date = now ? new Date(now) : new Date();
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function sanitizeName(name: string, fallback: string): string {
  const clean = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return clean || fallback;
}

/** Writes `<dir>/<name>/migration.sql` via a temporary folder renamed into place. */
async function writeFolderAtomically(migrationsDir: string, name: string, sql: string): Promise<void> {
  const temp = path.join(migrationsDir, `.drift-guard-${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(temp, { recursive: false });
  try {
    await writeFile(path.join(temp, 'migration.sql'), sql);
    if (existsSync(path.join(migrationsDir, name))) {
      throw new EngineError({
        code: 'already-exists',
        message: l10n.t(
          'Migration folder {0} already exists: nothing was overwritten.',
          path.join(migrationsDir, name),
        ),
      });
    }
    await rename(temp, path.join(migrationsDir, name));
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** A count of SQL statements, worded as src/core/drift/counts.ts words them, translated (this message is localised whole). */
function statements(n: number): string {
  return n === 1 ? l10n.t('1 SQL statement') : l10n.t('{0} SQL statements', n);
}
