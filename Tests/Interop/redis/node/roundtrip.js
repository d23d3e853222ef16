// A non-Python RESP client (Debian's node-redis 4) doing what applications do with Latchkey:
// connect, a SET NX PX lock with a Lua compare-and-delete release, a pub/sub round trip (channel,
// pattern, keyspace notification) and error paths. Prints one JSON line per step, so the same
// run against redis-server and against Latchkey can be compared line by line.
// Usage: node roundtrip.js PORT
'use strict';
const { createClient } = require('redis');

const port = Number(process.argv[2]);
const out = (step, value) => console.log(JSON.stringify({ step, value }));
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

function waitFor(promiseFactory, ms) {
  let timer;
  const expiry = new Promise((_, rej) => { timer = setTimeout(() => rej(new Error('timeout')), ms); });
  // The timer is cleared once the event came, so it does not keep node alive at the end.
  return Promise.race([promiseFactory(), expiry]).finally(() => clearTimeout(timer));
}

async function errorText(fn) {
  try {
    await fn();
    return 'no error';
  } catch (e) {
    return `${e.constructor.name}: ${e.message}`;
  }
}

async function main() {
  const client = createClient({ socket: { host: '127.0.0.1', port } });
  client.on('error', (e) => out('client-error', String(e)));
  await client.connect();
  out('ping', await client.ping());
  await client.flushAll();

  // Lock: acquire, contend, release with the wrong then the right token.
  out('acquire', await client.set('lock:job', 'token-a', { NX: true, PX: 30000 }));
  out('contend', await client.set('lock:job', 'token-b', { NX: true, PX: 30000 }));
  const pttl = await client.pTTL('lock:job');
  out('pttl-in-range', pttl > 29000 && pttl <= 30000);
  out('release-wrong', await client.eval(RELEASE, { keys: ['lock:job'], arguments: ['token-b'] }));
  out('release-right', await client.eval(RELEASE, { keys: ['lock:job'], arguments: ['token-a'] }));
  out('gone', await client.exists('lock:job'));
  const sha = await client.scriptLoad(RELEASE);
  out('evalsha-missing-key', await client.evalSha(sha, { keys: ['lock:job'], arguments: ['x'] }));

  // Pub/sub: a subscriber connection, a channel and a pattern.
  const sub = client.duplicate();
  sub.on('error', (e) => out('sub-error', String(e)));
  await sub.connect();
  const got = [];
  let wake;
  const arrived = () => new Promise((res) => { wake = res; });
  let next = arrived();
  await sub.subscribe('jobs', (message, channel) => { got.push(['message', channel, message]); wake(); });
  await sub.pSubscribe('jobs.*', (message, channel) => { got.push(['pmessage', channel, message]); wake(); });
  out('numsub', await client.pubSubNumSub(['jobs', 'none']));
  out('numpat', await client.pubSubNumPat());
  out('publish', await client.publish('jobs', 'done:1'));
  await waitFor(() => next, 5000);
  next = arrived();
  out('publish-pattern', await client.publish('jobs.high', 'done:2'));
  await waitFor(() => next, 5000);
  out('received', got);

  // Keyspace notification: the lock's expiry, seen by a subscriber.
  await client.configSet('notify-keyspace-events', 'Ex');
  next = arrived();
  const expired = [];
  await sub.subscribe('__keyevent@0__:expired', (message) => { expired.push(message); wake(); });
  await client.set('lock:short', 't', { PX: 20 });
  await waitFor(() => next, 5000);
  out('expired', expired);
  await client.configSet('notify-keyspace-events', '');
  await sub.unsubscribe();
  await sub.pUnsubscribe();
  await sub.quit();

  // Error paths.
  out('unknown-command', await errorText(() => client.sendCommand(['NOSUCHCMD', 'a'])));
  await client.set('str', 'abc');
  out('not-integer', await errorText(() => client.incr('str')));
  out('script-error', await errorText(() => client.eval("return redis.error_reply('LOCKED by someone')")));
  out('arity', await errorText(() => client.sendCommand(['GET'])));
  out('after-errors', await client.get('str'));
  await client.quit();
}

main().catch((e) => {
  out('fatal', String(e && e.stack || e));
  process.exit(1);
});
