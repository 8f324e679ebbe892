import { ConfigError, loadConfig } from '../../shared/config';

const minimal = { LIFEBOAT_STORAGE: 'UseDevelopmentStorage=true' };

describe('loadConfig', () => {
  it('applies defaults to a minimal environment', () => {
    const config = loadConfig(minimal);
    expect(config).toMatchObject({
      taskHub: 'lifeboat',
      armEndpoint: 'https://management.azure.com',
      extensionPolicy: 'auto',
      contentKeyBudgetPerHour: 1200,
      sweepSchedule: '0 0 3 * * *',
      subscriptions: [],
      requireApproval: false,
    });
  });

  it('parses lists, urls and enums', () => {
    const config = loadConfig({
      ...minimal,
      LIFEBOAT_SUBSCRIPTIONS:
        '00000000-0000-0000-0000-000000000001, 00000000-0000-0000-0000-000000000002',
      LIFEBOAT_RESOURCE_GROUPS: 'Media;Archive',
      LIFEBOAT_ARM_ENDPOINT: 'https://127.0.0.1:8443/',
      LIFEBOAT_EXTENSION_POLICY: 'Never',
      LIFEBOAT_REQUIRE_APPROVAL: 'yes',
    });
    expect(config.subscriptions).toHaveLength(2);
    expect(config.resourceGroups).toEqual(['media', 'archive']);
    expect(config.armEndpoint).toBe('https://127.0.0.1:8443');
    expect(config.extensionPolicy).toBe('never');
    expect(config.requireApproval).toBe(true);
  });

  it('names every missing or malformed setting in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        LIFEBOAT_SUBSCRIPTIONS: 'not-a-guid',
        LIFEBOAT_EXTENSION_POLICY: 'sometimes',
        LIFEBOAT_KEY_BUDGET_PER_HOUR: '-5',
        LIFEBOAT_ARM_ENDPOINT: 'ftp://x',
        LIFEBOAT_SWEEP_SCHEDULE: 'daily',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of [
      'LIFEBOAT_STORAGE',
      'LIFEBOAT_SUBSCRIPTIONS',
      'LIFEBOAT_EXTENSION_POLICY',
      'LIFEBOAT_KEY_BUDGET_PER_HOUR',
      'LIFEBOAT_ARM_ENDPOINT',
      'LIFEBOAT_SWEEP_SCHEDULE',
    ]) {
      expect(message).toContain(name);
    }
    expect((error as ConfigError).problems).toHaveLength(6);
  });
});
