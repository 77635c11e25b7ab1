import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { webApi } from '@slack/bolt';

/**
 * The first two steps of Slack's file upload: ask for an upload URL (files.getUploadURLExternal),
 * then send the bytes to it. The file exists but is shared nowhere until
 * files.completeUploadExternal names it; returns its id for that call.
 */
export async function uploadFile(client: webApi.WebClient, bytes: Uint8Array | { path: string }, filename: string): Promise<string> {
  const length = 'path' in bytes ? fs.statSync(bytes.path).size : bytes.byteLength;
  const answer = await client.files.getUploadURLExternal({ filename, length });
  if (!answer.upload_url || !answer.file_id) throw new Error('files.getUploadURLExternal gave no upload URL');
  const response = await fetch(answer.upload_url, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    // A file on disk is streamed, never read whole into memory.
    body: 'path' in bytes ? (Readable.toWeb(fs.createReadStream(bytes.path)) as ReadableStream) : bytes,
    ...('path' in bytes ? { duplex: 'half' } : {}),
    signal: AbortSignal.timeout(120_000),
  });
  if (!response.ok) throw new Error(`the file upload was answered with HTTP ${response.status}`);
  await response.arrayBuffer().catch(() => undefined);
  return answer.file_id;
}
