// What following costs training, measured inside one run so the VM's drift cancels: FOLLOWERS
// SignalR clients (npm @microsoft/signalr) stay connected for the whole run and follow it in
// every other epoch (3, 5, 7, ...), leaving it in the others (2, 4, 6, ...); epoch 1 is a
// warm-up. Each followed epoch's images/s is compared with the mean of the unfollowed epochs on
// either side of it. Prints one JSON line per epoch and a summary line.
// Usage: node bench/followers-by-epoch.js BASE_URL FOLLOWERS 'RUN_CONFIG_JSON'
const { connectToHub } = require("./hub-client");
const [baseUrl, followersText, configJson] = process.argv.slice(2);

const followed = epoch => epoch >= 3 && epoch % 2 === 1;

(async () => {
  const received = Array.from({ length: Number(followersText) }, () => []);
  const followers = await Promise.all(received.map(list => connectToHub(baseUrl, { EpochCompleted: e => list.push(e.metrics.epoch) })));
  const run = await (await fetch(`${baseUrl}/api/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: configJson })).json();
  let finished;
  const done = new Promise(resolve => finished = resolve);
  // The controller follows throughout; when an epoch ends it sets who follows the next one.
  const controller = await connectToHub(baseUrl, {
    EpochCompleted: async e => {
      const epoch = e.metrics.epoch;
      const verb = followed(epoch + 1) ? "FollowRun" : followed(epoch) ? "UnfollowRun" : null;
      if (verb) await Promise.all(followers.map(c => c.invoke(verb, run.id)));
    },
    RunCompleted: finished, RunFailed: finished, RunCancelled: finished,
  });
  await controller.invoke("FollowRun", run.id);
  await done;
  await new Promise(r => setTimeout(r, 300)); // let the last epoch reach the followers
  const epochs = (await (await fetch(`${baseUrl}/api/runs/${run.id}`)).json()).epochs;
  await Promise.all([controller, ...followers].map(c => c.stop()));

  const rate = new Map(epochs.map(e => [e.epoch, e.imagesPerSecond]));
  const ratios = [];
  for (const e of epochs) {
    const line = { epoch: e.epoch, followers: followed(e.epoch) ? received.length : 0, imagesPerSecond: Math.round(e.imagesPerSecond) };
    if (followed(e.epoch)) {
      const neighbours = [rate.get(e.epoch - 1), rate.get(e.epoch + 1)].filter(x => x !== undefined);
      line.vsNeighbours = e.imagesPerSecond / (neighbours.reduce((a, b) => a + b, 0) / neighbours.length);
      ratios.push(line.vsNeighbours);
      line.vsNeighbours = Math.round(line.vsNeighbours * 1000) / 1000;
    }
    console.log(JSON.stringify(line));
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  const followedEpochs = epochs.map(e => e.epoch).filter(followed);
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  console.log(JSON.stringify({
    followers: received.length, followedEpochs: followedEpochs.length,
    medianFollowedVsNeighbours: Math.round(median * 1000) / 1000,
    meanFollowedVsNeighbours: Math.round(1000 * mean) / 1000,
    // The mean's standard error: the mean +- 2 of these brackets the true ratio (about 95%).
    standardError: Math.round(1000 * Math.sqrt(ratios.reduce((a, r) => a + (r - mean) ** 2, 0) / (ratios.length - 1) / ratios.length)) / 1000,
    everyFollowerGotEveryFollowedEpoch: received.every(list => followedEpochs.every(e => list.includes(e))),
  }));
})().catch(e => { console.error(e); process.exit(1); });
