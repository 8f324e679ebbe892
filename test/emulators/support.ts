import type { AzureMediaServices } from '@azure/arm-mediaservices';
import type { AmsEmulatorHandle, AmsEmulatorOptions } from '../../emulators/ams';
import { emulatorSdkClient, startTestEmulator } from '../support/ams-emulator';

export const SUB = '00000000-0000-0000-0000-0000000000aa';
export const RG = 'media-rg';

/** An emulator whose storage accounts all map to the run's Azurite, and an SDK client for it. */
export async function emulatorWithClient(
  options: AmsEmulatorOptions = {},
): Promise<{ emu: AmsEmulatorHandle; client: AzureMediaServices }> {
  const emu = await startTestEmulator(options);
  return { emu, client: emulatorSdkClient(emu, SUB) };
}
