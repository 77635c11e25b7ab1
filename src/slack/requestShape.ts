// What a request from Slack must look like before Bolt reads it. Bolt trusts a signed body's
// shape: `payload=null` makes it read a field of null and never answer, and a click without
// `user` or with `actions: null` ends in a 500. A signed but malformed request is answered 400
// here instead, at once, and never reaches a listener.
import { parse as parseQuery } from 'node:querystring';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
/** Present and an object, or absent (null counts as absent where Slack sends null, e.g. `team` on org installs). */
const optionalObject = (v: unknown) => v === undefined || v === null || isObject(v);

function userProblem(p: Json): string | null {
  if (!isObject(p.user) || !isString(p.user.id)) return 'no user';
  return null;
}

/** Interactivity payloads (the `payload` form field), by type. */
function payloadProblem(p: unknown): string | null {
  if (!isObject(p)) return 'payload is not an object';
  if (!isString(p.type)) return 'payload has no type';
  if (!optionalObject(p.team) || !optionalObject(p.enterprise)) return 'team is not an object';
  switch (p.type) {
    case 'block_actions': {
      const noUser = userProblem(p);
      if (noUser) return noUser;
      if (!Array.isArray(p.actions) || p.actions.length === 0) return 'no actions';
      if (!p.actions.every((a) => isObject(a) && isString(a.action_id))) return 'an action without an action_id';
      if (!optionalObject(p.container) || !optionalObject(p.channel) || !optionalObject(p.message) || !optionalObject(p.view)) {
        return 'container, channel, message or view is not an object';
      }
      return null;
    }
    case 'view_submission':
    case 'view_closed': {
      const noUser = userProblem(p);
      if (noUser) return noUser;
      if (!isObject(p.view) || !isString(p.view.callback_id)) return 'no view';
      if (p.type === 'view_submission' && (!isObject(p.view.state) || !isObject(p.view.state.values))) return 'no view state';
      if (p.view.blocks !== undefined && !Array.isArray(p.view.blocks)) return 'view blocks are not a list';
      return null;
    }
    case 'shortcut':
    case 'message_action':
    case 'block_suggestion':
    case 'interactive_message':
    case 'dialog_submission':
    case 'dialog_cancellation':
    case 'dialog_suggestion':
      return userProblem(p);
    default:
      // A type Slack may add later: Bolt matches no listener and answers 404.
      return null;
  }
}

/** A slash command is a flat form. */
function commandProblem(form: Record<string, unknown>): string | null {
  for (const field of ['command', 'user_id', 'team_id', 'channel_id', 'trigger_id']) {
    if (!isString(form[field])) return `command without ${field}`;
  }
  if (form.text !== undefined && typeof form.text !== 'string') return 'command text is not text';
  return null;
}

/** Events API bodies (JSON). */
function eventProblem(body: unknown): string | null {
  if (!isObject(body)) return 'body is not an object';
  if (body.type === 'event_callback') {
    if (!isObject(body.event) || !isString(body.event.type)) return 'event without a type';
    if (!isString(body.team_id) && !Array.isArray(body.authorizations)) return 'event without a team';
  }
  return null;
}

/**
 * Why a request body Slack signed cannot be acted on, or null when its shape is sound (or is
 * not one this check knows: Bolt decides about those as before).
 */
export function malformedReason(contentType: string | undefined, rawBody: string): string | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const form = parseQuery(rawBody) as Record<string, unknown>;
    if (form.ssl_check !== undefined) return null;
    if (typeof form.payload === 'string') {
      let payload: unknown;
      try {
        payload = JSON.parse(form.payload);
      } catch {
        return 'payload is not JSON';
      }
      return payloadProblem(payload);
    }
    if (Array.isArray(form.payload)) return 'more than one payload';
    if (form.command !== undefined) return commandProblem(form);
    return null;
  }
  if (type === 'application/json') {
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return 'body is not JSON';
    }
    return eventProblem(body);
  }
  return null;
}
