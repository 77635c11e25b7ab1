// What the click inbox stores (`Interaction.payload`): the clicks that change a mistake on the
// spot, and the record a saved form leaves. The kind has a column of its own; the rest is JSON
// text, written and read back only by the functions here.

import { decodeUnion, encodeWithoutKind, type Fields, type Readers } from './json';

/** A click that changes a mistake on the spot (the other buttons open a form and change nothing yet). */
export type Click =
  /** `channelId`: the channel of the message clicked (absent for App Home), where a refusal is explained. */
  | { kind: 'own'; mistakeId: number; channelId?: string }
  | { kind: 'apologize'; mistakeId: number; channelId?: string }
  | { kind: 'prevention_done'; mistakeId: number; preventionId: number; channelId?: string }
  /** `snoozeMinutes` 0 is "until office hours open tomorrow"; a prevention step's own reminders with `preventionId`. */
  | { kind: 'snooze'; mistakeId: number; snoozeMinutes: number; preventionId?: number; contactId?: number; channelId?: string }
  /** The after-close check-in's answer, one kind per button. */
  | { kind: 'check_in_came_back'; mistakeId: number; channelId?: string }
  | { kind: 'check_in_not_yet'; mistakeId: number; channelId?: string }
  | { kind: 'check_in_lost'; mistakeId: number; channelId?: string }
  /** The "it won't happen again" note was sent to the customer. */
  | { kind: 'customer_note_sent'; mistakeId: number; channelId?: string };

export type ClickKind = Click['kind'];

/** A row of the inbox: a click, or a form recorded as saved (it carries nothing more). */
export type InteractionPayload = Click | { kind: 'form' };

const CLICK_KINDS: readonly ClickKind[] = [
  'own',
  'apologize',
  'prevention_done',
  'snooze',
  'check_in_came_back',
  'check_in_not_yet',
  'check_in_lost',
  'customer_note_sent',
];

export const isClickKind = (kind: string): kind is ClickKind => (CLICK_KINDS as readonly string[]).includes(kind);

/**
 * The click of `kind` carrying these fields, or null when it lacks one the kind needs (a Done
 * button without its prevention step, a snooze without its length).
 */
export function clickOf(
  kind: ClickKind,
  fields: { mistakeId: number; preventionId?: number; contactId?: number; snoozeMinutes?: number; channelId?: string },
): Click | null {
  const { mistakeId, preventionId, contactId, snoozeMinutes, channelId } = fields;
  const where = channelId !== undefined ? { channelId } : {};
  switch (kind) {
    case 'own':
    case 'apologize':
    case 'check_in_came_back':
    case 'check_in_not_yet':
    case 'check_in_lost':
    case 'customer_note_sent':
      return { kind, mistakeId, ...where };
    case 'prevention_done':
      return preventionId === undefined ? null : { kind, mistakeId, preventionId, ...where };
    case 'snooze':
      if (snoozeMinutes === undefined) return null;
      return {
        kind,
        mistakeId,
        snoozeMinutes,
        ...(preventionId !== undefined ? { preventionId } : {}),
        ...(contactId !== undefined ? { contactId } : {}),
        ...where,
      };
  }
}

const stepClick = (f: Fields) => ({ mistakeId: f.int('mistakeId'), channelId: f.optionalString('channelId') });

const READERS: Readers<InteractionPayload> = {
  own: stepClick,
  apologize: stepClick,
  prevention_done: (f) => ({ mistakeId: f.int('mistakeId'), preventionId: f.int('preventionId'), channelId: f.optionalString('channelId') }),
  snooze: (f) => ({
    mistakeId: f.int('mistakeId'),
    snoozeMinutes: f.int('snoozeMinutes'),
    preventionId: f.optionalInt('preventionId'),
    contactId: f.optionalInt('contactId'),
    channelId: f.optionalString('channelId'),
  }),
  check_in_came_back: stepClick,
  check_in_not_yet: stepClick,
  check_in_lost: stepClick,
  customer_note_sent: stepClick,
  form: () => ({}),
};

/** The text stored in an inbox row's `payload` (its kind goes in its own column). */
export function encodeInteractionPayload(payload: InteractionPayload): string {
  return encodeWithoutKind(payload);
}

/** The one reader of an inbox row; null when the row is not one this version wrote. */
export function decodeInteractionPayload(kind: string, payload: string): InteractionPayload | null {
  return decodeUnion(READERS, kind, payload);
}
