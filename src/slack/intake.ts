import { nextTurn } from '../eventLoop';

/**
 * How long background work (applying a stored click, sending a delivery) waits at most, at each
 * of its steps, for the requests being answered to be answered. Slack gives every answer 3
 * seconds; background work has no deadline, but a steady stream of requests must not stop it.
 */
export const MAX_DEFER_MS = 100;

/**
 * The requests being answered right now. Background work lets them go first: a person is waiting
 * on each (and Slack shows the button as failed after 3 seconds), while a click already stored
 * or a post already queued waits for no one. All of it shares one event loop, so an answer would
 * otherwise wait behind whatever work was started before it arrived.
 *
 * The HTTP receiver counts each Slack request from its arrival until its response is sent. In
 * Socket Mode nothing is counted, and background work only yields to the event loop.
 */
export class Intake {
  private answering = 0;
  private readonly waiters: Array<() => void> = [];

  /** A request arrived; the returned function marks it answered (once, however often called). */
  begin(): () => void {
    this.answering++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.answering--;
      if (this.answering === 0) for (const wake of this.waiters.splice(0)) wake();
    };
  }

  /** How many requests are being answered now. */
  get waiting(): number {
    return this.answering;
  }

  /**
   * Resolves once no request is being answered (after letting the event loop take in what has
   * arrived), or after `maxMs`, whichever comes first.
   */
  async yieldTo(maxMs = MAX_DEFER_MS): Promise<void> {
    await nextTurn();
    if (this.answering === 0) return;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(wake);
        if (at >= 0) this.waiters.splice(at, 1);
        resolve();
      }, maxMs);
      this.waiters.push(wake);
    });
  }
}
