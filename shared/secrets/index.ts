import { DefaultAzureCredential } from '@azure/identity';
import type { LifeboatConfig } from '../config';
import { KeyVaultSecretStore } from './key-vault-secret-store';
import { LocalSecretStore } from './local-secret-store';
import type { SecretStore } from './secret-store';

export type { SecretStore } from './secret-store';
export { secretName } from './secret-store';
export { LocalSecretStore } from './local-secret-store';

/** Key Vault when one is configured, else the local folder. */
export function createSecretStore(
  config: Pick<LifeboatConfig, 'keyVaultUrl' | 'localSecretsDir'>,
): SecretStore {
  return config.keyVaultUrl
    ? new KeyVaultSecretStore(config.keyVaultUrl, new DefaultAzureCredential())
    : new LocalSecretStore(config.localSecretsDir);
}
