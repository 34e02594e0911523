/* Layout checks of a page of the course, run in the browser by tests/test_browser.py.
 *
 * Each check returns a list of problems (strings), empty when all is well; a problem names
 * what it is about (an equation by its number and TeX, a table or a widget by its text) so
 * that a reader can find it on the page. To run them by hand, paste this file into the
 * browser's console and call e.g. `courseLayoutChecks.equations({strict: true})`.
 *
 * Vocabulary: a "scroll box" is an element with overflow-x auto|scroll (what lies inside
 * it can be reached by scrolling it sideways); an element "clips" with overflow-x
 * hidden|clip (what passes its edges cannot be seen at all); the "column" is the text
 * column, the content box of the page's <article>.
 */
window.courseLayoutChecks = (() => {
  "use strict";
  const SLACK = 1; // px of sub-pixel rounding tolerated everywhere

  const px = (x) => `${Math.round(x)} px`;
  const short = (text, n = 80) => {
    const t = (text || "").replace(/\s+/g, " ").trim();
    return t.length > n ? `${t.slice(0, n - 1)}…` : t;
  };
  const describe = (el) =>
    el.tagName.toLowerCase() + (el.id ? `#${el.id}` : "") +
    Array.from(el.classList).slice(0, 3).map((c) => `.${c}`).join("");
  const scrollBox = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const clipper = (el) => ["hidden", "clip"].includes(getComputedStyle(el).overflowX);
  const rootOf = (root) => (typeof root === "string" ? document.querySelector(root) : root) || document.body;
  const shown = (el) => el.checkVisibility({opacityProperty: true, visibilityProperty: true});

  function article(el) {
    return el.closest("article") || document.querySelector("main article") || document.body;
  }

  /** The text column around `el`: the content box of its article, {left, right}. */
  function column(el) {
    const a = article(el);
    const r = a.getBoundingClientRect();
    const s = getComputedStyle(a);
    return {
      left: r.left + parseFloat(s.borderLeftWidth) + parseFloat(s.paddingLeft),
      right: r.right - parseFloat(s.borderRightWidth) - parseFloat(s.paddingRight),
    };
  }

  /** Where the horizontal extent `box` ({left, right}) of the content of `el` cannot be
   * seen. Walks from `el` up to the document: a scroll box makes what lies inside it
   * reachable (if it starts at or right of the box's left edge: what lies left of it is out
   * of reach), and from there on the scroll box itself must stay visible; an element that
   * clips hides what passes its padding box; at the article, what is not inside a scroll box
   * must lie in the column; at the top, nothing may pass the edges of the window.
   * Returns {cuts: [strings], scroller: the innermost scroll box below the article or null}. */
  function reach(el, box) {
    const cuts = [];
    const col = column(el);
    const art = article(el);
    let extent = {left: box.left, right: box.right};
    let scroller = null;
    for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
      if (a === art) {
        const over = Math.max(extent.right - col.right, col.left - extent.left);
        if (over > SLACK) {
          cuts.push(scroller
            ? `its scroll box passes the text column by ${px(over)}`
            : `passes the text column by ${px(over)}, with no scroll bar to reach it`);
        }
      }
      if (a === document.body) continue;
      const scrolls = scrollBox(a);
      if (!scrolls && !clipper(a)) continue;
      const r = a.getBoundingClientRect();
      const inner = {left: r.left + a.clientLeft, right: r.left + a.clientLeft + a.clientWidth};
      if (scrolls) {
        if (inner.left - extent.left > SLACK) {
          cuts.push(`starts ${px(inner.left - extent.left)} left of the edge of its scroll box ${describe(a)}: out of reach`);
        }
        extent = {left: r.left, right: r.right};
        if (!scroller && art.contains(a) && a !== art) scroller = a;
      } else {
        const over = Math.max(extent.right - inner.right, inner.left - extent.left);
        if (over > SLACK) cuts.push(`cut off by ${px(over)} by ${describe(a)} (overflow: ${getComputedStyle(a).overflowX})`);
        extent = {left: Math.max(extent.left, inner.left), right: Math.min(extent.right, inner.right)};
      }
    }
    const width = document.documentElement.clientWidth;
    if (extent.right > width + SLACK) cuts.push(`reaches ${px(extent.right - width)} past the right edge of the window`);
    if (extent.left < -SLACK) cuts.push(`starts ${px(-extent.left)} left of the window`);
    return {cuts, scroller};
  }

  /** The horizontal extent of an element's text (a Range over its contents). */
  function textExtent(el) {
    const range = document.createRange();
    range.selectNodeContents(el);
    const r = range.getBoundingClientRect();
    return {left: r.left, right: r.right, width: r.width};
  }

  function overlap(a, b) {
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    return w > SLACK && h > SLACK ? w : 0;
  }

  // --- equations --------------------------------------------------------------------------

  /** The TeX source of a typeset equation (MathJax 3 keeps it on its math items). */
  function texOf(container) {
    const doc = window.MathJax && MathJax.startup && MathJax.startup.document;
    for (const item of (doc && doc.math) || []) {
      if (item.typesetRoot === container) return item.math;
    }
    return container.textContent;
  }

  /** The equation's number(s): Sphinx's span.eqno beside it, or MathJax's own tags
   * (\tag, or numbered environments with tags: 'ams'), drawn in an mjx-labels column. */
  function numbersOf(container) {
    const numbers = [];
    const div = container.closest("div.math");
    if (div) numbers.push(...div.querySelectorAll(":scope > .eqno"));
    numbers.push(...container.querySelectorAll("mjx-labels mjx-mtd, mjx-mlabeledtr > mjx-mtd:first-child"));
    return numbers.filter((n) => shown(n) && n.getBoundingClientRect().width > 0);
  }

  function equationName(container) {
    const div = container.closest("div.math");
    const eqno = div && div.querySelector(":scope > .eqno");
    const number = eqno ? `${eqno.textContent.replace(/#\s*$/, "").trim()} ` : "";
    return `equation ${number}\`${short(texOf(container), 90)}\``;
  }

  /** Display equations (MathJax 3 CHTML, mjx-container[display="true"]).
   * strict (wide screens): the whole equation is in view, with no scrolling: its content
   * fits in its box, and the box in the text column. Always: nothing is clipped or out of
   * reach (an equation may scroll sideways inside its own scroll box), it is not taller than
   * its box, and its number is not drawn where the equation lies. */
  function equations({root = "main", strict = false} = {}) {
    const problems = [];
    for (const container of rootOf(root).querySelectorAll('mjx-container[display="true"]')) {
      if (!shown(container)) continue;
      const name = equationName(container);
      const math = container.querySelector(":scope > mjx-math") || container;
      const m = math.getBoundingClientRect();
      if (strict) {
        const content = Math.max(m.width, container.scrollWidth);
        if (content > container.clientWidth + SLACK) {
          problems.push(`${name}: ${px(content)} wide in a box of ${px(container.clientWidth)}: ` +
            `${px(content - container.clientWidth)} of it hidden behind a scroll bar`);
        }
      }
      if (container.scrollHeight > container.clientHeight + SLACK && getComputedStyle(container).overflowY !== "visible") {
        problems.push(`${name}: ${px(container.scrollHeight)} tall in a box of ${px(container.clientHeight)}: its top or bottom is hidden`);
      }
      for (const cut of reach(math, m).cuts) problems.push(`${name}: ${cut}`);
      for (const number of numbersOf(container)) {
        const w = overlap(number.getBoundingClientRect(), m);
        if (w) problems.push(`${name}: its number ${short(number.textContent.replace(/#\s*$/, ""), 12)} lies over ${px(w)} of the equation`);
      }
    }
    return problems;
  }

  // --- tables -----------------------------------------------------------------------------

  /** Tables (Markdown tables, pandas DataFrames in cell outputs): each fits in the text
   * column, or sits in a scroll box that reaches all of it; nothing clips it. */
  function tables({root = "main"} = {}) {
    const problems = [];
    for (const table of rootOf(root).querySelectorAll("table")) {
      if (!shown(table)) continue;
      const name = `table "${short(table.innerText, 60)}"`;
      const r = table.getBoundingClientRect();
      const {cuts, scroller} = reach(table, r);
      for (const cut of cuts) problems.push(`${name}: ${cut}`);
      if (scroller && scroller.scrollWidth < Math.ceil(r.right - scroller.getBoundingClientRect().left - scroller.clientLeft) - SLACK) {
        problems.push(`${name}: its scroll box ${describe(scroller)} does not scroll far enough to show its right edge`);
      }
    }
    return problems;
  }

  // --- widgets ----------------------------------------------------------------------------

  /** A name for the widget of a saved view: the first line of its cell's code, or its text. */
  function widgetName(script, view) {
    const cell = script.closest(".cell");
    const code = cell && cell.querySelector(".cell_input pre");
    const line = code && code.textContent.split("\n").find((l) => l.trim() && !l.trim().startsWith("#"));
    if (line) return `widget of the cell \`${short(line, 70)}\``;
    return `widget "${short(view ? view.innerText : "", 60)}"`;
  }

  /** Saved widget views (ipywidgets state embedded in the page, rendered by the
   * html-manager into a div.widget-subarea just before each view's script): each renders
   * without error, is shown (not display:none, visibility:hidden or transparent) with a
   * non-zero size, and its text is not cut off. */
  function widgets({root = "main"} = {}) {
    const problems = [];
    const scripts = rootOf(root).querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
    for (const script of scripts) {
      const area = script.previousElementSibling;
      const view = area && area.classList.contains("widget-subarea") ? area.querySelector(".jupyter-widgets") : null;
      const name = widgetName(script, view);
      if (area && /Error displaying widget/.test(area.textContent)) {
        problems.push(`${name}: "${short(area.textContent, 100)}"`);
        continue;
      }
      if (!view) {
        problems.push(`${name}: not rendered (no widget before its saved view)`);
        continue;
      }
      const r = view.getBoundingClientRect();
      if (!shown(view)) {
        const s = getComputedStyle(view);
        problems.push(`${name}: rendered but not shown (display: ${s.display}, visibility: ${s.visibility}, ` +
          `opacity: ${s.opacity}): a blank gap on the page`);
        continue;
      }
      if (r.width < 1 || r.height < 1) {
        problems.push(`${name}: rendered with no size (${px(r.width)} × ${px(r.height)})`);
        continue;
      }
      for (const text of view.querySelectorAll(".widget-html-content, .widget-label, .widget-readout")) {
        if (!shown(text) || !text.textContent.trim()) continue;
        for (const cut of reach(text, textExtent(text)).cuts) {
          problems.push(`${name}: its text "${short(text.textContent, 50)}" ${cut}`);
        }
      }
    }
    return problems;
  }

  /** Progress bars (ipywidgets' horizontal progress, e.g. tqdm.auto's): at least
   * `minWidth` pixels wide. */
  function progressBars({root = "main", minWidth = 100} = {}) {
    const problems = [];
    for (const bar of rootOf(root).querySelectorAll(".widget-hprogress")) {
      if (!shown(bar)) continue; // a hidden bar is reported by widgets()
      const width = bar.getBoundingClientRect().width;
      if (width < minWidth - SLACK) {
        const box = bar.closest(".widget-hbox") || bar.parentElement;
        problems.push(`progress bar "${short(box.innerText, 70)}": ${px(width)} wide, under ${px(minWidth)}`);
      }
    }
    return problems;
  }

  // --- the page ---------------------------------------------------------------------------

  /** The page itself does not scroll sideways (something sticking out of the layout). */
  function pageWidth() {
    const doc = document.documentElement;
    const over = doc.scrollWidth - doc.clientWidth;
    return over > SLACK ? [`the page is ${px(over)} wider than the window: it scrolls sideways`] : [];
  }

  return {equations, tables, widgets, progressBars, pageWidth, reach, column};
})();
