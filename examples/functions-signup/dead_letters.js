'use strict';
// The sign-up pipeline's dead-letter sink: keeps each envelope the runtime could not deliver, and lists them.
const letters = [];

exports.handler = (context) => {
  if (context.method === 'GET') return { letters };
  letters.push(context.json);
  return { kept: letters.length };
};
