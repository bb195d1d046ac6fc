// Block Kit to DOM for the sandbox page: the blocks and elements the app uses, close enough to
// Slack's look to judge a layout. Interactive elements call ctx.onAction(block, element, value);
// stateful ones carry data-block-id/data-action-id so collectState() can read them back.
"use strict";

(function () {
  const M = window.Mrkdwn;
  let uid = 0;

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "html") el.innerHTML = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function text(obj, ctx) {
    if (!obj) return "";
    return obj.type === "mrkdwn" ? M.render(obj.text, ctx) : M.plain(obj.text);
  }

  function optionLabel(opt) {
    return (opt && opt.text && opt.text.text) || "";
  }

  function allOptions(el) {
    const opts = [...(el.options || [])];
    for (const g of el.option_groups || []) opts.push(...(g.options || []));
    return opts;
  }

  // ---------------------------------------------------------------- elements
  function stateful(node, block, el) {
    node.dataset.blockId = block.block_id || "";
    node.dataset.actionId = el.action_id || "";
    node.dataset.kind = el.type;
    return node;
  }

  function fires(block, el, ctx) {
    // In input blocks elements only dispatch when asked to, as in Slack.
    return block.type !== "input" || block.dispatch_action;
  }

  function button(block, el, ctx) {
    const cls = ["btn", el.style ? `btn-${el.style}` : ""].join(" ");
    return h("button", {
      type: "button", class: cls, "data-testid": `button-${el.action_id}`,
      onclick: (ev) => {
        if (el.url) window.open(el.url, "_blank", "noopener");
        ctx.onAction(block, el, null, ev.currentTarget);
      },
    }, h("span", { html: M.plain(el.text && el.text.text) }));
  }

  function select(block, el, ctx) {
    const multiple = el.type.startsWith("multi_");
    const node = h("select", { class: "select", multiple, "data-testid": `select-${el.action_id}` });
    if (!multiple) node.append(h("option", { value: "" }, (el.placeholder && el.placeholder.text) || "Select an option"));
    let options = allOptions(el).map((o) => ({ value: o.value, label: optionLabel(o) }));
    if (el.type.includes("users_select")) {
      options = (ctx.userList || []).map((u) => ({ value: u.id, label: u.real_name || u.name }));
    }
    const initial = new Set();
    if (el.initial_option) initial.add(el.initial_option.value);
    for (const o of el.initial_options || []) initial.add(o.value);
    if (el.initial_user) initial.add(el.initial_user);
    for (const u of el.initial_users || []) initial.add(u);
    for (const o of options) node.append(h("option", { value: o.value, selected: initial.has(o.value) }, o.label));
    stateful(node, block, el);
    if (fires(block, el, ctx)) {
      node.addEventListener("change", () => {
        const value = multiple ? [...node.selectedOptions].map((o) => o.value) : node.value || null;
        ctx.onAction(block, el, value, node);
      });
    }
    return node;
  }

  function overflow(block, el, ctx) {
    const menu = h("div", { class: "overflow-menu" });
    const node = h("details", { class: "overflow", "data-testid": `overflow-${el.action_id}` },
      h("summary", { "aria-label": "More actions", title: "More actions" }, "⋯"), menu);
    for (const opt of el.options || []) {
      menu.append(h("button", {
        type: "button", class: "overflow-item",
        onclick: () => { node.open = false; ctx.onAction(block, el, opt.value, node); },
      }, optionLabel(opt)));
    }
    return node;
  }

  function choices(block, el, ctx, kind) {
    const name = `choice-${++uid}`;
    const node = stateful(h("div", { class: `choices ${kind}`, "data-testid": `${kind}-${el.action_id}` }), block, el);
    const initial = new Set();
    if (el.initial_option) initial.add(el.initial_option.value);
    for (const o of el.initial_options || []) initial.add(o.value);
    for (const opt of el.options || []) {
      const input = h("input", { type: kind === "radio" ? "radio" : "checkbox", name, value: opt.value, checked: initial.has(opt.value) });
      const label = h("label", { class: "choice" }, input,
        h("span", {}, h("span", { class: "choice-text", html: text(opt.text, ctx) }),
          opt.description ? h("span", { class: "choice-desc", html: text(opt.description, ctx) }) : null));
      node.append(label);
      if (fires(block, el, ctx)) {
        input.addEventListener("change", () => {
          const value = kind === "radio" ? opt.value
            : [...node.querySelectorAll("input:checked")].map((i) => i.value);
          ctx.onAction(block, el, value, node);
        });
      }
    }
    return node;
  }

  function textInput(block, el, ctx) {
    const types = { email_text_input: "email", url_text_input: "url", number_input: "number" };
    const attrs = {
      class: "text-input", placeholder: el.placeholder && el.placeholder.text,
      maxlength: el.max_length, "data-testid": `input-${el.action_id}`,
    };
    const node = el.multiline ? h("textarea", { ...attrs, rows: 4 }) : h("input", { ...attrs, type: types[el.type] || "text" });
    node.value = el.initial_value || "";
    return stateful(node, block, el);
  }

  function picker(block, el, ctx) {
    const types = { timepicker: "time", datepicker: "date", datetimepicker: "datetime-local" };
    const node = h("input", { type: types[el.type], class: "text-input picker", "data-testid": `${el.type}-${el.action_id}` });
    if (el.initial_time) node.value = el.initial_time;
    if (el.initial_date) node.value = el.initial_date;
    if (el.initial_date_time) node.value = new Date(el.initial_date_time * 1000).toISOString().slice(0, 16);
    stateful(node, block, el);
    if (fires(block, el, ctx)) node.addEventListener("change", () => ctx.onAction(block, el, readValue(node), node));
    return node;
  }

  function image(el, cls) {
    return h("img", { class: cls || "block-image-small", src: el.image_url || "", alt: el.alt_text || "", title: el.alt_text || "" });
  }

  function element(block, el, ctx) {
    if (!el) return null;
    switch (el.type) {
      case "button": return button(block, el, ctx);
      case "overflow": return overflow(block, el, ctx);
      case "radio_buttons": return choices(block, el, ctx, "radio");
      case "checkboxes": return choices(block, el, ctx, "checkbox");
      case "plain_text_input": case "email_text_input": case "url_text_input": case "number_input":
        return textInput(block, el, ctx);
      case "timepicker": case "datepicker": case "datetimepicker": return picker(block, el, ctx);
      case "image": return image(el);
      default:
        if (el.type && el.type.includes("select")) return select(block, el, ctx);
        return h("span", { class: "unsupported" }, `[${el.type}]`);
    }
  }

  // ---------------------------------------------------------------- blocks
  function richText(block, ctx) {
    const parts = [];
    for (const section of block.elements || []) {
      for (const item of section.elements || []) {
        if (item.type === "text") parts.push(M.plain(item.text));
        else if (item.type === "link") parts.push(M.render(`<${item.url}|${item.text || item.url}>`, ctx));
        else if (item.type === "user") parts.push(M.render(`<@${item.user_id}>`, ctx));
        else if (item.type === "emoji") parts.push(M.plain(`:${item.name}:`));
      }
      parts.push("<br>");
    }
    return h("div", { class: "block-text", html: parts.join("").replace(/(<br>)+$/, "") });
  }

  function block(b, ctx) {
    const wrap = (cls, ...kids) => h("div", { class: `block ${cls}`, "data-block-type": b.type }, ...kids);
    switch (b.type) {
      case "header":
        return wrap("block-header", h("span", { html: M.plain(b.text && b.text.text) }));
      case "divider":
        return wrap("block-divider", h("hr"));
      case "section": {
        const body = h("div", { class: "section-body" });
        if (b.text) body.append(h("div", { class: "block-text", html: text(b.text, ctx) }));
        if (b.fields && b.fields.length) {
          body.append(h("div", { class: "fields" }, b.fields.map((f) => h("div", { class: "field", html: text(f, ctx) }))));
        }
        const acc = b.accessory ? h("div", { class: "accessory" }, b.accessory.type === "image" ? image(b.accessory, "accessory-image") : element(b, b.accessory, ctx)) : null;
        return wrap("block-section", body, acc);
      }
      case "context":
        return wrap("block-context", (b.elements || []).map((e) =>
          e.type === "image" ? image(e, "context-image") : h("span", { class: "context-text", html: text(e, ctx) })));
      case "actions":
        return wrap("block-actions", (b.elements || []).map((e) => element(b, e, ctx)));
      case "image":
        return wrap("block-image",
          b.title ? h("div", { class: "image-title", html: M.plain(b.title.text) }) : null,
          image(b, "block-image-large"));
      case "input": {
        const error = ctx.errors && ctx.errors[b.block_id];
        return wrap(`block-input${error ? " has-error" : ""}`,
          h("label", { class: "input-label" }, M.plain(b.label && b.label.text).replace(/<br>/g, " "),
            b.optional ? h("span", { class: "optional" }, " (optional)") : null),
          element(b, b.element, ctx),
          b.hint ? h("div", { class: "input-hint", html: M.plain(b.hint.text) }) : null,
          error ? h("div", { class: "input-error", "data-testid": `error-${b.block_id}` }, error) : null);
      }
      case "rich_text":
        return wrap("block-rich", richText(b, ctx));
      case "markdown":
        return wrap("block-markdown", h("div", { class: "block-text", html: M.render(b.text, ctx) }));
      default:
        return wrap("block-unsupported", `[${b.type} block]`);
    }
  }

  function render(blocks, ctx) {
    return h("div", { class: "blocks" }, (blocks || []).map((b) => block(b, ctx)));
  }

  // ---------------------------------------------------------------- state
  function readValue(node) {
    const kind = node.dataset.kind;
    if (node.tagName === "SELECT") {
      return node.multiple ? [...node.selectedOptions].map((o) => o.value) : node.value || null;
    }
    if (kind === "radio_buttons") {
      const checked = node.querySelector("input:checked");
      return checked ? checked.value : null;
    }
    if (kind === "checkboxes") return [...node.querySelectorAll("input:checked")].map((i) => i.value);
    if (kind === "datetimepicker") return node.value ? Math.floor(new Date(node.value).getTime() / 1000) : null;
    return node.value === "" ? null : node.value;
  }

  function collectState(root) {
    const values = {};
    for (const node of root.querySelectorAll("[data-action-id]")) {
      const b = node.dataset.blockId;
      (values[b] = values[b] || {})[node.dataset.actionId] = readValue(node);
    }
    return values;
  }

  function restoreState(root, values) {
    for (const node of root.querySelectorAll("[data-action-id]")) {
      const v = values[node.dataset.blockId] && values[node.dataset.blockId][node.dataset.actionId];
      if (v === undefined || v === null) continue;
      const kind = node.dataset.kind;
      if (kind === "radio_buttons" || kind === "checkboxes") {
        const wanted = new Set([].concat(v));
        for (const i of node.querySelectorAll("input")) i.checked = wanted.has(i.value);
      } else if (node.tagName === "SELECT" && node.multiple) {
        const wanted = new Set(v);
        for (const o of node.options) o.selected = wanted.has(o.value);
      } else if (kind !== "datetimepicker") {
        node.value = v;
      }
    }
  }

  window.Blocks = { render, collectState, restoreState, h };
})();
