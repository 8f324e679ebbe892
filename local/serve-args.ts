/** The `ams-lifeboat serve` command line, parsed and validated before anything starts. */

export interface ServeArgs {
  port?: number;
  host?: string;
  keys: string[];
  corsOrigins: string[];
  /** Run against embedded emulators (Azurite and the AMS emulator) on virtual time. */
  emulator: boolean;
  seed?: string;
  armEndpoint?: string;
  caCert?: string;
}

const VALUE_FLAGS = [
  '--port',
  '--host',
  '--key',
  '--cors',
  '--seed',
  '--arm-endpoint',
  '--ca-cert',
];

export const SERVE_USAGE = `  ams-lifeboat serve [--port <n>] [--host <h>] [--key <key> ...] [--cors <origin> ...]
                     [--emulator [--seed <file>] | --arm-endpoint <url> [--ca-cert <file>]]
                             the portal API over the local runtime (a key is generated unless given)`;

/** `serve` options from command-line arguments (`--key` and `--cors` repeat). */
export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const out: ServeArgs = { keys: [], corsOrigins: [], emulator: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    if (flag === '--emulator') {
      out.emulator = true;
      continue;
    }
    if (!VALUE_FLAGS.includes(flag))
      throw new Error(
        `unknown option "${flag}" (serve takes ${['--emulator', ...VALUE_FLAGS].join(', ')})`,
      );
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--port') {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port must be a port number, got "${value}"`);
      out.port = port;
    } else if (flag === '--host') out.host = value;
    else if (flag === '--key') out.keys.push(value);
    else if (flag === '--cors') out.corsOrigins.push(value);
    else if (flag === '--seed') out.seed = value;
    else if (flag === '--arm-endpoint') out.armEndpoint = value;
    else out.caCert = value;
  }
  if (out.seed && !out.emulator) throw new Error('--seed needs --emulator');
  if (out.emulator && out.armEndpoint)
    throw new Error('give --emulator or --arm-endpoint, not both');
  return out;
}
