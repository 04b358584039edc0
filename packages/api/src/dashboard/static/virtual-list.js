// A virtualised list: only the rows in view exist in the DOM, so 10,000 units cost a few dozen elements.
// Rows act as links (`href` from the cells: click or Enter opens it) and are focusable, so Tab reaches them;
// ArrowUp/ArrowDown move between rows, scrolling the list. They are divs with role=link, not <a href>: an
// anchor's href costs a visited-link check whenever a recycled row changes item, which doubled the scroll
// frame time at 10,000 units (docs/benchmarks.md, dashboard-scale). Text goes in with textContent only.
export const ROW_HEIGHT = 22;
const OVERSCAN = 8;

export class VirtualList {
  constructor(viewport, className, cells) {
    this.viewport = viewport;
    this.className = className;
    this.cells = cells; // item → {text: [...], attrs: {...}, href, title}
    this.items = [];
    this.spacer = document.createElement('div');
    viewport.append(this.spacer);
    this.pool = [];
    this.frame = 0;
    this.focusIndex = -1;
    viewport.addEventListener('scroll', () => this.schedule(), { passive: true });
    viewport.addEventListener('keydown', (e) => this.onKey(e));
    viewport.addEventListener('click', (e) => this.open(e.target.closest?.('.row')));
    new ResizeObserver(() => this.schedule()).observe(viewport);
  }
  setItems(items) {
    this.items = items;
    this.spacer.style.height = `${items.length * ROW_HEIGHT}px`;
    this.schedule();
  }
  schedule() {
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }
  /** Draws now what is scheduled: for a caller already inside an animation frame, which would else wait one more. */
  flush() {
    if (!this.frame) return;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.draw();
  }
  open(row) {
    if (row?.dataset.href) location.hash = row.dataset.href;
  }
  onKey(e) {
    if (e.key === 'Enter') return this.open(e.target.closest?.('.row'));
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const current = this.pool.findIndex((el) => el === document.activeElement);
    const from = current < 0 ? -1 : this.pool[current].index;
    const to = Math.max(0, Math.min(this.items.length - 1, from + (e.key === 'ArrowDown' ? 1 : -1)));
    e.preventDefault();
    const top = to * ROW_HEIGHT;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (top + ROW_HEIGHT > this.viewport.scrollTop + this.viewport.clientHeight) this.viewport.scrollTop = top + ROW_HEIGHT - this.viewport.clientHeight;
    this.focusIndex = to;
    this.draw();
  }
  row(i) {
    while (this.pool.length <= i) {
      const el = document.createElement('div');
      el.className = `row ${this.className}`;
      el.tabIndex = 0;
      el.setAttribute('role', 'link');
      this.viewport.append(el);
      this.pool.push(el);
    }
    return this.pool[i];
  }
  draw() {
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const count = Math.min(this.items.length - first, Math.ceil(this.viewport.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN);
    for (let i = 0; i < Math.max(count, 0); i++) {
      const el = this.row(i);
      const item = this.items[first + i];
      el.hidden = false;
      el.index = first + i;
      el.style.transform = `translateY(${(first + i) * ROW_HEIGHT}px)`;
      if (el.index === this.focusIndex) {
        el.focus({ preventScroll: true });
        this.focusIndex = -1;
      }
      // Items are replaced, never mutated, on change: the same object means the row already shows it.
      if (el.item === item) continue;
      el.item = item;
      const cells = this.cells(item);
      for (const [k, v] of Object.entries(cells.attrs)) el.setAttribute(`data-${k}`, v);
      if (cells.href) el.dataset.href = cells.href;
      while (el.childElementCount < cells.text.length) el.append(document.createElement('span'));
      cells.text.forEach((t, j) => {
        const span = el.children[j];
        if (span.textContent !== t) {
          span.textContent = t;
          span.title = cells.titles?.[j] ?? t;
        }
      });
    }
    for (let i = Math.max(count, 0); i < this.pool.length; i++) this.pool[i].hidden = true;
  }
}
