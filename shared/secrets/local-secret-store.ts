import { mkdir, readFile, rename, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretStore } from './secret-store';

const VALID_NAME = /^[A-Za-z0-9-]{1,127}$/;

/**
 * The one-machine secret store: one file per secret in a folder only the owner can read. Writes go
 * through a temporary file and a rename, so a killed process never leaves half a secret.
 */
export class LocalSecretStore implements SecretStore {
  constructor(private readonly folder: string) {}

  async put(name: string, value: string): Promise<void> {
    const path = this.pathOf(name);
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, value, { mode: 0o600 });
    await rename(temp, path);
  }

  async get(name: string): Promise<string | undefined> {
    try {
      return await readFile(this.pathOf(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async has(name: string): Promise<boolean> {
    try {
      await access(this.pathOf(name));
      return true;
    } catch {
      return false;
    }
  }

  private pathOf(name: string): string {
    if (!VALID_NAME.test(name)) throw new Error(`invalid secret name "${name}"`);
    return join(this.folder, name);
  }
}
