// A client that keeps its connection to the bot open (Slack does, and so does a load balancer in
// front) can reuse it after a pause: the bot does not close it after Node's five idle seconds,
// which raced a request sent on it just then ("other side closed").
import http from 'node:http';
import net from 'node:net';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
});

function get(agent: http.Agent, url: string): Promise<{ status: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

it('keeps an idle keep-alive connection open past five seconds', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await get(agent, `${h.baseUrl}/healthz`);
    expect(first).toEqual({ status: 200, reused: false });
    // Past Node's default keep-alive timeout (5 s): a server on the default has closed it by now,
    // and the agent would have to open a new one.
    await new Promise((r) => setTimeout(r, 6_000));
    const second = await get(agent, `${h.baseUrl}/healthz`);
    expect(second).toEqual({ status: 200, reused: true });
  } finally {
    agent.destroy();
  }
}, 30_000);

it('stops without waiting out the keep-alive time for connections left open', async () => {
  const other = await startHarness();
  const { port } = new URL(other.baseUrl);
  // One connection idle after its request, one that never finishes sending its request.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  expect((await get(agent, `${other.baseUrl}/healthz`)).status).toBe(200);
  const halfSent = net.connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve) => halfSent.once('connect', () => resolve()));
  halfSent.write('POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"half":');
  const closed = new Promise<void>((resolve) => halfSent.once('close', () => resolve()));
  halfSent.on('error', () => undefined);
  try {
    // Resolves: idle connections close at once, the unfinished one is cut after a moment (this
    // test's own timeout is far below the 65 s a connection may otherwise stay).
    await other.close();
    await closed;
  } finally {
    agent.destroy();
    halfSent.destroy();
  }
}, 30_000);
