import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * `npm run bench:emulator`: starts the emulator as its own process (as `npm run emulator` does)
 * seeded with a generated 200,000-asset account, drives it with concurrent HTTPS requests from
 * this process, and prints requests per second per request kind and the emulator process's peak
 * resident memory (VmHWM) beside the 1 GiB limit. Containers are written only for the few
 * real-media assets: writing 200,000 containers into Azurite measures Azurite, not the emulator.
 */
const ASSETS = Number(process.argv[2] ?? 200_000);
const SECONDS_PER_SCENARIO = Number(process.argv[3] ?? 4);
const CONCURRENCY = 32;
const LIMIT_MIB = 1024;
const SUB = '00000000-0000-0000-0000-000000000001';
const RG = 'bench';
const ACCOUNT = 'bigaccount';

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ams-bench-'));
  const seedFile = join(dir, 'seed.json');
  writeFileSync(
    seedFile,
    JSON.stringify({
      accounts: [
        {
          subscriptionId: SUB,
          resourceGroup: RG,
          name: ACCOUNT,
          generate: { assets: ASSETS, containers: 'real' },
        },
      ],
    }),
  );
  const started = Date.now();
  // The CLI beside this file, run as this process runs (its .ts under the TypeScript loader, or
  // the built .js), so the benchmark needs no build step.
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      join(__dirname, `cli${extname(__filename)}`),
      '--port',
      '0',
      '--seed',
      seedFile,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  const seedSeconds = (Date.now() - started) / 1000;
  const info = JSON.parse(line) as { armEndpoint: string; caCertPath: string };
  const agent = new Agent({
    ca: readFileSync(info.caCertPath, 'utf8'),
    keepAlive: true,
    maxSockets: CONCURRENCY,
  });
  const fetchJson = (path: string) =>
    new Promise<unknown>((resolve, reject) => {
      request(`${info.armEndpoint}${path}`, { agent }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(JSON.parse(text)));
      })
        .on('error', reject)
        .end();
    });
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        `${info.armEndpoint}${path}`,
        {
          method,
          agent,
          headers: { Authorization: 'Bearer bench', 'Content-Type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  // Budgets out of the way: this measures the emulator, not its throttling.
  const huge = { limit: 1e9, perMs: 1000 };
  await call('PUT', '/admin/budgets', {
    subscriptionReads: huge,
    subscriptionWrites: huge,
    contentKeys: huge,
  });
  await call('DELETE', '/admin/requests');
  const seeded = (await fetchJson('/admin/stats')) as {
    rssMiB: number;
    heapUsedMiB: number;
    resources: Record<string, number>;
  };
  const afterSeedPeak = peakRssMiB(child.pid!);

  const base = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Media/mediaServices/${ACCOUNT}`;
  const digits = String(ASSETS).length;
  const asset = () =>
    `asset-${String(1 + Math.floor(Math.random() * (ASSETS - 10)) + 8).padStart(digits, '0')}`;
  const scenarios: Array<[string, () => [string, string]]> = [
    ['GET asset', () => ['GET', `${base}/assets/${asset()}?api-version=2022-08-01`]],
    [
      'GET locator',
      () => ['GET', `${base}/streamingLocators/locator-${asset()}?api-version=2022-08-01`],
    ],
    [
      'POST listContentKeys',
      () => [
        'POST',
        `${base}/streamingLocators/locator-${asset()}/listContentKeys?api-version=2022-08-01`,
      ],
    ],
    [
      'GET assets page (1,000)',
      () => ['GET', `${base}/assets?api-version=2022-08-01&$skiptoken=${asset()}`],
    ],
    [
      'GET assets $filter created',
      () => [
        'GET',
        `${base}/assets?api-version=2022-08-01&$top=100&$filter=${encodeURIComponent('properties/created gt 2024-01-01T00:00:00Z')}`,
      ],
    ],
  ];
  const rows: string[] = [];
  for (const [name, next] of scenarios) {
    let done = 0;
    let failed = 0;
    const latencies: number[] = [];
    const until = Date.now() + SECONDS_PER_SCENARIO * 1000;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < until) {
          const [method, path] = next();
          const s = performance.now();
          const status = await call(method, path);
          latencies.push(performance.now() - s);
          if (status >= 400) failed++;
          done++;
        }
      }),
    );
    const secs = (Date.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
    rows.push(
      `${name.padEnd(28)} ${String(done).padStart(8)} ${(done / secs).toFixed(0).padStart(8)} ${pct(0.5).padStart(8)} ${pct(0.99).padStart(8)} ${String(failed).padStart(6)}`,
    );
  }
  const peak = peakRssMiB(child.pid!);
  console.log(
    `AMS emulator benchmark: ${ASSETS.toLocaleString('en')} assets with as many locators, ${CONCURRENCY} concurrent HTTPS clients, ${SECONDS_PER_SCENARIO} s per kind`,
  );
  console.log(
    `machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} (req/s are comparable only at similar load)`,
  );
  console.log(
    `start-up including seeding: ${seedSeconds.toFixed(1)} s (containers written for the real-media assets only)`,
  );
  console.log(
    `${'request kind'.padEnd(28)} ${'requests'.padStart(8)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(6)}`,
  );
  for (const r of rows) console.log(r);
  console.log(
    `seeded state: ${Object.entries(seeded.resources)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}`,
  );
  console.log(
    `memory after seeding: rss ${seeded.rssMiB} MiB, heap used ${seeded.heapUsedMiB} MiB, peak so far ${afterSeedPeak.toFixed(0)} MiB`,
  );
  console.log(
    `peak memory of the emulator process (VmHWM): ${peak.toFixed(0)} MiB   limit: ${LIMIT_MIB} MiB   ratio: ${(peak / LIMIT_MIB).toFixed(2)}   ${peak < LIMIT_MIB ? 'OK' : 'OVER THE LIMIT'}`,
  );
  agent.destroy();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  if (peak >= LIMIT_MIB) process.exitCode = 1;
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
