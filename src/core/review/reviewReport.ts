/**
 * The review's outputs: plain text for a terminal, and the markdown review comment to paste into a pull request.
 * Plain data in, text out; paths are shown through `relative` (the CLI makes them relative to its working folder).
 */
import * as l10n from '@vscode/l10n';
import { type ReviewFinding, reviewRules, type ReviewSeverity } from './reviewFindings';

/** What a review looked at and found. */
export interface ReviewReport {
  /** What "pending" was measured against (`not in origin/main`, `not applied on production`). */
  basis: string;
  /** The pending migrations' names, in order. */
  pending: string[];
  findings: ReviewFinding[];
}

function counts(findings: readonly ReviewFinding[]): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const e = errors === 1 ? l10n.t('1 error') : l10n.t('{0} errors', errors);
  const w = warnings === 1 ? l10n.t('1 warning') : l10n.t('{0} warnings', warnings);
  return `${e}, ${w}`;
}

function headline(report: ReviewReport): string {
  if (report.pending.length === 0) return l10n.t('No pending migration ({0}): nothing to review.', report.basis);
  const n =
    report.pending.length === 1
      ? l10n.t('1 pending migration')
      : l10n.t('{0} pending migrations', report.pending.length);
  return l10n.t('Review of {0} ({1}): {2}.', n, report.basis, counts(report.findings));
}

function severityWord(severity: ReviewSeverity): string {
  return severity === 'error' ? l10n.t('error') : l10n.t('warning');
}

/** Terminal text: one block per finding, `file:line:character  severity  rule`, why, then the safe rewrite. */
export function reviewText(report: ReviewReport, relative: (file: string) => string = (f) => f): string {
  const lines = [headline(report)];
  for (const f of report.findings) {
    lines.push(
      '',
      `${relative(f.file)}:${f.line}:${f.character}  ${severityWord(f.severity)}  ${f.rule}`,
      `  ${f.message}`,
      `  ${l10n.t('Safe rewrite: {0}', f.fix)}`,
    );
  }
  return lines.join('\n');
}

/** `|` and line breaks would end a table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * A review comment for a pull request: the headline, the pending migrations, one table row per finding and the
 * safe rewrite of each rule found, plus how to waive a rule for one statement.
 */
export function reviewMarkdown(report: ReviewReport, relative: (file: string) => string = (f) => f): string {
  const out = [`### ${l10n.t('drift-guard review of the pending migrations')}`, '', headline(report)];
  if (report.pending.length > 0) out.push('', report.pending.map((name) => `- \`${name}\``).join('\n'));
  if (report.findings.length === 0) return [...out, '', l10n.t('No risky statement found.')].join('\n');
  out.push('', `| | ${l10n.t('Rule')} | ${l10n.t('Where')} | ${l10n.t('Why')} |`, '|---|---|---|---|');
  for (const f of report.findings) {
    const icon = f.severity === 'error' ? '🛑' : '⚠️';
    out.push(`| ${icon} | \`${f.rule}\` | \`${cell(relative(f.file))}:${f.line}\` | ${cell(f.message)} |`);
  }
  const found = new Set(report.findings.map((f) => f.rule));
  out.push('', `#### ${l10n.t('Safe rewrites')}`, '');
  for (const rule of reviewRules().filter((r) => found.has(r.id))) out.push(`- **\`${rule.id}\`** — ${rule.rewrite}`);
  out.push(
    '',
    l10n.t(
      'To accept a statement as it is, say why in a comment before it: {0}',
      '`-- drift-guard-ignore <rule>: <reason>`',
    ),
  );
  return out.join('\n');
}
