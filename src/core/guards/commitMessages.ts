import * as l10n from '@vscode/l10n';
/**
 * The team's rule 4, "document each migration in the commit message": a note on a migration whose adding commit
 * says nothing about it — an empty message, only filler ("wip", "fix", "update"), or none of the words of the
 * migration's subject (the folder name after its timestamp). Git only: without a repository, nothing is said.
 */
import { type GuardFinding } from './guardFindings';
import { FILLER_WORDS, parseMigrationName } from './migrationNames';

/** The commit that first added a migration's migration.sql. */
export interface AddingCommit {
  hash: string;
  /** The whole message (subject and body). */
  message: string;
}

/** How many commits adding migrations are read at most (newest first): older ones are not judged. */
export const MAX_COMMITS = 1_000;

/**
 * Parses `git log --diff-filter=A --format=%x00%H%x1f%B%x1e --name-only -- <dir>/` (newest first) into the commit
 * that added each migration of `migrationsRelDir`.
 */
export function addingCommitsFromGitLog(output: string, migrationsRelDir: string): Map<string, AddingCommit> {
  const out = new Map<string, AddingCommit>();
  const dir = migrationsRelDir.replace(/\\/g, '/').replace(/\/+$/, '');
  const prefix = dir ? `${dir}/` : '';
  for (const record of output.split('\0')) {
    const sep = record.indexOf('\x1f');
    const end = record.indexOf('\x1e');
    if (sep < 0 || end < sep) continue;
    const hash = record.slice(0, sep).trim();
    const message = record.slice(sep + 1, end).trim();
    for (const line of record.slice(end + 1).split('\n')) {
      const file = line.trim();
      if (!file.startsWith(prefix) || !file.endsWith('/migration.sql')) continue;
      const name = file.slice(prefix.length, -'/migration.sql'.length);
      // Newest first: the last commit seen is the one that first added it.
      if (!name.includes('/')) out.set(name, { hash, message });
    }
  }
  return out;
}

function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9\u00e0-\u00ff]+/)
    .filter(Boolean);
}

/** The first letters that a word and its variants share (`invoices`, `invoicing` → `invoi`). */
function stem(word: string): string {
  return word.slice(0, Math.min(word.length, 5));
}

/** Verbs every migration name starts with: they do not say what it is about. */
const VERBS = new Set([
  'add',
  'adds',
  'added',
  'create',
  'creates',
  'remove',
  'removes',
  'drop',
  'drops',
  'delete',
  'alter',
  'rename',
  'set',
  'make',
  'move',
  'use',
  'with',
  'for',
  'from',
  'into',
  'on',
]);

/** The words of a migration's subject: its name after the timestamp, without filler, verbs, numbers and short words. */
export function subjectWords(name: string): string[] {
  return tokens(parseMigrationName(name).words).filter(
    (t) => !FILLER_WORDS.has(t) && !VERBS.has(t) && !/^v?\d+$/.test(t) && t.length >= 3,
  );
}

/** Why a commit message does not describe migration `name`, or undefined when it does. */
export function undocumentedReason(name: string, message: string): string | undefined {
  const text = message.trim();
  if (text === '') return l10n.t('its message is empty');
  const words = tokens(text);
  const firstLine = text.split('\n')[0].trim();
  if (words.every((w) => FILLER_WORDS.has(w) || /^v?\d+$/.test(w))) {
    return l10n.t('its message "{0}" says nothing about what it changes', firstLine);
  }
  if (text.toLowerCase().includes(name.toLowerCase())) return undefined;
  const subject = subjectWords(name);
  if (subject.length === 0) return undefined;
  const stems = new Set(words.map(stem));
  if (subject.some((w) => stems.has(stem(w)))) return undefined;
  return l10n.t('its message "{0}" does not name what it changes ({1})', firstLine, subject.join(', '));
}

/** The rule-4 notes for the local migrations, from the commits that added them. */
export function commitMessageFindings(
  migrations: ReadonlyArray<{ name: string }>,
  commits: ReadonlyMap<string, AddingCommit>,
): GuardFinding[] {
  const findings: GuardFinding[] = [];
  for (const m of migrations) {
    const commit = commits.get(m.name);
    if (!commit) continue;
    const why = undocumentedReason(m.name, commit.message);
    if (!why) continue;
    findings.push({
      code: 'migration-commit-undocumented',
      severity: 'info',
      migration: m.name,
      message: l10n.t(
        'The commit that added {0} ({1}) does not document it: {2}. Team rule 4: document each migration in the commit message.',
        m.name,
        commit.hash.slice(0, 7),
        why,
      ),
    });
  }
  return findings;
}
