// What a scheduled run records about itself (`ScheduledRun.details`), by job. The job has a column
// of its own; the rest is JSON text, written and read back only by the functions here.

import { decodeObject, type Fields } from './json';

/** What a run says about itself once claimed (and, for a pass, once done). */
export type RunDetails =
  /** `supersededBy`: the run only stood in for a slot that a fresher digest made pointless. */
  | { job: 'digest'; supersededBy?: string }
  /** A reminder pass's result, once done. */
  | { job: 'reminders'; owners?: number; items?: number; waitingForOfficeHours?: number }
  /** An escalation pass's result, once done. */
  | { job: 'escalations'; escalated?: number }
  /** A check-in pass's result, once done. */
  | { job: 'check_ins'; asked?: number; waitingForOfficeHours?: number }
  /** The weekly insights post. */
  | { job: 'insights' };

export type Job = RunDetails['job'];

const READERS: { [J in Job]: (f: Fields) => Omit<Extract<RunDetails, { job: J }>, 'job'> } = {
  digest: (f) => ({ supersededBy: f.optionalString('supersededBy') }),
  reminders: (f) => ({
    owners: f.optionalInt('owners'),
    items: f.optionalInt('items'),
    waitingForOfficeHours: f.optionalInt('waitingForOfficeHours'),
  }),
  escalations: (f) => ({ escalated: f.optionalInt('escalated') }),
  check_ins: (f) => ({ asked: f.optionalInt('asked'), waitingForOfficeHours: f.optionalInt('waitingForOfficeHours') }),
  insights: () => ({}),
};

/** The text stored in a run's `details` (its job goes in its own column). */
export function encodeRunDetails(details: RunDetails): string {
  const { job: _job, ...rest } = details;
  return JSON.stringify(rest);
}

/** The one reader of a run's details; null when the row is not one this version wrote. */
export function decodeRunDetails(job: string, details: string): RunDetails | null {
  if (!Object.hasOwn(READERS, job)) return null;
  const fields = decodeObject(details, READERS[job as Job] as (f: Fields) => object);
  return fields ? ({ job, ...fields } as RunDetails) : null;
}
