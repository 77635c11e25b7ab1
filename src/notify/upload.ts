import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { webApi } from '@slack/bolt';

/** How long the bytes may take to reach Slack's upload URL. */
const UPLOAD_TIMEOUT_MS = 120_000;

/**
 * The first two steps of Slack's file upload: ask for an upload URL (files.getUploadURLExternal),
 * then send the bytes to it. The file exists but is shared nowhere until
 * files.completeUploadExternal names it; returns its id for that call.
 */
export async function uploadFile(client: webApi.WebClient, bytes: Uint8Array | { path: string }, filename: string): Promise<string> {
  const length = 'path' in bytes ? fs.statSync(bytes.path).size : bytes.byteLength;
  const answer = await client.files.getUploadURLExternal({ filename, length });
  if (!answer.upload_url || !answer.file_id) throw new Error('files.getUploadURLExternal gave no upload URL');
  const status = await postBytes(answer.upload_url, bytes, length);
  if (status < 200 || status > 299) throw new Error(`the file upload was answered with HTTP ${status}`);
  return answer.file_id;
}

/**
 * POSTs the bytes (or the file, streamed) to the upload URL and resolves with the status. A file on
 * disk goes through node:http's request with backpressure: Node's fetch reads a streamed body ahead
 * of the socket, which held a whole 90 MB export in memory.
 */
function postBytes(url: string, bytes: Uint8Array | { path: string }, length: number): Promise<number> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
  if (!transport) return Promise.reject(new Error(`the upload URL is not http(s): ${target.protocol}`));
  return new Promise((resolve, reject) => {
    const request = transport.request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(length) },
        signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
      },
      (response) => {
        response.on('error', reject);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.resume();
      },
    );
    request.on('error', reject);
    if ('path' in bytes) pipeline(fs.createReadStream(bytes.path), request).catch(reject);
    else request.end(bytes);
  });
}
