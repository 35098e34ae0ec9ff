/**
 * The team's local steps that need the Prisma CLI (`npx prisma migrate diff …`, `migrate resolve --applied …`,
 * `migrate status`) fail where the CLI cannot run (no network to fetch it, a firewall, a machine without the
 * project's node_modules). Each has an equivalent in the extension, run by its engine: the runbook offers it beside
 * Run and records it in the run log as the equivalent it ran.
 */
import { splitCommands } from '../util/shellWords';

/** The extension's equivalent of a Prisma CLI step. */
export type StepEquivalent =
  /** `migrate diff --from-migrations … --to-schema-datamodel … --script` (the baseline's SQL): Create Baseline. */
  | { kind: 'createBaseline' }
  /** `migrate resolve --applied NAME`: Mark Applied, only once the proof passes. */
  | { kind: 'markApplied'; migration: string }
  /** `migrate status`: the engine's migration status of the environment (history and drift). */
  | { kind: 'status' };

const RUNNERS = new Set(['npx', '--yes', '-y', 'exec', 'dlx', 'yarn', 'bunx', 'x', 'run']);

/** The Prisma CLI's arguments of the first `prisma` invocation in `command` (after npx/pnpm/yarn/bunx…). */
function prismaArgs(command: string): string[] | undefined {
  for (const words of splitCommands(command)) {
    // `prisma` run as a command: first word, a path to the binary, or after a runner (npx, pnpm exec, yarn, bunx…).
    const at = words.findIndex(
      (w, i) =>
        (w === 'prisma' || w.endsWith('/prisma')) && (i === 0 || RUNNERS.has(words[i - 1]) || w.endsWith('/prisma')),
    );
    if (at >= 0) return words.slice(at + 1);
  }
  return undefined;
}

/** The equivalent of a step's command (variables already substituted), when it has one. */
export function stepEquivalent(command: string): StepEquivalent | undefined {
  const args = prismaArgs(command);
  if (!args || args[0] !== 'migrate') return undefined;
  const sub = args[1];
  if (sub === 'status') return { kind: 'status' };
  if (sub === 'resolve') {
    const i = args.findIndex((a) => a === '--applied' || a.startsWith('--applied='));
    if (i < 0) return undefined;
    const migration = args[i].startsWith('--applied=') ? args[i].slice('--applied='.length) : args[i + 1];
    // A name still made of shell expansions cannot be told before it runs.
    if (!migration || /[$`]/.test(migration)) return undefined;
    return { kind: 'markApplied', migration };
  }
  if (sub === 'diff') {
    const from = args.some((a) => a === '--from-migrations' || a.startsWith('--from-migrations='));
    const to = args.some((a) => /^--to-schema(?:-datamodel)?(?:=|$)/.test(a));
    if (from && to) return { kind: 'createBaseline' };
  }
  return undefined;
}
