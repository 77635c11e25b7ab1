// Every id Slack sends back to us (action_id, callback_id, block_id) is defined here, once.

export const COMMAND = '/mistake';

export const Actions = {
  /** Recovery step buttons on the card, in the DM and on App Home. */
  own: 'mistake_own',
  /** Opens the apology form (the draft, and how the apology was made). */
  apologizeForm: 'mistake_apologize_form',
  /**
   * Records the apology on the spot, with no form: what the Apologize button sent before the form
   * existed. Messages already in Slack still carry it, so it is still honoured.
   */
  apologize: 'mistake_apologize',
  /** Opens the contact log form (card, and the reminder of a planned next contact). */
  logContact: 'mistake_log_contact',
  ask: 'mistake_ask',
  makeRight: 'mistake_make_right',
  skipMakeRight: 'mistake_skip_make_right',
  satisfied: 'mistake_satisfied',
  notSatisfied: 'mistake_not_satisfied',
  rootCauseAnalysis: 'mistake_rca',
  preventionDone: 'mistake_prevention_done',
  reassign: 'mistake_reassign',
  reopen: 'mistake_reopen',
  /** The after-close check-in DM: did the customer come back? */
  checkInCameBack: 'mistake_check_in_came_back',
  checkInNotYet: 'mistake_check_in_not_yet',
  checkInLost: 'mistake_check_in_lost',
  /** Under the draft "it won't happen again" note in the thread. */
  customerNoteSent: 'mistake_customer_note_sent',
  /** Reminder DM buttons. */
  snooze: 'mistake_snooze',
  /** Links (url buttons still send an action that must be acknowledged). */
  openThread: 'mistake_open_thread',
  /** App Home, admins only: opens the workspace's settings. */
  openSettings: 'mistake_open_settings',
} as const;
export type ActionId = (typeof Actions)[keyof typeof Actions];

export const Views = {
  report: 'mistake_report',
  apologize: 'mistake_apologize_modal',
  logContact: 'mistake_log_contact_modal',
  ask: 'mistake_ask_modal',
  makeRight: 'mistake_make_right_modal',
  skipMakeRight: 'mistake_skip_make_right_modal',
  satisfied: 'mistake_satisfied_modal',
  notSatisfied: 'mistake_not_satisfied_modal',
  reassign: 'mistake_reassign_modal',
  reopen: 'mistake_reopen_modal',
  rootCauseAnalysis: 'mistake_rca_modal',
  settings: 'mistake_settings_modal',
} as const;
export type ViewId = (typeof Views)[keyof typeof Views];

/** block_id / action_id pairs of modal inputs; the submission handler reads values by them. */
export const Inputs = {
  customer: 'customer',
  account: 'account',
  customerLink: 'customer_link',
  valueAmount: 'value_amount',
  valueCurrency: 'value_currency',
  whatHappened: 'what_happened',
  impact: 'impact',
  severity: 'severity',
  category: 'category',
  owner: 'owner',
  answer: 'answer',
  remedyKind: 'remedy_kind',
  remedyValue: 'remedy_value',
  reason: 'reason',
  comment: 'comment',
  /** The contact log and the apology form (block ids match the domain's field names). */
  contactChannel: 'contact_channel',
  contactSummary: 'contact_summary',
  nextContact: 'next_contact',
  apology: 'apology',
  rcaWhatHappened: 'rca_what_happened',
  causes: 'causes',
  whatChanges: 'what_changes',
  /** prevention_1, prevention_1_owner, prevention_1_due, ... up to PREVENTION_SLOTS. */
  prevention: (n: number) => `prevention_${n}`,
  preventionOwner: (n: number) => `prevention_${n}_owner`,
  preventionDue: (n: number) => `prevention_${n}_due`,
  /** Settings. */
  escalationChannel: 'settings_escalation_channel',
  digestChannel: 'settings_digest_channel',
  digestTime: 'settings_digest_time',
  timezone: 'settings_timezone',
  sla: (severity: string) => `settings_sla_${severity}`,
  officeHours: 'settings_office_hours',
  officeDays: 'settings_office_days',
  escalationContact: 'settings_escalation_contact',
  admins: 'settings_admins',
  routeChannel: (category: string) => `settings_route_${category}_channel`,
  routeContact: (category: string) => `settings_route_${category}_contact`,
} as const;

/** How many prevention steps the RCA modal offers (at least the first is required). */
export const PREVENTION_SLOTS = 3;

/**
 * What a button or a modal carries: which mistake (and which version of it the person saw), and
 * for some buttons one more thing. Kept tiny: button values are limited to 2000 characters and
 * private_metadata to 3000.
 */
export interface ButtonValue {
  /** Mistake id. */
  m: number;
  /** Mistake version shown when the button was rendered. */
  v?: number;
  /** Prevention action id. */
  p?: number;
  /** Snooze length in minutes, from a reminder's snooze menu; 0 is "tomorrow when office hours start". */
  s?: number;
  /** The message the action came from (DM or card), so a modal can refresh it. */
  c?: string;
  ts?: string;
  /** A planned next contact (its reminder's snooze menu). */
  k?: number;
  /** The apology form: the excuse rules already pointed out, comma-separated (a second submit records). */
  h?: string;
}

export function encodeValue(value: ButtonValue): string {
  return JSON.stringify(value);
}

/** Parses a button value or private_metadata; null for anything that is not one of ours. */
export function decodeValue(raw: unknown): ButtonValue | null {
  if (typeof raw !== 'string' || raw.length > 3000) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { m, v, p, s, c, ts, k, h } = parsed as Record<string, unknown>;
    if (!Number.isSafeInteger(m) || (m as number) <= 0) return null;
    if (v !== undefined && !Number.isSafeInteger(v)) return null;
    if (p !== undefined && !Number.isSafeInteger(p)) return null;
    if (s !== undefined && (!Number.isSafeInteger(s) || (s as number) < 0)) return null;
    if (c !== undefined && typeof c !== 'string') return null;
    if (ts !== undefined && typeof ts !== 'string') return null;
    if (k !== undefined && (!Number.isSafeInteger(k) || (k as number) <= 0)) return null;
    if (h !== undefined && typeof h !== 'string') return null;
    return {
      m: m as number,
      v: v as number | undefined,
      p: p as number | undefined,
      s: s as number | undefined,
      c: c as string | undefined,
      ts: ts as string | undefined,
      ...(k !== undefined ? { k: k as number } : {}),
      ...(h !== undefined ? { h: h as string } : {}),
    };
  } catch {
    return null;
  }
}
