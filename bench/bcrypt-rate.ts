import { hash } from 'bcrypt';

/**
 * Bare bcrypt: how many hashes per second the native async API completes at the given cost, with as many
 * in flight as the login benchmark has connections. Prints one JSON line.
 */
async function main(): Promise<void> {
  const rounds = Number(process.env.ROUNDS ?? 10);
  const concurrency = Number(process.env.CONCURRENCY ?? 8);
  const seconds = Number(process.env.SECONDS ?? 8);
  const until = Date.now() + seconds * 1000;
  let done = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        await hash('Bench-Password-1!', rounds);
        done++;
      }
    }),
  );
  process.stdout.write(`${JSON.stringify({ hashesPerSecond: done / ((Date.now() - started) / 1000) })}\n`);
}

void main();
