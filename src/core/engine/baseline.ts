import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type DriftItem, driftItemKey } from '../drift/diffItems';
import { compareMigrationNames } from '../project/migrationOrder';
import { type PrismaProject } from '../project/types';
import { type BaselineOptions, type BaselineResult, type DriftReport } from './api';
import { engineFixedPoints, withoutStatements } from './engineFixedPoints';
import { EngineError, isEngineError } from './errors';

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
export async function createBaseline(project: PrismaProject, options: BaselineOptions, diff: SchemaDiff): Promise<BaselineResult> {
  const word = options.kind === 'migration' ? 'migration' : 'baseline';
  const fromFile = options.from ? path.resolve(project.root, options.from) : undefined;
  if (fromFile && options.only) throw new EngineError({ code: 'invalid-argument', message: `A draft (${relative(project, fromFile)}) is installed whole: it cannot be limited to some changes.` });
  const draftSql = fromFile ? await readDraft(fromFile) : undefined;
  const report = await diff(project);
  const only = options.only ? new Set(options.only) : undefined;
  const selected = only ? report.items.filter((i) => only.has(driftItemKey(i))) : report.items;
  const rest = only ? report.items.filter((i) => !only.has(driftItemKey(i))) : [];
  if (report.empty || selected.length === 0) {
    const kept = fromFile ? ` The draft ${relative(project, fromFile)} was not installed.` : '';
    const why = report.empty ? 'the migrations already produce the schema' : 'the migrations already make the selected changes';
    return { created: false, script: '', items: [], verified: true, message: `Nothing to ${word === 'migration' ? 'migrate' : 'baseline'}: ${why}. No folder was written.${kept}` };
  }
  if (word === 'migration' && !options.name && !(fromFile && draftName(fromFile))) {
    throw new EngineError({ code: 'invalid-argument', message: 'A migration needs a name (--name): it is all a reviewer, a deploy log and _prisma_migrations show.' });
  }
  const partial = rest.length > 0 ? { rest } : undefined;
  const name = fromFile && !options.name ? (draftName(fromFile) ?? newName(options)) : newName(options);
  const target = path.join(project.migrationsDir, name);
  if (existsSync(target)) {
    throw new EngineError({ code: 'already-exists', message: `Migration folder ${target} already exists: nothing was overwritten.` });
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
    leftOut = ` Left out: ${fixedPoints.join(' ')} — the engine reports this again however often it is applied (an index it reads back differently from how it renders it, such as a non-default operator class: prisma/prisma#16275); \`check\` keeps listing it.`;
    if (sql === '') {
      await rm(path.dirname(draftPath), { recursive: true, force: true });
      return { created: false, script: '', items: [], verified: true, leftOut: fixedPoints, message: `Nothing to ${word === 'migration' ? 'migrate' : 'baseline'}: no folder was written.${leftOut}` };
    }
    await writeFile(draftPath, sql);
    await verifyDraft(verify, sql, undefined, fixedPoints);
  }

  const later = project.migrations.filter((m) => compareMigrationNames(m.name, name) >= 0).map((m) => m.name);
  await writeFolderAtomically(project.migrationsDir, name, sql);
  const sqlPath = path.join(target, 'migration.sql');
  // The draft is now in the migrations folder: its copy in drafts/ goes (a file given from elsewhere stays).
  if (isInDrafts(project.root, draftPath)) await rm(path.dirname(draftPath), { recursive: true, force: true });
  const orderNote = later.length > 0 ? ` Warning: it sorts before ${later.join(', ')} — check the migration order.` : '';
  return {
    created: true,
    migrationName: name,
    sqlPath,
    script: sql,
    items,
    verified: true,
    ...(fixedPoints ? { leftOut: fixedPoints } : {}),
    message: partial
      ? `Created ${relative(project, sqlPath)} with ${statements(items.length)}, verified on the shadow database; ${statements(rest.length)} stay for another migration.${leftOut}${orderNote}`
      : `Created ${relative(project, sqlPath)} with ${statements(items.length)}; migrations + ${word === 'migration' ? 'this migration' : 'baseline'} now match the schema.${leftOut}${orderNote}`,
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
function subtractExpected(remaining: readonly DriftItem[], expected: readonly DriftItem[]): { extra: DriftItem[]; gone: DriftItem[] } {
  const extra = [...remaining];
  const gone: DriftItem[] = [];
  for (const item of expected) {
    const at = extra.findIndex((i) => driftItemKey(i) === driftItemKey(item));
    if (at >= 0) extra.splice(at, 1);
    else gone.push(item);
  }
  return { extra, gone };
}

async function verifyDraft(draft: DraftToVerify, sql: string, drafted?: readonly DriftItem[], tolerated?: readonly string[]): Promise<string[] | undefined> {
  const { project, name, word, draftPath, diff, rest } = draft;
  const partial = rest.length > 0;
  const withDraft: PrismaProject = {
    ...project,
    migrations: [...project.migrations.filter((m) => m.name !== name), { name, dir: path.dirname(draftPath), sqlPath: draftPath, hasSql: true }],
  };
  // A partial draft cannot be installed later with --from (it does not reproduce the schema alone): it goes.
  const refuse = async (data: ConstructorParameters<typeof EngineError>[0]): Promise<never> => {
    if (partial && isInDrafts(project.root, draftPath)) await rm(path.dirname(draftPath), { recursive: true, force: true });
    throw new EngineError(data);
  };
  const kept = partial
    ? `Nothing was written to ${relative(project, project.migrationsDir)}.`
    : `Nothing was written to ${relative(project, project.migrationsDir)}; the draft was kept at ${relative(project, draftPath)}.`;
  const command = word === 'migration' ? 'migrate' : 'baseline';
  const retry = partial
    ? `or create the ${word} for every change at once.`
    : `then run: drift-guard ${command} --from ${relative(project, draftPath)}${word === 'migration' ? '' : ' (in the editor: Create Baseline from Draft…)'}.`;
  const what = partial ? `The ${word} with only the selected changes` : `The ${word}`;
  let check: DriftReport;
  try {
    check = await diff(withDraft);
  } catch (error) {
    if (!isEngineError(error) || error.code !== 'migration-failed' || error.migration !== name) throw error;
    const line = error.location?.line ?? 1;
    const statement = (sql.split('\n')[line - 1] ?? '').trim().slice(0, 120);
    const reason = error.message.replace(/^Migration \S+ failed on the shadow database(?: \(line \d+\))?: /, '');
    const hint = partial ? 'It needs a change that was not selected: select that change too' : editHint(reason);
    return refuse({
      code: 'refused',
      migration: name,
      ...(partial ? {} : { location: { file: draftPath, line, character: 1 } }),
      message: `${what} failed on the shadow database at line ${line}${statement ? ` (${statement})` : ''}: ${reason}. ${kept} ${hint}, ${retry}`,
      ...(error.detail ? { detail: error.detail } : {}),
    });
  }
  const { extra, gone } = subtractExpected(check.items, rest);
  if (extra.length > 0 || gone.length > 0) {
    if (gone.length === 0 && tolerated && engineFixedPoints(tolerated.map((s) => ({ sql: s })), extra)) return undefined;
    const fixed = gone.length === 0 && drafted ? engineFixedPoints(drafted, extra) : undefined;
    if (fixed) return fixed;
    const listed = (items: readonly DriftItem[]): string => {
      const shown = items.slice(0, 5).map(describeItem);
      return `${shown.join('; ')}${items.length > shown.length ? `, and ${items.length - shown.length} more` : ''}`;
    };
    if (partial) {
      const parts = [
        ...(extra.length > 0 ? [`${extra.length} difference(s) remain that were not left out (${listed(extra)})`] : []),
        ...(gone.length > 0 ? [`it also made ${gone.length} change(s) that were not selected (${listed(gone)})`] : []),
      ];
      return refuse({ code: 'refused', migration: name, message: `${what} applies on the shadow database but does not stand alone: ${parts.join('; ')}. ${kept} Select the changes it depends on too, ${retry}` });
    }
    return refuse({
      code: 'refused',
      migration: name,
      location: { file: draftPath, line: 1, character: 1 },
      message: `${what} did not reproduce the schema: ${extra.length} difference(s) remain after it (${listed(extra)}). ${kept} Edit it so that the migrations and the draft produce the schema exactly, ${retry}`,
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
      return 'Edit the draft: give the new required column a DEFAULT, or add it nullable, fill it with an UPDATE and then SET NOT NULL';
    case '23505':
      return 'Edit the draft: merge or delete the duplicate rows (an UPDATE or DELETE before the unique index)';
    case '23503':
      return 'Edit the draft: fix or delete the rows that point nowhere (before the foreign key)';
    case '23514':
    case '23P01':
      return 'Edit the draft: fix the rows that break the constraint (before adding it)';
    default:
      return 'Edit the statement at that line of the draft';
  }
}

function describeItem(item: DriftItem): string {
  const target = item.column ? `${item.table}.${item.column}` : item.value ? `${item.enum}.${item.value}` : (item.name ?? item.table ?? item.enum ?? '');
  const sql = item.sql ? `: ${item.sql.replace(/\s+/g, ' ').trim().slice(0, 160)}` : '';
  return `${`${item.change} ${item.object} ${target}`.trim()}${sql}`;
}

async function readDraft(file: string): Promise<string> {
  let sql: string;
  try {
    sql = await readFile(file, 'utf8');
  } catch (error) {
    throw new EngineError({ code: 'invalid-argument', message: `Cannot read the draft ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.` });
  }
  if (sql.trim() === '') throw new EngineError({ code: 'invalid-argument', message: `The draft ${file} is empty: nothing to install.` });
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
    throw new EngineError({ code: 'already-exists', message: `The draft ${dir} already exists: nothing was overwritten (install it with drift-guard baseline --from, or delete it).` });
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
  const clean = name.trim().toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return clean || fallback;
}

/** Writes `<dir>/<name>/migration.sql` via a temporary folder renamed into place. */
async function writeFolderAtomically(migrationsDir: string, name: string, sql: string): Promise<void> {
  const temp = path.join(migrationsDir, `.drift-guard-${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(temp, { recursive: false });
  try {
    await writeFile(path.join(temp, 'migration.sql'), sql);
    if (existsSync(path.join(migrationsDir, name))) {
      throw new EngineError({ code: 'already-exists', message: `Migration folder ${path.join(migrationsDir, name)} already exists: nothing was overwritten.` });
    }
    await rename(temp, path.join(migrationsDir, name));
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** A count of SQL statements, worded as src/core/drift/counts.ts words them (the engine imports nothing above it). */
function statements(n: number): string {
  return `${n} SQL statement${n === 1 ? '' : 's'}`;
}
