'use strict';
// A required handler of the sign-up pipeline: sends the welcome mail (here: records it; the mail provider's URL
// would come from env). An address at bounce.invalid fails, so the runtime's retries and dead letter can be seen.
const sent = [];

exports.handler = async (context) => {
  const user = context.json;
  if (!user || typeof user.email !== 'string') return context.response(400, { error: "'email' is required" });
  if (user.email.endsWith('@bounce.invalid')) throw new Error('mail provider refused ' + user.email);
  sent.push(user.email);
  return { sent: 'welcome', to: user.email, count: sent.length };
};
