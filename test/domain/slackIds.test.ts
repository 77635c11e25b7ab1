// One reading of Slack's ids, used by the configuration, the report form and every mention.
import { isChannelId, isUserGroupId, isUserId } from '../../src/domain/slackIds';

it('reads people, user groups and channels one way', () => {
  expect(['U0123ABCDEF', 'W0123ABCDEF', 'UALICE', 'U2147483697'].every(isUserId)).toBe(true);
  expect(['u0123abcdef', '@alice', 'U_ALICE', 'S0123TEAM', 'C0123ABCD', 'U', 'U1 ', '', null, 42].some(isUserId)).toBe(false);
  expect(isUserGroupId('S0123TEAM')).toBe(true);
  expect(isUserGroupId('U0123ABCD')).toBe(false);
  expect(['C0123ABCD', 'G0123ABCD'].every(isChannelId)).toBe(true);
  expect(['#general', 'D0123ABCD', 'c0123abcd'].some(isChannelId)).toBe(false);
});
