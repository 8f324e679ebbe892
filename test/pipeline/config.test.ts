import { ConfigError, loadConfig } from '../../shared/config';

const minimal = { LIFEBOAT_STORAGE: 'UseDevelopmentStorage=true' };

describe('pipeline settings', () => {
  it('defaults the output container and the ledger table', () => {
    const config = loadConfig(minimal);
    expect(config.outputContainer).toBe('lifeboat');
    expect(config.ledgerTable).toBe('lifeboatledger');
    expect(config.mediaStorageConnections).toBeUndefined();
  });

  it('reads media storage connections as a JSON map', () => {
    const config = loadConfig({
      ...minimal,
      LIFEBOAT_OUTPUT_CONTAINER: 'exports-2025',
      LIFEBOAT_MEDIA_STORAGE_CONNECTIONS: '{"media1":"UseDevelopmentStorage=true"}',
    });
    expect(config.outputContainer).toBe('exports-2025');
    expect(config.mediaStorageConnections).toEqual({ media1: 'UseDevelopmentStorage=true' });
  });

  it('names every bad pipeline setting without echoing connection strings', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        ...minimal,
        LIFEBOAT_OUTPUT_CONTAINER: 'Bad_Name',
        LIFEBOAT_LEDGER_TABLE: '1x',
        LIFEBOAT_MEDIA_STORAGE_CONNECTIONS: '{"media1": 5, "k": "AccountKey=s3cret"}',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.problems).toHaveLength(3);
    expect(error?.message).not.toContain('s3cret');
  });
});
