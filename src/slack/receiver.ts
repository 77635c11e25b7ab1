import { HTTPReceiver, type HTTPReceiverOptions } from '@slack/bolt';

// Slack's replay window: a request is refused when its timestamp differs from now by more than this.
const MAX_SKEW_S = 5 * 60;

/**
 * Bolt's HTTP receiver with the replay window enforced both ways. Bolt refuses a request
 * timestamped more than five minutes ago, but not one timestamped more than five minutes ahead,
 * which Slack's verification recipe refuses as well.
 */
export function createHttpReceiver(options: HTTPReceiverOptions): HTTPReceiver {
  const receiver = new HTTPReceiver(options);
  const handle = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    const header = req.headers['x-slack-request-timestamp'];
    const timestamp = Number(Array.isArray(header) ? header[0] : header);
    if (req.method === 'POST' && Number.isFinite(timestamp) && timestamp > Date.now() / 1000 + MAX_SKEW_S) {
      res.writeHead(401);
      res.end();
      return;
    }
    handle(req, res);
  };
  return receiver;
}
