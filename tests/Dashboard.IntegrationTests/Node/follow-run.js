// A non-browser SignalR client, as a teammate's script would be: follows one run on
// /hubs/training and prints every message as a JSON line until the run ends.
// Usage: node follow-run.js BASE_URL RUN_ID CLIENT_NODE_MODULES
const [baseUrl, runIdText, modules] = process.argv.slice(2);
const signalR = require(require("path").join(modules, "@microsoft/signalr"));
const runId = Number(runIdText);
const print = (type, data) => process.stdout.write(JSON.stringify({ type, data }) + "\n");

const connection = new signalR.HubConnectionBuilder()
  .withUrl(`${baseUrl}/hubs/training`, { transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true })
  .configureLogging(signalR.LogLevel.Warning)
  .build();

const end = async () => { await connection.stop(); process.exit(0); };
connection.on("RunHistory", run => print("RunHistory", run));
connection.on("EpochCompleted", message => print("EpochCompleted", message));
for (const type of ["StepsAdded", "HealthSampled", "HealthAlert"]) connection.on(type, message => print(type, message));
for (const type of ["RunQueued", "RunStarted"]) connection.on(type, run => print(type, run));
for (const type of ["RunCompleted", "RunFailed", "RunCancelled"]) {
  connection.on(type, run => { print(type, run); if (run.id === runId) end(); });
}
connection.on("BatchProgress", () => {});

(async () => {
  await connection.start();
  const found = await connection.invoke("FollowRun", runId);
  print("Followed", found);
  if (!found) await end();
})().catch(e => { process.stderr.write(String(e) + "\n"); process.exit(1); });
setTimeout(() => { process.stderr.write("timed out\n"); process.exit(2); }, 120000);
