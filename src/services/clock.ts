import fs from 'node:fs';

/** Time is injected so tests can move through days without waiting. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Real time moved by the offset (milliseconds) written in a file, read on every call: the demo
 * writes its page clock there, so an operator command beside it sees the time the page shows.
 * A missing or unreadable file counts as no offset.
 */
export function offsetFileClock(file: string): Clock {
  return {
    now: () => {
      let offset = 0;
      try {
        offset = Number(fs.readFileSync(file, 'utf8').trim());
      } catch {
        offset = 0;
      }
      return new Date(Date.now() + (Number.isFinite(offset) ? offset : 0));
    },
  };
}

/** A clock a test sets and advances by hand. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
