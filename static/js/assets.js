// Asset library upload: one XHR per dropped or chosen file, each with its own progress bar and
// its own answer from the server (uploaded, duplicate of an existing asset, or refused). Files
// go one after another: each ingest hashes and stores the whole file, so a burst of parallel
// ingests would only compete for the same server; the queue shows what waits.
(function () {
  "use strict";

  var queue = [];
  var busy = false;

  var stored = false;

  function next() {
    var job = queue.shift();
    busy = Boolean(job);
    if (job) return job();
    if (stored && window.htmx) {
      // Everything answered: show the new assets in the library below, keeping the results.
      htmx.ajax("GET", location.href, { target: "#library", select: "#library", swap: "outerHTML" });
    }
    stored = false;
  }

  function uploadOne(form, file, list) {
    var item = document.createElement("li");
    item.className = "upload-item";
    var label = document.createElement("span");
    label.className = "upload-name";
    label.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload progress of " + file.name);
    var outcome = document.createElement("div");
    outcome.className = "upload-outcome";
    outcome.textContent = "Waiting…";
    item.append(label, bar, outcome);
    list.append(item);

    queue.push(function () { send(form, file, bar, item, outcome); });
    if (!busy) next();
  }

  function send(form, file, bar, item, outcome) {
    outcome.textContent = "Uploading…";
    var data = new FormData();
    data.append("file", file);
    data.append("collection", form.elements.collection.value);
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
    });
    xhr.addEventListener("load", function () {
      bar.value = 100;
      item.dataset.status = xhr.status < 300 ? "done" : "refused";
      stored = stored || xhr.status === 200;
      outcome.innerHTML = xhr.responseText;
      next();
    });
    xhr.addEventListener("error", function () {
      item.dataset.status = "failed";
      outcome.textContent = "The upload failed: the connection broke. Try this file again.";
      next();
    });
    xhr.send(data);
  }

  function uploadAll(form, files) {
    var list = document.getElementById("upload-results");
    Array.prototype.forEach.call(files, function (file) { uploadOne(form, file, list); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-upload]");
    if (!form) return;
    var zone = form.querySelector("[data-dropzone]");
    var input = form.elements.file;
    input.addEventListener("change", function () {
      uploadAll(form, input.files);
      input.value = "";
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      uploadAll(form, event.dataTransfer.files);
    });
  });
})();
