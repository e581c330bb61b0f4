import { hash } from 'bcrypt';

/**
 * Bare bcrypt: how many hashes per second the native async API completes at the given cost, with as many
 * in flight as the login benchmark has connections. Counted as the load generator counts logins: the
 * hashes completed within the window, from an idle start, over the window. Prints one JSON line.
 */
async function main(): Promise<void> {
  const rounds = Number(process.env.ROUNDS ?? 10);
  const concurrency = Number(process.env.CONCURRENCY ?? 8);
  const seconds = Number(process.env.SECONDS ?? 8);
  const until = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        await hash('Bench-Password-1!', rounds);
        if (Date.now() <= until) done++;
      }
    }),
  );
  process.stdout.write(`${JSON.stringify({ hashesPerSecond: done / seconds })}\n`);
}

void main();
