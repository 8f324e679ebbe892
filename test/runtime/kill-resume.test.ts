import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testStorageConnectionString, uniqueName } from '../support/storage';

const ACTIVITIES = 1000;
const CONCURRENCY = 16; // as in fixtures/fanout-child.ts
const KILLS = 5;

function startChild(args: string[]): {
  child: ChildProcess;
  started: Promise<void>;
  done: Promise<string>;
} {
  const child = spawn(
    process.execPath,
    [
      '-r',
      join(__dirname, '../support/register-ts.js'),
      join(__dirname, 'fixtures/fanout-child.ts'),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const started = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('STARTED')) resolve();
    });
    child.once('exit', () => reject(new Error(`child exited before starting: ${err}`)));
  });
  const done = new Promise<string>((resolve, reject) =>
    child.once('exit', (code, signal) =>
      code === 0 ? resolve(out) : reject(new Error(`child exited with ${code ?? signal}: ${err}`)),
    ),
  );
  started.catch(() => undefined);
  done.catch(() => undefined);
  return { child, started, done };
}

function effects(file: string): number[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

test('a fan-out killed with SIGKILL five times resumes from stored history and completes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-kill-'));
  const file = join(dir, 'effects.log');
  const args = [
    testStorageConnectionString(),
    uniqueName('killtest'),
    uniqueName('killtest'),
    file,
  ];
  try {
    const progress: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const { child, started } = startChild(args);
      await started;
      // A random moment while activities run: when the side effects reach a random count within
      // this round's stretch (so all five kills land before the fan-out could finish).
      const from = Math.max(effects(file).length, 30 + kill * 180);
      const target = from + 10 + Math.floor(Math.random() * 150);
      const deadline = Date.now() + 20_000;
      while (effects(file).length < target && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 2));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      progress.push(effects(file).length);
    }
    expect(progress[KILLS - 1]).toBeLessThan(ACTIVITIES); // it was killed before finishing
    const last = startChild(args);
    const output = await last.done;
    expect(output).toContain(`DONE Completed ${((ACTIVITIES * (ACTIVITIES - 1)) / 2) * 2}`);

    const recorded = effects(file);
    const counts = new Map<number, number>();
    for (const i of recorded) counts.set(i, (counts.get(i) ?? 0) + 1);
    for (let i = 0; i < ACTIVITIES; i++) expect(counts.get(i) ?? 0).toBeGreaterThanOrEqual(1);
    const repeated = recorded.length - ACTIVITIES;
    // Only activities in flight at a kill may run again: at most the concurrency per kill.
    expect(repeated).toBeLessThanOrEqual(KILLS * CONCURRENCY);
    console.log(
      `kill-and-resume: effects after each kill ${progress.join(', ')}; ${repeated} activities ran twice`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
