// Slack's ids, read one way everywhere: a letter for what it names, then upper-case letters and
// digits (U0123ABCDEF, W0123ABCDEF for Enterprise Grid users, S… user groups, C…/G… channels).

/** A person: U… or W… (Enterprise Grid). */
export const USER_ID = /^[UW][A-Z0-9]{2,}$/;
/** A user group (`<!subteam^S…>`). */
export const USER_GROUP_ID = /^S[A-Z0-9]{2,}$/;
/** A public (C…) or private (G…) channel. */
export const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;

export const isUserId = (id: unknown): id is string => typeof id === 'string' && USER_ID.test(id);
export const isUserGroupId = (id: unknown): id is string => typeof id === 'string' && USER_GROUP_ID.test(id);
export const isChannelId = (id: unknown): id is string => typeof id === 'string' && CHANNEL_ID.test(id);
