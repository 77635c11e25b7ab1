import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/**
 * Compiles the bot once for a test file (into its own folder, so test files running side by side
 * never build over each other) and returns the folder to run it from.
 */
export function buildBot(name: string): string {
  const outDir = path.join(root, '.test-build', name);
  const result = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`build failed:\n${result.stdout}\n${result.stderr}`);
  return outDir;
}

export interface BotProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `npm start`'s entry point (migrate, then serve) as a real process. `fileSizeLimitKb`
 * caps the size of every file it writes (RLIMIT_FSIZE), as a full disk would: writes past it
 * fail with an error instead of the signal that would otherwise end the process.
 */
export function startBotProcess(
  buildDir: string,
  name: string,
  port: number,
  env: Record<string, string>,
  options: { fileSizeLimitKb?: number } = {},
): BotProcess {
  const entry = [path.join(buildDir, 'bin', 'start.js')];
  const limited = options.fileSizeLimitKb !== undefined;
  const child = spawn(
    limited ? 'bash' : process.execPath,
    limited ? ['-c', `trap '' XFSZ; ulimit -f ${options.fileSizeLimitKb}; exec "$0" "$@"`, process.execPath, ...entry] : entry,
    {
      cwd: root,
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    output,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Waits until the process answers /healthz with 200 (it has migrated and is serving). */
export async function waitHealthy(bot: BotProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (bot.child.exitCode !== null) throw new Error(`${bot.name} exited early:\n${bot.output.join('')}`);
    try {
      const response = await fetch(`${bot.url}/healthz`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${bot.name} did not become healthy:\n${bot.output.join('')}`);
}

/** Polls `check` until it returns true, within a bounded time. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an npm script exactly as an operator types it (`npm run job -- digest`), from the project
 * root, with `env` on top of this process's environment.
 */
export function runNpm(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`npm ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `npm start` as an operator (or a process manager) does: npm, the build check, then the
 * bot. Signals go to the whole process group, so the bot itself gets them, not only npm.
 */
export function startNpmBot(name: string, port: number, env: Record<string, string>): BotProcess {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    output,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // already gone
        }
      }
      return exited;
    },
  };
}
