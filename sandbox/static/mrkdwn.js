// Slack mrkdwn to safe HTML: *bold*, _italic_, ~strike~, `code`, ```pre```, <url|text>,
// <@U…> mentions as names, <#C…>, <!here>, "> " quotes, line breaks and common :emoji:.
"use strict";

(function () {
  const EMOJI = {
    wave: "👋", white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️",
    calendar: "📅", date: "📅", spiral_calendar_pad: "🗓️", email: "📧", envelope: "✉️",
    incoming_envelope: "📨", memo: "📝", pencil: "✏️", pencil2: "✏️", bulb: "💡", rocket: "🚀",
    chart_with_upwards_trend: "📈", chart_with_downwards_trend: "📉", bar_chart: "📊",
    moneybag: "💰", dollar: "💵", handshake: "🤝", telephone_receiver: "📞", phone: "☎️",
    mag: "🔍", bell: "🔔", no_bell: "🔕", gear: "⚙️", link: "🔗", zap: "⚡", fire: "🔥",
    tada: "🎉", hourglass: "⌛", hourglass_flowing_sand: "⏳", clock: "🕒", alarm_clock: "⏰",
    sunrise: "🌅", sun_with_face: "🌞", coffee: "☕", eyes: "👀", thumbsup: "👍", "+1": "👍",
    thumbsdown: "👎", star: "⭐", sparkles: "✨", dart: "🎯", trophy: "🏆", briefcase: "💼",
    busts_in_silhouette: "👥", bust_in_silhouette: "👤", speech_balloon: "💬", clipboard: "📋",
    page_facing_up: "📄", paperclip: "📎", pushpin: "📌", round_pushpin: "📍", lock: "🔒",
    unlock: "🔓", key: "🔑", red_circle: "🔴", large_green_circle: "🟢", green_circle: "🟢",
    large_yellow_circle: "🟡", yellow_circle: "🟡", large_blue_circle: "🔵", white_circle: "⚪",
    arrow_right: "➡️", arrows_counterclockwise: "🔄", repeat: "🔁", information_source: "ℹ️",
    question: "❓", exclamation: "❗", hand: "✋", raised_hand: "✋", robot_face: "🤖",
    crystal_ball: "🔮", snail: "🐌", sleeping: "😴", new: "🆕", inbox_tray: "📥",
    outbox_tray: "📤", construction: "🚧", stopwatch: "⏱️", seedling: "🌱", books: "📚",
    mailbox_with_mail: "📬", heavy_plus_sign: "➕", heavy_minus_sign: "➖", small_blue_diamond: "🔹",
    small_orange_diamond: "🔸", arrow_up: "⬆️", arrow_down: "⬇️", muscle: "💪", pray: "🙏",
  };

  function escapeHtml(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  // Slack's own escaping: apps send &amp; &lt; &gt; for literal characters.
  function unescapeSlack(s) {
    return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function emoji(html) {
    return html.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
  }

  function plain(text) {
    return emoji(escapeHtml(unescapeSlack(text || ""))).replace(/\n/g, "<br>");
  }

  function safeUrl(url) {
    return /^(https?:|mailto:|tel:)/i.test(url) ? url : "#";
  }

  function token(inner, ctx) {
    const [target, label] = splitOnce(inner, "|");
    if (target.startsWith("@")) {
      const id = target.slice(1);
      const name = label || (ctx.users && ctx.users[id]) || id;
      return `<span class="mention">@${escapeHtml(unescapeSlack(name))}</span>`;
    }
    if (target.startsWith("#")) {
      return `<span class="mention">#${escapeHtml(unescapeSlack(label || target.slice(1)))}</span>`;
    }
    if (target.startsWith("!")) {
      const word = target.slice(1).split("^")[0];
      return `<span class="mention">@${escapeHtml(label || word)}</span>`;
    }
    const url = unescapeSlack(target);
    const text = label ? unescapeSlack(label) : url;
    return `<a href="${escapeHtml(safeUrl(url))}" target="_blank" rel="noopener">${escapeHtml(text)}</a>`;
  }

  function splitOnce(s, sep) {
    const i = s.indexOf(sep);
    return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + 1)];
  }

  // Inline formatting on already-escaped text. Markers must hug the words they wrap.
  function inline(html) {
    const edge = "(^|[\\s(\\[>\"'])";
    const end = "(?=$|[\\s).,!?:;\\]<\"'])";
    html = html.replace(new RegExp(edge + "\\*([^*\\n]+?)\\*" + end, "g"), "$1<strong>$2</strong>");
    html = html.replace(new RegExp(edge + "_([^_\\n]+?)_" + end, "g"), "$1<em>$2</em>");
    html = html.replace(new RegExp(edge + "~([^~\\n]+?)~" + end, "g"), "$1<del>$2</del>");
    return html;
  }

  function render(text, ctx) {
    ctx = ctx || {};
    const saved = [];
    const keep = (html) => `\u0000${saved.push(html) - 1}\u0000`;
    let s = text || "";
    s = s.replace(/```([\s\S]*?)```/g, (m, code) => keep(`<pre>${escapeHtml(unescapeSlack(code.replace(/^\n/, "")))}</pre>`));
    s = s.replace(/`([^`\n]+)`/g, (m, code) => keep(`<code>${escapeHtml(unescapeSlack(code))}</code>`));
    s = s.replace(/<([^<>\n]+)>/g, (m, inner) => keep(token(inner, ctx)));
    const lines = s.split("\n").map((line) => {
      let quote = false;
      if (/^(>|&gt;)\s?/.test(line)) {
        quote = true;
        line = line.replace(/^(>|&gt;)\s?/, "");
      }
      let html = inline(emoji(escapeHtml(unescapeSlack(line))));
      return { quote, html };
    });
    let out = "";
    let inQuote = false;
    lines.forEach((l, i) => {
      if (l.quote && !inQuote) { out += "<blockquote>"; inQuote = true; }
      if (!l.quote && inQuote) { out += "</blockquote>"; inQuote = false; }
      out += l.html;
      const next = lines[i + 1];
      if (next && !(l.quote && !next.quote) && !(!l.quote && next.quote)) out += "<br>";
    });
    if (inQuote) out += "</blockquote>";
    return out.replace(/\u0000(\d+)\u0000/g, (m, i) => saved[Number(i)]);
  }

  window.Mrkdwn = { render, plain, escapeHtml };
})();
