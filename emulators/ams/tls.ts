import { generate } from 'selfsigned';

export interface TlsMaterial {
  /** PEM certificate; trust it as a CA (it is self-signed). */
  cert: string;
  /** PEM private key. */
  key: string;
}

let cached: Promise<TlsMaterial> | undefined;

/**
 * A self-signed certificate for 127.0.0.1, localhost and *.vault.localhost, made once per process (key generation
 * costs a few hundred milliseconds). Clients trust it by passing it as `ca` to an https.Agent.
 */
export function loopbackCertificate(): Promise<TlsMaterial> {
  cached ??= generate([{ name: 'commonName', value: 'ams-emulator.localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
          { type: 2, value: 'localhost' },
          // Key Vault emulator hosts (<vault>.vault.localhost), named like <vault>.vault.azure.net.
          { type: 2, value: '*.vault.localhost' },
        ],
      },
    ],
  }).then((pems) => ({ cert: pems.cert, key: pems.private }));
  return cached;
}
