// Installations sealed at rest, key rotation, and the OAuth state kept in the database.
import { randomBytes } from 'node:crypto';
import type { Installation } from '@slack/bolt';
import { memoryLogger } from '../../src/logger';
import { DatabaseStateStore, Installations } from '../../src/services/installations';
import { SettingsService, type WorkspaceDefaults } from '../../src/services/settings';
import { parseKey, TokenCipher, TokenCipherError } from '../../src/services/tokenCipher';
import { DATABASES, type TestDb } from '../support/db';

let t: TestDb;

const key = () => randomBytes(32);
const TOKEN = 'xoxb-1111-2222-secretsecretsecret';

const installation = (token = TOKEN): Installation<'v2', false> => ({
  team: { id: 'T0ONE', name: 'One' },
  enterprise: undefined,
  user: { id: 'UONEADMIN', token: undefined, scopes: undefined },
  bot: { id: 'B1', userId: 'UBOT', token, scopes: ['chat:write'], refreshToken: 'xoxe-1-refreshrefresh', expiresAt: 2_000_000_000 },
  isEnterpriseInstall: false,
  authVersion: 'v2',
  tokenType: 'bot',
});

describe('TokenCipher', () => {
  it('seals with AES-256-GCM: a fresh IV each time, and opens what it sealed', () => {
    const cipher = new TokenCipher(key());
    const a = cipher.seal(TOKEN);
    const b = cipher.seal(TOKEN);
    expect(a).not.toBe(b);
    expect(a).not.toContain(TOKEN);
    expect(cipher.open(a)).toBe(TOKEN);
    expect(cipher.open(b)).toBe(TOKEN);
  });

  it('refuses a value altered after sealing', () => {
    const cipher = new TokenCipher(key());
    const parts = cipher.seal(TOKEN).split('.');
    const body = Buffer.from(parts[4]!, 'base64url');
    body[0]! ^= 1;
    parts[4] = body.toString('base64url');
    expect(() => cipher.open(parts.join('.'))).toThrow(TokenCipherError);
  });

  it('after a rotation, opens with an old key what it sealed and seals only with the new one', () => {
    const old = key();
    const sealedBefore = new TokenCipher(old).seal(TOKEN);
    const rotated = new TokenCipher(key(), [old]);
    expect(rotated.open(sealedBefore)).toBe(TOKEN);
    expect(rotated.isStale(sealedBefore)).toBe(true);
    const sealedAfter = rotated.seal(TOKEN);
    expect(rotated.isStale(sealedAfter)).toBe(false);
    expect(() => new TokenCipher(old).open(sealedAfter)).toThrow(TokenCipherError);
  });

  it('says which setting to fix when no configured key opens a value', () => {
    const sealed = new TokenCipher(key()).seal(TOKEN);
    expect(() => new TokenCipher(key()).open(sealed)).toThrow(/TOKEN_ENCRYPTION_OLD_KEYS/);
  });

  it('reads keys as base64 of exactly 32 bytes', () => {
    expect(parseKey(randomBytes(32).toString('base64'))).toBeInstanceOf(Buffer);
    expect(parseKey(randomBytes(32).toString('base64url'))).toBeInstanceOf(Buffer);
    expect(parseKey(randomBytes(16).toString('base64'))).toMatch(/16 bytes/);
    expect(parseKey('not base64!')).toMatch(/not base64/);
  });
});

describe.each(DATABASES)('on %s', (_name, fresh) => {
  beforeEach(async () => {
    t = await fresh();
  });

  afterEach(async () => {
    await t.close();
  });

  describe('Installations', () => {
    it('stores bot and refresh tokens only sealed, and gives them back to Bolt', async () => {
      const store = new Installations(t.db, new TokenCipher(key()), memoryLogger());
      await store.storeInstallation(installation());
      const row = await t.db.installation.findUniqueOrThrow({ where: { key: 'T:T0ONE' } });
      expect(JSON.stringify(row)).not.toContain(TOKEN);
      expect(JSON.stringify(row)).not.toContain('xoxe-1-refreshrefresh');
      const back = await store.fetchInstallation({ teamId: 'T0ONE', enterpriseId: undefined, isEnterpriseInstall: false });
      expect(back.bot).toMatchObject({ token: TOKEN, refreshToken: 'xoxe-1-refreshrefresh' });
      expect(await store.tokenFor('T0ONE')).toEqual({ token: TOKEN, teamId: 'T0ONE' });
    });

    it('key rotation: TOKEN_ENCRYPTION_KEY=new with the old key in TOKEN_ENCRYPTION_OLD_KEYS reads old rows and seals them again with the new key', async () => {
      const oldKey = key();
      const newKey = key();
      await new Installations(t.db, new TokenCipher(oldKey), memoryLogger()).storeInstallation(installation());
      const before = (await t.db.installation.findUniqueOrThrow({ where: { key: 'T:T0ONE' } })).secret;

      // Without the old key, the row cannot be read: the error says what to set.
      const newOnly = new Installations(t.db, new TokenCipher(newKey), memoryLogger());
      await expect(newOnly.tokenFor('T0ONE')).rejects.toThrow(/TOKEN_ENCRYPTION_OLD_KEYS/);

      const rotated = new Installations(t.db, new TokenCipher(newKey, [oldKey]), memoryLogger());
      expect((await rotated.tokenFor('T0ONE'))?.token).toBe(TOKEN);
      const after = (await t.db.installation.findUniqueOrThrow({ where: { key: 'T:T0ONE' } })).secret;
      expect(after).not.toBe(before);
      // Sealed again with the new key: the old key can be dropped now.
      expect((await new Installations(t.db, new TokenCipher(newKey), memoryLogger()).tokenFor('T0ONE'))?.token).toBe(TOKEN);
      // And what a new install writes is sealed with the new key only.
      await rotated.storeInstallation(installation('xoxb-new-install'));
      const fresh = (await t.db.installation.findUniqueOrThrow({ where: { key: 'T:T0ONE' } })).secret;
      expect(() => new TokenCipher(oldKey).open(fresh)).toThrow(TokenCipherError);
      expect(new TokenCipher(newKey).open(fresh)).toContain('xoxb-new-install');
    });

    it('resealAll seals every row again with the current key, so the old key can then be dropped', async () => {
      const oldKey = key();
      const newKey = key();
      await new Installations(t.db, new TokenCipher(oldKey), memoryLogger()).storeInstallation(installation());
      await expect(new Installations(t.db, new TokenCipher(newKey), memoryLogger()).resealAll()).rejects.toThrow(
        /T0ONE cannot be read.*TOKEN_ENCRYPTION_OLD_KEYS/,
      );
      expect(await new Installations(t.db, new TokenCipher(newKey, [oldKey]), memoryLogger()).resealAll()).toBe(1);
      expect(await new Installations(t.db, new TokenCipher(newKey, [oldKey]), memoryLogger()).resealAll()).toBe(0);
      expect((await new Installations(t.db, new TokenCipher(newKey), memoryLogger()).tokenFor('T0ONE'))?.token).toBe(TOKEN);
    });

    it('revoking keeps the row and pauses pending deliveries; a reinstall resumes them', async () => {
      const store = new Installations(t.db, new TokenCipher(key()), memoryLogger());
      await store.storeInstallation(installation());
      const d = await t.db.delivery.create({ data: { teamId: 'T0ONE', dedupeKey: 'message:x', kind: 'message', payload: '{}' } });
      const other = await t.db.delivery.create({ data: { teamId: 'T0TWO', dedupeKey: 'message:y', kind: 'message', payload: '{}' } });
      expect(await store.revoke({ teamId: 'T0ONE' }, 'uninstalled')).toBe(1);
      expect(await store.tokenFor('T0ONE')).toBeNull();
      expect(await store.servedTeams()).toEqual([]);
      expect(await t.db.delivery.findUniqueOrThrow({ where: { id: d.id } })).toMatchObject({ status: 'paused' });
      expect(await t.db.delivery.findUniqueOrThrow({ where: { id: other.id } })).toMatchObject({ status: 'pending' });
      expect(await t.db.installation.count()).toBe(1);
      await store.storeInstallation(installation('xoxb-again'));
      expect(await t.db.delivery.findUniqueOrThrow({ where: { id: d.id } })).toMatchObject({ status: 'pending' });
      expect(await store.tokenFor('T0ONE')).toMatchObject({ token: 'xoxb-again' });
      expect(await store.servedTeams()).toEqual(['T0ONE']);
    });
  });

  describe('settings set in Slack', () => {
    const defaults: WorkspaceDefaults = {
      escalationChannelId: 'CESCALATIONS',
      digestChannelId: 'CDIGEST0001',
      timezone: 'UTC',
      sla: { stepMs: { critical: 30 * 60_000, high: 4 * 3_600_000, medium: 86_400_000, low: 3 * 86_400_000 } },
      reminderIntervalMs: 4 * 3_600_000,
      escalateAfterMs: 86_400_000,
      reminderCap: 3,
      officeHours: { startMinute: 540, endMinute: 1080, days: [1, 2, 3, 4, 5] },
      adminUserIds: ['UADMIN'],
    };

    it('are stored per workspace with their audit, and the environment does not overwrite them', async () => {
      const settings = new SettingsService(t.db, defaults, 0);
      expect(await settings.update('T0ONE', 'UADMIN', { timezone: 'Asia/Tokyo', escalationChannelId: 'CESCALATIONS' })).toEqual(['timezone']);
      await settings.forTeam('T0TWO');
      await new SettingsService(t.db, { ...defaults, timezone: 'Europe/Paris', escalationChannelId: 'CNEWDEFAULT' }, 0).applyDefaults();
      expect(await settings.forTeam('T0ONE')).toMatchObject({ timezone: 'Asia/Tokyo', escalationChannelId: 'CNEWDEFAULT' });
      expect(await settings.forTeam('T0TWO')).toMatchObject({ timezone: 'Europe/Paris' });
      expect(await settings.changes('T0ONE')).toEqual([
        expect.objectContaining({ userId: 'UADMIN', field: 'timezone', before: 'UTC', after: 'Asia/Tokyo' }),
      ]);
    });

    it('count the installing user among the admins', async () => {
      const settings = new SettingsService(t.db, defaults, 0);
      settings.installersFrom(async (teamId) => (teamId === 'T0ONE' ? 'UONEADMIN' : null));
      expect((await settings.forTeam('T0ONE')).adminUserIds).toEqual(['UADMIN', 'UONEADMIN']);
      expect((await settings.forTeam('T0TWO')).adminUserIds).toEqual(['UADMIN']);
    });
  });

  describe('DatabaseStateStore', () => {
    it('accepts a state once, and refuses it after that, when forged, or when expired', async () => {
      let now = new Date('2026-11-24T10:00:00Z');
      const clock = { now: () => now };
      const store = new DatabaseStateStore(t.db, 'secret', clock);
      const state = await store.generateStateParam({ scopes: ['chat:write'] });
      expect(await store.verifyStateParam(now, state)).toEqual({ scopes: ['chat:write'] });
      await expect(store.verifyStateParam(now, state)).rejects.toThrow(/already used/);
      const other = await store.generateStateParam({ scopes: [] });
      await expect(new DatabaseStateStore(t.db, 'another secret', clock).verifyStateParam(now, other)).rejects.toThrow(/not made by this app/);
      await expect(store.verifyStateParam(now, `${other}x`)).rejects.toThrow(/not made by this app/);
      now = new Date(now.getTime() + 11 * 60_000);
      await expect(store.verifyStateParam(now, other)).rejects.toThrow(/expired/);
    });
  });
});
