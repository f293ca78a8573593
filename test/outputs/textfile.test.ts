// The atomic write, down to the file system: modes, links, leftovers, and
// (as root) a full disk, a nearly full disk and a read-only mount.
import { strict as assert } from 'node:assert';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, lutimesSync, lstatSync, readdirSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync, openSync, writeSync, closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { sweepLeftovers, tempPrefix, writeTextfile, WriteError, SWEEP_GRACE_MS } from '../../src/outputs/textfile';
import { astrosBody, startFakeApi, type FakeApi } from '../support/fakeOpenNotify';
import { BIN, requireBinary, requireRoot, runCli, strayFiles, tempDir } from '../support/helpers';

describe('writeTextfile', () => {
  it('writes the text with mode 0644 and leaves nothing else', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'a.prom');
    const r = await writeTextfile(out, 'x 1\n');
    assert.deepEqual(r, { path: out, bytes: 4, swept: [] });
    assert.equal(readFileSync(out, 'utf8'), 'x 1\n');
    assert.equal(statSync(out).mode & 0o777, 0o644);
    assert.deepEqual(strayFiles(dir, ['a.prom']), []);
  });

  it('replaces the target of a symlinked output and keeps the link', async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'target.prom'), 'old 1\n');
    symlinkSync(join(dir, 'real', 'target.prom'), join(dir, 'link.prom'));
    const r = await writeTextfile(join(dir, 'link.prom'), 'new 1\n');
    assert.equal(r.path, join(dir, 'real', 'target.prom'));
    assert.ok(lstatSync(join(dir, 'link.prom')).isSymbolicLink());
    assert.equal(readlinkSync(join(dir, 'link.prom')), join(dir, 'real', 'target.prom'));
    assert.equal(readFileSync(join(dir, 'real', 'target.prom'), 'utf8'), 'new 1\n');
    assert.deepEqual(strayFiles(join(dir, 'real'), ['target.prom']), []);
  });

  it('fails with a WriteError naming the cause', async (t) => {
    const dir = tempDir(t);
    await assert.rejects(writeTextfile(join(dir, 'no', 'a.prom'), 'x 1\n'), (e: unknown) => e instanceof WriteError && /directory \S+\/no does not exist/.test(e.message));
    writeFileSync(join(dir, 'file'), '');
    await assert.rejects(writeTextfile(join(dir, 'file', 'a.prom'), 'x 1\n'), /a component of the path is not a directory/);
  });
});

describe('sweepLeftovers', () => {
  it('removes only our own old <output>.<digits> leftovers: regular files, not a directory, link or FIFO of that name', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'o.prom');
    const old = (Date.now() - SWEEP_GRACE_MS - 5000) / 1000;
    const ours = ['o.prom.123', 'o.prom.4294967295.17'];
    const foreign = ['o.prom.bak', 'o.prom.12a', 'other.prom.123', 'xo.prom.1', 'o.prom', 'o.prom.1.2.3', 'o.prom.'];
    for (const f of [...ours, ...foreign]) {
      writeFileSync(join(dir, f), 'x');
      utimesSync(join(dir, f), old, old);
    }
    writeFileSync(join(dir, 'o.prom.777'), 'young: may belong to a run in progress');
    // Named like leftovers but not regular files: someone else's, never removed.
    mkdirSync(join(dir, 'o.prom.999'));
    utimesSync(join(dir, 'o.prom.999'), old, old);
    symlinkSync(join(dir, 'o.prom.bak'), join(dir, 'o.prom.555'));
    lutimesSync(join(dir, 'o.prom.555'), old, old);
    execFileSync('mkfifo', [join(dir, 'o.prom.666')]);
    utimesSync(join(dir, 'o.prom.666'), old, old);
    const removed = await sweepLeftovers(out);
    assert.deepEqual(removed.sort(), ours.map((f) => join(dir, f)).sort());
    assert.deepEqual(strayFiles(dir, []).sort(), [...foreign, 'o.prom.777', 'o.prom.999', 'o.prom.555', 'o.prom.666'].sort());
  });

  it('runs before each write, and the CLI logs what it removed', async (t) => {
    const api = await startFakeApi();
    t.after(() => api.close());
    const dir = tempDir(t);
    const leftover = join(dir, 'o.prom.3141592653');
    writeFileSync(leftover, 'half a fi');
    const old = (Date.now() - SWEEP_GRACE_MS - 5000) / 1000;
    utimesSync(leftover, old, old);
    const r = await runCli(['--api-url', api.url, '-o', join(dir, 'o.prom')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /level=warn msg="removed a temp file left by an interrupted run" file=\S+o\.prom\.3141592653/);
    assert.deepEqual(strayFiles(dir, ['o.prom']), []);
  });
});

describe('durability', () => {
  it('the directory is fsynced after the rename, so the new name survives a crash (write-file-atomic syncs only the file)', async (t) => {
    const strace = requireBinary(t, 'strace', 'strace');
    if (!strace) return;
    const api = await startFakeApi();
    t.after(() => api.close());
    const dir = tempDir(t);
    const out = join(dir, 'o.prom');
    const trace = join(dir, 'trace.txt');
    await new Promise<void>((resolve, reject) =>
      execFile(strace, ['-f', '-qq', '-e', 'trace=rename,renameat,renameat2,openat,fsync', '-o', trace, process.execPath, BIN, '--api-url', api.url, '-o', out, '-q'], (err: Error | null) => (err ? reject(err) : resolve())),
    );
    const lines = readFileSync(trace, 'utf8').split('\n');
    const renamed = lines.findIndex((l) => /rename\S*\(.*"[^"]*\.\d+", .*"/.test(l) && l.includes(`"${out}"`) && / = 0$/.test(l));
    assert.ok(renamed >= 0, 'the staged file was renamed onto the output');
    const opened = lines.slice(renamed).map((l) => new RegExp(`openat\\(AT_FDCWD, "${dir}", O_RDONLY[^)]*\\) = (\\d+)$`).exec(l)?.[1]).find((fd) => fd !== undefined);
    assert.ok(opened, 'the directory was opened after the rename');
    assert.ok(lines.slice(renamed).some((l) => new RegExp(`fsync\\(${opened}\\)\\s+= 0$`).test(l)), 'and fsynced');
  });
});

describe('an output replaced while the run fetches', () => {
  it('a FIFO put at the output path during the fetches is refused before the rename, not replaced: exit 3', async (t) => {
    const api = await startFakeApi();
    t.after(() => api.close());
    const dir = tempDir(t);
    const out = join(dir, 'o.prom');
    // The path is checked before the fetches (nothing there yet); the FIFO comes while the API is slow.
    api.set('/astros.json', { kind: 'delay', ms: 1000, then: { kind: 'json', body: astrosBody() } });
    const running = runCli(['--api-url', api.url, '-o', out]);
    // The request reaching the API means the first check is done.
    for (let i = 0; i < 500 && !api.counts['/astros.json']; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(api.counts['/astros.json'], 'the run reached the API');
    execFileSync('mkfifo', [out]);
    const r = await running;
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /cannot write \S+o\.prom: it is a FIFO \(named pipe\), not a regular file/);
    assert.ok(lstatSync(out).isFIFO(), 'the FIFO is still there');
    assert.deepEqual(strayFiles(dir, ['o.prom']), []);
  });
});

// A tiny tmpfs per test; CI runs as root, elsewhere these skip with the reason.
function tmpfs(t: TestContext, sizeKiB: number): string | undefined {
  if (!requireRoot(t, 'mounts a tmpfs')) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'one-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0755`, 'tmpfs', dir]);
  t.after(() => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Fills the file system, then frees `leaveBytes` (whole pages) again. */
function fill(dir: string, leaveBytes: number): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  const page = Buffer.alloc(4096, 1);
  let size = 0;
  try {
    for (let i = 0; i < 1_000_000; i++) {
      const n = writeSync(fd, page);
      size += n;
      if (n < page.length) break;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  if (leaveBytes > 0) truncateSync(join(dir, 'filler'), size - leaveBytes);
}

describe('disk faults (root): exit 3, old file byte-identical, no temp file', () => {
  let api: FakeApi;
  before(async () => {
    api = await startFakeApi();
  });
  after(() => api.close());
  const many = Array.from({ length: 150 }, (_, i) => ({ name: `Astronaut number ${i}`, craft: 'ISS' }));

  async function faultCase(t: TestContext, prepare: (dir: string) => void, message: RegExp): Promise<void> {
    const dir = tmpfs(t, 64);
    if (!dir) return;
    const out = join(dir, 'open_notify.prom');
    api.set('/astros.json', { kind: 'json', body: astrosBody() });
    let r = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const old = readFileSync(out);
    // The new file is several pages long, the old one fits in one.
    api.set('/astros.json', { kind: 'json', body: astrosBody(many) });
    prepare(dir);
    r = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(r.code, 3, r.stderr);
    if (process.env.SHOW_FAULTS) process.stderr.write(r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(readFileSync(out).equals(old), 'old file byte-identical');
    assert.deepEqual(strayFiles(dir, ['open_notify.prom', 'filler']), []);
  }

  it('full disk', (t) => faultCase(t, (dir) => fill(dir, 0), /cannot write \S+: no space left on device"/));

  it('nearly full disk: room for one page of a longer file (the short write write-file-atomic misses)', (t) =>
    faultCase(t, (dir) => fill(dir, 4096), /cannot write \S+: no space left on device \(short write: 4096 of \d+ bytes\)"/));

  it('read-only file system', (t) =>
    faultCase(t, (dir) => execFileSync('mount', ['-o', 'remount,ro', dir]), /cannot write \S+: read-only file system"/));
});

describe('long output names', () => {
  // 5 + 230 bytes up to 250 + '.prom' = 255, NAME_MAX; 'é' is two bytes in UTF-8.
  const names = [`${'a'.repeat(230)}.prom`, `${'b'.repeat(245)}.prom`, `${'c'.repeat(250)}.prom`, `${'é'.repeat(125)}.prom`, `${'日'.repeat(83)}x.prom`];
  it('every name the file system takes is written, new or replacing, and the temp names fit NAME_MAX', async (t) => {
    const dir = tempDir(t);
    for (const name of names) {
      const out = join(dir, name);
      assert.ok(Buffer.byteLength(name) <= 255 && Buffer.byteLength(name) >= 235, `${Buffer.byteLength(name)} bytes`);
      await writeTextfile(out, 'open_notify_runs_total 1\n');
      await writeTextfile(out, 'open_notify_runs_total 2\n');
      assert.equal(readFileSync(out, 'utf8'), 'open_notify_runs_total 2\n');
      const prefix = tempPrefix(out);
      assert.ok(Buffer.byteLength(prefix) + 22 <= 255, `${Buffer.byteLength(prefix)}-byte prefix`);
      assert.ok(!prefix.endsWith('.prom'));
      assert.ok(!prefix.includes('\ufffd'), 'cut at a character boundary');
    }
    assert.deepEqual(readdirSync(dir).sort(), [...names].sort(), 'nothing left beside them');
    // Two long names alike in their first 224 bytes keep apart.
    assert.notEqual(tempPrefix(join(dir, `${'d'.repeat(240)}1.prom`)), tempPrefix(join(dir, `${'d'.repeat(240)}2.prom`)));
  });

  it("the sweep recognises a long name's leftovers, and only those", async (t) => {
    const dir = tempDir(t);
    const out = join(dir, names[2]);
    const mine = [join(dir, `${tempPrefix(out)}.123`), join(dir, `${tempPrefix(out)}.123.456`)];
    const other = join(dir, `${tempPrefix(join(dir, names[1]))}.123`);
    for (const f of [...mine, other]) writeFileSync(f, 'x');
    const old = new Date(Date.now() - 2 * SWEEP_GRACE_MS);
    for (const f of [...mine, other]) utimesSync(f, old, old);
    assert.deepEqual((await sweepLeftovers(out)).sort(), mine.sort());
    assert.ok(existsSync(other), "another output's leftover is not ours");
  });

  it('the CLI writes a 255-byte output name, exit 0', async (t) => {
    const api = await startFakeApi();
    t.after(() => api.close());
    const dir = tempDir(t);
    const out = join(dir, names[3]);
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['--api-url', api.url, '-o', out]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.match(readFileSync(out, 'utf8'), /open_notify_runs_total 2\n/);
    assert.deepEqual(strayFiles(dir, [names[3]]), []);
  });
});
