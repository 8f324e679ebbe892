import { SecretClient } from '@azure/keyvault-secrets';
import type { TokenCredential } from '@azure/core-auth';
import type { SecretStore } from './secret-store';

/** Key Vault for the Azure deployment; the Function App's managed identity needs get and set. */
export class KeyVaultSecretStore implements SecretStore {
  private readonly client: SecretClient;

  constructor(vaultUrl: string, credential: TokenCredential) {
    this.client = new SecretClient(vaultUrl, credential);
  }

  async put(name: string, value: string, tags?: Record<string, string>): Promise<void> {
    await this.client.setSecret(name, value, { tags, contentType: 'text/plain' });
  }

  async get(name: string): Promise<string | undefined> {
    try {
      return (await this.client.getSecret(name)).value;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async has(name: string): Promise<boolean> {
    return (await this.get(name)) !== undefined;
  }
}
