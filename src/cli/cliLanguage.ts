import * as l10n from '@vscode/l10n';
import { type Language } from '../core/util/language';
// Bundled into dist/cli.js by webpack: the CLI needs no file beside it to speak French.
import frBundle from '../../l10n/bundle.l10n.fr.json';

/** Makes every `l10n.t` of the CLI and of src/core answer in `language` (English: the messages' own text). */
export function useLanguage(language: Language): void {
  l10n.config({ contents: language === 'fr' ? frBundle : {} });
}
