/**
 * Secrets out of text that goes to logs and run logs: a command line typed in a terminal may carry a connection
 * URL with its password (`DATABASE_URL=postgresql://u:pw@host/db npx prisma db push`, `--url …`), a
 * `PGPASSWORD=…` assignment or a `--password …` option.
 */

const MASK = '****';

/** `scheme://user:password@` → `scheme://user:****@`, for every URL in the text (quoted or not). */
function redactUrlPasswords(text: string): string {
  // The lookbehind starts a scheme only where one can start: without it every position of a long word was tried
  // to its end (quadratic — 0.2 s for a 20 KB command line).
  return text.replace(
    /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*):([^\s@]*)@/gi,
    (_all, head: string) => `${head}:${MASK}@`,
  );
}

/** Values of variables and options whose name says they hold a secret. */
function redactNamedSecrets(text: string): string {
  const name = String.raw`[A-Za-z_][A-Za-z0-9_]*(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_KEY|APIKEY)[A-Za-z0-9_]*`;
  const value = String.raw`(?:'[^']*'|"(?:[^"\\]|\\.)*"|[^\s'"]+)`;
  return text
    .replace(new RegExp(String.raw`\b(${name})=${value}`, 'gi'), (_all, key: string) => `${key}=${MASK}`)
    .replace(
      new RegExp(String.raw`(--(?:password|passphrase|secret|token)(?:=|\s+))${value}`, 'gi'),
      (_all, option: string) => `${option}${MASK}`,
    );
}

/** The text with every password, secret or token it shows replaced by `****`. */
export function redactSecrets(text: string): string {
  return redactNamedSecrets(redactUrlPasswords(text));
}
