/**
 * Pure known_hosts logic (parsing, matching, fingerprints, verdicts) and the small pure helpers of the SSH
 * layer. The vectors (keys, fingerprints, the hashed line) were produced by OpenSSH 9.2's ssh-keygen.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  appendKnownHostLine,
  checkHostKey,
  describeTarget,
  entryMatchesHost,
  formatKnownHostsLine,
  hashHostName,
  HOST_KEY_ALGORITHMS,
  keyTypeOfBlob,
  knownHostName,
  matchGlob,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  quoteShellArg,
  readKnownHostsFiles,
  resolveTarget,
  sha256Fingerprint,
  shellCommand,
  targetKey,
  withEnv,
} from '../../../src/core/remote';

const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAII990Kmd2TuUEZCR31zSA0iJDin6JtcxUmvtw2ibISEg';
const ED25519_FP = 'SHA256:ZO8nXtHFvJDjsnOWBSi5YCl2vaOP96ejonzrc8gA244';
const ECDSA =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBMjHQiIyC9Xyg5jfabuaVzhZwWE6gSWsZD9UrD6HA5IiFTHZ20f0NbHIJV1o8pMIwDXc+R1J7aCDjMvoKH9cFc4=';
const ECDSA_FP = 'SHA256:Zrf6mW19IZEG0GWclf3uiZFxp3aFpIyqCKcGUKEMh/U';
const RSA =
  'AAAAB3NzaC1yc2EAAAADAQABAAABAQC8p6LFOZFKd9E9T4TlXzBhkjygARbdOLrnDTI7pVJ/LNInSTSbm4h/wTD2Uz5h+Sx1N/mD1EoJNf+C25Y00VkqBDFDMApDCf3UiyAzEAdf2FDx2uz2EWQUArfatb2SsatKNRx0eFDhik/t/JPypCVhWlEsKsD4TN/gqA/TxgW0Co8uema+aZ34s1HsP0amrT4uUUBwKeYxf+Jpt144mici6yJTF4wVCngqkJ8qI356lyDZpBQQIUNy2O15ksOL9y1ZverKnej7gowKRiYKXTytqPidXbQZe+E4+wJimkfyjpALPpwMheinINoSA8uFs2bNSlNMvLzRcXfxXt6autWD';
const RSA_FP = 'SHA256:CXtHJO1FzIH6ccVx+YaVVdfUHK4qJa8JCBn0r39mZKc';
/** `ssh-keygen -H` of `[example.com]:2222 ssh-ed25519 ED25519`. */
const HASHED_LINE = `|1|HZYTdPRB+vwA35kDrCzS99a4QGw=|UXM6vbgNjrsb+EgoPPd1Bv5G+9E= ssh-ed25519 ${ED25519}`;

const blob = (b64: string) => Buffer.from(b64, 'base64');

describe('remote: known_hosts parsing and checks', () => {
  it('fingerprints keys exactly as ssh-keygen -l prints them', () => {
    assert.equal(sha256Fingerprint(blob(ED25519)), ED25519_FP);
    assert.equal(sha256Fingerprint(blob(ECDSA)), ECDSA_FP);
    assert.equal(sha256Fingerprint(blob(RSA)), RSA_FP);
    assert.equal(keyTypeOfBlob(blob(ECDSA)), 'ecdsa-sha2-nistp256');
    assert.equal(keyTypeOfBlob(Buffer.from([0, 0])), undefined);
  });

  it('names hosts like ssh: plain on port 22, [host]:port otherwise, lower-cased', () => {
    assert.equal(knownHostName('Example.COM'), 'example.com');
    assert.equal(knownHostName('88.99.254.59', 22), '88.99.254.59');
    assert.equal(knownHostName('127.0.0.1', 2222), '[127.0.0.1]:2222');
  });

  it('parses plain, bracketed, hashed and marked lines; skips comments, blanks and CRLF endings', () => {
    const text = [
      '# comment',
      '',
      `example.com,192.0.2.1 ssh-ed25519 ${ED25519} my comment`,
      `[example.com]:2222 ecdsa-sha2-nistp256 ${ECDSA}\r`,
      HASHED_LINE,
      `@revoked * ssh-rsa ${RSA}`,
      `@cert-authority *.example.com ssh-ed25519 ${ED25519}`,
      '   ',
    ].join('\n');
    const { entries, problems } = parseKnownHosts(text, 'kh');
    assert.deepEqual(problems, []);
    assert.equal(entries.length, 5);
    assert.deepEqual(entries[0].hosts, { kind: 'patterns', patterns: ['example.com', '192.0.2.1'] });
    assert.equal(entries[0].comment, 'my comment');
    assert.equal(entries[0].line, 3);
    assert.equal(entries[1].keyType, 'ecdsa-sha2-nistp256');
    assert.equal(entries[2].hosts.kind, 'hashed');
    assert.equal(entries[3].marker, 'revoked');
    assert.equal(entries[4].marker, 'cert-authority');
  });

  it('reports malformed lines and keeps going', () => {
    const text = [
      'onlyhost',
      `host ssh-ed25519 not*base64`,
      `host ecdsa-sha2-nistp256 ${ED25519}`,
      `@weird host ssh-ed25519 ${ED25519}`,
      `|2|abc|def ssh-ed25519 ${ED25519}`,
      `good ssh-ed25519 ${ED25519}`,
    ].join('\n');
    const { entries, problems } = parseKnownHosts(text, 'kh');
    assert.deepEqual(
      problems.map((p) => p.line),
      [1, 2, 3, 4, 5],
    );
    assert.match(problems[2].message, /says it is ssh-ed25519, the line says ecdsa-sha2-nistp256/);
    assert.equal(entries.length, 1);
  });

  it('matches the hashed entry written by ssh-keygen -H, and only for that name', () => {
    const [entry] = parseKnownHosts(HASHED_LINE).entries;
    assert.ok(entryMatchesHost(entry, '[example.com]:2222'));
    assert.ok(entryMatchesHost(entry, '[EXAMPLE.com]:2222'));
    assert.ok(!entryMatchesHost(entry, 'example.com'));
    assert.ok(!entryMatchesHost(entry, '[example.com]:2223'));
  });

  it('hashes like ssh-keygen: a fixed salt reproduces its line', () => {
    const salt = Buffer.from('HZYTdPRB+vwA35kDrCzS99a4QGw=', 'base64');
    assert.equal(hashHostName('[example.com]:2222', salt), HASHED_LINE.split(' ')[0]);
    const line = formatKnownHostsLine('[example.com]:2222', blob(ED25519), { hash: true });
    const [entry] = parseKnownHosts(line).entries;
    assert.ok(entryMatchesHost(entry, '[example.com]:2222'));
    assert.equal(formatKnownHostsLine('[h]:1', blob(ED25519)), `[h]:1 ssh-ed25519 ${ED25519}`);
  });

  it('matches wildcards and negations like OpenSSH match_hostname', () => {
    assert.ok(matchGlob('db1.example.com', '*.example.com'));
    assert.ok(matchGlob('db1.example.com', 'db?.example.com'));
    assert.ok(!matchGlob('example.com', '*.example.com'));
    assert.ok(matchGlob('[10.0.0.5]:2222', '[10.0.0.*]:2222'));
    assert.ok(matchGlob('aXbXc', '*X*X*'));
    assert.ok(!matchGlob('abc', 'a*d'));
    const [entry] = parseKnownHosts(`*.example.com,!secret.example.com ssh-ed25519 ${ED25519}`).entries;
    assert.ok(entryMatchesHost(entry, 'db.example.com'));
    assert.ok(!entryMatchesHost(entry, 'secret.example.com'));
    assert.ok(!entryMatchesHost(entry, 'other.org'));
  });

  describe('checkHostKey verdicts', () => {
    const host = '[127.0.0.1]:2222';
    it('trusted when an entry for the host holds the key', () => {
      const { entries } = parseKnownHosts(`other ssh-ed25519 ${ED25519}\n${host} ssh-ed25519 ${ED25519}`, 'kh');
      const verdict = checkHostKey(entries, host, blob(ED25519));
      assert.equal(verdict.status, 'trusted');
      assert.equal(verdict.status === 'trusted' && verdict.entry.line, 2);
    });

    it('changed when the host has another key of the same type', () => {
      const otherEd = formatKnownHostsLine(host, blob(ED25519)).replace(ED25519, ED25519.slice(0, -8) + 'AAAAAAAA');
      const { entries } = parseKnownHosts(otherEd, 'kh');
      const verdict = checkHostKey(entries, host, blob(ED25519));
      assert.equal(verdict.status, 'changed');
    });

    it('unknown (listing the known types) when only other key types are known', () => {
      const { entries } = parseKnownHosts(`${host} ecdsa-sha2-nistp256 ${ECDSA}\nelsewhere ssh-ed25519 ${ED25519}`);
      assert.deepEqual(checkHostKey(entries, host, blob(ED25519)), {
        status: 'unknown',
        otherTypes: ['ecdsa-sha2-nistp256'],
      });
      assert.deepEqual(checkHostKey([], host, blob(ED25519)), { status: 'unknown', otherTypes: [] });
    });

    it('revoked wins over a trusting line', () => {
      const { entries } = parseKnownHosts(`${host} ssh-ed25519 ${ED25519}\n@revoked * ssh-ed25519 ${ED25519}`);
      assert.equal(checkHostKey(entries, host, blob(ED25519)).status, 'revoked');
    });

    it('ignores @cert-authority lines (host certificates are not negotiated)', () => {
      const { entries } = parseKnownHosts(`@cert-authority ${host} ssh-ed25519 ${ED25519}`);
      assert.equal(checkHostKey(entries, host, blob(ED25519)).status, 'unknown');
    });

    it('a port-22 entry does not vouch for another port', () => {
      const { entries } = parseKnownHosts(`127.0.0.1 ssh-ed25519 ${ED25519}`);
      assert.equal(checkHostKey(entries, host, blob(ED25519)).status, 'unknown');
      assert.equal(checkHostKey(entries, knownHostName('127.0.0.1', 22), blob(ED25519)).status, 'trusted');
    });
  });

  it('puts the host key algorithms known for the host first', () => {
    const { entries } = parseKnownHosts(
      `h ssh-rsa ${RSA}\nh ecdsa-sha2-nistp256 ${ECDSA}\nother ssh-ed25519 ${ED25519}`,
    );
    const algos = preferredHostKeyAlgorithms(entries, 'h');
    assert.deepEqual(algos.slice(0, 4), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ecdsa-sha2-nistp256']);
    assert.deepEqual([...algos].sort(), [...HOST_KEY_ALGORITHMS].sort());
    assert.deepEqual(preferredHostKeyAlgorithms(entries, 'nobody'), [...HOST_KEY_ALGORITHMS]);
  });

  describe('files', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dg-known-hosts-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('reads several files, skipping missing ones, with file names and lines on entries', async () => {
      const a = path.join(dir, 'a');
      fs.writeFileSync(a, `# x\nh ssh-ed25519 ${ED25519}\n`);
      const parsed = await readKnownHostsFiles([path.join(dir, 'missing'), a]);
      assert.equal(parsed.entries.length, 1);
      assert.equal(parsed.entries[0].file, a);
      assert.equal(parsed.entries[0].line, 2);
      assert.deepEqual(parsed.problems, []);
    });

    it('appends: creates the folder (0700) and file (0600), fixes a missing final newline, skips duplicates', async () => {
      const file = path.join(dir, 'ssh', 'known_hosts');
      await appendKnownHostLine(file, `h1 ssh-ed25519 ${ED25519}`);
      assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      fs.appendFileSync(file, `h2 ssh-ed25519 ${ED25519}`);
      await appendKnownHostLine(file, `h3 ssh-ed25519 ${ED25519}`);
      await appendKnownHostLine(file, `h3 ssh-ed25519 ${ED25519}`);
      assert.equal(
        fs.readFileSync(file, 'utf8'),
        `h1 ssh-ed25519 ${ED25519}\nh2 ssh-ed25519 ${ED25519}\nh3 ssh-ed25519 ${ED25519}\n`,
      );
      await assert.rejects(appendKnownHostLine(file, 'a\nb'), /line break/);
    });

    it('keeps every line when many appends race', async () => {
      const file = path.join(dir, 'known_hosts');
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => appendKnownHostLine(file, `host${i} ssh-ed25519 ${ED25519}`)),
      );
      const { entries, problems } = parseKnownHosts(fs.readFileSync(file, 'utf8'));
      assert.deepEqual(problems, []);
      assert.equal(new Set(entries.map((e) => (e.hosts.kind === 'patterns' ? e.hosts.patterns[0] : ''))).size, 40);
    });
  });
});

describe('remote: targets and shell quoting', () => {
  it('describes and validates targets', () => {
    assert.equal(describeTarget({ host: '88.99.254.59', user: 'root' }), 'root@88.99.254.59:22');
    assert.equal(describeTarget({ host: '::1', port: 2222, user: 'u' }), 'u@[::1]:2222');
    assert.throws(
      () => resolveTarget({ host: 'h', port: 70000, user: 'u', auth: { kind: 'agent' } }),
      /not a TCP port/,
    );
    assert.throws(() => resolveTarget({ host: ' ', user: 'u', auth: { kind: 'agent' } }), /host is empty/);
    assert.equal(resolveTarget({ host: 'h', user: 'u', auth: { kind: 'agent' } }).connectTimeoutMs, 20_000);
  });

  it('keys targets by server, account and credentials without exposing secrets', () => {
    const a = targetKey({ host: 'h', user: 'u', auth: { kind: 'password', password: 's3cret-value' } });
    const b = targetKey({ host: 'h', user: 'u', auth: { kind: 'password', password: 'other' } });
    assert.notEqual(a, b);
    assert.ok(!a.includes('s3cret-value'));
    assert.equal(
      a,
      targetKey({ host: 'h', port: 22, user: 'u', auth: { kind: 'password', password: 's3cret-value' } }),
    );
  });

  it('quotes arguments for a POSIX shell', () => {
    assert.equal(quoteShellArg('plain-arg_1.sql'), 'plain-arg_1.sql');
    assert.equal(quoteShellArg(''), "''");
    assert.equal(quoteShellArg("it's $HOME"), `'it'\\''s $HOME'`);
    assert.equal(
      shellCommand(['docker', 'exec', 'nexus-postgres-db', 'pg_dump', '-U', 'nexus admin']),
      "docker exec nexus-postgres-db pg_dump -U 'nexus admin'",
    );
    assert.equal(withEnv('echo "$A"', { A: "x'y" }), `export A='x'\\''y'; echo "$A"`);
    assert.throws(() => withEnv('true', { 'A-B': '1' }), /invalid environment variable name/);
  });
});
