#!/usr/bin/env node
// Every tier, in order: lint, typecheck, build, compile-tests, package, unit, node, integration, e2e.
// Starts one PostgreSQL cluster and one sshd for all tiers (DRIFT_GUARD_TEST_PG / DRIFT_GUARD_TEST_SSHD), runs
// each tier in its own process group, stops everything it started even on failure or Ctrl-C, prints a summary
// with per-tier durations and test counts, and exits non-zero when any tier failed.
//
//   node test/harness/runAll.mjs                 all tiers (scripts/test.sh runs setup.sh first)
//   node test/harness/runAll.mjs unit e2e        only these tiers (their prerequisites are not run for you)
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cleanup, HarnessError, RESULTS, ROOT, ensureFixtures, ensureRunId, killGroup, seconds } from './lib.mjs';

/** Tier name → npm script, and the tiers whose failure makes it pointless. */
const TIERS = [
  { name: 'lint', script: 'lint', needs: [] },
  { name: 'typecheck', script: 'typecheck', needs: [] },
  { name: 'build', script: 'build', needs: [] },
  { name: 'compile-tests', script: 'compile-tests', needs: [] },
  { name: 'package', script: 'package', needs: ['build'] },
  // Plain Node: no PostgreSQL, no sshd (test/fixtures/tier.ts refuses them), so no fixtures.
  { name: 'unit', script: 'test:unit', needs: ['compile-tests'], counts: 'mocha' },
  // Node integration: real PostgreSQL, sshd, engine worker and bundled CLI; no VS Code.
  { name: 'node', script: 'test:node', needs: ['build', 'compile-tests'], fixtures: true, counts: 'mocha' },
  {
    name: 'integration',
    script: 'test:integration',
    needs: ['build', 'compile-tests'],
    fixtures: true,
    counts: 'integration',
  },
  { name: 'e2e', script: 'test:e2e', needs: ['package', 'compile-tests'], fixtures: true, counts: 'e2e' },
];

const cleanup = new Cleanup();
let current;
const temp = privateTempDir();

/** Runs `npm run -s <script>` in its own process group, echoing its output; resolves with exit code and output. */
function runTier(tier) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', tier.script], {
      cwd: ROOT,
      // Tiers write to a pipe; keep colours only when this runner itself talks to a terminal.
      env: { ...process.env, ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' }) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    current = child;
    let output = '';
    const echo = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', echo(process.stdout));
    child.stderr.on('data', echo(process.stderr));
    child.once('error', (error) => {
      output += String(error);
      resolve({ code: 1, output });
    });
    child.once('close', (code, signal) => {
      current = undefined;
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

// On Ctrl-C the running tier (its own group, so the terminal's SIGINT does not reach it) is stopped first.
cleanup.add('stop the running tier', async () => {
  if (current?.pid) await killGroup(current.pid, 20_000);
});

function mochaCounts(output) {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  // Mocha's closing lines only ("  12 passing (3s)", "  1 pending"): two spaces in, nothing after but a duration,
  // so a failure dump that shows a tree row "1 pending" is not counted.
  const count = (word) =>
    [...plain.matchAll(new RegExp(`^ {2}(\\d+) ${word}(?: \\([^)]*\\))?$`, 'gm'))].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  return { passes: count('passing'), failures: count('failing'), pending: count('pending') };
}

function countsOf(tier, output) {
  if (tier.counts === 'mocha') return mochaCounts(output);
  try {
    const result = JSON.parse(fs.readFileSync(path.join(RESULTS, tier.counts, 'result.json'), 'utf8'));
    return { passes: result.passes ?? 0, failures: result.failures ?? 0, pending: result.pending ?? 0 };
  } catch {
    return mochaCounts(output);
  }
}

function banner(text) {
  const line = '─'.repeat(Math.max(4, 72 - text.length));
  process.stdout.write(`\n── ${text} ${line}\n`);
}

/**
 * Every tier and fixture of the run writes its temporary files into one private folder under the OS temp dir
 * (TMPDIR, inherited by every process started): after the run, what is still in it was left behind by a test
 * or a fixture. {@link leftovers} lists it (the summary reports it) and removes the folder, so a run leaves
 * nothing in the OS temp dir either way. Mode 1777 like /tmp: the PostgreSQL fixture runs initdb as `postgres`.
 */
function privateTempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-guard-run-'));
  fs.chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  let listed;
  const leftovers = () => {
    if (listed) return listed;
    listed = [];
    try {
      listed = fs
        .readdirSync(dir, { withFileTypes: true })
        .map((entry) => entry.name + (entry.isDirectory() ? '/' : ''));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return listed;
  };
  // Also on Ctrl-C or a crash (cleanup steps run in reverse order: this one last).
  cleanup.add("remove the run's temp dir", () => void leftovers());
  return { dir, leftovers };
}

async function main() {
  const started = Date.now();
  ensureRunId();
  const only = process.argv.slice(2);
  for (const name of only) {
    if (!TIERS.some((t) => t.name === name)) {
      throw new HarnessError(`unknown tier "${name}" (tiers: ${TIERS.map((t) => t.name).join(', ')})`);
    }
  }
  const selected = only.length > 0 ? TIERS.filter((t) => only.includes(t.name)) : TIERS;
  fs.mkdirSync(RESULTS, { recursive: true });

  const results = [];
  const failed = new Set();
  let fixturesReady = false;
  for (const tier of selected) {
    if (cleanup.interrupted) {
      results.push({ name: tier.name, status: 'skipped', ms: 0, note: `interrupted (${cleanup.interrupted})` });
      continue;
    }
    const blockedBy = tier.needs.filter((n) => failed.has(n));
    if (blockedBy.length > 0) {
      results.push({ name: tier.name, status: 'skipped', ms: 0, note: `needs ${blockedBy.join(', ')}` });
      failed.add(tier.name);
      continue;
    }
    banner(tier.name);
    const tierStarted = Date.now();
    if (tier.fixtures && !fixturesReady) {
      try {
        await ensureFixtures(cleanup, 'test');
        fixturesReady = true;
      } catch (error) {
        process.stderr.write(`test: could not start the PostgreSQL/sshd fixtures: ${error.message}\n`);
        results.push({
          name: tier.name,
          status: 'FAILED',
          ms: Date.now() - tierStarted,
          note: 'fixtures did not start',
        });
        failed.add(tier.name);
        continue;
      }
    }
    const { code, output } = await runTier(tier);
    const ms = Date.now() - tierStarted;
    const counts = tier.counts ? countsOf(tier, output) : undefined;
    const ok = code === 0;
    if (!ok) failed.add(tier.name);
    results.push({ name: tier.name, status: ok ? 'ok' : 'FAILED', ms, counts, note: ok ? '' : `exit code ${code}` });
    process.stdout.write(`── ${tier.name}: ${ok ? 'ok' : 'FAILED'} in ${seconds(ms)}\n`);
  }

  await cleanup.run();
  const leftovers = temp.leftovers();

  // A skipped test cannot fail: here the harness provides every fixture (PostgreSQL, sshd, shell integration),
  // so a skip means one of them silently went missing — the tier fails rather than passing with holes.
  for (const r of results) {
    if (!r.counts?.pending) continue;
    r.status = 'FAILED';
    r.note = `${r.note ? `${r.note}; ` : ''}${r.counts.pending} skipped (a fixture missing? see the tier's log)`;
  }
  const totals = { passes: 0, failures: 0, pending: 0 };
  banner('summary');
  for (const r of results) {
    if (r.counts) for (const key of Object.keys(totals)) totals[key] += r.counts[key];
    const counts = r.counts
      ? `${r.counts.passes} passed, ${r.counts.failures} failed${r.counts.pending ? `, ${r.counts.pending} pending` : ''}`
      : '';
    process.stdout.write(
      `  ${r.name.padEnd(14)} ${r.status.padEnd(8)} ${seconds(r.ms).padStart(7)}  ${counts}${r.note ? `${counts ? '; ' : ''}${r.note}` : ''}\n`,
    );
  }
  const totalMs = Date.now() - started;
  const ok = results.every((r) => r.status === 'ok');
  fs.writeFileSync(
    path.join(RESULTS, 'summary.json'),
    `${JSON.stringify({ ok, totalMs, totals, tiers: results, tempLeftovers: leftovers }, null, 2)}\n`,
  );
  if (leftovers.length > 0) {
    process.stdout.write(
      `  temp dir: ${leftovers.length} leftover(s) after the run (removed now; a test or fixture does not clean up):\n`,
    );
    for (const entry of leftovers) process.stdout.write(`    ${entry}\n`);
  } else {
    process.stdout.write('  temp dir: nothing left behind\n');
  }
  process.stdout.write(
    `  ${'total'.padEnd(14)} ${(ok ? 'ok' : 'FAILED').padEnd(8)} ${seconds(totalMs).padStart(7)}\n\n`,
  );
  // The plain closing line CI reads.
  process.stdout.write(
    `tests: ${totals.passes} passed, ${totals.failures} failed${totals.pending ? `, ${totals.pending} skipped` : ''}\n`,
  );
  return ok ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (error) {
  await cleanup.run();
  process.stderr.write(`test: ${error instanceof HarnessError ? error.message : (error.stack ?? error)}\n`);
  process.exitCode = 1;
}
