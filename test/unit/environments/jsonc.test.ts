import * as assert from 'node:assert/strict';
import { parseJsonc } from '../../../src/core/environments/jsonc';

describe('environments: settings.json as JSONC', () => {
  it('keeps ", }" inside a string (the hand-written parser dropped the comma)', () => {
    assert.deepEqual(parseJsonc('{"x": "keep, }"}'), { x: 'keep, }' });
    assert.deepEqual(parseJsonc('{"x": ["a, ]", "b"]}'), { x: ['a, ]', 'b'] });
  });

  it('reads comments, trailing commas and a byte-order mark as VS Code does', () => {
    const text = '\uFEFF{\n  // line comment\n  "a": [1, 2,], /* block, } */\n  "b": "// not a comment",\n}\n';
    assert.deepEqual(parseJsonc(text), { a: [1, 2], b: '// not a comment' });
  });

  it('throws on malformed text instead of returning partial settings', () => {
    assert.throws(() => parseJsonc('{"a": 1, b: 2}'), SyntaxError);
    assert.throws(() => parseJsonc('{"a": 1} trailing'), SyntaxError);
    assert.throws(() => parseJsonc(''), SyntaxError);
  });
});
