// Escalations reach someone beyond the owner, say what they can do, and are edited once the
// mistake moves on. Over signed HTTP against the fake Slack.
import { Actions, Inputs } from '../../src/slack/ids';
import { blockText, buttonLabels } from '../support/blockText';
import { Flow } from '../support/flow';
import { startHarness, type Harness } from '../support/harness';
import { buttonClick } from '../support/slackRequests';

let h: Harness;
let flow: Flow;
const started: Harness[] = [];

afterEach(async () => {
  while (started.length) await started.pop()!.close();
});

async function start(env: Record<string, string> = {}): Promise<Harness> {
  h = await startHarness({ env });
  started.push(h);
  flow = new Flow(h);
  return h;
}

/** A mistake Alice reported and owns, made right and then marked "not satisfied". */
async function notSatisfied(): Promise<number> {
  const id = await flow.report();
  const card = () => flow.card(id);
  await flow.apologize(id);
  await flow.click(Actions.ask, await card());
  await flow.submit({ [Inputs.answer]: 'The flour, today.' });
  await flow.makeRight(id);
  await flow.notSatisfied(id, 'They want the flour replaced too');
  return id;
}

it('one "Not satisfied" gives one thread reply and one escalation post, which says why once', async () => {
  await start();
  const id = await flow.report();
  await flow.apologize(id);
  await flow.click(Actions.ask, await flow.card(id));
  await flow.submit({ [Inputs.answer]: 'The flour, today.' });
  await flow.makeRight(id);
  const { ts } = await flow.card(id);
  const repliesBefore = flow.replies(ts).length;

  await flow.notSatisfied(id, 'They want the flour replaced too');

  const added = flow.replies(ts).slice(repliesBefore);
  expect(added).toHaveLength(1);
  expect(blockText(added[0]!.args.blocks)).toContain('is not satisfied yet');
  expect(blockText(added[0]!.args.blocks)).toContain('escalated');
  const posts = flow.escalationPosts();
  expect(posts).toHaveLength(1);
  const text = blockText(posts[0]!.blocks);
  expect(text.match(/not satisfied/gi)).toHaveLength(1);
  expect(text).toContain('They want the flour replaced too');
  expect(text.match(/They want the flour replaced too/g)).toHaveLength(1);
});

it('reaches the reporter and the admins when no contact is set, never only the owner who clicked', async () => {
  await start();
  await notSatisfied();
  const [post] = flow.escalationPosts();
  // Alice reported it and owns it; the admin is who else hears about it.
  expect(JSON.stringify(post!.blocks)).toContain('<@UADMIN0001>, this recovery needs you');
  expect(post!.text).toContain('<@UADMIN0001>');
});

it('reaches the escalation contact when one is set', async () => {
  await start({ ESCALATION_CONTACT: 'S0123LEADS' });
  await notSatisfied();
  const [post] = flow.escalationPosts();
  expect(JSON.stringify(post!.blocks)).toContain('<!subteam^S0123LEADS>, this recovery needs you');
  expect(JSON.stringify(post!.blocks)).not.toContain('<@UADMIN0001>');
});

it('offers the thread and Reassign; the contact reassigns from it and the post says it is resolved, and how', async () => {
  await start({ ESCALATION_CONTACT: 'U0123LEAD' });
  const id = await notSatisfied();
  const [post] = flow.escalationPosts();
  expect(buttonLabels(post!.blocks)).toEqual(['Open thread', 'Reassign']);
  const link = post!.blocks.flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === Actions.openThread);
  const { threadTs } = await h.t.db.mistake.findUniqueOrThrow({ where: { id } });
  expect(link.url).toBe(`https://acme.slack.com/archives/CESCALATIONS/p${threadTs!.replace('.', '')}`);

  // The escalation contact is neither the owner nor an admin, and may still hand it on.
  await flow.click(Actions.reassign, post!, 'U0123LEAD');
  expect(h.fake.lastView().callback_id).toBe('mistake_reassign_modal');
  const answer = await flow.submit({ [Inputs.owner]: 'U0BOB' }, 'U0123LEAD');
  expect(answer.json?.response_action).toBeUndefined();
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id } })).ownerId).toBe('U0BOB');

  const [edited] = flow.escalationPosts();
  expect(edited!.edits).toBe(1);
  const text = blockText(edited!.blocks);
  expect(text).toContain('*Escalation resolved*');
  expect(text).toContain('*Resolved:* @U0123LEAD handed the recovery to @U0BOB');
  expect(buttonLabels(edited!.blocks)).toEqual(['Open thread']);
  expect(await h.t.db.escalation.findFirst({ where: { mistakeId: id } })).toMatchObject({ resolvedAt: expect.any(Date) });
});

it('is edited to say it is resolved once the customer is satisfied', async () => {
  await start();
  const id = await notSatisfied();
  await flow.makeRight(id, 'UALICE', 'Replacement flour sent by courier');
  await flow.click(Actions.satisfied, await flow.card(id));
  await flow.submit({ [Inputs.comment]: 'Happy now' });
  const [post] = flow.escalationPosts();
  expect(post!.edits).toBe(1);
  expect(blockText(post!.blocks)).toContain('*Resolved:* @UALICE confirmed the customer is satisfied');
  expect(post!.text).toMatch(/^Escalation resolved: Mistake #\d+ \(Harbor Bakery\)/);
});

it('refuses Reassign from the post to someone who is not the owner, reporter, contact or an admin', async () => {
  await start();
  const id = await notSatisfied();
  const [post] = flow.escalationPosts();
  const opened = h.fake.called('views.open').length;
  const told = h.fake.called('chat.postEphemeral').length;
  await flow.post(
    buttonClick(Actions.reassign, post!.blocks.flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === Actions.reassign).value, {
      userId: 'UMALLORY',
      channelId: 'CESCALATIONS',
      messageTs: post!.ts,
    }),
  );
  // The refusal is the click's last act: once it is shown, nothing else is coming.
  await h.fake.waitFor('chat.postEphemeral', told);
  await h.deliver();
  expect(h.fake.called('views.open')).toHaveLength(opened);
  expect(flow.told('UMALLORY')[0]).toMatch(/the escalation contact or an admin/);
  expect((await h.t.db.mistake.findUniqueOrThrow({ where: { id } })).ownerId).toBe('UALICE');
});
