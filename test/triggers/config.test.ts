import { ConfigError, loadConfig } from '../../shared/config';

const minimal = { LIFEBOAT_STORAGE: 'UseDevelopmentStorage=true' };

describe('trigger settings', () => {
  it('reads the sweep schedule and targets, export-only by default', () => {
    expect(loadConfig(minimal)).toMatchObject({ sweepSchedule: '0 0 3 * * *', sweepTargets: [] });
    const config = loadConfig({
      ...minimal,
      LIFEBOAT_SWEEP_SCHEDULE: '0 */30 * * * *',
      LIFEBOAT_SWEEP_TARGETS: 'Static; mkio',
    });
    expect(config.sweepSchedule).toBe('0 */30 * * * *');
    expect(config.sweepTargets).toEqual(['static', 'mkio']);
  });

  it('rejects an unknown sweep target by name', () => {
    expect(() => loadConfig({ ...minimal, LIFEBOAT_SWEEP_TARGETS: 'static,youtube' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ ...minimal, LIFEBOAT_SWEEP_TARGETS: 'youtube' })).toThrow(
      /LIFEBOAT_SWEEP_TARGETS.*youtube/,
    );
  });
});
