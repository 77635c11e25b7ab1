// A webhook receiver on the loopback interface: it checks every request's Standard Webhooks
// signature with the spec's reference library, and answers as its plan says (2xx, an error
// status, no answer at all, or a dropped connection), so tests can put the sender through an
// outage and its recovery.
import http from 'node:http';
import type net from 'node:net';
import { Webhook } from 'standardwebhooks';

/** How the receiver answers one request. */
export type Answer = 200 | 204 | 400 | 500 | 502 | 503 | 'timeout' | 'reset';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The signature checked out (right secret, right id, timestamp and body, not stale). */
  verified: boolean;
  verifyError?: string;
  answer: Answer;
}

export const WEBHOOK_TEST_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private server: http.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly verifier: Webhook;
  url = '';

  /** `plan(n)`: the answer to the n-th request (0-based). */
  constructor(
    private plan: (n: number, body: string) => Answer = () => 200,
    secret = WEBHOOK_TEST_SECRET,
  ) {
    this.verifier = new Webhook(secret);
  }

  answerWith(plan: (n: number, body: string) => Answer): void {
    this.plan = plan;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = {
          'webhook-id': String(req.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        };
        let verified = false;
        let verifyError: string | undefined;
        try {
          this.verifier.verify(body, headers);
          verified = true;
        } catch (error) {
          verifyError = String(error);
        }
        const answer = this.plan(this.received.length, body);
        this.received.push({
          id: headers['webhook-id'],
          timestamp: headers['webhook-timestamp'],
          signature: headers['webhook-signature'],
          body,
          verified,
          verifyError,
          answer,
        });
        if (answer === 'timeout') return; // never answered; the sender gives up
        if (answer === 'reset') {
          req.socket.destroy();
          return;
        }
        res.writeHead(answer, { 'content-type': 'text/plain' });
        res.end(answer < 300 ? 'ok' : 'not now');
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as net.AddressInfo;
    this.url = `http://127.0.0.1:${port}/hooks/mistakes`;
    return this;
  }

  /** Requests answered 2xx, in the order they arrived. */
  accepted(): ReceivedWebhook[] {
    return this.received.filter((r) => typeof r.answer === 'number' && r.answer < 300);
  }

  /** Accepted events, each once (the first time), in the order they arrived. */
  events(): Array<{ id: string; type: string; mistakeId: number; body: any }> {
    const seen = new Set<string>();
    const out: Array<{ id: string; type: string; mistakeId: number; body: any }> = [];
    for (const r of this.accepted()) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      const body = JSON.parse(r.body);
      out.push({ id: r.id, type: body.type, mistakeId: body.mistake.id, body });
    }
    return out;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
