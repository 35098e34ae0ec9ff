/**
 * What a runbook command does, as far as the team's rules care: backups before deploys, no
 * `db push` in production, typed confirmation for anything destructive.
 */
import * as l10n from '@vscode/l10n';
import { shellWord } from '../util/shellWords';

export type StepKind =
  | 'backup'
  | 'deploy'
  | 'dbPush'
  | 'migrateReset'
  | 'migrateDev'
  | 'migrateStatus'
  | 'migrateResolve'
  | 'migrateDiff'
  | 'restore'
  | 'sqlDrop'
  | 'removeFiles'
  | 'gitRewind'
  | 'rebuild';

export interface StepClassification {
  kinds: StepKind[];
  /** Needs a typed confirmation before it runs. */
  destructive: boolean;
  /** Why it is destructive, in a few words. */
  destructiveReason?: string;
  /** For a backup: the output path expression after `>` / `-f` / `--file`. */
  backupPath?: string;
  /** For a restore: the input path expression after `<` / the dump argument. */
  restorePath?: string;
}

const PRISMA = String.raw`(?:npx\s+(?:--yes\s+)?|pnpm\s+(?:exec\s+|dlx\s+)?|yarn\s+|bunx\s+|bun\s+x\s+)?prisma`;
const rx = (body: string): RegExp => new RegExp(String.raw`(?:^|[\s;&|(])${PRISMA}\s+${body}`);

const PATTERNS: Array<[StepKind, RegExp]> = [
  ['deploy', rx(String.raw`(?:migrate\s+deploy|db\s+migrate)\b`)],
  // Our own CLI's deploy on the server (the Prisma CLI cannot run everywhere); --dry-run only reads.
  ['deploy', /(?:^|[\s;&|(/])drift-guard\s+deploy\b(?![^;&|\n]*--dry-run)/],
  ['dbPush', rx(String.raw`db\s+push\b`)],
  ['migrateReset', rx(String.raw`migrate\s+reset\b`)],
  ['migrateDev', rx(String.raw`migrate\s+dev\b`)],
  ['migrateStatus', rx(String.raw`(?:migrate|migration)\s+status\b`)],
  ['migrateResolve', rx(String.raw`migrate\s+resolve\b`)],
  ['migrateDiff', rx(String.raw`migrate\s+diff\b`)],
  ['removeFiles', /(?:^|[\s;&|])rm\s+(?:-\w*[rf]\w*\s+)+/],
  ['gitRewind', /\bgit\s+(?:checkout\s+HEAD~|reset\s+--hard|revert\b)/],
  ['rebuild', /\bdocker[\s-]compose\s+(?:\S+\s+)*up\b|\bdocker\s+compose\s+(?:\S+\s+)*up\b/],
];

/** Classifies one shell command (continuation lines included). */
export function classifyCommand(command: string): StepClassification {
  const text = command.replace(/\\\n/g, ' ');
  const kinds = new Set<StepKind>();
  for (const [kind, pattern] of PATTERNS) if (pattern.test(text)) kinds.add(kind);

  const result: StepClassification = { kinds: [], destructive: false };
  const dump = /\bpg_dump(?:all)?\b/.exec(text);
  if (dump && !/\s(?:-s|--schema-only)\b/.test(text)) {
    kinds.add('backup');
    const after = text.slice(dump.index);
    // A redirection is a `>` (or `>>`) starting a word: not `2>`, not the end of a `<placeholder>`.
    const redirect = /(?:^|\s)>>?\s*/.exec(after);
    const fileFlag = /\s(?:-f\s*|--file[=\s]\s*)/.exec(after);
    const at = redirect
      ? dump.index + redirect.index + redirect[0].length
      : fileFlag
        ? dump.index + fileFlag.index + fileFlag[0].length
        : -1;
    if (at >= 0) result.backupPath = shellWord(text, at);
  } else if (/\bpg_basebackup\b/.test(text)) {
    kinds.add('backup');
  }
  // `psql … < FILE`, skipping `<placeholders>` among the arguments.
  const psqlRestore = /\bpsql\b(?:[^<]|<[A-Za-z_][\w-]*>)*?\s<(?![<]|[A-Za-z_][\w-]*>)\s*/.exec(text);
  const pgRestore = /\bpg_restore\b.*?\s("[^"]+"|'[^']+'|[^\s-]\S*)\s*$/.exec(text);
  if (psqlRestore) {
    kinds.add('restore');
    result.restorePath = shellWord(text, psqlRestore.index + psqlRestore[0].length);
  } else if (pgRestore) {
    kinds.add('restore');
    result.restorePath = pgRestore[1].replace(/^['"]|['"]$/g, '');
  }
  if (/\b(?:DROP\s+(?:TABLE|SCHEMA|DATABASE|TYPE|INDEX|COLUMN)|TRUNCATE\s)/i.test(text) || /\bdropdb\b/.test(text)) {
    kinds.add('sqlDrop');
  }

  result.kinds = [...kinds];
  const reasons: string[] = [];
  if (kinds.has('restore')) reasons.push(l10n.t('restores a backup over the database'));
  if (kinds.has('migrateReset')) reasons.push(l10n.t('resets the database (all data lost)'));
  if (kinds.has('dbPush')) reasons.push(l10n.t('pushes the schema without a migration'));
  if (kinds.has('sqlDrop')) reasons.push(l10n.t('drops database objects'));
  if (kinds.has('removeFiles')) reasons.push(l10n.t('deletes files'));
  if (kinds.has('gitRewind')) reasons.push(l10n.t('rewinds the deployed code'));
  if (reasons.length > 0) {
    result.destructive = true;
    result.destructiveReason = reasons.join('; ');
  }
  return result;
}

export type SectionKind = 'baseline' | 'validate' | 'backup' | 'deploy' | 'verify' | 'rollback' | 'reset' | 'other';

// Order matters: "Snapshot du schéma prod" is a baseline step, "Reset dev" a reset.
const SECTION_WORDS: Array<[SectionKind, RegExp]> = [
  ['rollback', /\b(?:rollback|roll back|retour arrière|restaur)/i],
  ['verify', /\b(?:v[ée]rif|verify|post[- ]deploy|check)/i],
  ['reset', /\breset\b/i],
  ['baseline', /\b(?:baseline|snapshot|drift)/i],
  ['backup', /\b(?:backup|sauvegard)/i],
  ['validate', /\b(?:valid|test|dev\b)/i],
  ['deploy', /(?:d[ée]ploy|\bdeploy|\bprod(?:uction)?\b|mise en prod)/i],
];

/** Guesses what a section is for from its title, falling back on its commands. */
export function classifySection(title: string, stepKinds: StepKind[]): SectionKind {
  for (const [kind, pattern] of SECTION_WORDS) if (pattern.test(title)) return kind;
  if (stepKinds.includes('restore')) return 'rollback';
  if (stepKinds.includes('deploy')) return 'deploy';
  if (stepKinds.includes('migrateDiff')) return 'baseline';
  return 'other';
}
