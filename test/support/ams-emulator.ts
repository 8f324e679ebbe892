import { AzureMediaServices } from '@azure/arm-mediaservices';
import {
  startAmsEmulator,
  type AmsEmulatorHandle,
  type AmsEmulatorOptions,
} from '../../emulators/ams';
import { testStorageConnectionString } from './storage';

/**
 * The AMS emulator as tests start it: every storage account maps to the run's Azurite and
 * long-running operations finish at once (a test that wants them slow passes `lro`).
 */
export function startTestEmulator(options: AmsEmulatorOptions = {}): Promise<AmsEmulatorHandle> {
  return startAmsEmulator({
    storage: { default: testStorageConnectionString() },
    lro: { durationMs: 0, retryAfterSeconds: 0 },
    ...options,
  });
}

/** The unmodified SDK client for a subscription: only the endpoint, credential and TLS trust. */
export function emulatorSdkClient(
  emu: AmsEmulatorHandle,
  subscriptionId: string,
): AzureMediaServices {
  return new AzureMediaServices(emu.credential, subscriptionId, emu.clientOptions);
}
