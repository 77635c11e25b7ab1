import { digestSchedule } from '../../src/jobs';
import type { WorkspacePolicy } from '../../src/services/settings';
import { Inputs } from '../../src/slack/ids';
import { formatDays, parseSettingsSubmission, settingsModal } from '../../src/slack/views/settings';
import { checkLimits } from '../support/limits';

const policy: WorkspacePolicy = {
  teamId: 'T_ACME',
  escalationChannelId: 'CESCALATIONS',
  digestChannelId: 'CDIGEST0001',
  timezone: 'Europe/Berlin',
  sla: { stepMs: { critical: 30 * 60_000, high: 4 * 3_600_000, medium: 86_400_000, low: 3 * 86_400_000 } },
  reminderIntervalMs: 4 * 3_600_000,
  escalateAfterMs: 86_400_000,
  reminderCap: 3,
  officeHours: { startMinute: 540, endMinute: 1080, days: [1, 2, 3, 4, 5] },
  escalationContact: null,
  adminUserIds: ['UADMIN0001'],
  digestTime: null,
  routes: {},
  installedAt: new Date(0),
  defaultCurrency: 'USD',
  checkInAfterMs: 30 * 86_400_000,
};

it('the settings form stays within Slack’s limits', () => {
  expect(checkLimits('modal', settingsModal(policy))).toEqual([]);
  expect(checkLimits('modal', settingsModal({ ...policy, digestTime: '08:30', escalationContact: 'S0SUPPORT' }))).toEqual([]);
});

it('writes office days the short way', () => {
  expect(formatDays([1, 2, 3, 4, 5])).toBe('mon-fri');
  expect(formatDays([1, 3, 5])).toBe('mon,wed,fri');
  expect(formatDays([6, 7])).toBe('sat,sun');
});

it('refuses SLAs that give a more severe mistake more time', () => {
  const values = (sla: Record<string, string>) =>
    Object.fromEntries(Object.entries(sla).map(([s, v]) => [Inputs.sla(s), { [Inputs.sla(s)]: { type: 'plain_text_input', value: v } }]));
  const { errors } = parseSettingsSubmission(values({ critical: '5h', high: '4h', medium: '1d', low: '3d' }) as never);
  expect(errors[Inputs.sla('critical')]).toMatch(/must not allow more time than High/);
});

it('a digest time keeps DIGEST_CRON’s days', () => {
  expect(digestSchedule('0 9 * * 1-5', { digestTime: null })).toBe('0 9 * * 1-5');
  expect(digestSchedule('0 9 * * 1-5', { digestTime: '08:30' })).toBe('30 8 * * 1-5');
  expect(digestSchedule('0 0 9 * * mon-fri', { digestTime: '17:00' })).toBe('0 17 * * mon-fri');
});
