// Calls the hub with wrong argument types, out-of-range ids and unknown methods, then checks
// the same connection still works. Prints one JSON line: how each call ended, and whether the
// connection was still usable afterwards.
// Usage: node hub-bad-input.js BASE_URL CLIENT_NODE_MODULES
const [baseUrl, modules] = process.argv.slice(2);
const signalR = require(require("path").join(modules, "@microsoft/signalr"));

const c = new signalR.HubConnectionBuilder()
  .withUrl(`${baseUrl}/hubs/training`, { transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true })
  .configureLogging(signalR.LogLevel.None)
  .build();

const calls = [
  ["FollowRun", "abc"], ["FollowRun", -1], ["FollowRun", 2 ** 40], ["FollowRun", null], ["FollowRun", { id: 1 }],
  ["FollowRun"], ["FollowRun", 1, 2], ["UnfollowRun", "x"], ["NoSuchMethod", 1], ["FollowAll", "extra"],
];

(async () => {
  await c.start();
  const results = [];
  for (const [method, ...args] of calls) {
    try {
      results.push({ method, args, answered: await c.invoke(method, ...args) ?? null });
    } catch (e) {
      results.push({ method, args, refused: String(e.message ?? e) });
    }
  }
  const stillFollows = await c.invoke("FollowRun", 424242); // a well-formed call on the same connection
  await c.invoke("FollowAll");
  process.stdout.write(JSON.stringify({ results, alive: c.state === "Connected" && stillFollows === false }) + "\n", () => process.exit(0));
})().catch(e => { process.stderr.write(String(e) + "\n"); process.exit(1); });
setTimeout(() => { process.stderr.write("timed out\n"); process.exit(2); }, 60000);
