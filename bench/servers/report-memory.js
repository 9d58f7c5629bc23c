// Preloaded into the bench's bot (`node --import`): prints process.memoryUsage() every second, so a bench can read
// the peaks of the V8 heap and of memory outside it. Plain JS: the bot runs compiled, with no TypeScript loader.
setInterval(() => {
  const m = process.memoryUsage();
  process.stdout.write(`RSS ${m.rss} heapUsed ${m.heapUsed} heapTotal ${m.heapTotal} external ${m.external}\n`);
}, 1000).unref();
