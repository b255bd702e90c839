// CPU time from Linux /proc, shared by the bench scripts.
const fs = require("fs");

// utime + stime of a /proc/.../stat file, in seconds (clock ticks of 1/100 s).
function statSeconds(statPath) {
  const fields = fs.readFileSync(statPath, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// CPU seconds used so far by the live processes whose command line contains `pattern`.
function processesSeconds(pattern) {
  return fs.readdirSync("/proc").filter(d => /^\d+$/.test(d)).reduce((sum, pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(pattern) ? sum + statSeconds(`/proc/${pid}/stat`) : sum;
    } catch { return sum; } // the process ended meanwhile
  }, 0);
}

module.exports = { statSeconds, processesSeconds };
