import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  HTTPModuleFunctions,
  HTTPReceiver,
  isValidSlackRequest,
  type HTTPReceiverOptions,
  type ReceiverProcessEventErrorHandlerArgs,
} from '@slack/bolt';
import type { Intake } from './intake';
import { refusalOf } from './refusals';
import { malformedReason } from './requestShape';

// Slack's replay window: a request is refused when its timestamp differs from now by more than this.
const MAX_SKEW_S = 5 * 60;

/**
 * How long an idle keep-alive connection (from Slack, or a load balancer in front) stays open.
 * Node's 5 s default races a client that reuses the connection just as the bot closes it: the
 * request fails with "other side closed" and waits for Slack's retry. Longer than the usual 60 s
 * idle timeout of load balancers, so the side in front closes first.
 */
const KEEP_ALIVE_MS = 65_000;
/**
 * On stop, idle connections close at once; one still open this long after (a request Slack has
 * stopped waiting for, or a client that never finished sending) is cut instead of holding the stop
 * for the keep-alive time.
 */
const STOP_CONNECTIONS_MS = 3_000;
const EVENTS_PATH = '/slack/events';

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A listener refused the request with an HTTP status (a click that could not be stored, a
 * workspace the bot is not installed in): answer with it. Anything else is Bolt's own handling.
 */
async function answerRefusals(args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  const refusal = refusalOf(args.error);
  if (refusal && !args.response.headersSent) {
    args.response.writeHead(refusal.status, refusal.headers);
    args.response.end();
    return true;
  }
  return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
}

/**
 * Bolt's HTTP receiver, with three things added in front of it:
 * - the replay window enforced both ways: Bolt refuses a request timestamped more than five
 *   minutes ago, but not one more than five minutes ahead, which Slack's recipe refuses as well;
 * - a signed request whose body is malformed (see `requestShape`) gets 400 at once;
 * - a listener's RequestRefused becomes that HTTP status instead of a 500;
 * and its server keeps idle connections open longer (KEEP_ALIVE_MS), without holding a stop.
 * With an `intake`, it counts each POST from its arrival until its answer is sent, so background
 * work can let the requests being answered go first.
 */
export function createHttpReceiver(options: HTTPReceiverOptions & { signingSecret: string; intake?: Intake }): HTTPReceiver {
  const { intake, ...receiverOptions } = options;
  const bodyLimit = options.bodyLimit ?? HTTPModuleFunctions.defaultBodyLimit;
  const receiver = new HTTPReceiver({ processEventErrorHandler: answerRefusals, ...receiverOptions });
  const handle = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    // Counted from now until its answer is sent: background work lets it go first.
    if (intake && req.method === 'POST') res.once('close', intake.begin());
    const timestamp = Number(header(req, 'x-slack-request-timestamp'));
    if (req.method === 'POST' && Number.isFinite(timestamp) && timestamp > Date.now() / 1000 + MAX_SKEW_S) {
      res.writeHead(401);
      res.end();
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== EVENTS_PATH) {
      handle(req, res);
      return;
    }
    void (async () => {
      let raw: string;
      try {
        // Bolt reads the body buffered here instead of the stream.
        raw = (await HTTPModuleFunctions.bufferIncomingMessage(req, bodyLimit)).rawBody.toString();
      } catch (error) {
        const tooLarge = HTTPModuleFunctions.isRawBodyError(error) && (error as { statusCode?: number }).statusCode === 413;
        HTTPModuleFunctions.buildNoBodyResponse(res, tooLarge ? 413 : 400);
        return;
      }
      const signature = header(req, 'x-slack-signature');
      // Unsigned or wrongly signed requests are left to Bolt, which refuses them with 401.
      const signed =
        signature !== undefined &&
        Number.isFinite(timestamp) &&
        isValidSlackRequest({
          signingSecret: options.signingSecret,
          body: raw,
          headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
        });
      if (signed && malformedReason(header(req, 'content-type'), raw)) {
        HTTPModuleFunctions.buildNoBodyResponse(res, 400);
        return;
      }
      handle(req, res);
    })();
  };
  let server: Server | undefined;
  // Its overloads (HTTP, or HTTPS with options) all give a server with these timeouts.
  const start = receiver.start.bind(receiver) as (...args: unknown[]) => Promise<Server>;
  receiver.start = (async (...args: unknown[]) => {
    server = await start(...args);
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.headersTimeout = KEEP_ALIVE_MS + 1_000;
    return server;
  }) as HTTPReceiver['start'];
  const stop = receiver.stop.bind(receiver);
  receiver.stop = async () => {
    const stopping = stop();
    const open = server;
    open?.closeIdleConnections();
    const cut = setTimeout(() => open?.closeAllConnections(), STOP_CONNECTIONS_MS);
    try {
      await stopping;
    } finally {
      clearTimeout(cut);
    }
  };
  return receiver;
}
