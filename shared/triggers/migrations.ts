import type { Clock } from '../clock';
import type { AccountRecord, Ledger } from '../ledger/ledger';
import { EventNames, OrchestrationNames, type MigrationRequest } from '../pipeline/contracts';
import { redactSecrets } from '../telemetry/redact';
import { accountInstanceId, parseMigrationInstanceId } from '../pipeline/instance-id';
import type { ArtifactReader, ArtifactStream } from './artifacts';
import {
  findInstance,
  isActive,
  type InstanceStatus,
  type MigrationClient,
} from '../pipeline/durable-client';
import { conflict, notFound } from './errors';
import {
  ensureStarted,
  type RestartRule,
  type StartGuard,
  type StartResult,
} from '../pipeline/start-migration';
import { readSummary, summarySource, type SummaryView } from './summary-view';

/**
 * Starting and querying account migrations: the one place that decides whether to start an
 * orchestration, so the portal, the timer sweep and blob events all follow the same rule (one
 * instance per account, by its deterministic id; never a second one while it runs).
 */

export interface MigrationServiceDeps {
  client: MigrationClient;
  ledger: Ledger;
  claims: StartGuard;
  artifacts: ArtifactReader;
  clock: Clock;
  /**
   * Whether Resource Manager knows the account: true, false (404), or undefined when it cannot
   * tell. Without it, any well-formed account id is accepted.
   */
  accountExists?: (accountId: string) => Promise<boolean | undefined>;
}

/**
 * The input of a storage-only run: the account is deleted, so only one container's blobs are left
 * to migrate (the orchestration reads `storageOnly` and skips everything that needs metadata).
 */
export interface StorageOnlyMigrationRequest extends MigrationRequest {
  storageOnly: { storageAccount: string; container: string };
}

export interface MigrationView {
  id: string;
  accountId: string;
  kind: 'account' | 'storage-only';
  runtimeStatus: string;
  phase?: string;
  outcome?: string;
  createdAt?: string;
  updatedAt?: string;
  nextWakeUpAt?: string;
}

export interface MigrationDetail extends MigrationView {
  request?: {
    targets: string[];
    extensionPolicy?: string;
    requireApproval?: boolean;
    targetOptionNames?: Record<string, string[]>;
  };
  storageOnly?: { storageAccount: string; container: string };
  deadlines: SummaryView['deadlines'];
  extension?: SummaryView['extension'];
  approval?: string;
  counts: SummaryView['counts'];
  resources?: SummaryView['resources'];
  ledger?: Record<string, string | number | boolean>;
  errors: { count: number; recent: SummaryView['failures']; terminal?: string };
  timeline: SummaryView['timeline'];
  artifacts: { report: boolean; urlMap: boolean; urls?: number };
}

const iso = (d: Date | string | undefined): string | undefined =>
  d === undefined ? undefined : typeof d === 'string' ? d : d.toISOString();

export class MigrationService {
  constructor(private readonly deps: MigrationServiceDeps) {}

  /** Starts the instance by the one start rule, holding a start claim so hosts do not race. */
  ensureStarted(
    instanceId: string,
    input: MigrationRequest,
    restart: RestartRule,
    by: string,
  ): Promise<StartResult> {
    return ensureStarted(this.deps.client, instanceId, input, restart, {
      claims: this.deps.claims,
      by,
    });
  }

  /** A portal start: checks the account is known, then ensureStarted on its instance. */
  async start(request: MigrationRequest, restart: boolean, by: string): Promise<StartResult> {
    const instanceId = accountInstanceId(request.accountId);
    const existing = await findInstance(this.deps.client, instanceId);
    if (!existing) await this.assertAccountKnown(request.accountId);
    return this.ensureStarted(instanceId, request, restart ? 'always' : 'never', by);
  }

  private async assertAccountKnown(accountId: string): Promise<void> {
    const exists = await this.deps.accountExists?.(accountId);
    if (exists !== false) return;
    // Resource Manager no longer has it; the ledger remembers accounts we saw before deletion.
    if (await this.deps.ledger.getAccount(accountId)) return;
    throw notFound(
      `account ${accountId} was not found in its subscription, and the ledger has no record of it`,
    );
  }

  async list(filter: { runtimeStatus?: string[] } = {}): Promise<MigrationView[]> {
    const statuses = await this.deps.client.getStatusBy(
      filter.runtimeStatus?.length ? { runtimeStatus: filter.runtimeStatus } : {},
    );
    return statuses
      .filter((s) => s.name === OrchestrationNames.accountMigration)
      .flatMap((s) => {
        const view = this.view(s);
        return view ? [view] : [];
      })
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async get(instanceId: string): Promise<MigrationDetail> {
    const status = await this.require(instanceId, true);
    const parsed = parseMigrationInstanceId(instanceId);
    const view = this.view(status);
    if (!parsed || !view) throw notFound(`no migration ${instanceId}`);
    const summary = readSummary(summarySource(status));
    const ledger = await this.deps.ledger.getAccount(parsed.accountId);
    const ledgerView = ledger ? scalars(ledger) : undefined;
    return {
      ...view,
      phase: view.phase ?? str(ledgerView?.phase),
      request: requestView(status.input),
      ...(parsed.storageOnly ? { storageOnly: parsed.storageOnly } : {}),
      deadlines: {
        retirementDate: summary.deadlines.retirementDate ?? str(ledgerView?.retirementDate),
        readOnlyAt: summary.deadlines.readOnlyAt ?? str(ledgerView?.readOnlyAt),
        deletionAt: summary.deadlines.deletionAt ?? str(ledgerView?.deletionAt),
        extensionCutoffAt:
          summary.deadlines.extensionCutoffAt ?? str(ledgerView?.extensionCutoffAt),
      },
      extension: summary.extension,
      ...(summary.approval ? { approval: summary.approval } : {}),
      counts: summary.counts,
      resources: summary.resources,
      ledger: ledgerView,
      errors: {
        count: summary.failureCount,
        recent: summary.failures,
        ...(status.runtimeStatus === 'Failed'
          ? { terminal: redactSecrets(String(status.output ?? 'failed')).slice(0, 500) }
          : {}),
      },
      timeline: summary.timeline,
      artifacts: {
        report: Boolean(summary.reportPaths?.json || summary.reportPaths?.html),
        urlMap: Boolean(summary.urlMapPaths?.json || summary.urlMapPaths?.csv),
        urls: summary.urlMapPaths?.urls,
      },
    };
  }

  /** Raises approve or cancel on a running instance. */
  async signal(
    instanceId: string,
    event: typeof EventNames.approve | typeof EventNames.cancel,
    data: Record<string, string>,
  ): Promise<InstanceStatus> {
    const status = await this.require(instanceId, false);
    if (!isActive(status)) {
      throw conflict(
        `migration ${instanceId} is ${status.runtimeStatus.toLowerCase()}: there is nothing to ${event}`,
      );
    }
    await this.deps.client.raiseEvent(instanceId, event, {
      ...data,
      at: new Date(this.deps.clock.now()).toISOString(),
    });
    return status;
  }

  /** Opens the report or the URL map in the wanted format; 404 with the reason when there is none. */
  async openArtifact(
    instanceId: string,
    artifact: 'report' | 'urlMap',
    format: 'json' | 'html' | 'csv',
  ): Promise<ArtifactStream> {
    const status = await this.require(instanceId, false);
    const summary = readSummary(summarySource(status));
    const paths = artifact === 'report' ? summary.reportPaths : summary.urlMapPaths;
    const path = paths?.[format];
    const label = artifact === 'report' ? 'report' : 'URL map';
    if (typeof path !== 'string') {
      throw notFound(
        `migration ${instanceId} has no ${label} yet (status ${status.runtimeStatus}${summary.phase ? `, phase ${summary.phase}` : ''})`,
      );
    }
    const opened = await this.deps.artifacts.open(path);
    if (!opened) throw notFound(`the ${label} of migration ${instanceId} is missing from storage`);
    return opened;
  }

  private async require(instanceId: string, showInput: boolean): Promise<InstanceStatus> {
    const status = await findInstance(this.deps.client, instanceId, { showInput });
    if (!status || status.name !== OrchestrationNames.accountMigration)
      throw notFound(`no migration ${instanceId}: start one with POST /api/migrations`);
    return status;
  }

  private view(status: InstanceStatus): MigrationView | undefined {
    const parsed = parseMigrationInstanceId(status.instanceId);
    if (!parsed) return undefined;
    const summary = readSummary(summarySource(status));
    return {
      id: status.instanceId,
      accountId: parsed.accountId,
      kind: parsed.storageOnly ? 'storage-only' : 'account',
      runtimeStatus: status.runtimeStatus,
      phase: summary.phase,
      outcome: summary.outcome,
      createdAt: iso(status.createdTime),
      updatedAt: iso(status.lastUpdatedTime),
      nextWakeUpAt: summary.nextWakeUpAt,
    };
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function scalars(record: AccountRecord): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || key === 'accountId') continue;
    out[key] = typeof value === 'string' ? redactSecrets(value).slice(0, 500) : value;
  }
  return out;
}

/** What the run was asked to do, without option values (they may name credentials). */
function requestView(input: unknown): MigrationDetail['request'] {
  if (typeof input !== 'object' || input === null) return undefined;
  const i = input as Record<string, unknown>;
  const targets = Array.isArray(i.targets) ? i.targets.filter((t) => typeof t === 'string') : [];
  const options =
    typeof i.targetOptions === 'object' && i.targetOptions !== null
      ? Object.fromEntries(
          Object.entries(i.targetOptions as Record<string, unknown>).map(([t, o]) => [
            t,
            typeof o === 'object' && o !== null ? Object.keys(o) : [],
          ]),
        )
      : undefined;
  return {
    targets,
    extensionPolicy: str(i.extensionPolicy),
    requireApproval: typeof i.requireApproval === 'boolean' ? i.requireApproval : undefined,
    ...(options ? { targetOptionNames: options } : {}),
  };
}
