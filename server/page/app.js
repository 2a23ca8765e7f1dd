// SPDX-License-Identifier: MIT
// tarjama's page: talks to this server's LibreTranslate API only (no other requests).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const input = $("input"), output = $("output"), source = $("source"), target = $("target");
  const count = $("count"), statusEl = $("status"), errorEl = $("error"), detected = $("detected");
  const names = { ar: "Arabic · العربية", en: "English", auto: "Auto-detect" };
  const shortNames = { ar: "Arabic", en: "English" };
  let settings = { charLimit: -1, frontendTimeout: 500, apiKeys: false, keyRequired: false };
  let languages = [];
  let timer = null, seq = 0, lastDetected = null;

  function showError(msg) {
    errorEl.textContent = msg;
    errorEl.hidden = !msg;
  }

  function apiKey() {
    return settings.apiKeys ? $("apikey").value.trim() : "";
  }

  async function api(path, body) {
    const opts = body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    };
    let res;
    try {
      res = await fetch(path, opts);
    } catch (e) {
      throw new Error("The server cannot be reached. Is tarjama serve still running?");
    }
    let data = null;
    try { data = await res.json(); } catch (e) { /* not JSON */ }
    if (!res.ok) throw new Error((data && data.error) || ("The server answered " + res.status));
    return data;
  }

  function setDir(el, lang) {
    el.setAttribute("dir", lang === "ar" ? "rtl" : lang === "en" ? "ltr" : "auto");
    if (lang === "ar" || lang === "en") el.setAttribute("lang", lang); else el.removeAttribute("lang");
  }

  function fillSelect(sel, codes, value) {
    sel.textContent = "";
    for (const c of codes) {
      const o = document.createElement("option");
      o.value = c;
      o.textContent = names[c] || c;
      sel.appendChild(o);
    }
    if (value && codes.includes(value)) sel.value = value;
  }

  function targetsFor(src) {
    if (src === "auto") return [...new Set(languages.flatMap((l) => l.targets))];
    const l = languages.find((x) => x.code === src);
    return l ? l.targets : [];
  }

  function refreshTargets() {
    const keep = target.value;
    fillSelect(target, targetsFor(source.value), keep);
    setDir(output, target.value);
    if (source.value !== "auto") setDir(input, source.value);
    else input.setAttribute("dir", "auto");
  }

  function updateCount() {
    const n = [...input.value].length; // characters, as the server counts them
    const lim = settings.charLimit;
    count.textContent = lim > 0 ? n.toLocaleString() + " / " + lim.toLocaleString() : n.toLocaleString();
    count.classList.toggle("over", lim > 0 && n > lim);
    return lim > 0 && n > lim;
  }

  function schedule() {
    clearTimeout(timer);
    const over = updateCount();
    if (over) {
      showError("The text is longer than this server's limit of " + settings.charLimit + " characters.");
      return;
    }
    timer = setTimeout(translate, Math.max(250, settings.frontendTimeout || 500));
  }

  async function translate() {
    clearTimeout(timer);
    const q = input.value;
    const my = ++seq;
    if (!q.trim()) {
      output.textContent = "";
      detected.textContent = "";
      statusEl.textContent = "";
      showError("");
      return;
    }
    if (updateCount()) return;
    output.classList.add("busy");
    statusEl.textContent = "Translating…";
    const t0 = performance.now();
    try {
      let src = source.value;
      if (src === "auto") {
        const d = await api("/detect", { q, api_key: apiKey() });
        if (my !== seq) return;
        const best = d[0];
        lastDetected = best.confidence > 0 ? best.language : null;
        detected.textContent = lastDetected
          ? "Detected: " + (shortNames[best.language] || best.language) + ", " + Math.round(best.confidence) + "%"
          : "Cannot tell the language";
        // Only two languages: text in the target language means the other direction was meant.
        if (lastDetected && lastDetected === target.value) {
          const other = targetsFor(lastDetected)[0];
          if (other) { target.value = other; setDir(output, other); }
        }
      } else {
        detected.textContent = "";
      }
      const r = await api("/translate", { q, source: src, target: target.value, format: "text", api_key: apiKey() });
      if (my !== seq) return;
      output.textContent = r.translatedText;
      setDir(output, target.value);
      statusEl.textContent = ((performance.now() - t0) / 1000).toFixed(2) + " s";
      showError("");
    } catch (e) {
      if (my !== seq) return;
      statusEl.textContent = "";
      showError(e.message);
    } finally {
      if (my === seq) output.classList.remove("busy");
    }
  }

  function swap() {
    const from = source.value === "auto" ? lastDetected || targetsFor(target.value)[0] : source.value;
    const to = target.value;
    if (!from) return;
    source.value = to;
    refreshTargets();
    target.value = from;
    setDir(output, from);
    setDir(input, to);
    if (output.textContent) input.value = output.textContent;
    output.textContent = "";
    translate();
  }

  async function copy() {
    const text = output.textContent;
    if (!text) return;
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) { // no clipboard API (plain http on another host): select and copy
      const r = document.createRange();
      r.selectNodeContents(output);
      const s = getSelection();
      s.removeAllRanges();
      s.addRange(r);
      document.execCommand("copy");
    }
    $("copy").textContent = "Copied";
    setTimeout(() => { $("copy").textContent = "Copy"; }, 1200);
  }

  async function translateFile(ev) {
    ev.preventDefault();
    const f = $("file").files[0];
    const link = $("filelink");
    link.hidden = true;
    if (!f) { showError("Choose a file first."); return; }
    const fd = new FormData();
    fd.append("file", f);
    fd.append("source", source.value);
    fd.append("target", target.value);
    if (apiKey()) fd.append("api_key", apiKey());
    $("filego").disabled = true;
    $("filego").textContent = "Translating…";
    try {
      const res = await fetch("/translate_file", { method: "POST", body: fd });
      const data = await res.json().catch(() => null);
      if (!res.ok) throw new Error((data && data.error) || ("The server answered " + res.status));
      // Same origin as the page, whatever host name the server put in the URL.
      const u = new URL(data.translatedFileUrl);
      link.href = u.pathname;
      // news.html -> news.en.html: the same kind of file, named for its language
      link.setAttribute("download", f.name.replace(/(\.[^.]*)?$/, (ext) => "." + target.value + (ext || ".txt")));
      link.hidden = false;
      showError("");
    } catch (e) {
      showError(e.message);
    } finally {
      $("filego").disabled = false;
      $("filego").textContent = "Translate file";
    }
  }

  async function init() {
    try {
      const [s, langs] = await Promise.all([api("/frontend/settings"), api("/languages")]);
      settings = s;
      languages = langs;
    } catch (e) {
      showError(e.message);
      return;
    }
    $("keybox").hidden = !settings.apiKeys;
    const srcCodes = ["auto", ...languages.filter((l) => l.targets.length).map((l) => l.code)];
    fillSelect(source, srcCodes, "auto");
    refreshTargets();
    if (settings.language && settings.language.target) target.value = settings.language.target.code;
    updateCount();
    if (input.value) translate();
  }

  input.addEventListener("input", schedule);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); translate(); }
  });
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey && e.shiftKey && (e.key === "S" || e.key === "s")) { e.preventDefault(); swap(); }
  });
  source.addEventListener("change", () => { refreshTargets(); translate(); });
  target.addEventListener("change", () => { setDir(output, target.value); translate(); });
  $("swap").addEventListener("click", swap);
  $("copy").addEventListener("click", copy);
  $("clear").addEventListener("click", () => { input.value = ""; translate(); input.focus(); });
  $("fileform").addEventListener("submit", translateFile);
  $("file").addEventListener("change", () => {
    const f = $("file").files[0];
    $("filelabel").textContent = f ? f.name + " (" + Math.ceil(f.size / 1024) + " KB)"
      : "Choose a file (.txt, .html, .srt, .vtt, .md; UTF-8) or drop it here";
  });
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) {
      $("file").files = e.dataTransfer.files;
      $("file").dispatchEvent(new Event("change"));
    }
  });
  init();
})();
