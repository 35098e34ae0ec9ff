/**
 * The one shell lexer of the project: every place that needs the *words* of a command line (the `db push` guard,
 * the runbook classifier and equivalents, the runbook's `ssh` login detection) uses these functions, so a quote,
 * an escape, a `#` comment or a `&&` is read the same way on every safety path.
 *
 * Why our own and not `shell-quote`: `shell-quote` expands `$VAR`s (or needs an env callback), turns operators
 * into objects and knows neither `$(…)` kept whole nor `\`-newline continuations; a bash parser would be far
 * larger than the few rules we need. Cutting a runbook block into steps (heredocs, `if … fi`) is a different job,
 * done by runbook/shell.ts `splitShell` before the words of each step are read here.
 */

/**
 * Splits a command line into simple commands (`;`, `&&`, `||`, `|`, `&`, newlines, `(`/`)` and
 * backquotes), each as its words with quotes and backslashes resolved. `$(…)` stays inside its word.
 */
export function splitCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && i + 1 < line.length) {
      if (line[i + 1] === '\n') {
        i++;
        continue;
      }
      word += line[++i];
      inWord = true;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      word += line.slice(i + 1, end < 0 ? line.length : end);
      inWord = true;
      i = end < 0 ? line.length : end;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1])) j++;
        word += line[j];
      }
      inWord = true;
      i = j;
    } else if (ch === '$' && line[i + 1] === '(') {
      // Keep a command substitution whole inside the word.
      let depth = 0;
      let j = i;
      for (; j < line.length; j++) {
        if (line[j] === '(') depth++;
        else if (line[j] === ')' && --depth === 0) break;
      }
      word += line.slice(i, j + 1);
      inWord = true;
      i = j;
    } else if (ch === ';' || ch === '\n' || ch === '&' || ch === '|' || ch === '(' || ch === ')' || ch === '`') {
      endCommand();
    } else if (ch === '#' && !inWord) {
      const end = line.indexOf('\n', i);
      if (end < 0) break;
      i = end - 1;
    } else if (/\s/.test(ch)) {
      endWord();
    } else {
      word += ch;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

/** Reads one shell word at `start` (quotes removed, `$(…)` and `${…}` kept whole). */
export function shellWord(text: string, start: number): string {
  let out = '';
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (depth === 0 && /[\s;&|<>]/.test(ch)) break;
    if ((ch === '"' || ch === "'") && depth === 0) {
      const end = text.indexOf(ch, i + 1);
      out += text.slice(i + 1, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (ch === '$' && (text[i + 1] === '(' || text[i + 1] === '{')) {
      depth++;
      out += ch + text[i + 1];
      i++;
      continue;
    }
    if ((ch === ')' || ch === '}') && depth > 0) depth--;
    out += ch;
  }
  return out;
}
