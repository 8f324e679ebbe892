import { canonicalAccountId } from '../account-id';
import { discoverAccount } from '../discovery/discover';
import { recordEvent } from '../discovery/events';
import { requestExtension } from '../discovery/extension';
import { exportKeysBatch } from '../export/export-keys';
import { exportPathsBatch } from '../export/export-paths';
import { writeReport } from '../report/report';
import { takeSnapshot } from '../snapshot/take-snapshot';
import { buildUrlMap } from '../urlmap/build-urlmap';
import { planBatches } from './batches';
import type {
  AccountState,
  BatchRef,
  BatchResult,
  BuildUrlMapInput,
  DiscoverAccountInput,
  ExportBatchInput,
  ExtensionResult,
  PlanBatchesInput,
  RecordAccountStateInput,
  ReportRef,
  RequestExtensionInput,
  SnapshotRef,
  TakeSnapshotInput,
  UrlMapRef,
  WriteReportInput,
} from './contracts';
import { ActivityNames } from './contracts';
import type { PipelineDependencies } from './dependencies';

/**
 * The pipeline's activities as plain functions of (dependencies, JSON input): the Functions
 * registrations (functions/activities/pipeline.ts) and tests call the same code. Inputs are
 * checked here, at the edge, with errors that name the activity and the field.
 */

function object(name: string, input: unknown): Record<string, unknown> {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new Error(`${name}: the input must be a JSON object`);
  return input as Record<string, unknown>;
}

function accountIdOf(name: string, input: Record<string, unknown>): string {
  if (typeof input.accountId !== 'string')
    throw new Error(`${name}: accountId (an account ARM id) is required`);
  return canonicalAccountId(input.accountId);
}

function batchOf(name: string, input: Record<string, unknown>): BatchRef {
  const b = input.batch as BatchRef | undefined;
  if (
    !b ||
    typeof b.snapshotPath !== 'string' ||
    typeof b.resource !== 'string' ||
    !Number.isInteger(b.offset) ||
    !Number.isInteger(b.count)
  )
    throw new Error(`${name}: batch must be { snapshotPath, resource, offset, count }`);
  return b;
}

export const pipelineActivities = {
  [ActivityNames.discoverAccount]: async (
    deps: PipelineDependencies,
    raw: unknown,
  ): Promise<AccountState> => {
    const input = object(ActivityNames.discoverAccount, raw) as Partial<DiscoverAccountInput>;
    return discoverAccount(deps, {
      accountId: accountIdOf(ActivityNames.discoverAccount, input),
      countResources: input.countResources === true,
    });
  },
  [ActivityNames.takeSnapshot]: async (
    deps: PipelineDependencies,
    raw: unknown,
  ): Promise<SnapshotRef> => {
    const input = object(ActivityNames.takeSnapshot, raw) as Partial<TakeSnapshotInput>;
    if (
      input.assetFilters !== undefined &&
      input.assetFilters !== 'all' &&
      input.assetFilters !== 'referenced'
    )
      throw new Error('takeSnapshot: assetFilters must be "all" or "referenced"');
    if (input.createdAfter !== undefined && Number.isNaN(Date.parse(input.createdAfter)))
      throw new Error('takeSnapshot: createdAfter must be an ISO date');
    return takeSnapshot(deps, {
      ...input,
      accountId: accountIdOf(ActivityNames.takeSnapshot, input),
    });
  },
  [ActivityNames.requestExtension]: async (
    deps: PipelineDependencies,
    raw: unknown,
  ): Promise<ExtensionResult> => {
    const input = object(ActivityNames.requestExtension, raw) as Partial<RequestExtensionInput>;
    return requestExtension(deps, {
      accountId: accountIdOf(ActivityNames.requestExtension, input),
    });
  },
  [ActivityNames.planBatches]: async (
    _deps: PipelineDependencies,
    raw: unknown,
  ): Promise<BatchRef[]> => {
    const input = object(ActivityNames.planBatches, raw) as unknown as PlanBatchesInput;
    if (
      !input.snapshot ||
      typeof input.snapshot.path !== 'string' ||
      typeof input.resource !== 'string'
    )
      throw new Error(
        'planBatches: snapshot { path, counts }, resource and batchSize are required',
      );
    return planBatches(input);
  },
  [ActivityNames.exportKeysBatch]: async (
    deps: PipelineDependencies,
    raw: unknown,
  ): Promise<BatchResult> => {
    const input = object(ActivityNames.exportKeysBatch, raw) as Partial<ExportBatchInput>;
    if (input.notBefore !== undefined && Number.isNaN(Date.parse(input.notBefore)))
      throw new Error('exportKeysBatch: notBefore must be an ISO date');
    return exportKeysBatch(deps, {
      accountId: accountIdOf(ActivityNames.exportKeysBatch, input),
      batch: batchOf(ActivityNames.exportKeysBatch, input),
      notBefore: input.notBefore,
    });
  },
  [ActivityNames.exportPathsBatch]: async (
    deps: PipelineDependencies,
    raw: unknown,
  ): Promise<BatchResult> => {
    const input = object(ActivityNames.exportPathsBatch, raw) as Partial<ExportBatchInput>;
    return exportPathsBatch(deps, {
      accountId: accountIdOf(ActivityNames.exportPathsBatch, input),
      batch: batchOf(ActivityNames.exportPathsBatch, input),
      derive: input.derive === true,
    });
  },
  [ActivityNames.buildUrlMap]: async (
    deps: PipelineDependencies,
    raw: unknown,
  ): Promise<UrlMapRef> => {
    const input = object(ActivityNames.buildUrlMap, raw) as Partial<BuildUrlMapInput>;
    if (!input.snapshot || typeof input.snapshot.path !== 'string')
      throw new Error('buildUrlMap: snapshot { path } is required');
    return buildUrlMap(deps, {
      accountId: accountIdOf(ActivityNames.buildUrlMap, input),
      snapshot: input.snapshot,
      targets: input.targets,
      deltas: Array.isArray(input.deltas)
        ? input.deltas.filter((d) => typeof d?.path === 'string')
        : undefined,
    });
  },
  [ActivityNames.writeReport]: async (
    deps: PipelineDependencies,
    raw: unknown,
  ): Promise<ReportRef> => {
    const input = object(ActivityNames.writeReport, raw) as Partial<WriteReportInput>;
    return writeReport(deps, {
      ...input,
      accountId: accountIdOf(ActivityNames.writeReport, input),
    });
  },
  [ActivityNames.recordAccountState]: async (
    deps: PipelineDependencies,
    raw: unknown,
  ): Promise<void> => {
    const input = object(ActivityNames.recordAccountState, raw) as Partial<RecordAccountStateInput>;
    const accountId = accountIdOf(ActivityNames.recordAccountState, input);
    const patch = input.patch ?? {};
    for (const [key, value] of Object.entries(patch))
      if (value !== undefined && !['string', 'number', 'boolean'].includes(typeof value))
        throw new Error(`recordAccountState: patch.${key} must be a string, number or boolean`);
    await deps.ready();
    await deps.ledger.updateAccount(accountId, patch);
    if (input.event) await recordEvent(deps, accountId, input.event);
  },
} as const;
