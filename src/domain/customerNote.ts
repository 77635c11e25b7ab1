// "It won't happen again": once every prevention step is done, the customer is owed a note that
// says what changed. The bot drafts it from the root-cause analysis's "what changes"; whoever
// sends it edits it as they like and sends it themselves (the bot never writes to the customer).

/** The draft note to the customer, as plain text (the views escape it). */
export function draftCustomerNote(input: { customer: string; whatChanges: string }): string {
  const changes = input.whatChanges.trim();
  return [
    `Hello ${input.customer.trim()},`,
    '',
    'We want to follow up on the mistake we made. We looked into why it happened, and this is what we have changed so that it does not happen to you again:',
    '',
    changes,
    '',
    'Thank you for your patience while we put it right. If anything is still not as it should be, please tell us: we want to hear it.',
  ].join('\n');
}
