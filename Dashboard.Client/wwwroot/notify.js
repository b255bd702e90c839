// Desktop notifications of a run's end (the browser's Notification API), where the person allowed them.
export function permission() {
  return "Notification" in window ? Notification.permission : "unsupported";
}

export async function ask() {
  return "Notification" in window ? await Notification.requestPermission() : "unsupported";
}

// The tag makes the pages of one browser show a run's end once.
export function show(title, body, url) {
  if (permission() !== "granted") return false;
  const note = new Notification(title, { body, tag: url });
  note.onclick = () => { window.focus(); location.href = url; };
  return true;
}
