// A client of the dashboard's training hub, opened as a teammate's script would (npm
// @microsoft/signalr over WebSockets), shared by the bench scripts. Every message the hub sends
// gets a handler (a no-op unless one is given), so none is reported as unhandled.
const path = require("path");
const signalR = require(path.join(__dirname, "..", "Dashboard.Client", "node_modules", "@microsoft/signalr"));
const messages = ["RunHistory", "RunQueued", "RunStarted", "BatchProgress", "StepsAdded", "HealthSampled", "HealthAlert", "EpochCompleted", "RunCompleted", "RunFailed", "RunCancelled"];

// handlers: { MessageName: (argument) => ... } for the messages the caller cares about.
async function connectToHub(baseUrl, handlers = {}) {
  const c = new signalR.HubConnectionBuilder()
    .withUrl(`${baseUrl}/hubs/training`, { transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true })
    .configureLogging(signalR.LogLevel.None).build();
  for (const m of messages) c.on(m, handlers[m] ?? (() => {}));
  await c.start();
  return c;
}

module.exports = { connectToHub };
