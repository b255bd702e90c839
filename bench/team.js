// Team mode on one machine (scripts/team.sh running): prints
//  1. followers: FOLLOWERS (default 100) SignalR clients spread over the front-ends follow one run
//     started on the first front-end, and each one's count of epochs received;
//  2. parallel trainers: the wall time of one run alone, then of two runs queued together (two
//     trainers take one each), from the first start to the last finish.
// Usage: node bench/team.js 'RUN_CONFIG_JSON' URL1 URL2 ...
const { connectToHub } = require("./hub-client");
const { startRun, runEnded } = require("./run-api");
const [configJson, ...urls] = process.argv.slice(2);
const followers = Number(process.env.FOLLOWERS ?? 100);

const start = url => startRun(url, configJson);
const finished = (url, id) => runEnded(url, id, 200);
const wall = runs => (Math.max(...runs.map(r => Date.parse(r.finishedAt))) - Math.min(...runs.map(r => Date.parse(r.startedAt)))) / 1000;

(async () => {
  // 1. Followers over every front-end, connected before the run starts and following it from its history.
  const counts = new Array(followers).fill(0);
  let runId = null;
  const pending = [];
  const clients = await Promise.all(counts.map((_, i) => connectToHub(urls[i % urls.length], {
    EpochCompleted: e => { if (e.runId === runId) counts[i]++; else pending.push([i, e.runId]); },
  })));
  const run = await start(urls[0]);
  runId = run.id;
  for (const [i, id] of pending) if (id === runId) counts[i]++;
  await Promise.all(clients.map(c => c.invoke("FollowRun", runId)));
  const done = await finished(urls[0], runId);
  await new Promise(r => setTimeout(r, 2000)); // let the last epoch's messages arrive everywhere before counting
  const epochs = done.epochs.length;
  console.log(JSON.stringify({ followers, frontEnds: urls.length, run: runId, status: done.status, epochs,
    everyFollowerGotEveryEpoch: counts.every(c => c === epochs), received: { min: Math.min(...counts), max: Math.max(...counts) } }));
  await Promise.all(clients.map(c => c.stop()));

  // 2. One run alone, then two at once.
  const alone = await finished(urls[0], (await start(urls[0])).id);
  const pair = await Promise.all([start(urls[0]), start(urls[urls.length - 1])]);
  const both = await Promise.all(pair.map((r, i) => finished(urls[i === 0 ? 0 : urls.length - 1], r.id)));
  console.log(JSON.stringify({ aloneSeconds: wall([alone]), twoAtOnceSeconds: wall(both), ratio: +(wall(both) / wall([alone])).toFixed(2),
    statuses: [alone, ...both].map(r => r.status), devices: [alone, ...both].map(r => r.started?.device) }));
})().catch(e => { console.error(e); process.exit(1); });
