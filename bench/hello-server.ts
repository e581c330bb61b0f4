import Fastify from 'fastify';

/** The baseline: a bare Fastify route, the fastest this machine answers HTTP in Node. */
const app = Fastify({ logger: false });
app.get('/hello', () => ({ hello: 'world' }));
app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(
  () => process.stdout.write('ready\n'),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
