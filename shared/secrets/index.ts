import { DefaultAzureCredential } from '@azure/identity';
import type { LifeboatConfig } from '../config';
import type { TokenCredential } from '@azure/core-auth';
import { KeyVaultSecretStore, type KeyVaultSecretStoreOptions } from './key-vault-secret-store';
import { LocalSecretStore } from './local-secret-store';
import type { SecretStore } from './secret-store';

export type { SecretStore } from './secret-store';
export { secretName } from './secret-store';
export { LocalSecretStore } from './local-secret-store';
export {
  KeyVaultSecretStore,
  SecretStoreError,
  type KeyVaultSecretStoreOptions,
} from './key-vault-secret-store';

/**
 * Key Vault when one is configured, else the local folder. `keyVault` overrides the credential
 * (default: DefaultAzureCredential, the managed identity in Azure) and the client options.
 */
export function createSecretStore(
  config: Pick<LifeboatConfig, 'keyVaultUrl' | 'localSecretsDir'>,
  keyVault: KeyVaultSecretStoreOptions & { credential?: TokenCredential } = {},
): SecretStore {
  const { credential, ...options } = keyVault;
  return config.keyVaultUrl
    ? new KeyVaultSecretStore(
        config.keyVaultUrl,
        credential ?? new DefaultAzureCredential(),
        options,
      )
    : new LocalSecretStore(config.localSecretsDir);
}
