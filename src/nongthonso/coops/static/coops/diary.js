/* Production diary offline: entries are queued in IndexedDB (idb-keyval) with a client_id and the version they
   edit, sent in one POST when online (CSRF token), and each answer applied: stored / duplicate → removed from the
   queue (its photo sent first), conflict / invalid → kept and shown with the server's version and the reason; the
   user discards or retries. Nothing is dropped silently. */
(function () {
  "use strict";
  const status = document.getElementById("diary-status");
  if (!status || !window.idbKeyval) return;
  const kv = window.idbKeyval;
  const store = kv.createStore("nongthonso-diary", "queue");
  const syncUrl = status.dataset.syncUrl;
  const photoUrl = status.dataset.photoUrl || "";
  const form = document.getElementById("diary-form");
  const queueBox = document.getElementById("diary-queue");
  const queueList = document.getElementById("diary-queue-list");
  const FIELDS = ["kind", "date", "input_name", "dose", "dose_unit", "phi_days", "quantity", "quantity_unit", "note"];
  const KIND = {};
  if (form) form.querySelectorAll("#entry-kind option").forEach((o) => { KIND[o.value] = o.textContent; });
  let syncing = false;

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    return input ? input.value : (cookie ? cookie.split("=")[1] : "");
  }

  function say(text, offline) {
    status.textContent = text;
    status.classList.toggle("offline", !!offline);
  }

  if ("serviceWorker" in navigator && syncUrl) {
    navigator.serviceWorker.register(new URL("../sw.js", new URL(syncUrl, location.href)).pathname)
      .then(() => navigator.serviceWorker.ready)
      .then((reg) => {
        const urls = [location.pathname];
        document.querySelectorAll("script[src]").forEach((s) => urls.push(s.src));
        document.querySelectorAll("link[rel=stylesheet][href], link[rel=manifest][href], link[rel=icon][href]")
          .forEach((l) => urls.push(l.href));
        if (reg.active) reg.active.postMessage({ cache: urls });
        document.documentElement.dataset.diaryReady = "1";
      })
      .catch(() => say("Trình duyệt không cho lưu trang để dùng khi không có mạng.", true));
  }

  function describe(rec) {
    const parts = [rec.date, KIND[rec.kind] || rec.kind, rec.input_name, rec.quantity ? rec.quantity + " " + (rec.quantity_unit || "") : ""];
    return parts.filter(Boolean).join(" — ") + (rec.photo ? " (có ảnh)" : "");
  }

  function button(label, onClick) {
    const b = document.createElement("button");
    b.type = "button"; b.className = "secondary"; b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  async function render() {
    if (!queueList) return;
    const all = (await kv.values(store)).filter((r) => !form || String(r.cycle) === form.dataset.cycle);
    queueList.replaceChildren();
    all.sort((a, b) => (a.recorded_at < b.recorded_at ? -1 : 1)).forEach((rec) => {
      const li = document.createElement("li");
      li.dataset.clientId = rec.client_id;
      li.dataset.state = rec.state;
      li.textContent = describe(rec);
      if (rec.state === "conflict" || rec.state === "invalid") {
        li.className = "diary-conflict";
        const why = document.createElement("div");
        why.className = "error";
        why.textContent = rec.message;
        li.append(why);
        if (rec.server) {
          const srv = document.createElement("div");
          srv.className = "note";
          srv.textContent = "Bản trên máy chủ (phiên bản " + rec.server.version + "): " + describe(rec.server);
          li.append(srv);
        }
        const actions = document.createElement("div");
        actions.className = "actions";
        actions.append(button("Bỏ dòng này", async () => { await kv.del(rec.client_id, store); render(); }),
          button("Gửi lại", async () => {
            rec.state = "pending";
            if (rec.server && rec.version !== null) rec.version = rec.server.version;
            await kv.set(rec.client_id, rec, store); render(); flush();
          }));
        li.append(actions);
      }
      queueList.append(li);
    });
    if (queueBox) queueBox.hidden = all.length === 0;
  }

  async function sendPhoto(rec) {
    const body = new FormData();
    body.append("file", rec.photo, rec.photo_name || "anh.jpg");
    const r = await fetch(photoUrl.replace("00000000-0000-0000-0000-000000000000", rec.client_id), {
      method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": csrf() } });
    if (r.status === 400) { const j = await r.json(); return j.detail || "Ảnh bị từ chối."; }
    if (!r.ok) throw new Error("photo " + r.status);
    return "";
  }

  // A sync that fails while the browser believes it is online (a network without internet, a server away) is
  // tried again by itself after 5 s, then 10, 20 … at most every 5 minutes — no «online» event will come to do it;
  // offline, the «online» event does.
  const RETRY_FIRST = 5000, RETRY_MAX = 300000;
  let retryDelay = 0, retryTimer = null;
  function retryLater() {
    retryDelay = retryDelay ? Math.min(retryDelay * 2, RETRY_MAX) : RETRY_FIRST;
    retryTimer = setTimeout(flush, retryDelay);
  }

  async function flush() {
    if (syncing || !navigator.onLine) return;
    clearTimeout(retryTimer);
    syncing = true;
    let stored = 0, kept = 0;
    try {
      const pending = (await kv.values(store)).filter((r) => r.state === "pending" || r.state === "photo");
      const entries = pending.filter((r) => r.state === "pending").map((r) => {
        const row = { client_id: r.client_id, cycle: r.cycle, version: r.version, recorded_at: r.recorded_at };
        FIELDS.forEach((f) => { row[f] = r[f]; });
        return row;
      });
      const answers = {};
      if (entries.length) {
        const r = await fetch(syncUrl, { method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify({ entries }) });
        const j = await r.json();
        if (!r.ok) { say(j.detail || "Máy chủ không nhận gói đồng bộ.", true); return; }
        j.results.forEach((a) => { answers[a.client_id] = a; });
      }
      for (const rec of pending) {
        const a = answers[rec.client_id];
        if (a && (a.status === "conflict" || a.status === "invalid")) {
          Object.assign(rec, { state: a.status, message: a.message, server: a.server || null });
          await kv.set(rec.client_id, rec, store); kept++;
          continue;
        }
        if (rec.photo) {
          rec.state = "photo";
          await kv.set(rec.client_id, rec, store);
          const refused = await sendPhoto(rec);
          if (refused) {
            Object.assign(rec, { state: "invalid", message: "Dòng nhật ký đã lưu, nhưng ảnh bị từ chối: " + refused,
              photo: null });
            await kv.set(rec.client_id, rec, store); kept++;
            continue;
          }
        }
        await kv.del(rec.client_id, store); stored++;
      }
      if (stored) say("Đã đồng bộ " + stored + " dòng nhật ký." + (kept ? " Còn " + kept + " dòng cần xem lại." : ""));
      else if (kept) say("Có " + kept + " dòng nhật ký cần xem lại.", true);
      retryDelay = 0;
    } catch (e) {
      say("Chưa gửi được (mất mạng?). Nhật ký vẫn được giữ trên máy và sẽ tự gửi khi có mạng.", true);
      retryLater();
    } finally {
      syncing = false;
      await render();
    }
    if (stored && !kept && form) location.reload();
  }

  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const edited = String(data.get("client_id") || ""), base = String(data.get("version") || "");
      const rec = { client_id: edited || crypto.randomUUID(), cycle: Number(form.dataset.cycle),
        version: edited && base ? Number(base) : null,
        recorded_at: new Date().toISOString(), state: "pending", message: "", server: null };
      FIELDS.forEach((f) => { rec[f] = String(data.get(f) || ""); });
      const photo = data.get("photo");
      if (photo && photo.size) { rec.photo = photo.slice(0, photo.size, photo.type); rec.photo_name = photo.name; }
      newEntry();  // before any await: what the user types next belongs to the next entry
      await kv.set(rec.client_id, rec, store);
      if (navigator.onLine) { say("Đang gửi…"); } else { say("Không có mạng: đã giữ dòng nhật ký trên máy, sẽ gửi khi có mạng.", true); }
      await render();
      flush();
    });
    // Editing a saved entry: its row fills the form (no request: it works offline too); the edit is queued with
    // the version it was made from, and the server answers «conflict» if the entry changed meanwhile.
    const title = document.getElementById("diary-form-title");
    const cancel = document.getElementById("diary-edit-cancel");
    function hidden(name, value) {
      const input = form.querySelector("input[name=" + name + "]");
      input.value = value; input.defaultValue = value;
    }
    function newEntry() {
      hidden("client_id", ""); hidden("version", "");
      form.reset();
      if (title) title.textContent = title.dataset.new;
      if (cancel) cancel.hidden = true;
    }
    document.querySelectorAll("#diary-rows a.diary-edit").forEach((link) => {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        const row = link.closest("tr");
        newEntry();
        FIELDS.forEach((f) => {
          const input = form.elements.namedItem(f);
          if (input && row.dataset[f] !== undefined) input.value = row.dataset[f];
        });
        hidden("client_id", row.dataset.clientId); hidden("version", row.dataset.version);
        if (title) title.textContent = title.dataset.edit;
        if (cancel) cancel.hidden = false;
        form.scrollIntoView({ block: "start" });
        form.elements.namedItem("kind").focus();
      });
    });
    if (cancel) cancel.addEventListener("click", (event) => { event.preventDefault(); newEntry(); });
    const now = document.getElementById("diary-sync-now");
    if (now) now.addEventListener("click", flush);
  }
  window.addEventListener("online", flush);
  window.addEventListener("offline", () => say("Không có mạng: nhật ký ghi mới được giữ trên máy.", true));
  if (!navigator.onLine) say("Không có mạng: nhật ký ghi mới được giữ trên máy.", true);
  render().then(flush);
}());
