// Sends files straight to an HTTP endpoint (not through the page's circuit, so archives of gigabytes can go),
// with the upload's progress, and hands the answer to the component as a stream (an answer can be megabytes).
// A zip or CSV goes in the form field "archive", a picture in "image".
function send(zone, files) {
  const config = zone._upload;
  if (!config || files.length === 0) return;
  const form = new FormData();
  for (const file of files) {
    const name = file.name.toLowerCase();
    form.append(name.endsWith(".zip") || name.endsWith(".csv") ? "archive" : "image", file, file.name);
  }
  for (const [key, value] of Object.entries(config.fields || {})) form.append(key, value);
  const request = new XMLHttpRequest();
  request.open("POST", config.url);
  request.upload.onprogress = e => config.dotnet.invokeMethodAsync("Progress", e.loaded, e.lengthComputable ? e.total : 0);
  const answer = (status, text) =>
    config.dotnet.invokeMethodAsync("Done", status, DotNet.createJSStreamReference(new TextEncoder().encode(text)));
  request.onload = () => answer(request.status, request.responseText);
  request.onerror = () => answer(0, JSON.stringify({ title: "The upload failed: the server could not be reached." }));
  config.dotnet.invokeMethodAsync("Started", files.length);
  request.send(form);
}

export function attach(zone, input, url, fields, dotnet) {
  zone._upload = { url, fields, dotnet };
  if (zone._attached) return;
  zone._attached = true;
  zone.dataset.ready = "true"; // files picked from now on are sent
  input.addEventListener("change", () => { send(zone, [...input.files]); input.value = ""; });
  zone.addEventListener("dragover", e => { e.preventDefault(); zone.classList.add("drop-over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("drop-over"));
  zone.addEventListener("drop", e => {
    e.preventDefault();
    zone.classList.remove("drop-over");
    if (!zone._upload.disabled) send(zone, [...e.dataTransfer.files]);
  });
}

export function configure(zone, url, fields, disabled) {
  if (zone._upload) Object.assign(zone._upload, { url, fields, disabled });
}

// Saves text as a file, as a download link would.
export function download(name, text, type) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
