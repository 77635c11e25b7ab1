// Routing: per workspace, a category of mistake can have its own escalation channel and contact
// (billing mistakes to #finance-escalations, say). Stored as JSON in WorkspaceSettings.routes.

import { parseObject } from './json';
import { CATEGORIES, type Category } from './playbook';
import { isChannelId, isUserGroupId, isUserId } from './slackIds';

export interface Route {
  /** Where the card, its thread and its escalations live. */
  channelId?: string;
  /** Who is called on its escalations (a user or a user group). */
  contact?: string;
}

export type Routes = Partial<Record<Category, Route>>;

const isCategory = (c: string): c is Category => (CATEGORIES as readonly string[]).includes(c);

/** The stored routes; anything unreadable in them is left out (the default channel is used). */
export function decodeRoutes(text: string): Routes {
  const o = text ? parseObject(text) : null;
  const routes: Routes = {};
  for (const [category, raw] of Object.entries(o ?? {})) {
    if (!isCategory(category) || typeof raw !== 'object' || raw === null) continue;
    const { channelId, contact } = raw as Record<string, unknown>;
    const route: Route = {};
    if (isChannelId(channelId)) route.channelId = channelId;
    if (isUserId(contact) || isUserGroupId(contact)) route.contact = contact;
    if (route.channelId || route.contact) routes[category] = route;
  }
  return routes;
}

/** Stored form: categories in a fixed order, empty routes left out (so an unchanged form is unchanged). */
export function encodeRoutes(routes: Routes): string {
  const kept = CATEGORIES.filter((c) => routes[c]?.channelId || routes[c]?.contact).map((c) => [
    c,
    { ...(routes[c]!.channelId ? { channelId: routes[c]!.channelId } : {}), ...(routes[c]!.contact ? { contact: routes[c]!.contact } : {}) },
  ]);
  return kept.length === 0 ? '' : JSON.stringify(Object.fromEntries(kept));
}

/** Where a mistake of this category goes, and who is called: its route, else the workspace's default. */
export function routeFor(
  policy: { escalationChannelId: string; escalationContact: string | null; routes: Routes },
  category: string | null | undefined,
): { channelId: string; contact: string | null } {
  const route = category && isCategory(category) ? policy.routes[category] : undefined;
  return { channelId: route?.channelId ?? policy.escalationChannelId, contact: route?.contact ?? policy.escalationContact };
}
