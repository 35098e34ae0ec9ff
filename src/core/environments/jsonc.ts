import { parse, type ParseError, printParseErrorCode } from 'jsonc-parser';

/**
 * JSON with comments and trailing commas (VS Code's settings.json format) → a value, with `jsonc-parser`, the
 * parser VS Code itself uses for settings. Throws on malformed text (the first error, with its offset), so a
 * broken settings.json is reported rather than read as partial settings.
 */
export function parseJsonc(text: string): unknown {
  const errors: ParseError[] = [];
  // jsonc-parser reports a byte-order mark as an invalid symbol; editors on Windows write one.
  const value = parse(text.replace(/^\uFEFF/, ''), errors, {
    allowTrailingComma: true,
    disallowComments: false,
  }) as unknown;
  const first = errors[0];
  if (first) throw new SyntaxError(`${printParseErrorCode(first.error)} at offset ${first.offset}`);
  return value;
}
