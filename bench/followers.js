// What following costs training: runs the same training with 0, 10 and 100 SignalR clients
// (npm @microsoft/signalr, as any teammate's script) following it, alternating ROUNDS times,
// and prints the run's training images/s (epochs after the first) for each.
// Usage: node bench/followers.js BASE_URL ROUNDS 'RUN_CONFIG_JSON'
const path = require("path");
const signalR = require(path.join(__dirname, "..", "Dashboard.Client", "node_modules", "@microsoft/signalr"));
const [baseUrl, roundsText, configJson] = process.argv.slice(2);

async function follow(runId) {
  const c = new signalR.HubConnectionBuilder()
    .withUrl(`${baseUrl}/hubs/training`, { transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true })
    .configureLogging(signalR.LogLevel.None).build();
  let epochs = 0;
  c.on("EpochCompleted", () => epochs++);
  for (const m of ["RunHistory", "RunQueued", "RunStarted", "BatchProgress", "RunCompleted", "RunFailed", "RunCancelled"]) c.on(m, () => {});
  await c.start();
  await c.invoke("FollowRun", runId);
  return { c, epochs: () => epochs };
}

async function measure(followers) {
  // Followers connect while the run is queued behind nothing: create it, then follow at once.
  const run = await (await fetch(`${baseUrl}/api/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: configJson })).json();
  const clients = await Promise.all(Array.from({ length: followers }, () => follow(run.id)));
  let done;
  for (;;) {
    done = await (await fetch(`${baseUrl}/api/runs/${run.id}`)).json();
    if (!["Queued", "Running"].includes(done.status)) break;
    await new Promise(r => setTimeout(r, 250));
  }
  await new Promise(r => setTimeout(r, 300)); // let the last epoch reach the clients
  const received = clients.map(x => x.epochs());
  await Promise.all(clients.map(x => x.c.stop()));
  const rates = done.epochs.slice(1).map(e => e.imagesPerSecond);
  return { followers, status: done.status, imagesPerSecond: Math.round(rates.reduce((a, b) => a + b, 0) / rates.length),
    everyFollowerGotEveryEpoch: received.every(n => n === done.epochs.length) };
}

(async () => {
  for (let round = 0; round < Number(roundsText); round++) {
    for (const n of [0, 10, 100]) console.log(JSON.stringify(await measure(n)));
  }
})().catch(e => { console.error(e); process.exit(1); });
