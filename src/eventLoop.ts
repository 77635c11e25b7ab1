/**
 * Resolves on the event loop's next turn, once the I/O that arrived meanwhile (a request, a
 * response from Slack) has been taken in. Work that nobody is waiting on awaits it before each of
 * its steps, so that a chain of promise continuations does not keep a waiting request unread.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
