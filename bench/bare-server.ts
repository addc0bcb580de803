// The ceiling for ingest: express parsing JSON and answering 200, nothing else.
import express from 'express';

const app = express();
app.post('/webhooks/meta', express.json({ limit: '5mb' }), (_req, res) => {
  res.sendStatus(200);
});
const server = app.listen(Number(process.env.PORT ?? 0), () => {
  const addr = server.address();
  process.stdout.write(`LISTENING ${typeof addr === 'object' && addr ? addr.port : ''}\n`);
});
