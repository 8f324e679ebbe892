import type { ContainerClient } from '@azure/storage-blob';
import { statusOf } from '../storage/table-util';

/**
 * Reads the run's artifacts (report, URL map) from blob storage as streams: a URL map of a
 * 200,000-asset account is hundreds of megabytes and must never be buffered in the Functions host.
 * Paths are blob names in the pipeline's output container, as the orchestration records them.
 */
export interface ArtifactStream {
  stream: NodeJS.ReadableStream;
  contentLength?: number;
}

export interface ArtifactReader {
  open(path: string): Promise<ArtifactStream | undefined>;
}

export function blobArtifactReader(output: ContainerClient): ArtifactReader {
  return {
    async open(path) {
      const blobName = path.replace(/^\/+/, '');
      if (!blobName || blobName.split('/').includes('..')) return undefined;
      try {
        const download = await output.getBlobClient(blobName).download();
        if (!download.readableStreamBody) return undefined;
        return { stream: download.readableStreamBody, contentLength: download.contentLength };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
  };
}
