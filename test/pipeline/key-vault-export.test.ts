import { startKeyVaultEmulator, type KeyVaultEmulatorHandle } from '../../emulators/keyvault';
import { pipelineActivities as act } from '../../shared/pipeline/activities';
import {
  LedgerKinds,
  contentKeySecretName,
  policySecretName,
} from '../../shared/export/export-keys';
import { KeyVaultSecretStore } from '../../shared/secrets';
import { RG, SUB, accountIdOf, pipelineFixture, runBatches, type Fixture } from './support';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);

/** The key export writes through KeyVaultSecretStore to the Key Vault emulator. */
describe('key export into Key Vault', () => {
  const name = 'kvexportacct';
  const accountId = accountIdOf(name);
  let kv: KeyVaultEmulatorHandle;
  let fx: Fixture;

  beforeAll(async () => {
    // A tight vault: the export meets 429s and must wait them out.
    kv = await startKeyVaultEmulator({ budget: { limit: 20, windowMs: 1_000 } });
    fx = await pipelineFixture({
      start: START,
      keyBudgetPerHour: 1200,
      secrets: new KeyVaultSecretStore(kv.vaultUrl, kv.credential, {
        clientOptions: kv.clientOptions,
      }),
      emulator: {
        seed: {
          accounts: [
            {
              subscriptionId: SUB,
              resourceGroup: RG,
              name,
              retirementDate: new Date(START + 30 * DAY).toISOString(),
              generate: { assets: 30, realMediaAssets: 0, containers: 'none' },
            },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await fx?.stop();
    await kv?.stop();
  });

  it('stores every key and policy secret in the vault under the names the ledger records', async () => {
    const snapshot = await act.takeSnapshot(fx.deps, { accountId });
    expect(snapshot.counts.encryptedLocators).toBeGreaterThan(0);
    const plan = (resource: 'streamingLocators' | 'contentKeyPolicies') =>
      act.planBatches(fx.deps, { snapshot, resource, batchSize: 25 });
    const locatorBatches = await plan('streamingLocators');
    const policyBatches = await plan('contentKeyPolicies');
    const run = (batches: typeof locatorBatches) =>
      runBatches(batches, (batch) => act.exportKeysBatch(fx.deps, { accountId, batch }));

    const policies = await run(policyBatches);
    const keys = await run(locatorBatches);
    expect(keys.failed + policies.failed).toBe(0);
    expect(keys.done).toBe(snapshot.counts.encryptedLocators);
    expect(policies.done).toBe(snapshot.counts.contentKeyPolicies);
    expect(kv.admin.requestCounts().byStatus[429]).toBeGreaterThan(0);

    // Every key the service lists is in the vault under the name the ledger holds, with its value.
    const expected = new Set<string>();
    for await (const locator of fx.client.streamingLocators.list(RG, name)) {
      const listed = await fx.client.streamingLocators.listContentKeys(RG, name, locator.name!);
      if (!listed.contentKeys?.length) continue;
      const item = await fx.deps.ledger.get(accountId, {
        kind: LedgerKinds.contentKeys,
        name: locator.name!,
      });
      expect(item?.status).toBe('done');
      const recorded = (item?.details?.keys ?? []) as Array<{ id: string; secret: string }>;
      for (const k of listed.contentKeys) {
        const secret = contentKeySecretName(accountId, locator.name!, k.id);
        expect(recorded).toContainEqual(expect.objectContaining({ id: k.id, secret }));
        expect(kv.admin.versions(secret).at(-1)?.value).toBe(k.value);
        expect(JSON.stringify(item)).not.toContain(k.value);
        expected.add(secret);
      }
    }
    for await (const policy of fx.client.contentKeyPolicies.list(RG, name)) {
      const secret = policySecretName(accountId, policy.name!);
      const stored = kv.admin.versions(secret).at(-1)?.value;
      expect(JSON.parse(stored ?? '{}')).toHaveProperty('policyId');
      expected.add(secret);
    }
    // Nothing else was written, and nothing twice beyond what retries may repeat.
    expect(new Set(kv.admin.names())).toEqual(expected);

    // A re-run finds the ledger done and writes nothing to the vault.
    kv.admin.resetCounts();
    const again = await run(locatorBatches);
    expect(again.alreadyDone).toBe(keys.done);
    expect(kv.admin.requestCounts().total).toBe(0);
  }, 120_000);
});
