// The workspace's settings, as admins change them in Slack (App Home → Settings): the channels,
// when the digest goes out, the SLAs, office hours, the escalation contact and the admins. The
// parse function reads a submission back, with a field error for every value that is not valid.

import type { ViewStateValue } from '@slack/bolt';
import type { ConversationsSelect, InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { parseDuration, formatDuration, MINUTE_MS } from '../../domain/durations';
import { parseOfficeDays, parseOfficeHoursRange } from '../../domain/officeHours';
import { CATEGORIES, CATEGORY_LABELS, LABELS, SEVERITIES, type Severity } from '../../domain/playbook';
import { encodeRoutes, type Routes } from '../../domain/routes';
import { isChannelId, isUserGroupId, isUserId } from '../../domain/slackIds';
import { isValidTimeZone } from '../../domain/time';
import type { SettingsChanges, WorkspacePolicy } from '../../services/settings';
import { Inputs, Views } from '../ids';
import { context, divider, header, plain, SEVERITY_LABELS } from './blocks';

type StateValues = Record<string, Record<string, ViewStateValue> | undefined>;

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const SLA_FIELD: Record<Severity, 'slaCriticalMinutes' | 'slaHighMinutes' | 'slaMediumMinutes' | 'slaLowMinutes'> = {
  critical: 'slaCriticalMinutes',
  high: 'slaHighMinutes',
  medium: 'slaMediumMinutes',
  low: 'slaLowMinutes',
};
/** The digest's time, on the half hour (the digest pass runs with every reminder pass). */
const DIGEST_TIMES = Array.from({ length: 48 }, (_, i) => `${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);
const DEFAULT_TIME = 'default';
/** Most severe first. */
const SEVERITY_ORDER: readonly Severity[] = [...SEVERITIES].reverse();

const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** "mon-fri", "mon,wed,fri": the shortest way to write the days. */
export function formatDays(days: readonly number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const contiguous = sorted.length > 2 && sorted.every((d, i) => i === 0 || d === sorted[i - 1]! + 1);
  if (contiguous) return `${DAY_NAMES[sorted[0]! - 1]}-${DAY_NAMES[sorted[sorted.length - 1]! - 1]}`;
  return sorted.map((d) => DAY_NAMES[d - 1]).join(',');
}

function input(id: string, label: string, element: InputBlock['element'], o: { optional?: boolean; hint?: string } = {}): InputBlock {
  const block: InputBlock = { type: 'input', block_id: id, label: plain(label), optional: o.optional ?? false, element };
  if (o.hint) block.hint = plain(o.hint);
  return block;
}

const text = (id: string, initial: string, placeholder: string) =>
  ({
    type: 'plain_text_input',
    action_id: id,
    max_length: 100,
    placeholder: plain(placeholder),
    ...(initial ? { initial_value: initial } : {}),
  }) as const;

const channel = (id: string, initial: string): ConversationsSelect => ({
  type: 'conversations_select',
  action_id: id,
  placeholder: plain('Choose a channel'),
  filter: { include: ['public', 'private'], exclude_bot_users: true },
  ...(initial ? { initial_conversation: initial } : {}),
});

const option = (value: string, label: string): PlainTextOption => ({ text: plain(label), value });

/** The settings form, filled with the workspace's current values. */
export function settingsModal(policy: WorkspacePolicy): ModalView {
  const timeOptions = [option(DEFAULT_TIME, 'As configured for the deployment'), ...DIGEST_TIMES.map((t) => option(t, t))];
  const initialTime = timeOptions.find((o) => o.value === (policy.digestTime ?? DEFAULT_TIME));
  const blocks: KnownBlock[] = [
    context('What you change here applies to this workspace only. Each change is recorded with who made it.'),
    input(Inputs.escalationChannel, 'Escalation channel', channel(Inputs.escalationChannel, policy.escalationChannelId), {
      hint: 'Where new mistakes get their card and thread, and where escalations go. Invite the bot there first.',
    }),
    input(Inputs.digestChannel, 'Digest channel', channel(Inputs.digestChannel, policy.digestChannelId), {
      hint: 'Where the daily digest is posted. Invite the bot there too.',
    }),
    input(
      Inputs.digestTime,
      'Digest time',
      {
        type: 'static_select',
        action_id: Inputs.digestTime,
        placeholder: plain('Choose a time'),
        options: timeOptions,
        ...(initialTime ? { initial_option: initialTime } : {}),
      },
      { hint: "In the timezone below, on the deployment's digest days." },
    ),
    input(Inputs.timezone, 'Timezone', text(Inputs.timezone, policy.timezone, 'Europe/Berlin'), {
      hint: 'An IANA timezone name, like Europe/Berlin or America/New_York.',
    }),
    ...SEVERITY_ORDER.map((s) =>
      input(Inputs.sla(s), `Time for each step: ${SEVERITY_LABELS[s]}`, text(Inputs.sla(s), formatDuration(policy.sla.stepMs[s]), '4h'), {
        hint: s === 'critical' ? 'Like 30m, 4h, 1d or 1h30m.' : undefined,
      }),
    ),
    input(
      Inputs.officeHours,
      'Office hours',
      text(Inputs.officeHours, `${hhmm(policy.officeHours.startMinute)}-${hhmm(policy.officeHours.endMinute)}`, '09:00-18:00'),
      { hint: 'Reminders wait for these (critical mistakes do not).' },
    ),
    input(Inputs.officeDays, 'Office days', text(Inputs.officeDays, formatDays(policy.officeHours.days), 'mon-fri')),
    input(
      Inputs.escalationContact,
      'Escalation contact',
      text(Inputs.escalationContact, policy.escalationContact ?? '', 'U0123ABCDEF or S0123GROUP'),
      {
        optional: true,
        hint: "A person's member ID (U…) or a user group's ID (S…), called on every escalation.",
      },
    ),
    input(
      Inputs.admins,
      'Admins',
      {
        type: 'multi_users_select',
        action_id: Inputs.admins,
        placeholder: plain('Choose people'),
        ...(policy.adminUserIds.length > 0 ? { initial_users: policy.adminUserIds } : {}),
      },
      { hint: 'They may act on any mistake and change these settings.' },
    ),
    divider(),
    header('Routing'),
    context(
      'A category can have its own escalation channel and contact: its cards, threads and escalations live there. Categories left empty use the escalation channel and contact above.',
    ),
    ...CATEGORIES.flatMap((c) => {
      const route = policy.routes[c];
      const channelSelect = channel(Inputs.routeChannel(c), route?.channelId ?? '');
      return [
        input(Inputs.routeChannel(c), `${CATEGORY_LABELS[c]}: channel`, channelSelect, { optional: true }),
        input(
          Inputs.routeContact(c),
          `${CATEGORY_LABELS[c]}: contact`,
          text(Inputs.routeContact(c), route?.contact ?? '', 'U0123ABCDEF or S0123GROUP'),
          {
            optional: true,
          },
        ),
      ];
    }),
  ];
  return {
    type: 'modal',
    callback_id: Views.settings,
    title: plain(LABELS.settings),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks,
  };
}

export interface SettingsSubmission {
  changes: SettingsChanges;
  /** Block id → the channel picked there: the bot must be in each. */
  channels: Record<string, string>;
  /** Block id → what is wrong with it. */
  errors: Record<string, string>;
}

function value(values: StateValues, id: string): ViewStateValue | undefined {
  return values[id]?.[id];
}

/** Reads the form back: the changes, or a field error for each value that cannot be used. */
export function parseSettingsSubmission(values: StateValues): SettingsSubmission {
  const errors: Record<string, string> = {};
  const changes: SettingsChanges = {};
  const channels: Record<string, string> = {};
  const textOf = (id: string) => (value(values, id)?.value ?? '').trim();

  const escalation = value(values, Inputs.escalationChannel)?.selected_conversation ?? '';
  if (!isChannelId(escalation)) errors[Inputs.escalationChannel] = 'Choose a channel.';
  else changes.escalationChannelId = channels[Inputs.escalationChannel] = escalation;
  const digest = value(values, Inputs.digestChannel)?.selected_conversation ?? '';
  if (!isChannelId(digest)) errors[Inputs.digestChannel] = 'Choose a channel.';
  else changes.digestChannelId = channels[Inputs.digestChannel] = digest;

  const time = value(values, Inputs.digestTime)?.selected_option?.value ?? DEFAULT_TIME;
  if (time === DEFAULT_TIME) changes.digestTime = null;
  else if (DIGEST_TIMES.includes(time)) changes.digestTime = time;
  else errors[Inputs.digestTime] = 'Choose one of the times offered.';

  const zone = textOf(Inputs.timezone);
  if (!isValidTimeZone(zone)) errors[Inputs.timezone] = `"${zone}" is not a timezone name; use one like Europe/Berlin.`;
  else changes.timezone = zone;

  for (const s of SEVERITIES) {
    const raw = textOf(Inputs.sla(s));
    const ms = parseDuration(raw);
    if (ms === null || ms < MINUTE_MS) errors[Inputs.sla(s)] = `"${raw}" is not a duration of a minute or more, like 30m, 4h or 1d.`;
    else changes[SLA_FIELD[s]] = Math.round(ms / MINUTE_MS);
  }
  const ms = (s: Severity) => (changes[SLA_FIELD[s]] ?? 0) * MINUTE_MS;
  // The more severe, the less time each step may take.
  const order = SEVERITY_ORDER;
  for (let i = 1; i < order.length; i++) {
    const more = order[i - 1]!;
    const less = order[i]!;
    if (changes[SLA_FIELD[more]] !== undefined && changes[SLA_FIELD[less]] !== undefined && ms(more) > ms(less)) {
      errors[Inputs.sla(more)] = `${SEVERITY_LABELS[more]} must not allow more time than ${SEVERITY_LABELS[less]}.`;
    }
  }

  const range = parseOfficeHoursRange(textOf(Inputs.officeHours));
  if (typeof range === 'string') errors[Inputs.officeHours] = range;
  else {
    changes.officeStartMinute = range.startMinute;
    changes.officeEndMinute = range.endMinute;
  }
  const days = parseOfficeDays(textOf(Inputs.officeDays));
  if (typeof days === 'string') errors[Inputs.officeDays] = days;
  else changes.officeDays = [...days].sort((a, b) => a - b).join(',');

  const contactOf = (id: string): string | null | undefined => {
    const contact = textOf(id).replace(/^<[@!](?:subteam\^)?([A-Z0-9]+)(?:\|[^>]*)?>$/, '$1');
    if (contact === '') return null;
    if (isUserId(contact) || isUserGroupId(contact)) return contact;
    errors[id] = `"${contact}" is not a member ID (U…) or user group ID (S…); copy it from the profile's "Copy member ID".`;
    return undefined;
  };
  const contact = contactOf(Inputs.escalationContact);
  if (contact !== undefined) changes.escalationContact = contact;

  const routes: Routes = {};
  let routesValid = true;
  for (const c of CATEGORIES) {
    const routeChannel = value(values, Inputs.routeChannel(c))?.selected_conversation ?? '';
    const routeContact = contactOf(Inputs.routeContact(c));
    if (routeContact === undefined) routesValid = false;
    if (routeChannel && !isChannelId(routeChannel)) {
      errors[Inputs.routeChannel(c)] = 'Choose a channel.';
      routesValid = false;
    } else if (routeChannel) channels[Inputs.routeChannel(c)] = routeChannel;
    if (routeChannel || routeContact)
      routes[c] = { ...(routeChannel ? { channelId: routeChannel } : {}), ...(routeContact ? { contact: routeContact } : {}) };
  }
  if (routesValid) changes.routes = encodeRoutes(routes);

  const admins = value(values, Inputs.admins)?.selected_users ?? [];
  if (admins.length === 0) errors[Inputs.admins] = 'Choose at least one admin.';
  else if (!admins.every(isUserId)) errors[Inputs.admins] = 'Choose people, not apps.';
  else changes.adminUserIds = [...new Set(admins)].sort().join(',');

  return { changes, channels, errors };
}
