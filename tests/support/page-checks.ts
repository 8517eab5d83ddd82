/**
 * What a browser test reads from the lab page's DOM to judge its layout: text cut off, labels on
 * top of each other, sideways scrolling, and how big the stage's labels are on screen.
 * `inspectLayout` runs inside the page (page.evaluate): it must not use anything from outside.
 */

export interface LayoutReport {
  /** The page scrolls sideways. */
  sideways: boolean;
  /** Elements whose text does not fit their box (scrollWidth > clientWidth), or runs off the screen. */
  clipped: string[];
  /** Stage labels drawn over one another, or outside what holds them. */
  overlaps: string[];
  outside: string[];
  /** HTML controls that overlap (header, time bar, narration, legend). */
  crowded: string[];
  /** The smallest stage label, in screen pixels. */
  minLabelPx: number;
  labels: number;
}

export function inspectLayout(): LayoutReport {
  type R = { left: number; top: number; right: number; bottom: number };
  const hit = (a: R, b: R, slack = 1) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > slack &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > slack;
  const within = (a: R, b: R, slack = 1.5) =>
    a.left >= b.left - slack &&
    a.right <= b.right + slack &&
    a.top >= b.top - slack &&
    a.bottom <= b.bottom + slack;
  const name = (el: Element) => {
    const t = (el.textContent ?? '').trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ')[0]}` : ''} "${t}"`;
  };
  const shown = (el: Element) => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0;
  };
  const doc = document.documentElement;
  const report: LayoutReport = {
    sideways:
      doc.scrollWidth > doc.clientWidth + 1 || document.body.scrollWidth > doc.clientWidth + 1,
    clipped: [],
    overlaps: [],
    outside: [],
    crowded: [],
    minLabelPx: Infinity,
    labels: 0,
  };

  // HTML text that does not fit its box, or that runs off the right of the screen.
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg, .visually-hidden, option, select')) continue;
    const ownText = [...el.childNodes].some(
      (n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim(),
    );
    if (!ownText || !shown(el)) continue;
    const s = getComputedStyle(el);
    const scrolls = s.overflowX === 'auto' || s.overflowX === 'scroll';
    if (!scrolls && s.display !== 'inline' && el.scrollWidth > el.clientWidth + 1)
      report.clipped.push(`${name(el)} ${el.scrollWidth}>${el.clientWidth}`);
    const r = el.getBoundingClientRect();
    if (r.right > doc.clientWidth + 1 || r.left < -1) report.clipped.push(`${name(el)} off screen`);
  }

  // Controls that sit on each other in the header, the time bar, the narration and the legend.
  for (const bar of document.querySelectorAll('header, .time, .narration, .legend')) {
    const items = [
      ...bar.querySelectorAll('button, select, label, .chip, .pos, .queue, li, .text, .step, h1'),
    ]
      .filter((el) => shown(el) && !el.closest('.visually-hidden'))
      .filter((el, _, all) => !all.some((o) => o !== el && o.contains(el)));
    for (let i = 0; i < items.length; i++)
      for (let j = i + 1; j < items.length; j++)
        if (hit(items[i].getBoundingClientRect(), items[j].getBoundingClientRect()))
          report.crowded.push(`${name(items[i])} × ${name(items[j])}`);
  }

  // The stage's labels: on screen size, overlaps, and each inside the box that holds it.
  const svg = document.querySelector('.stage svg') as SVGSVGElement | null;
  if (svg) {
    const scale = svg.getScreenCTM()?.a ?? 1;
    const stage = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll('text')].filter(
      (t) => shown(t) && (t.textContent ?? '').trim(),
    );
    report.labels = texts.length;
    const boxes = texts.map((t) => t.getBoundingClientRect());
    texts.forEach((t, i) => {
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      report.minLabelPx = Math.min(report.minLabelPx, px);
      if (!within(boxes[i], stage)) report.outside.push(`${name(t)} outside the stage`);
      // A label inside a server, a client group, Redis or one of its nodes stays in its box.
      const holder = t.parentElement?.querySelector(':scope > [data-box]');
      if (holder && !within(boxes[i], holder.getBoundingClientRect()))
        report.outside.push(`${name(t)} outside its box`);
    });
    for (let i = 0; i < texts.length; i++)
      for (let j = i + 1; j < texts.length; j++)
        if (hit(boxes[i], boxes[j])) report.overlaps.push(`${name(texts[i])} × ${name(texts[j])}`);
  }
  return report;
}
