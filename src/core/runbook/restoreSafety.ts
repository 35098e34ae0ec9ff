import * as l10n from '@vscode/l10n';
/**
 * Backups that restore and rollbacks that say what they leave behind:
 * - a plain `pg_dump` without `--clean --if-exists` cannot be restored over the live database (every
 *   `CREATE` fails with "already exists"): the backup step is warned, with the corrected command;
 * - a restore whose output has a psql `ERROR:` (or a `pg_restore: error:`) failed, whatever its exit code
 *   (`psql < dump` exits 0 after printing an error for every statement);
 * - `git checkout HEAD~1` leaves the checkout detached: the step says so and how to return.
 */
import { type StepClassification } from './classify';

/** Advice shown on a step before it runs. */
export interface StepAdvice {
  message: string;
  /** The corrected command, when there is one. */
  command?: string;
}

const DUMP = /\bpg_dump\b(?!all)/;

/** The arguments of the first `pg_dump` up to the end of its command (a pipe, `;`, `&&`, or the end). */
function dumpArguments(text: string): { at: number; args: string } | undefined {
  const m = DUMP.exec(text);
  if (!m) return undefined;
  const after = text.slice(m.index + m[0].length);
  const end = /[;|&]/.exec(after);
  return { at: m.index, args: end ? after.slice(0, end.index) : after };
}

/** Whether the dump written by `command` is a custom, tar or directory format archive (restored by pg_restore). */
function archiveFormat(args: string): boolean {
  return /(?:^|\s)(?:-F\s*[ctd]|--format[=\s](?:c|custom|t|tar|d|directory))\b/.test(args);
}

/**
 * The backup command with `--clean --if-exists` inserted right after `pg_dump` (only the missing ones), when
 * its plain SQL dump could not be restored over the live database; undefined when it can (or is no pg_dump).
 */
export function restorableBackupCommand(command: string): string | undefined {
  const text = command.replace(/\\\n/g, ' ');
  const dump = dumpArguments(text);
  if (!dump) return undefined;
  if (/(?:^|\s)(?:-s|--schema-only)\b/.test(dump.args) || archiveFormat(dump.args)) return undefined;
  const clean = /(?:^|\s)(?:-c|--clean)(?=\s|$)/.test(dump.args);
  const ifExists = /(?:^|\s)--if-exists(?=\s|$)/.test(dump.args);
  if (clean && ifExists) return undefined;
  const missing = [clean ? undefined : '--clean', ifExists ? undefined : '--if-exists']
    .filter((f): f is string => !!f)
    .join(' ');
  const insertAt = dump.at + 'pg_dump'.length;
  return `${text.slice(0, insertAt)} ${missing}${text.slice(insertAt)}`;
}

/** What to say on a step before it runs: an unrestorable backup, a rollback that detaches the checkout. */
export function stepAdvice(command: string, classification: Pick<StepClassification, 'kinds'>): StepAdvice[] {
  const advice: StepAdvice[] = [];
  if (classification.kinds.includes('backup')) {
    const corrected = restorableBackupCommand(command);
    if (corrected) {
      advice.push({
        message: l10n.t(
          'This plain pg_dump cannot be restored over the live database: without --clean --if-exists, psql prints "ERROR: … already exists" for every object and restores nothing. Dump with:',
        ),
        command: corrected,
      });
    }
  }
  const checkout = /\bgit\s+checkout\s+(HEAD~\d*|HEAD\^+)/.exec(command);
  if (classification.kinds.includes('gitRewind') && checkout) {
    advice.push({
      message: l10n.t(
        'git checkout {0} leaves the checkout detached (no branch): later git pull and deploys fail there. Return to the branch with git switch - (or git checkout main, or the branch it was on) once the rollback is over.',
        checkout[1],
      ),
    });
  }
  return advice;
}

/** psql's `psql:<stdin>:12: ERROR:  …`, a bare `ERROR:  …`, and pg_restore's `pg_restore: error: …`. */
const ERROR_LINE = /^(?:psql:[^\n]*?:\d+:\s*)?(?:ERROR|FATAL):\s.*$|^pg_restore:\s+(?:\[[^\]]*\]\s+)?error:\s.*$/m;

/**
 * Why a restore step failed although it may have exited 0: the first error line of its output (the line as
 * printed, trimmed), or undefined when the output has none or the step is no restore.
 */
export function restoreFailure(
  classification: Pick<StepClassification, 'kinds'>,
  output: string | undefined,
): string | undefined {
  if (!classification.kinds.includes('restore') || !output) return undefined;
  const m = ERROR_LINE.exec(output.replace(/\r\n/g, '\n'));
  return m ? m[0].trim() : undefined;
}

/**
 * A psql restore command that stops at the first error (`-v ON_ERROR_STOP=1`) and, unless the dump creates
 * the database itself (`pg_dump -C`, `pg_dumpall`), restores in one transaction: nothing or everything.
 */
export function strictRestoreCommand(command: string, singleTransaction = true): string {
  const m = /\bpsql\b/.exec(command);
  if (!m) return command;
  const at = m.index + 'psql'.length;
  const args = command.slice(at).split(/[;|&]/)[0];
  const flags: string[] = [];
  if (!/ON_ERROR_STOP/.test(args)) flags.push('-v ON_ERROR_STOP=1');
  if (singleTransaction && !/(?:^|\s)(?:-1|--single-transaction)(?=\s|$)/.test(args)) {
    flags.push('--single-transaction');
  }
  return flags.length > 0 ? `${command.slice(0, at)} ${flags.join(' ')}${command.slice(at)}` : command;
}

/** Whether a dump made by `backupCommand` can be restored in one transaction (it does not create a database). */
export function dumpAllowsSingleTransaction(backupCommand: string): boolean {
  if (/\bpg_dumpall\b/.test(backupCommand)) return false;
  const dump = dumpArguments(backupCommand.replace(/\\\n/g, ' '));
  return !dump || !/(?:^|\s)(?:-C|--create)(?=\s|$)/.test(dump.args);
}
