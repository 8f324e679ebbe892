import { AzureMediaServices } from '@azure/arm-mediaservices';
import {
  startAmsEmulator,
  type AmsEmulatorHandle,
  type AmsEmulatorOptions,
} from '../../emulators/ams';
import { testStorageConnectionString } from '../support/storage';

export const SUB = '00000000-0000-0000-0000-0000000000aa';
export const RG = 'media-rg';

/** An emulator whose storage accounts all map to the run's Azurite, and an SDK client for it. */
export async function emulatorWithClient(
  options: AmsEmulatorOptions = {},
): Promise<{ emu: AmsEmulatorHandle; client: AzureMediaServices }> {
  const emu = await startAmsEmulator({
    storage: { default: testStorageConnectionString() },
    lro: { durationMs: 0, retryAfterSeconds: 0 },
    ...options,
  });
  // Only the endpoint, the credential and the TLS trust (an https.Agent with the emulator's CA).
  const client = new AzureMediaServices(emu.credential, SUB, emu.clientOptions);
  return { emu, client };
}
