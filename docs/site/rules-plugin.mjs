// A markdown-it plugin for docs/protocol.md: gives each rule a stable anchor
// and its live example, whatever the rest of the file says.
// - The first list item that starts with **S3** (any S, T or I id) becomes a rule:
//   an <h3 id="s3"> heading (the anchor, and a result of its own in the
//   search index) with the engine's title, then the text, then the Microsoft
//   page the rule cites and the <mapi-logoff-example data-rule="S3">. Later
//   items with the same label (the section on sources) link to it.
// - A table row whose first cell is M1..M11 links to #m1; after the table
//   comes one section per mistake with its heading, page and example.
// - In the "Readings" section, the first item that names a reading's
//   setting gets that reading's side-by-side example.
// `placed` collects the ids of the examples the page received, so the build
// can fail when docs/protocol.md no longer has a place for one.

export const ruleIdPattern = /^[STIM]\d{1,2}$/;

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function pageName(url) {
  return url.replace(/^.*\//, "");
}

const SOURCE_KINDS = {
  referencePage: "Microsoft reference page",
  otherPage: "Microsoft MAPI page",
  header: "MAPI header",
  sdkSample: "MAPI SDK sample",
  modelChoice: "This model's choice",
};

/** Where a rule comes from, as the engine's rules() says: the page (linked) and its own words. */
function sourceHtml(rule) {
  if (!rule) return "";
  const source = rule.source ?? {};
  const kind = SOURCE_KINDS[source.kind] ?? (rule.docUrl ? "Microsoft reference" : "");
  const where = rule.docUrl
    ? `<a href="${escapeHtml(rule.docUrl)}" rel="external">${escapeHtml(pageName(rule.docUrl))}</a>`
    : source.page
      ? `<code>${escapeHtml(source.page)}</code>`
      : "";
  if (!kind && !where) return "";
  let html = `<p class="rule-source">${escapeHtml(kind)}${kind && where ? ": " : ""}${where}</p>\n`;
  if (source.quote) html += `<blockquote class="rule-quote"><p>“${escapeHtml(source.quote)}”</p></blockquote>\n`;
  if (source.note) html += `<p class="rule-note">${escapeHtml(source.note)}</p>\n`;
  return html;
}

function exampleHtml(example) {
  if (!example) return "";
  return `<mapi-logoff-example data-rule="${escapeHtml(example.rule)}" data-example="${escapeHtml(example.id)}"><p class="example-fallback">Live example ${escapeHtml(example.id)}: ${escapeHtml(example.expect.title ?? "")} (runs with JavaScript).</p></mapi-logoff-example>\n`;
}

function headingHtml(id, rule) {
  const anchor = id.toLowerCase();
  const title = rule?.title ? ` <span class="rule-title">${escapeHtml(rule.title.replace(/^Mistake: /, ""))}</span>` : "";
  return `<h3 class="rule-head" id="${anchor}"><a class="rule-anchor" href="#${anchor}">${escapeHtml(id)}</a>${title}</h3>\n`;
}

export function ruleAnchors(md, { rules, ruleExamples, readingExamples, placed }) {
  md.core.ruler.push("mapi_rule_anchors", (state) => {
    const Token = state.Token;
    const html = (content) => {
      const t = new Token("html_block", "", 0);
      t.content = content;
      return t;
    };
    const tokens = state.tokens;
    let sectionTitle = "";
    const seen = new Set();
    const pendingReadings = [...readingExamples];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.type === "heading_open" && t.tag === "h2") sectionTitle = tokens[i + 1]?.content ?? "";

      // A rule item: list_item_open, paragraph_open, inline starting with **ID**.
      if (t.type === "list_item_open" && tokens[i + 1]?.type === "paragraph_open" && tokens[i + 2]?.type === "inline") {
        const inline = tokens[i + 2];
        // markdown-it may start the children with an empty text token.
        const kids = (inline.children ?? []).filter((k, n) => n > 0 || k.type !== "text" || k.content !== "");
        inline.children = kids;
        const id = kids[0]?.type === "strong_open" && kids[1]?.type === "text" && kids[2]?.type === "strong_close" ? kids[1].content : null;
        const closeAt = tokens.findIndex((x, k) => k > i && x.type === "list_item_close" && x.level === t.level);
        if (id && ruleIdPattern.test(id) && closeAt > 0 && seen.has(id)) {
          // A later item about the same rule ("where each rule comes from"): its label links to the rule.
          const open = new Token("link_open", "a", 1);
          open.attrs = [
            ["href", `#${id.toLowerCase()}`],
            ["class", "rule-ref"],
          ];
          const label = new Token("text", "", 0);
          label.content = id;
          kids.splice(1, 1, open, label, new Token("link_close", "a", -1));
          continue;
        }
        if (id && ruleIdPattern.test(id) && closeAt > 0) {
          seen.add(id);
          kids.splice(0, 3);
          if (kids[0]?.type === "text") kids[0].content = kids[0].content.replace(/^\s+/, "");
          t.attrJoin("class", "rule");
          const example = ruleExamples.get(id);
          if (example) placed.add(example.id);
          tokens.splice(closeAt, 0, html(sourceHtml(rules.get(id)) + exampleHtml(example)));
          tokens.splice(i + 1, 0, html(headingHtml(id, rules.get(id))));
          continue;
        }
        // A readings item naming a reading's setting.
        if (/reading/i.test(sectionTitle) && closeAt > 0) {
          const text = tokens.slice(i, closeAt).filter((x) => x.type === "inline").map((x) => x.content).join(" ");
          const at = pendingReadings.findIndex((e) => text.includes(e.expect.reading.setting));
          if (at >= 0) {
            const [example] = pendingReadings.splice(at, 1);
            placed.add(example.id);
            t.attrSet("id", `reading-${example.expect.reading.setting.toLowerCase()}`);
            tokens.splice(closeAt, 0, html(exampleHtml(example)));
          }
        }
      }

      // The mistakes table: link the ids, then one section per mistake after the table.
      if (t.type === "table_open") {
        const closeAt = tokens.findIndex((x, k) => k > i && x.type === "table_close");
        const mistakes = [];
        for (let k = i; k < closeAt; k++) {
          if (tokens[k].type !== "tr_open" || tokens[k + 1]?.type !== "td_open") continue;
          const cell = tokens[k + 2];
          const id = cell?.type === "inline" ? cell.content.trim() : "";
          if (!/^M\d{1,2}$/.test(id) || seen.has(id)) continue;
          seen.add(id);
          mistakes.push(id);
          const link = new Token("html_inline", "", 0);
          link.content = `<a href="#${id.toLowerCase()}">${escapeHtml(id)}</a>`;
          cell.children = [link];
        }
        if (mistakes.length) {
          const blocks = mistakes.map((id) => {
            const example = ruleExamples.get(id);
            if (example) placed.add(example.id);
            return `<section class="rule mistake">\n${headingHtml(id, rules.get(id))}${sourceHtml(rules.get(id))}${exampleHtml(example)}</section>\n`;
          });
          tokens.splice(closeAt + 1, 0, html(`<div class="mistakes">\n${blocks.join("")}</div>\n`));
        }
      }
    }
  });
}

/**
 * Rule ids in running text (S11, T6, M5; not in code, headings or links)
 * link to their rule on the protocol page, so every citation is one click
 * from its rule. `href(id)` gives the link for an id the engine knows, or null.
 */
export function ruleLinks(md, { href }) {
  md.core.ruler.push("mapi_rule_links", (state) => {
    for (let i = 0; i < state.tokens.length; i++) {
      const block = state.tokens[i];
      if (block.type !== "inline" || !block.children || state.tokens[i - 1]?.type === "heading_open") continue;
      const out = [];
      let inLink = 0;
      block.children.forEach((t, k, kids) => {
        if (t.type === "link_open") inLink++;
        if (t.type === "link_close") inLink--;
        // A rule's own label (**S3** at the start of its item) stays text: it becomes the rule's heading.
        const label = kids[k - 1]?.type === "strong_open" && kids[k + 1]?.type === "strong_close";
        if (t.type !== "text" || inLink > 0 || label || !/\b[STIM]\d{1,2}\b/.test(t.content)) {
          out.push(t);
          return;
        }
        let last = 0;
        for (const m of t.content.matchAll(/\b([STIM]\d{1,2})\b/g)) {
          const target = href(m[1]);
          if (!target) continue;
          if (m.index > last) out.push(Object.assign(new state.Token("text", "", 0), { content: t.content.slice(last, m.index) }));
          const open = new state.Token("link_open", "a", 1);
          open.attrs = [["href", target], ["class", "rule-ref"]];
          out.push(open, Object.assign(new state.Token("text", "", 0), { content: m[1] }), new state.Token("link_close", "a", -1));
          last = m.index + m[0].length;
        }
        if (last < t.content.length) out.push(Object.assign(new state.Token("text", "", 0), { content: t.content.slice(last) }));
      });
      block.children = out;
    }
  });
}
