/**
 * Every guard-rail finding of one project, from what the analyses already know: the local migrations
 * (names and SQL), each environment's history (applied order, recorded checksums, the engine's ordering
 * hazards) and, when available, the order the migrations were committed in. Used by `drift-guard check`
 * and by the extension's diagnostics and Migrations view.
 */
import { type OrderingHazard } from '../history/status';
import {
  appliedIndex,
  appliedViolationFinding,
  checkAppliedContent,
  deletedViolation,
  type EnvironmentHistory,
} from './appliedMigrations';
import { type AddingCommit, commitMessageFindings } from './commitMessages';
import { type GuardFinding, sortFindings } from './guardFindings';
import { appliedOrder, mergeAppliedOrders, migrationNameFindings, type ObservedOrder } from './migrationNames';

/** Input of {@link projectGuardFindings}. */
export interface ProjectGuardInput {
  /** Every local migration; `sql` undefined when migration.sql could not be read. */
  migrations: ReadonlyArray<{ name: string; sqlPath?: string; sql?: string }>;
  /** The histories of the environments that could be read, with their ordering hazards. */
  histories?: ReadonlyArray<EnvironmentHistory & { hazards?: readonly OrderingHazard[] }>;
  /** The committed order (git), when known. */
  written?: ObservedOrder;
  /**
   * Recorded-as-applied migrations whose folder was deleted here (the caller decides: gone since the last
   * look, or still in git's HEAD). Without it, migrations missing locally are left to the history status.
   */
  deleted?: readonly string[];
  /** The commit that added each migration (git), for rule 4's notes. */
  commits?: ReadonlyMap<string, AddingCommit>;
}

/** Names, ordering and applied-migration findings, errors first. */
export function projectGuardFindings(input: ProjectGuardInput): GuardFinding[] {
  const histories = input.histories ?? [];
  const observed: ObservedOrder[] = mergeAppliedOrders(
    histories.map((h) => ({ environment: h.environment, names: appliedOrder(h.migrations) })),
  );
  if (input.written) observed.push(input.written);
  const findings = migrationNameFindings({
    migrations: input.migrations,
    observed,
    appliedHazards: histories.flatMap((h) =>
      (h.hazards ?? []).map((hazard) => ({ environment: h.environment, hazard })),
    ),
  });
  const index = appliedIndex(histories);
  for (const m of input.migrations) {
    if (m.sql === undefined) continue;
    const violation = checkAppliedContent(m.name, m.sql, index.get(m.name));
    if (violation) findings.push(appliedViolationFinding(violation));
  }
  for (const name of input.deleted ?? []) {
    const violation = deletedViolation(name, index.get(name));
    if (violation) findings.push(appliedViolationFinding(violation));
  }
  if (input.commits) findings.push(...commitMessageFindings(input.migrations, input.commits));
  return sortFindings(findings);
}
