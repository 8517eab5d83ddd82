import { describe, expect, it } from 'vitest';
import { buildLibrary } from './lesson-library.ts';
import { readProgress, saveProgress } from './lesson-progress.ts';
import { renderMarkdown } from './markdown.ts';
import { applyHighlight } from './stage-highlight.ts';

const GOOD = `---
id: a
title: A
summary: s
teaches: t
level: beginner
minutes: 1
setup: { servers: 2, adapter: redis, clients: [{ server: s1 }] }
---

## One
Words.
`;

describe('the lesson library', () => {
  it('keeps good lessons in file order and lists broken ones by file and line', () => {
    const lib = buildLibrary({
      '../../../lessons/02-b.md': GOOD.replace('id: a', 'id: b'),
      '../../../lessons/01-a.md': GOOD,
      '../../../lessons/03-bad.md': GOOD.replace('id: a', 'id: c').replace(
        'level: beginner',
        'level: easy',
      ),
      '../../../lessons/README.md': '# not a lesson',
    });
    expect(lib.lessons.map((l) => l.id)).toEqual(['a', 'b']);
    expect(lib.errors).toEqual([
      'lessons/03-bad.md:6: level must be one of beginner, intermediate, advanced',
    ]);
  });

  it('loads every lesson of lessons/ without an error', async () => {
    const { loadLibrary } = await import('./lesson-library.ts');
    const lib = loadLibrary();
    expect(lib.errors).toEqual([]);
    expect(lib.lessons[0].id).toBe('redis-pubsub');
  });
});

describe('lesson progress', () => {
  it('keeps the furthest step and completion across visits', () => {
    const data = new Map<string, string>();
    const store = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
    };
    saveProgress('a', { step: 3 }, store);
    saveProgress('a', { step: 1 }, store);
    expect(readProgress(store).a).toEqual({ step: 3, done: false });
    saveProgress('a', { step: 5, done: true, right: 2, asked: 3 }, store);
    saveProgress('a', { step: 0 }, store);
    expect(readProgress(store).a).toMatchObject({ step: 5, done: true, right: 2, asked: 3 });
    data.set('fanout-lab-lessons', 'not json');
    expect(readProgress(store)).toEqual({});
  });
});

describe('narration', () => {
  it('renders Markdown and strips anything that could run', () => {
    const html = renderMarkdown(
      '**bold** `code` <img src=x onerror="alert(1)"><script>alert(2)</script>',
    );
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<code>code</code>');
    expect(html).not.toMatch(/onerror|<script/);
  });
});

describe('stage highlights', () => {
  it('marks the elements a step names, translating lesson client names, and unmarks the rest', () => {
    document.body.innerHTML = `
      <svg>
        <g data-server="s1"></g><g data-server="s2"></g>
        <path data-line="pub:s1"></path><path data-line="sub:s1"></path>
        <g data-client="c7"></g>
        <g data-redis="up"><g class="row"><text class="channel">x<title>socket.io#/#*</title></text></g></g>
      </svg>`;
    const marked = () =>
      [...document.querySelectorAll('[data-lesson-highlight]')].map(
        (e) =>
          e.getAttribute('data-server') ??
          e.getAttribute('data-line') ??
          e.getAttribute('data-client') ??
          e.getAttribute('class'),
      );
    const ids = (name: string) => (name === 'c1' ? 'c7' : name);
    applyHighlight(['server:s2', 'line:s1:sub', 'client:c1', 'pattern:socket.io#/#*'], ids);
    expect(marked()).toEqual(['s2', 'sub:s1', 'c7', 'row']);
    applyHighlight(['server:s1'], ids);
    expect(marked()).toEqual(['s1']);
  });
});

describe('the learner’s way through the lessons', () => {
  it('counts lessons done and started, predictions right, and says which is next', async () => {
    const { summarizeProgress } = await import('./lesson-progress.ts');
    const ids = ['a', 'b', 'c', 'd'];
    const s = summarizeProgress(ids, {
      a: { step: 4, done: true, right: 2, asked: 3 },
      b: { step: 1, done: false },
      c: { step: 5, done: true, right: 1, asked: 1 },
      gone: { step: 1, done: true, right: 9, asked: 9 },
    });
    expect(s).toEqual({ total: 4, done: 2, started: 1, right: 3, asked: 4, next: 'b' });
    expect(summarizeProgress(ids, {}).next).toBe('a');
  });
});
