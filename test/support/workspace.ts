import { HOUR_MS } from '../../src/domain/durations';
import { DEFAULT_SLA } from '../../src/domain/playbook';
import type { WorkspaceDefaults } from '../../src/services/settings';

/**
 * A workspace's settings as the service tests use them: Berlin, office hours 09:00–18:00 on
 * weekdays, the playbook's SLAs, a reminder every 4 hours (at most 3), escalation after a day.
 */
export function workspaceDefaults(overrides: Partial<WorkspaceDefaults> = {}): WorkspaceDefaults {
  return {
    escalationChannelId: 'CESCALATIONS',
    digestChannelId: 'CDIGEST0001',
    timezone: 'Europe/Berlin',
    sla: DEFAULT_SLA,
    reminderIntervalMs: 4 * HOUR_MS,
    escalateAfterMs: 24 * HOUR_MS,
    reminderCap: 3,
    officeHours: { startMinute: 540, endMinute: 1080, days: [1, 2, 3, 4, 5] },
    adminUserIds: [],
    ...overrides,
  };
}
