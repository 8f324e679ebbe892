import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAmsEmulator } from '../../emulators/ams';
import { VirtualClock } from '../../local/runtime';
import { Ledger } from '../../shared/ledger/ledger';
import type { MigrationSummary } from '../../shared/pipeline/contracts';
import { tableClient } from '../../shared/storage/clients';
import { testStorageConnectionString, testStorageSettings, uniqueName } from '../support/storage';
import { DAY, HOUR, START, accountIdOf, generatedAccount } from './support';

/**
 * Issue 5, Must show (e) with a real process: the local host runs in a child process and is
 * killed with SIGKILL in the middle of the key export; a new process resumes from the durable
 * state in Azurite. The AMS emulator lives in this (parent) process, so its request log outlives
 * the kill, and its clock follows the child's virtual time (the child prints it).
 */

const LOCATORS = 300;
const BUDGET = 1200;
const KILL_AFTER = 100;

interface Child {
  process: ChildProcess;
  started: Promise<void>;
  done: Promise<string>;
}

function startChild(args: object, onClock: (ms: number) => void): Child {
  const child = spawn(
    process.execPath,
    [
      '-r',
      join(__dirname, '../support/register-ts.js'),
      join(__dirname, 'fixtures/killed-host-child.ts'),
      JSON.stringify(args),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let pending = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const started = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('CLOCK ')) onClock(Number(line.slice(6)));
        else out += `${line}\n`;
        if (line === 'STARTED') resolve();
      }
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
  return { process: child, started, done };
}

test('(e) the process killed with SIGKILL during the key export resumes, repeats no finished key call and loses nothing', async () => {
  const name = 'sigkilledacct';
  const accountId = accountIdOf(name);
  const connection = testStorageConnectionString();
  // The emulator's time: the latest virtual time the running child reported.
  const clock = new VirtualClock(START);
  const follow = (ms: number) => {
    if (ms > clock.now()) clock.advanceTo(ms);
  };
  const emu = await startAmsEmulator({
    storage: { default: connection },
    lro: { durationMs: 0, retryAfterSeconds: 0 },
    clock,
    seed: {
      accounts: [generatedAccount(name, { retirementDate: START + 30 * DAY, assets: LOCATORS })],
    },
    budgets: { contentKeys: { limit: BUDGET, perMs: HOUR, burst: 20 } },
    extensionVisibleAfterMs: 0,
  });
  const secretsDir = await mkdtemp(join(tmpdir(), 'lifeboat-sigkill-'));
  const ledgerTable = uniqueName('ledger');
  const args = {
    connection,
    ledgerTable,
    outputContainer: uniqueName('out'),
    taskHub: uniqueName('hub'),
    armEndpoint: emu.armEndpoint,
    caCertFile: emu.caCertPath,
    secretsDir,
    accountId,
    mediaAccount: `${name}store`,
    startTime: START,
    keyBudgetPerHour: BUDGET,
  };
  const okKeyCalls = () =>
    emu.admin
      .requests({ operation: 'streamingLocators.listContentKeys' })
      .filter((r) => r.status === 200);
  const ledger = new Ledger(tableClient(testStorageSettings(), ledgerTable), () => clock.now());
  const doneKeys = async () => {
    const done = new Set<string>();
    for await (const row of ledger.list(accountId, 'contentKeys'))
      if (row.status === 'done') done.add(row.name);
    return done;
  };
  let first: Child | undefined;
  try {
    first = startChild(args, follow);
    await first.started;
    const deadline = Date.now() + 60_000;
    while (okKeyCalls().length < KILL_AFTER && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 2));
    const exited = new Promise((r) => first!.process.once('exit', r));
    first.process.kill('SIGKILL');
    await exited;
    const answeredBefore = okKeyCalls().length;
    const finishedBefore = await doneKeys();
    expect(answeredBefore).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(finishedBefore.size).toBeLessThan(LOCATORS);

    const second = startChild({ ...args, startTime: clock.now() }, follow);
    const output = await second.done;
    const line = output.split('\n').find((l) => l.startsWith('DONE '));
    const summary = JSON.parse(line!.slice(5)) as MigrationSummary;
    expect(summary.outcome).toBe('completed');

    const calls = new Map<string, number>();
    for (const r of okKeyCalls()) calls.set(r.path, (calls.get(r.path) ?? 0) + 1);
    expect(calls.size).toBe(LOCATORS);
    // A locator asked twice is one whose first answer came in just before the kill and never
    // reached the ledger: never one the ledger had as done.
    const repeated = [...calls].filter(([, n]) => n > 1);
    expect(repeated.every(([, n]) => n === 2)).toBe(true);
    const locatorName = (path: string) => decodeURIComponent(path.split('/').at(-2) ?? '');
    const called = new Set([...calls.keys()].map(locatorName));
    expect([...finishedBefore].filter((n) => !called.has(n))).toEqual([]);
    for (const [path] of repeated) expect(finishedBefore.has(locatorName(path))).toBe(false);
    // At most the calls one process had in flight (a key batch).
    expect(repeated.length).toBeLessThanOrEqual(20);
    const done = await doneKeys();
    expect(done.size).toBe(LOCATORS);
    expect(summary.tallies.keys.done).toBe(LOCATORS);
    expect(summary.tallies.keys.failed).toBe(0);
    console.log(
      `SIGKILL after ${answeredBefore} answered key calls (${finishedBefore.size} done in the ledger); ` +
        `${repeated.length} key calls repeated after the restart`,
    );
  } finally {
    first?.process.kill('SIGKILL');
    await emu.stop();
    await rm(secretsDir, { recursive: true, force: true });
  }
}, 120_000);
