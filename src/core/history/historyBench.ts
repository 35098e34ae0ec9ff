/**
 * Bench of the migration status alone (the explorer's per-environment cost beside the database round
 * trip): N migration folders on disk and N rows of `_prisma_migrations` in every state, read and turned
 * into a {@link HistoryStatus} as `historyStatus` does. Target for 500 migrations: ≤ 150 ms.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { migrationChecksum } from './checksums';
import { computeHistoryStatus, type HistoryStatus, type LocalMigration, type MigrationRecord } from './status';

/** Result of {@link benchHistoryStatus}; times in milliseconds. */
export interface HistoryBenchResult {
  migrations: number;
  runs: number;
  /** Reading every migration.sql and computing the status, median of the runs. */
  medianMs: number;
  /** The same, slowest run. */
  maxMs: number;
  /** Computing the status alone (checksums, states, ordering hazards), median. */
  computeMedianMs: number;
  runsMs: number[];
  /** How many migrations ended in each state (checks the synthetic history covers them all). */
  states: Record<string, number>;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function name(i: number): string {
  const day = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000);
  const stamp = day.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${stamp}_change_${String(i).padStart(4, '0')}`;
}

/** A realistic migration: a table, a foreign key to an earlier one, an index, a column added later. */
function sql(i: number): string {
  const lines = [
    '-- CreateTable',
    `CREATE TABLE "table_${i}" (`,
    '    "id" TEXT NOT NULL,',
    '    "name" TEXT NOT NULL,',
    '    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,',
    `    "parent_id" TEXT,`,
    '',
    `    CONSTRAINT "table_${i}_pkey" PRIMARY KEY ("id")`,
    ');',
    '',
    '-- CreateIndex',
    `CREATE INDEX "table_${i}_name_idx" ON "table_${i}"("name");`,
  ];
  if (i > 0) {
    lines.push(
      '',
      '-- AddForeignKey',
      `ALTER TABLE "table_${i}" ADD CONSTRAINT "table_${i}_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "table_${i - 1}"("id") ON DELETE SET NULL ON UPDATE CASCADE;`,
    );
    lines.push('', '-- AlterTable', `ALTER TABLE "table_${i - 1}" ADD COLUMN "note_${i}" TEXT;`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes the synthetic migrations and the matching records (every state represented). */
async function prepare(
  dir: string,
  count: number,
): Promise<{ folders: { name: string; sqlPath: string }[]; records: MigrationRecord[] }> {
  const folders: { name: string; sqlPath: string }[] = [];
  const records: MigrationRecord[] = [];
  const base = Date.UTC(2024, 0, 1);
  for (let i = 0; i < count; i++) {
    const n = name(i);
    const text = sql(i);
    const folder = path.join(dir, n);
    await mkdir(folder);
    const sqlPath = path.join(folder, 'migration.sql');
    await writeFile(sqlPath, text);
    folders.push({ name: n, sqlPath });
    const started = new Date(base + i * 60_000).toISOString();
    const finished = new Date(base + i * 60_000 + 40).toISOString();
    const record: MigrationRecord = {
      id: `id-${i}`,
      checksum: migrationChecksum(text),
      migrationName: n,
      logs: null,
      startedAt: started,
      finishedAt: finished,
      rolledBackAt: null,
      appliedStepsCount: 1,
    };
    const tail = count - i;
    if (tail <= 5) continue; // the last five are pending
    if (tail <= 7) {
      records.push({ ...record, finishedAt: null, logs: 'ERROR: relation already exists', appliedStepsCount: 0 });
    } // failed
    else if (tail <= 9) {
      records.push({ ...record, rolledBackAt: finished, finishedAt: null });
    } // rolled back
    else if (i % 97 === 3) {
      records.push({ ...record, checksum: migrationChecksum(text.replace(/\n/g, '\r\n')) });
    } // modified (line endings)
    else if (i % 89 === 5) {
      records.push({ ...record, checksum: migrationChecksum(`${text}-- edited\n`) });
    } // modified (content)
    else records.push(record);
  }
  for (let i = 0; i < 3; i++) {
    records.push({
      id: `gone-${i}`,
      checksum: 'f'.repeat(64),
      migrationName: `${name(i)}_removed`,
      logs: null,
      startedAt: new Date(base).toISOString(),
      finishedAt: new Date(base + 10).toISOString(),
      rolledBackAt: null,
      appliedStepsCount: 1,
    });
  }
  return { folders, records };
}

/** Runs the bench on a temporary folder (removed afterwards). */
export async function benchHistoryStatus(
  options: { migrations?: number; runs?: number } = {},
): Promise<HistoryBenchResult> {
  const count = options.migrations ?? 500;
  const runs = options.runs ?? 7;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'drift-guard-history-bench-'));
  try {
    const { folders, records } = await prepare(dir, count);
    const total: number[] = [];
    const compute: number[] = [];
    let last: HistoryStatus | undefined;
    // One unmeasured run warms the file cache and the JIT, as the second analysis of a session would be.
    for (let run = -1; run < runs; run++) {
      const started = performance.now();
      const local: LocalMigration[] = await Promise.all(
        folders.map(async (f) => ({ name: f.name, sqlPath: f.sqlPath, sql: await readFile(f.sqlPath, 'utf8') })),
      );
      const computeStarted = performance.now();
      last = computeHistoryStatus(local, records);
      const ended = performance.now();
      if (run < 0) continue;
      total.push(ended - started);
      compute.push(ended - computeStarted);
    }
    const states: Record<string, number> = {};
    for (const m of last?.migrations ?? []) states[m.state] = (states[m.state] ?? 0) + 1;
    return {
      migrations: count,
      runs,
      medianMs: median(total),
      maxMs: Math.max(...total),
      computeMedianMs: median(compute),
      runsMs: total,
      states,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
