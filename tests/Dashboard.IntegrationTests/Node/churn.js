// Many SignalR clients coming and going: ROUNDS times, opens CLIENTS connections that each
// follow the run (and half of them every run), then closes them all. Prints one JSON line
// with the counts and any failures.
// Usage: node churn.js BASE_URL RUN_ID CLIENTS ROUNDS CLIENT_NODE_MODULES
const [baseUrl, runIdText, clientsText, roundsText, modules] = process.argv.slice(2);
const signalR = require(require("path").join(modules, "@microsoft/signalr"));
const runId = Number(runIdText);

const connect = async i => {
  const c = new signalR.HubConnectionBuilder()
    .withUrl(`${baseUrl}/hubs/training`, { transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true })
    .configureLogging(signalR.LogLevel.None)
    .build();
  for (const m of ["RunHistory", "RunQueued", "RunStarted", "BatchProgress", "StepsAdded", "HealthSampled", "HealthAlert", "EpochCompleted", "RunCompleted", "RunFailed", "RunCancelled"]) c.on(m, () => {});
  await c.start();
  const followed = await c.invoke("FollowRun", runId);
  if (i % 2 === 0) await c.invoke("FollowAll");
  return { c, followed };
};

(async () => {
  let opened = 0, followed = 0;
  for (let round = 0; round < Number(roundsText); round++) {
    const clients = await Promise.all(Array.from({ length: Number(clientsText) }, (_, i) => connect(i)));
    opened += clients.length;
    followed += clients.filter(x => x.followed).length;
    await Promise.all(clients.map(x => x.c.stop()));
  }
  process.stdout.write(JSON.stringify({ opened, followed }) + "\n", () => process.exit(0));
})().catch(e => { process.stderr.write(String(e) + "\n"); process.exit(1); });
setTimeout(() => { process.stderr.write("timed out\n"); process.exit(2); }, 120000);
