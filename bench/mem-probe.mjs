// Preloaded into a process under test (NODE_OPTIONS=--import <this file>) when
// BENCH_MEM_PROBE_FILE is set: appends process.memoryUsage() every 20 ms, as JSON lines
// {pid, t, rss, heapTotal, heapUsed, external, arrayBuffers} (bytes, t = Date.now()).
// Plain JS so it loads before any TypeScript loader. Costs one timer; changes nothing else.
import fs from 'node:fs';

const file = process.env.BENCH_MEM_PROBE_FILE;
if (file) {
  let lines = [];
  const sample = setInterval(() => {
    const m = process.memoryUsage();
    lines.push(JSON.stringify({ pid: process.pid, t: Date.now(), rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }));
  }, 20);
  const flush = () => {
    if (lines.length === 0) return;
    fs.appendFileSync(file, `${lines.join('\n')}\n`);
    lines = [];
  };
  const flusher = setInterval(flush, 250);
  sample.unref();
  flusher.unref();
  process.on('exit', flush);
}
