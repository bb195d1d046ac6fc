// The sandbox page: long-polls /page/api/state and renders the selected user's view of the
// workspace (DM with the app, App Home, open modal); sends clicks, submits, slash commands and
// DMs back to the sandbox, which forwards them to the app over Socket Mode.
"use strict";

(function () {
  const { h } = window.Blocks;
  const $ = (id) => document.getElementById(id);
  const page = {
    user: new URLSearchParams(location.hash.slice(1)).get("user"),
    tab: new URLSearchParams(location.hash.slice(1)).get("tab") === "home" ? "home" : "messages",
    version: -1,
    data: null,
    keys: {},
    poll: null,
    announced: null,
  };

  // ---------------------------------------------------------------- server
  async function post(path, body) {
    const res = await fetch(`/page/api/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: page.user, ...body }),
    });
    const answer = await res.json().catch(() => ({ ok: false, error: res.statusText }));
    if (!answer.ok) console.warn(`sandbox: ${path} failed`, answer.error);
    return answer;
  }

  async function pollLoop() {
    for (;;) {
      page.poll = new AbortController();
      const query = new URLSearchParams({ since: String(page.version) });
      if (page.user) query.set("user", page.user);
      try {
        const res = await fetch(`/page/api/state?${query}`, { signal: page.poll.signal });
        const data = await res.json();
        const known = data.users.some((u) => u.id === page.user);
        if (page.user && known && data.user !== page.user) continue; // an answer for the previous user
        page.user = data.user;
        page.version = data.version;
        page.data = data;
        render();
        if (page.user && page.announced !== page.user) {
          page.announced = page.user; // opening the app as this user, as Slack would tell the app
          remember();
          post("home_opened", { tab: page.tab });
        }
      } catch (err) {
        if (err.name === "AbortError") continue;
        setConnection(null);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  function refetch() {
    page.version = -1;
    if (page.poll) page.poll.abort();
  }

  function remember() {
    const params = new URLSearchParams();
    if (page.user) params.set("user", page.user);
    if (page.tab === "home") params.set("tab", "home");
    history.replaceState(null, "", `#${params}`);
  }

  // ---------------------------------------------------------------- gestures
  function selectUser(id) {
    if (id === page.user) return;
    page.user = id;
    page.keys = {};
    remember();
    refetch();
  }

  function selectTab(tab) {
    page.tab = tab;
    remember();
    $("tab-messages").classList.toggle("active", tab === "messages");
    $("tab-home").classList.toggle("active", tab === "home");
    $("pane-messages").classList.toggle("hidden", tab !== "messages");
    $("pane-home").classList.toggle("hidden", tab !== "home");
    if (page.user && page.data) {
      render();
      post("home_opened", { tab });
    }
  }

  function onAction(ref, root) {
    return (block, el, value, node) => {
      if (node && node.classList) {
        node.classList.add("busy");
        setTimeout(() => node.classList.remove("busy"), 1500);
      }
      post("action", {
        ref,
        action_id: el.action_id,
        block_id: block.block_id,
        value,
        state: window.Blocks.collectState(root()),
      });
    };
  }

  // ---------------------------------------------------------------- rendering
  function changed(name, value) {
    const key = JSON.stringify(value);
    if (page.keys[name] === key) return false;
    page.keys[name] = key;
    return true;
  }

  function userNames() {
    const names = {};
    for (const u of page.data.users) names[u.id] = u.real_name || u.name;
    names[page.data.bot.id] = page.data.bot.real_name;
    return names;
  }

  function ctxFor(ref, root, errors) {
    return { users: userNames(), userList: page.data.users, errors, onAction: onAction(ref, root) };
  }

  function initials(name) {
    return (name || "?").split(/\s+/).map((p) => p[0]).join("").slice(0, 2).toUpperCase();
  }

  function clock(ts) {
    return new Date(parseFloat(ts) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function setConnection(count) {
    const el = $("connection");
    if (count === null) {
      el.className = "connection offline";
      el.textContent = "Sandbox unreachable";
      el.title = "The page lost its sandbox server";
    } else if (count > 0) {
      el.className = "connection online";
      el.textContent = "App connected";
      el.title = `${count} Socket Mode connection${count > 1 ? "s" : ""}`;
    } else {
      el.className = "connection waiting";
      el.textContent = "App not connected";
      el.title = "What you do here waits until the app opens a Socket Mode connection";
    }
  }

  function renderUsers() {
    const { users } = page.data;
    if (!changed("users", [users, page.user])) return;
    const list = $("user-list");
    list.replaceChildren(...users.map((u) => h("li", {},
      h("button", {
        type: "button",
        class: `user-option${u.id === page.user ? " selected" : ""}`,
        "data-testid": "user-option",
        "data-user-id": u.id,
        title: `${u.email} · ${u.tz}`,
        onclick: () => selectUser(u.id),
      },
      h("span", { class: "avatar small" }, initials(u.real_name || u.name)),
      h("span", { class: "user-name" }, u.real_name || u.name),
      u.is_admin ? h("span", { class: "badge" }, "admin") : null))));
  }

  function renderMessage(m, names) {
    const ephemeral = m.subtype === "ephemeral";
    const fromSlackbot = ephemeral && m.from === "slackbot";
    const fromBot = Boolean(m.bot_id) || (ephemeral && !fromSlackbot);
    const author = fromSlackbot ? "Slackbot" : fromBot ? page.data.bot.real_name : (names[m.user] || m.user);
    const root = h("div", {
      class: `message${ephemeral ? " ephemeral" : ""}${fromBot ? " from-bot" : ""}`,
      "data-testid": "message",
      "data-ts": m.ts,
    });
    const avatar = fromBot ? h("span", { class: "avatar bot-avatar" }, "60")
      : fromSlackbot ? h("span", { class: "avatar slackbot-avatar" }, "S")
        : h("span", { class: "avatar" }, initials(author));
    const body = h("div", { class: "message-body" },
      h("div", { class: "message-meta" },
        h("span", { class: "author" }, author),
        fromBot ? h("span", { class: "app-badge" }, "APP") : null,
        h("span", { class: "time" }, clock(m.ts)),
        m.edited ? h("span", { class: "edited" }, "(edited)") : null),
      ephemeral ? h("div", { class: "ephemeral-label", "data-testid": "ephemeral-label" }, "Only visible to you") : null);
    if (m.blocks && m.blocks.length && !m.blocks.every((b) => b.type === "rich_text")) {
      body.append(window.Blocks.render(m.blocks, ctxFor(m.ts, () => root)));
    } else {
      body.append(h("div", { class: "message-text", html: window.Mrkdwn.render(m.text, { users: names }) }));
    }
    root.append(avatar, body);
    return root;
  }

  function renderTimeline() {
    const { timeline, users } = page.data;
    if (!changed("timeline", [timeline, users, page.user])) return;
    const box = $("timeline");
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    const names = userNames();
    const me = page.data.users.find((u) => u.id === page.user);
    const intro = h("div", { class: "timeline-intro" },
      h("span", { class: "avatar bot-avatar large" }, "60"),
      h("div", { class: "intro-title" }, page.data.bot.real_name),
      h("div", { class: "intro-text", html:
        `This is the start of ${me ? window.Mrkdwn.escapeHtml(me.real_name) + "'s" : "the"} direct messages with ${window.Mrkdwn.escapeHtml(page.data.bot.real_name)}. Try <code>/60 help</code>.` }));
    box.replaceChildren(intro, ...timeline.map((m) => renderMessage(m, names)));
    if (nearBottom || page.keys.scrolledFor !== page.user) {
      box.scrollTop = box.scrollHeight;
      page.keys.scrolledFor = page.user;
    }
  }

  function renderHome() {
    const { home } = page.data;
    if (!changed("home", [home && home.hash, home && home.id, page.user])) return;
    const box = $("home");
    if (!home) {
      box.replaceChildren(h("div", { class: "empty" },
        h("div", { class: "empty-title" }, "No Home tab yet"),
        h("div", {}, `${page.data.bot.real_name} publishes it when the tab is opened (app_home_opened → views.publish).`)));
      return;
    }
    const ctx = ctxFor(home.id, () => box);
    box.replaceChildren(window.Blocks.render(home.blocks, ctx));
  }

  function renderModal() {
    const views = page.data.views;
    const top = views[views.length - 1];
    const errors = top ? page.data.view_errors[top.id] || {} : {};
    if (!changed("modal", [top && top.id, top && top.hash, errors, views.length])) return;
    const backdrop = $("modal-backdrop");
    const form = $("modal");
    if (!top) {
      backdrop.classList.add("hidden");
      form.replaceChildren();
      form.dataset.viewId = "";
      return;
    }
    const kept = form.dataset.viewId === top.id ? window.Blocks.collectState(form) : null;
    const general = errors[""];
    const body = h("div", { class: "modal-body" },
      general ? h("div", { class: "modal-error", "data-testid": "modal-error" }, general) : null,
      window.Blocks.render(top.blocks, ctxFor(top.id, () => form, errors)));
    const closeLabel = (top.close && top.close.text) || (top.submit ? "Cancel" : "Close");
    form.replaceChildren(
      h("div", { class: "modal-header" },
        views.length > 1 ? h("span", { class: "modal-back", title: "Pushed view" }, `${views.length}/3`) : null,
        h("span", { class: "modal-title", "data-testid": "modal-title" }, top.title ? top.title.text : ""),
        h("button", { type: "button", class: "modal-x", "aria-label": "Close", onclick: closeModal }, "×")),
      body,
      h("div", { class: "modal-footer" },
        h("button", { type: "button", class: "btn", "data-testid": "modal-close", onclick: closeModal }, closeLabel),
        top.submit ? h("button", { type: "submit", class: "btn btn-primary", "data-testid": "modal-submit" }, top.submit.text) : null));
    if (kept) window.Blocks.restoreState(form, kept);
    form.dataset.viewId = top.id;
    backdrop.classList.remove("hidden");
  }

  function closeModal() {
    const id = $("modal").dataset.viewId;
    if (id) post("close", { view_id: id });
  }

  function renderPanel() {
    const { panel } = page.data;
    if (!changed("panel", panel)) return;
    const box = $("panel-actions");
    if (!panel.length) {
      box.replaceChildren(h("div", { class: "panel-empty" }, "The app has not registered sample events."));
      return;
    }
    box.replaceChildren(...panel.map((a) => h("button", {
      type: "button",
      class: "panel-action",
      "data-testid": `panel-action-${a.index}`,
      title: a.description || a.label,
      onclick: async (ev) => {
        const button = ev.currentTarget;
        button.disabled = true;
        $("panel-result").textContent = `${a.label}…`;
        const answer = await post("panel", { index: a.index });
        button.disabled = false;
        $("panel-result").textContent = answer.ok ? (answer.result || `${a.label}: sent`) : `${a.label} failed: ${answer.error}`;
      },
    }, a.label)));
  }

  function renderActivity() {
    const { activity } = page.data;
    if (!changed("activity", activity)) return;
    const names = userNames();
    const icons = { slash_commands: "/", events_api: "⚡", interactive: "☝", panel: "★" };
    $("activity").replaceChildren(...[...activity].reverse().map((a) => h("li", { class: `activity-item kind-${a.kind}` },
      h("span", { class: "activity-icon" }, icons[a.kind] || "•"),
      h("span", { class: "activity-summary" }, a.summary),
      h("span", { class: "activity-meta" }, `${names[a.user] || a.user || ""}${a.kind === "panel" ? "" : a.ack_ms === null ? (a.timed_out ? " · no ack in time" : " · waiting for ack") : ` · acked in ${a.ack_ms} ms`}`))));
  }

  function render() {
    const d = page.data;
    document.title = `${d.team.name} · Sixty sandbox`;
    $("team-name").textContent = d.team.name;
    $("team-mark").textContent = initials(d.team.name).slice(0, 1);
    $("bot-name").textContent = d.bot.real_name;
    $("bot-name-side").textContent = d.bot.real_name;
    const me = d.users.find((u) => u.id === page.user);
    const where = page.tab === "home" ? "App Home" : "Direct message";
    $("conversation-sub").textContent = me ? `${where} · viewing as ${me.real_name}` : "No users yet";
    setConnection(d.connections);
    renderUsers();
    renderTimeline();
    renderHome();
    renderModal();
    renderPanel();
    renderActivity();
  }

  // ---------------------------------------------------------------- wiring
  $("tab-messages").addEventListener("click", () => selectTab("messages"));
  $("tab-home").addEventListener("click", () => selectTab("home"));
  $("composer-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = $("composer");
    const text = input.value.trim();
    if (!text || !page.user) return;
    input.value = "";
    await post("send", { text });
  });
  $("modal").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = $("modal");
    post("submit", { view_id: form.dataset.viewId, values: window.Blocks.collectState(form) });
  });
  $("modal-backdrop").addEventListener("click", (ev) => {
    if (ev.target === $("modal-backdrop")) closeModal();
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && !$("modal-backdrop").classList.contains("hidden")) closeModal();
  });

  selectTab(page.tab === "home" ? "home" : "messages");
  pollLoop();
})();
