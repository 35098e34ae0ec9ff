/**
 * Rule 4, "document each migration in the commit message": the pure judgement of a message, and the commits
 * that added each migration read from a real repository in a temp folder (none outside git).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commitMessageFindings, subjectWords, undocumentedReason } from '../../../src/core/guards/commitMessages';
import { addingCommits } from '../../../src/core/guards/git';
import { projectGuardFindings } from '../../../src/core/guards/projectGuards';

describe('guard rails: commit messages (rule 4)', function () {
  this.timeout(30_000);

  it('judges a message against the migration subject', () => {
    assert.deepEqual(subjectWords('20260218093000_add_invoices_due_date'), ['invoices', 'due', 'date']);
    assert.equal(undocumentedReason('20260218093000_add_invoices_due_date', ''), 'its message is empty');
    assert.match(undocumentedReason('20260218093000_add_invoices_due_date', 'wip') ?? '', /"wip" says nothing/);
    assert.match(
      undocumentedReason('20260218093000_add_invoices_due_date', 'fix\n\nupdate') ?? '',
      /"fix" says nothing/,
    );
    assert.match(
      undocumentedReason('20260218093000_add_invoices_due_date', 'Refactor the login page') ?? '',
      /does not name what it changes \(invoices, due, date\)/,
    );
    assert.equal(
      undocumentedReason('20260218093000_add_invoices_due_date', 'Invoicing: a due date on each invoice'),
      undefined,
    );
    assert.equal(
      undocumentedReason('20260218093000_add_invoices_due_date', 'feat: 20260218093000_add_invoices_due_date'),
      undefined,
    );
    // A name without subject words is the name rail's business: only an empty or filler message is noted.
    assert.equal(undocumentedReason('20260218093000_migration', 'Billing work'), undefined);
  });

  describe('on a real repository', () => {
    let repo: string;
    let migrations: string;
    const git = (args: string[]): void => {
      execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], {
        cwd: repo,
        stdio: 'ignore',
      });
    };
    const write = async (name: string): Promise<void> => {
      await fs.mkdir(path.join(migrations, name), { recursive: true });
      await fs.writeFile(path.join(migrations, name, 'migration.sql'), `-- ${name}\n`);
    };

    before(async () => {
      repo = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-commits-'));
      migrations = path.join(repo, 'prisma', 'migrations');
      git(['init', '-q']);
      await write('20260127000000_init');
      git(['add', '-A']);
      git(['commit', '-qm', 'Initial schema: init']);
      await write('20260214100000_fix_cascade_constraints');
      git(['add', '-A']);
      git(['commit', '-qm', 'wip']);
      await write('20260217100000_baseline_invoicing');
      git(['add', '-A']);
      git(['commit', '-q', '--allow-empty-message', '-m', '']);
      await write('20260218100000_add_invoices_due_date');
      git(['add', '-A']);
      git(['commit', '-qm', 'Invoices get a due date']);
      // Touched again later with another message: the adding commit counts.
      await fs.appendFile(path.join(migrations, '20260218100000_add_invoices_due_date', 'migration.sql'), '-- more\n');
      git(['commit', '-qam', 'wip']);
    });

    after(async () => {
      await fs.rm(repo, { recursive: true, force: true });
    });

    it('reads the adding commit of each migration and notes the undocumented ones (a note, in check)', async () => {
      const commits = await addingCommits(migrations);
      assert.ok(commits);
      assert.equal(commits.get('20260214100000_fix_cascade_constraints')?.message, 'wip');
      assert.equal(commits.get('20260218100000_add_invoices_due_date')?.message, 'Invoices get a due date');
      const names = [...commits.keys()].sort().map((name) => ({ name }));
      const findings = commitMessageFindings(names, commits);
      assert.deepEqual(
        findings.map((f) => [f.migration, f.severity, f.code]),
        [
          ['20260214100000_fix_cascade_constraints', 'info', 'migration-commit-undocumented'],
          ['20260217100000_baseline_invoicing', 'info', 'migration-commit-undocumented'],
        ],
      );
      assert.match(
        findings[0].message,
        /^The commit that added 20260214100000_fix_cascade_constraints \([0-9a-f]{7}\) does not document it: its message "wip" says nothing about what it changes\. Team rule 4/,
      );
      assert.match(findings[1].message, /its message is empty/);
      const all = projectGuardFindings({ migrations: names, commits });
      assert.equal(all.filter((f) => f.code === 'migration-commit-undocumented').length, 2);
    });

    it('says nothing outside git', async () => {
      // Not under TMPDIR: the test's TMPDIR may be inside a clone of this repository.
      const outside = await fs.mkdtemp(path.join('/tmp', 'dg-nogit-'));
      try {
        assert.equal(await addingCommits(outside), undefined);
      } finally {
        await fs.rm(outside, { recursive: true, force: true });
      }
    });
  });
});
