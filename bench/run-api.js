// The dashboard's run API as the bench scripts use it: start a run, read one, wait for its end.
const json = { "content-type": "application/json" };

const startRun = async (url, configJson) => (await fetch(`${url}/api/runs`, { method: "POST", headers: json, body: configJson })).json();

const getRun = async (url, id) => (await fetch(`${url}/api/runs/${id}`)).json();

// Reads the run every `every` ms until it is neither queued nor running, and returns it; `each(run)` is awaited
// at every read while it is.
async function runEnded(url, id, every = 250, each = async () => {}) {
  for (;;) {
    const run = await getRun(url, id);
    if (!["Queued", "Running"].includes(run.status)) return run;
    await each(run);
    await new Promise(r => setTimeout(r, every));
  }
}

module.exports = { startRun, runEnded };
