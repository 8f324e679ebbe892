/**
 * Scrubs secret material from free text before it reaches a log line, the ledger's lastError, a
 * report or an orchestration status. Error messages from SDKs echo URLs (SAS signatures), headers
 * (bearer tokens) and sometimes request bodies (key values), so every error text passes here.
 */
const RULES: ReadonlyArray<[RegExp, string]> = [
  // SAS query parameters: the signature is the secret, the rest identifies it.
  [/([?&](?:sig|se|skoid|sktid|skt|ske|sks|skv|sp|sv|sr|st|spr|si)=)[^&\s"'<>]*/gi, '$1[redacted]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 [redacted]'],
  [
    /\b(AccountKey|SharedAccessSignature|SharedAccessKey|ApiKey|api-key|x-api-key|password|secret|client_secret)(\s*[=:]\s*"?)[^;"'\s,}]+/gi,
    '$1$2[redacted]',
  ],
  // JSON fields that carry key material or credentials.
  [
    /("(?:value|keyValue|key|primaryKey|secondaryKey|symmetricKey|fairPlayPfx|fairPlayPfxPassword|ask|apiKey|token|accessToken|sasUrl|assetContainerSasUrls|encryptionKey)"\s*:\s*)"[^"]*"/gi,
    '$1"[redacted]"',
  ],
];

export function redactSecrets(text: string): string {
  return RULES.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** A one-line, redacted, length-bounded description of any thrown value. */
export function describeError(error: unknown, maxLength = 1024): string {
  let text: string;
  if (error instanceof Error) {
    const code = (error as { code?: unknown; statusCode?: unknown }).code;
    const status = (error as { statusCode?: unknown }).statusCode;
    text = [status ? `HTTP ${String(status)}` : '', code ? String(code) : '', error.message]
      .filter(Boolean)
      .join(' ');
  } else {
    text = typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
  }
  const line = redactSecrets(text).replace(/\s+/g, ' ').trim();
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}
