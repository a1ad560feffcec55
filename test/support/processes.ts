/** Starting the service the way a developer does (`npm start`, `npm run demo`) and waiting until it answers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface StartedService {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Sends the signal to the whole process group and resolves once nothing answers on the port any more. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startNpmStart(env: Record<string, string>, timeoutMs = 60_000): Promise<StartedService> {
  return startNpmScript('start', env, timeoutMs);
}

/** Runs `npm run <script>` on a free port; ready once it prints its "Admin UI:" line (both scripts end with it). */
export async function startNpmScript(
  script: 'start' | 'demo',
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<StartedService> {
  const port = await freePort();
  const child = spawn('npm', ['run', script, '--silent'], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so a stop reaches npm, tsx and node as Ctrl-C would
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm run ${script} exited with ${child.exitCode}:\n${output}`);
    if (output.includes('Admin UI:')) break;
    if (Date.now() > giveUpAt) throw new Error(`npm run ${script} did not become ready:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    output: () => output,
    stop: async (signal = 'SIGINT') => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(-child.pid!, signal);
        await exited;
      }
      // npm exits on the signal at once; the service itself may still be closing its stores.
      const giveUpAt = Date.now() + 15_000;
      while (Date.now() < giveUpAt) {
        try {
          await fetch(url, { signal: AbortSignal.timeout(500) });
        } catch {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`The service on ${url} still answers after ${signal}:\n${output}`);
    },
  };
}
