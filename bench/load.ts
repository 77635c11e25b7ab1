// The load generator: requests signed as Slack signs them, sent over keep-alive HTTP to
// 127.0.0.1 only, with a fixed number in flight, every loop bounded in count and in time.
import http from 'node:http';
import { sign, type SlackPost } from '../test/support/slackRequests';

export interface Target {
  host: '127.0.0.1';
  port: number;
  secret: string;
}

export interface Sent {
  status: number;
  ms: number;
  body: string;
}

/** One agent per target, at most `sockets` connections: what "concurrency" means below. */
export function agentFor(sockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

/** POSTs one signed request to /slack/events; resolves with the status and the time to the full response. */
export function post(target: Target, agent: http.Agent, request: SlackPost, timeoutMs = 10_000): Promise<Sent> {
  const timestamp = Math.floor(Date.now() / 1000);
  const body = Buffer.from(request.body, 'utf8');
  const headers = {
    'content-type': request.contentType,
    'content-length': String(body.length),
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': sign(request.body, timestamp, target.secret),
  };
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
    const req = http.request(
      { host: target.host, port: target.port, path: '/slack/events', method: 'POST', headers, agent, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: elapsed(), body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: 0, ms: elapsed(), body: 'response error' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, ms: elapsed(), body: String(e) }));
    req.end(body);
  });
}

export interface RunResult {
  latencies: number[];
  errors: number;
  errorSamples: string[];
  sent: number;
  wallMs: number;
}

/**
 * Sends `count` requests (request i built by `make(i)`) with `concurrency` in flight, stopping
 * early at `maxMs`. `after` (optional) runs per request after its response and before the slot
 * takes the next one: the sustained run waits there until the click has been applied.
 */
export async function runClosedLoop(options: {
  target: Target;
  concurrency: number;
  count: number;
  maxMs: number;
  make: (i: number) => SlackPost;
  ok?: (sent: Sent) => boolean;
  after?: (i: number, sent: Sent) => Promise<string | null>;
}): Promise<RunResult> {
  const { target, concurrency, count, maxMs, make } = options;
  const ok = options.ok ?? ((s: Sent) => s.status === 200);
  const agent = agentFor(concurrency);
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let next = 0;
  const started = Date.now();
  const deadline = started + maxMs;
  const slot = async () => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      const sent = await post(target, agent, make(i));
      let problem: string | null = ok(sent) ? null : `HTTP ${sent.status} ${sent.body.slice(0, 200)}`;
      if (!problem && options.after) problem = await options.after(i, sent);
      if (problem) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(problem);
      } else {
        latencies.push(sent.ms);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, slot));
  agent.destroy();
  return { latencies, errors, errorSamples, sent: next, wallMs: Date.now() - started };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
