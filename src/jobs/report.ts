// What `npm run job` tells the operator, in words: what the pass did, where it went, and when
// the schedule runs next. Pure functions, so every sentence is tested.
import { formatDuration } from '../domain/durations';
import type { DeliveryStats } from '../notify/deliveries';
import type { DigestRecord } from '../services/scheduledRuns';
import { formatDateTime, formatDay, threadUrl } from '../slack/views/text';
import type { DigestOutcome, InsightsOutcome } from './index';

export interface ReportContext {
  now: Date;
  /** auth.test's workspace URL, for links to the posts; Slack's app_redirect works without it. */
  workspaceUrl?: string;
  /** Several workspaces: each line names its own. */
  multipleTeams?: boolean;
}

function where(channel: string | null | undefined, ts: string | null | undefined, ctx: ReportContext): string {
  if (!channel) return '';
  return ts ? ` in ${channel}: ${threadUrl(ctx.workspaceUrl, channel, ts)}` : ` in ${channel}`;
}

/** "was posted at …", "is waiting for Slack (…)", or "was refused by Slack (…)". */
function deliveryState(delivery: NonNullable<DigestRecord['delivery']>, ctx: ReportContext, timeZone: string): string {
  if (delivery.status === 'sent') {
    const at = delivery.postedAt ? ` at ${formatDateTime(delivery.postedAt, timeZone)}` : '';
    return `was posted${at}${where(delivery.channel, delivery.ts, ctx)}`;
  }
  if (delivery.status === 'failed') {
    return (
      `was refused by Slack (${delivery.lastError ?? 'unknown error'})${where(delivery.channel, null, ctx)}: ` +
      'fix that (usually: invite the bot to the channel) and it is posted on its own within 15 minutes'
    );
  }
  const why = delivery.lastError ? ` (last error: ${delivery.lastError})` : '';
  return `is queued and waiting for Slack${why}${where(delivery.channel, null, ctx)}; the bot keeps trying`;
}

function nextLine(outcome: DigestOutcome, ctx: ReportContext): string {
  if (!outcome.next) return 'The digest schedule has no run ahead (check DIGEST_CRON).';
  const inHowLong = formatDuration(outcome.next.getTime() - ctx.now.getTime());
  return `The next scheduled digest goes out ${formatDateTime(outcome.next, outcome.timeZone)} (in ${inHowLong}).`;
}

/**
 * One outcome of `npm run job -- digest`, as sentences. `posted` is how the post queued by this
 * run went, read after the run's deliveries were tried.
 */
export function describeDigest(outcome: DigestOutcome, posted: DigestRecord['delivery'] | null, ctx: ReportContext): string[] {
  const team = ctx.multipleTeams ? ` for workspace ${outcome.teamId}` : '';
  const day = formatDay(ctx.now, outcome.timeZone);
  const lines: string[] = [];
  switch (outcome.status) {
    case 'no-channel':
      lines.push(`No digest was posted${team}: there is no digest channel. Set DIGEST_CHANNEL_ID (or ESCALATION_CHANNEL_ID).`);
      break;
    case 'not-due':
      lines.push(`No digest is due${team} yet: nothing was posted.`);
      break;
    case 'already-sent': {
      const existing = outcome.existing;
      const what = `Today's digest${team} (${day})`;
      if (existing?.supersededBy) {
        lines.push(`${what} is covered by the digest of ${existing.supersededBy.replace(/^digest:/, '')}. Nothing was posted.`);
      } else if (existing?.delivery) {
        lines.push(`${what} ${deliveryState(existing.delivery, ctx, outcome.timeZone)}. Nothing was posted.`);
      } else {
        const at = existing ? ` at ${formatDateTime(existing.claimedAt, outcome.timeZone)}` : '';
        lines.push(`${what} was started by another process${at} and is on its way. Nothing was posted.`);
      }
      lines.push('To post an extra copy anyway: npm run job -- digest --again');
      break;
    }
    case 'queued': {
      const what = outcome.extra
        ? `An extra copy of today's digest${team} (${day}), marked as one,`
        : `Today's digest${team} (${day})${outcome.late ? ', late (the bot was down at its time),' : ''}`;
      lines.push(`${what} ${posted ? deliveryState(posted, ctx, outcome.timeZone) : `is queued${where(outcome.channel, null, ctx)}`}.`);
      if (!outcome.extra) lines.push("It counts as today's digest: the schedule will not post another today.");
      break;
    }
  }
  lines.push(nextLine(outcome, ctx));
  return lines;
}

export function describeDeliveries(stats: DeliveryStats, waiting: { pending: number; failed: number }): string {
  const parts = [`${stats.sent} sent`];
  if (stats.retried) parts.push(`${stats.retried} to retry (Slack did not take them yet)`);
  if (stats.deferred) parts.push(`${stats.deferred} left for later`);
  if (stats.failed) parts.push(`${stats.failed} refused by Slack`);
  const tail: string[] = [];
  if (waiting.pending) tail.push(`${waiting.pending} still waiting`);
  if (waiting.failed) tail.push(`${waiting.failed} need a person (see /healthz and the error log)`);
  return `Deliveries: ${parts.join(', ')}.${tail.length ? ` ${tail.join('; ')}.` : ' Nothing is waiting.'}`;
}

export function describeReminders(result: { owners: number; items: number; waitingForOfficeHours: number }): string {
  if (result.items === 0 && result.waitingForOfficeHours === 0) return 'Reminders: nothing is due for a reminder.';
  const sent =
    result.items === 0
      ? 'no reminder sent'
      : `${result.items} item${result.items === 1 ? '' : 's'} reminded to ${result.owners} owner${result.owners === 1 ? '' : 's'}`;
  const waiting = result.waitingForOfficeHours ? `; ${result.waitingForOfficeHours} waiting for office hours` : '';
  return `Reminders: ${sent}${waiting}.`;
}

export function describeEscalations(result: { escalated: number }): string {
  return result.escalated === 0
    ? 'Escalations: nothing needed escalating.'
    : `Escalations: ${result.escalated} escalation${result.escalated === 1 ? '' : 's'} posted.`;
}

export function describeCheckIns(result: { asked: number; waitingForOfficeHours: number }): string {
  if (result.asked === 0 && result.waitingForOfficeHours === 0) return 'Check-ins: no customer is due for a check-in.';
  const asked =
    result.asked === 0 ? 'no owner asked' : `${result.asked} owner${result.asked === 1 ? '' : 's'} asked whether their customer came back`;
  const waiting = result.waitingForOfficeHours ? `; ${result.waitingForOfficeHours} waiting for office hours` : '';
  return `Check-ins: ${asked}${waiting}.`;
}

/** One outcome of `npm run job -- insights`, as sentences. */
export function describeInsights(outcome: InsightsOutcome, posted: DigestRecord['delivery'] | null, ctx: ReportContext): string[] {
  const team = ctx.multipleTeams ? ` for workspace ${outcome.teamId}` : '';
  const week = outcome.slot.replace(/^insights:/, '');
  const lines: string[] = [];
  switch (outcome.status) {
    case 'off':
      lines.push(`No insights post${team}: INSIGHTS_CRON is off.`);
      break;
    case 'no-channel':
      lines.push(`No insights post${team}: there is no digest channel. Set DIGEST_CHANNEL_ID (or ESCALATION_CHANNEL_ID).`);
      break;
    case 'not-due':
      lines.push(`No insights post is due${team} yet: nothing was posted.`);
      break;
    case 'already-sent': {
      const at = outcome.claimedAt ? ` at ${formatDateTime(outcome.claimedAt, outcome.timeZone)}` : '';
      lines.push(`This week's insights post${team} (week of ${week}) already went out, or is on its way (started${at}). Nothing was posted.`);
      lines.push('To post an extra copy anyway: npm run job -- insights --again');
      break;
    }
    case 'queued': {
      const what = outcome.extra ? `An extra copy of this week's insights post${team}` : `This week's insights post${team} (week of ${week})`;
      lines.push(`${what} ${posted ? deliveryState(posted, ctx, outcome.timeZone) : `is queued${where(outcome.channel, null, ctx)}`}.`);
      if (!outcome.extra) lines.push("It counts as this week's: the schedule will not post it again.");
      break;
    }
  }
  if (outcome.next) {
    lines.push(
      `The next scheduled insights post goes out ${formatDateTime(outcome.next, outcome.timeZone)} (in ${formatDuration(outcome.next.getTime() - ctx.now.getTime())}).`,
    );
  }
  return lines;
}
