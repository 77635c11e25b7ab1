// Contacts with the customer and the apology (rule 12): how the owner was in touch, what was said,
// when they will be in touch again; the draft apology, and the excuse and blame wording pointed
// out in it. Plain TypeScript: no Slack, no database. The bot never writes to the customer: the
// owner does, and these rules only help them say it well and record that they did.

import { cleanText, FieldErrors, PlaybookError } from './playbook';
import { formatLocalDate, localDate, parseLocalDate, startOfLocalDay } from './time';

export const CONTACT_CHANNELS = ['call', 'email', 'chat', 'in_person', 'other'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

export const CONTACT_CHANNEL_LABELS: Record<ContactChannel, string> = {
  call: 'Call',
  email: 'Email',
  chat: 'Chat',
  in_person: 'In person',
  other: 'Other',
};

export const CONTACT_LIMITS = {
  /** A short summary: what was said, in a line or two. */
  summary: 500,
  /** The apology as kept (Slack's input limit is 3000). */
  apology: 3000,
} as const;

/** A contact as typed, before it is checked. */
export interface RawContact {
  channel?: string;
  summary?: string;
  /** "YYYY-MM-DD" from a date picker, in the team's time zone. */
  nextContactOn?: string;
  /** The apology text (the Apologize form only); '' when cleared. */
  apology?: string;
}

export interface ContactInput {
  channel: ContactChannel;
  summary: string;
  /** The start of the planned day in the team's time zone; null when none is planned. */
  nextContactAt: Date | null;
  /** The apology as kept; null when cleared (or not the apology). */
  apology: string | null;
}

/**
 * Checks a contact: a known channel, a summary within its limit, a next contact date that is a
 * real date, today or later where the team works. Every problem at once, by field (the form's
 * field names: channel, summary, next_contact, apology).
 */
export function validateContact(raw: RawContact, now: Date, timeZone: string): ContactInput {
  const errors: Record<string, string> = {};
  const channel = raw.channel as ContactChannel;
  if (!CONTACT_CHANNELS.includes(channel)) errors.contact_channel = 'How were you in touch? Choose one.';
  const text = (field: string, label: string, value: string | undefined, max: number, optional = false): string => {
    try {
      return cleanText(value, label, max, field, { optional });
    } catch (error) {
      if (!(error instanceof PlaybookError)) throw error;
      errors[field] = error.message;
      return '';
    }
  };
  const summary = text('contact_summary', 'The summary', raw.summary, CONTACT_LIMITS.summary);
  const apology = text('apology', 'The apology', raw.apology, CONTACT_LIMITS.apology, true);
  let nextContactAt: Date | null = null;
  if (raw.nextContactOn) {
    const day = parseLocalDate(raw.nextContactOn);
    if (!day || day.year < 1970) errors.next_contact = 'That is not a date we can read. Pick one from the calendar.';
    else if (formatLocalDate(day) < localDate(now, timeZone))
      errors.next_contact = 'That date has passed. Pick today or a later date, or leave it empty.';
    else nextContactAt = startOfLocalDay(day, timeZone);
  }
  if (Object.keys(errors).length > 0) throw new FieldErrors(errors);
  return { channel, summary, nextContactAt, apology: apology || null };
}

// ---------------------------------------------------------------------------------------------
// The draft apology.

/** What the draft is built from: the report. */
export interface ApologySource {
  customer: string;
  whatHappened: string;
  impact: string;
}

/**
 * A draft the owner edits and sends themselves: about the customer's inconvenience, owning the
 * mistake, with no excuses, asking what they would like. The report's words are quoted as they
 * were typed (they describe the customer in the third person; the owner rewords them).
 */
export function draftApology(source: ApologySource): string {
  const name = source.customer.trim() || 'there';
  const what = source.whatHappened.trim();
  const impact = source.impact.trim();
  return [
    `Hi ${name},`,
    '',
    `I am sorry for the inconvenience we caused you. This was our mistake, and I take responsibility for it.`,
    ...(what ? ['', `What went wrong: ${what}`] : []),
    ...(impact ? [`I know what it meant for you: ${impact}`] : []),
    '',
    'What would you like us to do to make this right?',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Excuse and blame wording: pointed out, never blocked.

export interface ExcuseRule {
  id: string;
  /** How the wording reads, as people would name it. */
  phrase: string;
  pattern: RegExp;
  /** Why it hurts an apology, in a sentence for the owner. */
  why: string;
}

// Word boundaries on both sides ("butter" is not "but"); any case; a straight or curly apostrophe.
const words = (source: string): RegExp => new RegExp(`(?<![\\p{L}\\p{N}_])(?:${source})(?![\\p{L}\\p{N}_])`, 'iu');

export const EXCUSE_RULES: readonly ExcuseRule[] = [
  { id: 'but', phrase: 'but', pattern: words('but'), why: '"But" takes back the apology before it. Say sorry, then stop.' },
  {
    id: 'however',
    phrase: 'however',
    pattern: words('however'),
    why: '"However" turns the apology into an argument. Leave the reasons for the root-cause analysis.',
  },
  {
    id: 'unfortunately_you',
    phrase: 'unfortunately you',
    pattern: words('unfortunately,?\\s+you'),
    why: '"Unfortunately you…" puts the problem on the customer. It was our mistake.',
  },
  {
    id: 'policy',
    phrase: 'policy',
    pattern: words('polic(?:y|ies)'),
    why: 'Pointing to a policy hides behind a rule. The customer cares about what happened to them.',
  },
  {
    id: 'out_of_our_control',
    phrase: 'out of our control',
    pattern: words('(?:out of|beyond) our (?:control|hands)'),
    why: '"Out of our control" disowns the mistake. Own it: it happened on our watch.',
  },
  {
    id: 'you_should_have',
    phrase: 'you should have',
    pattern: words("you (?:should|could|must)(?: have|['’]ve)"),
    why: '"You should have…" blames the customer for our mistake.',
  },
  {
    id: 'as_stated',
    phrase: 'as stated',
    pattern: words('as (?:previously |already )?(?:stated|mentioned|explained)'),
    why: '"As stated" tells the customer they should have read more carefully.',
  },
  {
    id: 'sorry_if',
    phrase: 'sorry if',
    pattern: words('(?:sorry|apologi[sz]e) if'),
    why: '"Sorry if…" doubts that anything happened. It did: say sorry for it.',
  },
  {
    id: 'sorry_you_feel',
    phrase: 'sorry you feel',
    pattern: words('sorry (?:that )?you (?:feel|felt)'),
    why: '"Sorry you feel…" apologizes for their feelings, not for our mistake.',
  },
  {
    id: 'not_our_fault',
    phrase: 'not our fault',
    pattern: words("(?:not|wasn['’]t|isn['’]t) our fault"),
    why: '"Not our fault" is an excuse. The apology is about their inconvenience, not about fault.',
  },
];

export interface ExcuseFound {
  rule: ExcuseRule;
  /** The words as they appear in the text. */
  found: string;
}

/** Every rule the text trips, in the table's order, each with the words as typed. */
export function findExcuses(text: string): ExcuseFound[] {
  const found: ExcuseFound[] = [];
  for (const rule of EXCUSE_RULES) {
    const match = rule.pattern.exec(text);
    if (match) found.push({ rule, found: match[0] });
  }
  return found;
}
