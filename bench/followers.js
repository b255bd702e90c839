// What following costs training: runs the same training with 0, 10 and 100 SignalR clients
// (npm @microsoft/signalr, as any teammate's script) following it, alternating ROUNDS times,
// and prints the run's training images/s (epochs after the first) for each. With SERVER_PID it
// also prints the server's CPU seconds while the followers are connected, split by thread:
// training (the run's long-running thread and libtorch's OpenMP workers, which carry the
// process name "dotnet", as does the idle main thread) and serving (every other thread:
// Kestrel, SignalR, the thread pool, GC). Unlike images/s, CPU seconds do not move with the
// VM's speed, so they show the fan-out's cost when images/s is too noisy to.
// Usage: node bench/followers.js BASE_URL ROUNDS 'RUN_CONFIG_JSON'
const fs = require("fs");
const { statSeconds } = require("./proc-cpu");
const { connectToHub } = require("./hub-client");
const { startRun, runEnded } = require("./run-api");
const [baseUrl, roundsText, configJson] = process.argv.slice(2);

async function follow(runId) {
  let epochs = 0;
  const c = await connectToHub(baseUrl, { EpochCompleted: () => epochs++ });
  await c.invoke("FollowRun", runId);
  return { c, epochs: () => epochs };
}

// CPU seconds so far of the server, { training, serving } (Linux /proc, 1/100 s ticks): the
// training threads' own counters, and the rest of the process's total (which keeps the time of
// thread-pool threads that have exited).
function serverCpu() {
  const pid = process.env.SERVER_PID;
  if (!pid) return { training: 0, serving: 0 };
  let training = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      if (name === "dotnet" || name.startsWith(".NET Long Run")) training += statSeconds(`/proc/${pid}/task/${tid}/stat`);
    } catch { } // the thread ended meanwhile
  }
  return { training, serving: statSeconds(`/proc/${pid}/stat`) - training };
}

async function measure(followers) {
  // Followers connect while the run is queued behind nothing: create it, then follow at once.
  const run = await startRun(baseUrl, configJson);
  const clients = await Promise.all(Array.from({ length: followers }, () => follow(run.id)));
  const before = serverCpu();
  const done = await runEnded(baseUrl, run.id);
  await new Promise(r => setTimeout(r, 300)); // let the last epoch reach the clients
  const after = serverCpu();
  const received = clients.map(x => x.epochs());
  await Promise.all(clients.map(x => x.c.stop()));
  const rates = done.epochs.slice(1).map(e => e.imagesPerSecond);
  return { followers, status: done.status, imagesPerSecond: Math.round(rates.reduce((a, b) => a + b, 0) / rates.length),
    everyFollowerGotEveryEpoch: received.every(n => n === done.epochs.length),
    ...(process.env.SERVER_PID && {
      cpuSeconds: { training: Math.round((after.training - before.training) * 10) / 10, serving: Math.round((after.serving - before.serving) * 10) / 10 },
      servingShare: Math.round(1000 * (after.serving - before.serving) / (after.serving - before.serving + after.training - before.training)) / 10 + "%",
    }) };
}

(async () => {
  for (let round = 0; round < Number(roundsText); round++) {
    for (const n of [0, 10, 100]) console.log(JSON.stringify(await measure(n)));
  }
})().catch(e => { console.error(e); process.exit(1); });
