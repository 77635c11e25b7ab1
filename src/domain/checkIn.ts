// The after-close check-in: some time after the customer was satisfied (CHECK_IN_AFTER), the
// owner is asked whether the customer came back. The answer is the mistake's outcome; "not yet"
// asks once more after the same time; "lost" puts the customer on the digest's win-back list.

/** The answers, as stored in the mistake's `outcome` and the timeline. */
export const CHECK_IN_ANSWERS = ['came_back', 'not_yet', 'lost'] as const;
export type CheckInAnswer = (typeof CHECK_IN_ANSWERS)[number];

/** How many times the owner is asked at most: the first time, and once more after "not yet". */
export const CHECK_IN_MAX_ASKS = 2;

export const isCheckInAnswer = (value: unknown): value is CheckInAnswer => (CHECK_IN_ANSWERS as readonly unknown[]).includes(value);

/** How long the digest's came-back rate looks back. */
export const CAME_BACK_WINDOW_DAYS = 90;

/**
 * When the owner is asked next after this answer (null: not again). "Not yet" asks once more
 * after the same interval, unless that was already the last ask.
 */
export function nextCheckInAfter(answer: CheckInAnswer, asked: number, now: Date, intervalMs: number | null): Date | null {
  if (answer !== 'not_yet' || intervalMs === null || asked >= CHECK_IN_MAX_ASKS) return null;
  return new Date(now.getTime() + intervalMs);
}

/**
 * The came-back rate: of the customers whose latest answer in the window is final (came back or
 * lost), the share who came back; null when there is none. "Not yet" is not an answer yet.
 */
export function cameBackRate(cameBack: number, lost: number): number | null {
  const answered = cameBack + lost;
  return answered === 0 ? null : cameBack / answered;
}
