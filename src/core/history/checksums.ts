import { createHash } from 'node:crypto';

/** sha256 (hex) of a migration file's bytes, as Prisma records it in `_prisma_migrations.checksum`. */
export function migrationChecksum(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** What kind of difference separates the local file from the recorded checksum, when we can tell. */
export type ChecksumDifference = 'lineEndings' | 'whitespace' | 'content';

/**
 * Explains a checksum mismatch. A checksum cannot be reversed, so we re-hash variants of the
 * local file that a checkout or an editor typically produces — CRLF↔LF, a trailing newline added
 * or removed, trailing spaces, a BOM — and say `lineEndings` / `whitespace` when one of them
 * matches what was applied; `content` otherwise.
 */
export function explainChecksumMismatch(local: string, recorded: string): ChecksumDifference {
  const want = recorded.toLowerCase();
  const matches = (text: string): boolean => migrationChecksum(text) === want;
  const lf = local.replace(/\r\n/g, '\n');
  const crlf = lf.replace(/\n/g, '\r\n');
  const endingVariants = [lf, crlf];
  if (endingVariants.some(matches)) return 'lineEndings';

  const noBom = (t: string): string => t.replace(/^\uFEFF/, '');
  const trimLines = (t: string, eol: string): string =>
    t
      .split(eol)
      .map((l) => l.replace(/[ \t]+$/, ''))
      .join(eol);
  const candidates = new Set<string>();
  for (const [base, eol] of [
    [lf, '\n'],
    [crlf, '\r\n'],
  ] as const) {
    for (const text of [base, noBom(base), `\uFEFF${base}`, trimLines(base, eol), trimLines(noBom(base), eol)]) {
      candidates.add(text);
      candidates.add(text.replace(/(\r?\n)+$/, ''));
      candidates.add(`${text.replace(/(\r?\n)+$/, '')}${eol}`);
      candidates.add(`${text}${eol}`);
    }
  }
  for (const candidate of candidates) if (matches(candidate)) return 'whitespace';
  return 'content';
}
