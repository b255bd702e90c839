// The light/dark choice, remembered per browser.
const key = "dashboard-theme";
export function isDark() { return localStorage.getItem(key) === "dark"; }
export function remember(dark) { localStorage.setItem(key, dark ? "dark" : "light"); }
