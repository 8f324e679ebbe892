import { parseArgs } from 'node:util';
import { parseAccountId } from '../shared/account-id';
import type { ExtensionPolicy } from '../shared/config';
import type { TargetName } from '../shared/targets/target';
import { SERVE_USAGE } from './serve-args';

/**
 * The command line's grammar, parsed and validated before anything starts, with errors that say
 * what is wrong and how to write it.
 */

export const TARGETS: readonly TargetName[] = ['static', 'mkio', 'ravnur', 'bitmovin'];
const POLICIES: readonly ExtensionPolicy[] = ['auto', 'never', 'always'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface MigrateCommand {
  command: 'migrate';
  /** ARM ids of single accounts. */
  accounts: string[];
  /** Subscriptions whose every account is migrated. */
  subscriptions: string[];
  /** Optional limit for --subscription, lower-cased. */
  resourceGroups: string[];
  targets: TargetName[];
  extensionPolicy?: ExtensionPolicy;
  requireApproval?: boolean;
  /** `secured`: return once every account is exported and watched; `done`: through the window. */
  until: 'secured' | 'done';
  /** Run against the embedded emulators (Azurite and the AMS emulator, seeded with a sample). */
  emulator: boolean;
  /** With --emulator: a seed file for the AMS emulator instead of the sample account. */
  seed?: string;
  /** An already running AMS emulator (or another ARM endpoint) and the CA that signs its certificate. */
  armEndpoint?: string;
  caCert?: string;
  progress: boolean;
  /** Start afresh accounts whose migration completed in an earlier run. */
  restart: boolean;
}

export interface StatusCommand {
  command: 'status';
  accounts: string[];
  json: boolean;
}

export interface ReportCommand {
  command: 'report';
  account: string;
  format: 'html' | 'json' | 'urlmap-csv' | 'urlmap-json';
  out?: string;
}

export interface EventCommand {
  command: 'approve' | 'cancel';
  account: string;
}

export interface HelpCommand {
  command: 'help';
}

export type CliCommand =
  MigrateCommand | StatusCommand | ReportCommand | EventCommand | HelpCommand;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `ams-lifeboat: get everything of value out of Azure Media Services accounts before they are deleted

Usage:
  ams-lifeboat migrate --account <ARM id> [--account ...] [options]
  ams-lifeboat migrate --subscription <id> [--resource-group <name> ...] [options]
  ams-lifeboat status [--account <ARM id> ...] [--json]
  ams-lifeboat report --account <ARM id> [--format html|json|urlmap-csv|urlmap-json] [--out <file>]
  ams-lifeboat approve|cancel --account <ARM id>
${SERVE_USAGE}

migrate options:
  --target <name>            static, mkio, ravnur or bitmovin (repeatable; none = export only)
  --extension-policy <p>     auto (ask when the work does not fit), never or always
  --require-approval         wait for "ams-lifeboat approve" before requesting the extension or moving assets
  --until secured|done       return once keys and paths are secured (default), or stay through the window
  --emulator                 run against embedded emulators (Azurite and AMS), on virtual time
  --seed <file>              with --emulator: the AMS emulator's seed instead of the sample account
  --arm-endpoint <url>       another ARM endpoint (an AMS emulator started with npm run emulator)
  --ca-cert <file>           CA certificate that signs --arm-endpoint's TLS certificate
  --restart                  start afresh accounts whose migration already completed (a failed one always is)
  --no-progress              no progress bars

State (the ledger, snapshots, URL maps, reports, orchestration history) lives in the storage account
of LIFEBOAT_STORAGE (or LIFEBOAT_STORAGE_BLOB_URL/LIFEBOAT_STORAGE_TABLE_URL with Entra ID). Azure is
reached with DefaultAzureCredential. Run migrate again to continue where a run stopped.`;

function accountIds(values: string[] | undefined, flag = '--account'): string[] {
  return (values ?? []).map((value) => {
    try {
      parseAccountId(value);
      return value.trim();
    } catch (error) {
      throw new UsageError(`${flag}: ${(error as Error).message}`);
    }
  });
}

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if ((allowed as readonly string[]).includes(lower)) return lower as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
}

export function parseCli(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    return { command: 'help' };
  }
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...rest],
      strict: true,
      allowPositionals: false,
      options: {
        account: { type: 'string', multiple: true },
        subscription: { type: 'string', multiple: true },
        'resource-group': { type: 'string', multiple: true },
        target: { type: 'string', multiple: true },
        'extension-policy': { type: 'string' },
        'require-approval': { type: 'boolean' },
        until: { type: 'string' },
        emulator: { type: 'boolean' },
        seed: { type: 'string' },
        'arm-endpoint': { type: 'string' },
        'ca-cert': { type: 'string' },
        'no-progress': { type: 'boolean' },
        restart: { type: 'boolean' },
        json: { type: 'boolean' },
        format: { type: 'string' },
        out: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const list = (name: string) => values[name] as string[] | undefined;
  const text = (name: string) => values[name] as string | undefined;
  const flag = (name: string) => values[name] === true;
  const allowOnly = (allowed: string[]) => {
    const extra = Object.keys(values).filter(
      (k) => values[k] !== undefined && !allowed.includes(k),
    );
    if (extra.length) throw new UsageError(`${command} does not take --${extra.join(', --')}`);
  };

  switch (command) {
    case 'migrate': {
      const accounts = accountIds(list('account'));
      const subscriptions = (list('subscription') ?? []).map((s) => s.trim());
      const bad = subscriptions.filter((s) => !GUID.test(s));
      if (bad.length)
        throw new UsageError(
          `--subscription must be a subscription GUID, got "${bad.join('", "')}"`,
        );
      if (!accounts.length && !subscriptions.length && !flag('emulator')) {
        throw new UsageError(
          'migrate needs --account <ARM id> or --subscription <id> (or --emulator for the sample)',
        );
      }
      const resourceGroups = (list('resource-group') ?? []).map((g) => g.toLowerCase());
      if (resourceGroups.length && !subscriptions.length) {
        throw new UsageError('--resource-group limits --subscription; give a --subscription too');
      }
      if (text('seed') && !flag('emulator'))
        throw new UsageError('--seed only applies with --emulator');
      if (flag('emulator') && text('arm-endpoint')) {
        throw new UsageError(
          '--emulator starts its own AMS emulator; --arm-endpoint names another one',
        );
      }
      const targets = (list('target') ?? []).map(
        (t) => oneOf('--target', t, TARGETS) as TargetName,
      );
      return {
        command,
        accounts,
        subscriptions,
        resourceGroups,
        targets: [...new Set(targets)],
        extensionPolicy: oneOf('--extension-policy', text('extension-policy'), POLICIES),
        requireApproval: flag('require-approval') ? true : undefined,
        until: oneOf('--until', text('until'), ['secured', 'done'] as const) ?? 'secured',
        emulator: flag('emulator'),
        seed: text('seed'),
        armEndpoint: text('arm-endpoint'),
        caCert: text('ca-cert'),
        progress: !flag('no-progress'),
        restart: flag('restart'),
      };
    }
    case 'status':
      allowOnly(['account', 'json']);
      return { command, accounts: accountIds(list('account')), json: flag('json') };
    case 'report': {
      allowOnly(['account', 'format', 'out']);
      const [account, ...more] = accountIds(list('account'));
      if (!account || more.length)
        throw new UsageError('report needs exactly one --account <ARM id>');
      const format =
        oneOf('--format', text('format'), ['html', 'json', 'urlmap-csv', 'urlmap-json'] as const) ??
        'html';
      return { command, account, format, out: text('out') };
    }
    case 'approve':
    case 'cancel': {
      allowOnly(['account']);
      const [account, ...more] = accountIds(list('account'));
      if (!account || more.length)
        throw new UsageError(`${command} needs exactly one --account <ARM id>`);
      return { command, account };
    }
    default:
      throw new UsageError(`unknown command "${command}"; try: ams-lifeboat help`);
  }
}
