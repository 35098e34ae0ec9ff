/** The languages the product's messages exist in (English is the default and the key of every message). */
export const LANGUAGES = ['en', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * The CLI's language: `--lang` wins; else the POSIX locale of messages (`LC_ALL`, then `LC_MESSAGES`, then `LANG`,
 * the first one set), French for `fr`, `fr_FR.UTF-8`, `fr-CA`…, English for anything else (`C`, `POSIX`, `de_DE`).
 */
export function pickLanguage(env: Record<string, string | undefined>, flag?: string): Language {
  if (flag !== undefined) {
    const wanted = flag.trim().toLowerCase();
    if (!(LANGUAGES as readonly string[]).includes(wanted)) {
      throw new RangeError(`--lang ${flag}: use one of ${LANGUAGES.join(', ')}.`);
    }
    return wanted as Language;
  }
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v.trim() !== '') ?? '';
  return /^fr(?:[_.@-]|$)/i.test(locale.trim()) ? 'fr' : 'en';
}
