/**
 * The one audit trail of a workspace: every write to a database — runbook steps, the Migrations view's Mark
 * Applied / Mark Rolled Back / Deploy, Create Baseline's "mark as applied" offer, the CLI's writes — is one
 * record (what, where, who, when, exit, the proof's result, the backup's sha256, the SSH host key), appended to
 * `.drift-guard/run-log.jsonl` so the extension and the CLI share it, and exported as markdown.
 *
 * Storage: JSON Lines, one record per line, each appended with a single `write` on a file opened `O_APPEND` —
 * so the extension and a CLI appending at the same time never interleave or lose lines (a rewrite with a
 * temporary file and a rename, as write-file-atomic does, would lose the other writer's record). Past
 * {@link ROTATE_BYTES} the file is renamed to `run-log.1.jsonl` (a rename is atomic) and a new one started;
 * reading takes both. Lines that do not parse are skipped and counted, never fatal.
 */
import * as l10n from '@vscode/l10n';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { redactSecrets } from '../util/redact';
import { foldersUpToRepositoryTop } from '../util/repositoryTop';

/** Who wrote: the OS account and git's `user.name <user.email>` of the folder, when known. */
export interface Actor {
  osUser?: string;
  gitUser?: string;
}

/** What produced a record. */
export type WriteSource = 'runbook' | 'tree' | 'baseline' | 'cli';

/** How a write ended. */
export type RecordStatus = 'notRun' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'refused';

/** A backup as the run log keeps it: the file, its size and sha256, and whether a restore of it was verified. */
export interface BackupFacts {
  path: string;
  sizeBytes?: number;
  sha256?: string;
  /** `verified`: restored into a scratch database and identical to the source; `failed`: it was not. */
  verification?: 'verified' | 'failed' | 'notVerified';
  /** One line: where it was restored and what was compared, or what differs. */
  verificationSummary?: string;
  restoreCommand?: string;
}

/** The engine's safety proof of a resolve (or a post-restore check), as one result. */
export interface ProofFacts {
  ok: boolean;
  summary: string;
}

/** One record of the run log. The runbook's fields (`runId` … `stepId`) are set only for runbook steps. */
export interface RunRecord {
  /** Runbook steps: the run they belong to. Writes from elsewhere have none. */
  runId?: string;
  /** Workspace-relative path of the runbook. */
  runbook?: string;
  section?: string;
  stepId?: string;
  /** What: the step's title, `Mark 20240101_init as applied`, `Deploy 2 migration(s)`… */
  step: string;
  /** The command as it ran (secrets redacted), or the CLI's command line. */
  command: string;
  /** Where: `local` or the environment's name (or the redacted URL for the CLI's `--url`). */
  environment: string;
  /** Where it ran: `local`, `root@88.99.254.59:22`, the redacted database URL… */
  target: string;
  /** ISO start time. */
  startedAt: string;
  durationMs?: number;
  exitCode?: number | null;
  status: RecordStatus;
  message?: string;
  /** Defaults to `runbook` (records written before the field existed are runbook steps). */
  source?: WriteSource;
  who?: Actor;
  proof?: ProofFacts;
  /** SHA256 fingerprint of the SSH host key the write went through (`SHA256:…`). */
  hostKey?: string;
  backupPath?: string;
  restoreCommand?: string;
  backup?: BackupFacts;
  /** Set when the extension's equivalent ran instead of the step's Prisma CLI command (this is that command). */
  equivalentOf?: string;
}

/** Where records are kept: the file store, or an in-memory one in tests. */
export interface RunLogStore {
  append(records: readonly RunRecord[]): Promise<void>;
  read(): Promise<RunRecord[]>;
}

/** The folder of the run log inside a workspace (or project) root. */
export const RUN_LOG_DIR = '.drift-guard';
export const RUN_LOG_FILE = 'run-log.jsonl';
/** Past this size the file is rotated to `run-log.1.jsonl` (one older generation kept). */
export const ROTATE_BYTES = 8 * 1024 * 1024;

/** `.drift-guard/run-log.jsonl` under `root`. */
export function runLogPath(root: string): string {
  return path.join(root, RUN_LOG_DIR, RUN_LOG_FILE);
}

/**
 * The root whose run log the CLI shares with the editor: the nearest folder from `start` up to its repository's
 * top level that already has a `.drift-guard/` folder, else that top level — the git
 * work tree's top, or `start` itself outside git; never a shared parent such as `/tmp`. The editor keeps its
 * run log in the workspace folder, which is that same git top in the usual layout.
 */
export async function findRunLogRoot(start: string): Promise<string> {
  const folders = await foldersUpToRepositoryTop(start);
  for (const dir of folders) {
    try {
      await fs.stat(path.join(dir, RUN_LOG_DIR));
      return dir;
    } catch {
      // Not here.
    }
  }
  return folders[folders.length - 1];
}

/** The JSON Lines store (see the module comment). */
export class FileRunLogStore implements RunLogStore {
  /** Lines skipped by the last {@link read} because they did not parse. */
  skippedLines = 0;

  constructor(
    readonly file: string,
    private readonly rotateBytes = ROTATE_BYTES,
  ) {}

  get rotatedFile(): string {
    return this.file.replace(/\.jsonl$/, '.1.jsonl');
  }

  async append(records: readonly RunRecord[]): Promise<void> {
    if (records.length === 0) return;
    const dir = path.dirname(this.file);
    await fs.mkdir(dir, { recursive: true });
    // A run log is a local trail (OS user names, hosts): not committed unless the team decides to.
    await fs
      .writeFile(
        path.join(dir, '.gitignore'),
        '# Written by Prisma Drift Guard: delete this file to commit the run log.\n*\n',
        { flag: 'wx' },
      )
      .catch(() => undefined);
    try {
      if ((await fs.stat(this.file)).size >= this.rotateBytes) await fs.rename(this.file, this.rotatedFile);
    } catch {
      // No file yet, or another writer rotated it first.
    }
    const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    const handle = await fs.open(this.file, 'a');
    try {
      // One write per batch: O_APPEND places it whole at the end, even with another process appending.
      await handle.write(text);
    } finally {
      await handle.close();
    }
  }

  async read(): Promise<RunRecord[]> {
    this.skippedLines = 0;
    const out: RunRecord[] = [];
    for (const file of [this.rotatedFile, this.file]) {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        try {
          const value = JSON.parse(line) as unknown;
          if (isRunRecord(value)) out.push(value);
          else this.skippedLines++;
        } catch {
          this.skippedLines++;
        }
      }
    }
    return out;
  }
}

/** A store in memory (tests, and a fallback when no folder is open). */
export class MemoryRunLogStore implements RunLogStore {
  readonly records: RunRecord[] = [];
  append(records: readonly RunRecord[]): Promise<void> {
    this.records.push(...records);
    return Promise.resolve();
  }
  read(): Promise<RunRecord[]> {
    return Promise.resolve([...this.records]);
  }
}

function isRunRecord(value: unknown): value is RunRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.step === 'string' &&
    typeof r.command === 'string' &&
    typeof r.environment === 'string' &&
    typeof r.startedAt === 'string' &&
    typeof r.status === 'string'
  );
}

const actors = new Map<string, Promise<Actor>>();

function gitConfig(cwd: string, key: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['config', '--get', key],
      { cwd, timeout: 5_000, windowsHide: true, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
      (error, stdout) => {
        resolve(error ? undefined : String(stdout).trim() || undefined);
      },
    );
  });
}

/** The OS user and the git user of `cwd` (cached per folder; git missing or unset → only the OS user). */
export function currentActor(cwd: string = process.cwd()): Promise<Actor> {
  let actor = actors.get(cwd);
  if (!actor) {
    actor = (async () => {
      const out: Actor = {};
      try {
        out.osUser = os.userInfo().username;
      } catch {
        const env = process.env.USER ?? process.env.USERNAME;
        if (env) out.osUser = env;
      }
      const [name, email] = await Promise.all([gitConfig(cwd, 'user.name'), gitConfig(cwd, 'user.email')]);
      if (name || email) out.gitUser = [name, email ? `<${email}>` : undefined].filter(Boolean).join(' ');
      return out;
    })();
    actors.set(cwd, actor);
  }
  return actor;
}

/** What a caller says about a write; the rest ({@link RunRecord.who}, the time) is filled in. */
export type WriteInput = Omit<RunRecord, 'who' | 'startedAt' | 'source'> & {
  source: WriteSource;
  startedAt?: string;
  who?: Actor;
  /** Folder whose git user is recorded (default: the process's working directory). */
  cwd?: string;
};

/**
 * Records one write to a database in the run log: fills in who and when, redacts secrets from the command and
 * the message, appends, and returns the record as stored. The one entry point for every front end.
 */
export async function recordWrite(store: RunLogStore, input: WriteInput): Promise<RunRecord> {
  const { cwd, ...rest } = input;
  const record: RunRecord = {
    ...rest,
    startedAt: input.startedAt ?? new Date().toISOString(),
    who: input.who ?? (await currentActor(cwd)),
    command: redactSecrets(input.command),
    target: redactSecrets(input.target),
    ...(input.message !== undefined ? { message: redactSecrets(input.message) } : {}),
  };
  await store.append([record]);
  return record;
}

// ── Markdown export ───────────────────────────────────────────────────────────────────────────────

/** `1.2 s`, `340 ms`, `2 min 05 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${text.replace(/\r?\n/g, ' ')}${fence.length > 1 ? ' ' : ''}${fence}`;
}

function localTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A status as the log says it (a function: the language is chosen after this module loads). */
function statusText(status: RecordStatus): string {
  switch (status) {
    case 'notRun':
      return l10n.t('not run');
    case 'running':
      return l10n.t('running');
    case 'succeeded':
      return l10n.t('✓ succeeded');
    case 'failed':
      return l10n.t('✗ failed');
    case 'skipped':
      return l10n.t('skipped');
    case 'cancelled':
      return l10n.t('cancelled');
    case 'refused':
      return l10n.t('⛔ refused');
    default:
      return status;
  }
}

function sourceText(source: WriteSource): string {
  switch (source) {
    case 'runbook':
      return l10n.t('runbook');
    case 'tree':
      return l10n.t('Migrations view');
    case 'baseline':
      return l10n.t('Create Baseline');
    case 'cli':
      return 'CLI';
    default:
      return source;
  }
}

function who(actor: Actor | undefined): string {
  if (!actor) return '';
  if (actor.osUser && actor.gitUser) return `${actor.osUser} (${actor.gitUser})`;
  return actor.osUser ?? actor.gitUser ?? '';
}

/** The result cell: status, message, proof, host key. */
function result(r: RunRecord): string {
  const parts = [`${statusText(r.status)}${r.message ? ` — ${r.message}` : ''}`];
  if (r.proof) {
    parts.push(
      r.proof.ok ? l10n.t('proof: passed — {0}', r.proof.summary) : l10n.t('proof: failed — {0}', r.proof.summary),
    );
  }
  if (r.hostKey) parts.push(l10n.t('host key {0}', r.hostKey));
  return parts.join('<br>');
}

function backupLine(r: RunRecord): string | undefined {
  const facts =
    r.backup ??
    (r.backupPath
      ? { path: r.backupPath, ...(r.restoreCommand ? { restoreCommand: r.restoreCommand } : {}) }
      : undefined);
  if (!facts) return undefined;
  const details = [
    facts.sizeBytes !== undefined ? l10n.t('{0} bytes', facts.sizeBytes) : undefined,
    facts.sha256 ? `sha256 ${facts.sha256}` : undefined,
    facts.verification === 'verified'
      ? l10n.t('verified: {0}', facts.verificationSummary ?? '').trim()
      : facts.verification === 'failed'
        ? l10n.t('NOT verified: {0}', facts.verificationSummary ?? '').trim()
        : undefined,
  ].filter((d): d is string => !!d);
  return `- ${r.environment}: \`${facts.path}\`${details.length ? ` (${details.join(' · ')})` : ''}${facts.restoreCommand ? l10n.t(' — restore with {0}', code(facts.restoreCommand)) : ''}`;
}

/**
 * The run log as markdown: each runbook run (newest first) as a table of its steps and its backups, then the
 * writes made outside a runbook (the Migrations view, Create Baseline, the CLI), newest first.
 */
export function formatRunLog(
  records: readonly RunRecord[],
  options: { title?: string; generatedAt?: Date } = {},
): string {
  const lines: string[] = [`# ${options.title ?? l10n.t('Runbook run log')}`, ''];
  const generated = localTime((options.generatedAt ?? new Date()).toISOString());
  lines.push(
    records.length === 1
      ? l10n.t('Generated {0} · 1 record', generated)
      : l10n.t('Generated {0} · {1} records', generated, records.length),
    '',
  );
  if (records.length === 0) {
    lines.push(l10n.t('No step has run yet.'), '');
    return lines.join('\n');
  }
  const runs = new Map<string, RunRecord[]>();
  const others: RunRecord[] = [];
  for (const r of records) {
    if (!r.runId || (r.source && r.source !== 'runbook')) {
      others.push(r);
      continue;
    }
    const list = runs.get(r.runId) ?? [];
    list.push(r);
    runs.set(r.runId, list);
  }
  const ordered = [...runs.values()].sort((a, b) => b[0].startedAt.localeCompare(a[0].startedAt));
  for (const run of ordered) {
    const environments = [...new Set(run.map((r) => r.environment))].join(', ');
    const failed = run.filter((r) => r.status === 'failed').length;
    lines.push(`## ${l10n.t('Run of {0} — {1}', localTime(run[0].startedAt), run[0].runbook ?? '')}`, '');
    const executions = run.length === 1 ? l10n.t('1 step execution') : l10n.t('{0} step executions', run.length);
    lines.push(
      `${l10n.t('Environments: {0} · {1}', environments, executions)}${failed ? ` · ${l10n.t('{0} failed', failed)}` : ''}`,
      '',
    );
    lines.push(
      l10n.t('| Start | Section | Step | Environment | Who | Duration | Exit | Result |'),
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const r of run) {
      const exit = r.exitCode === undefined ? '' : r.exitCode === null ? '—' : String(r.exitCode);
      lines.push(
        `| ${localTime(r.startedAt)} | ${cell(r.section ?? '')} | ${cell(r.step)}<br>${cell(code(r.command))}${r.equivalentOf ? l10n.t(' (equivalent of {0})', cell(code(r.equivalentOf))) : ''} | ${cell(r.environment)} (${cell(r.target)}) | ${cell(who(r.who))} | ${formatDuration(r.durationMs)} | ${exit} | ${cell(result(r))} |`,
      );
    }
    const backups = run.map(backupLine).filter((b): b is string => !!b);
    if (backups.length > 0) lines.push('', `**${l10n.t('Backups')}**`, '', ...backups);
    lines.push('');
  }
  if (others.length > 0) {
    lines.push(`## ${l10n.t('Writes outside a runbook')}`, '');
    lines.push(
      l10n.t('| When | From | What | Where | Who | Duration | Exit | Result |'),
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const r of [...others].sort((a, b) => b.startedAt.localeCompare(a.startedAt))) {
      const exit = r.exitCode === undefined ? '' : r.exitCode === null ? '—' : String(r.exitCode);
      lines.push(
        `| ${localTime(r.startedAt)} | ${sourceText(r.source ?? 'runbook')} | ${cell(r.step)}${r.command ? `<br>${cell(code(r.command))}` : ''} | ${cell(r.environment)} (${cell(r.target)}) | ${cell(who(r.who))} | ${formatDuration(r.durationMs)} | ${exit} | ${cell(result(r))} |`,
      );
    }
    const backups = others.map(backupLine).filter((b): b is string => !!b);
    if (backups.length > 0) lines.push('', `**${l10n.t('Backups')}**`, '', ...backups);
    lines.push('');
  }
  return lines.join('\n');
}

/** How many records the editor kept in its workspace state before the file store (migrated once). */
export const MAX_RUN_RECORDS = 2_000;

/** Appends `record`, keeping at most {@link MAX_RUN_RECORDS} (the workspace-state list of earlier versions). */
export function appendRecord(records: readonly RunRecord[], record: RunRecord, max = MAX_RUN_RECORDS): RunRecord[] {
  const out = [...records, record];
  return out.length > max ? out.slice(out.length - max) : out;
}
