/**
 * The earlier tool's script route, `POST /cp/:cpName` with the script as the raw request body
 * (`text/plain` or `application/javascript`): the same console scripts as
 * `POST /api/chargepoints/:id/script`, answered the earlier way (`200 ok`, or `500` and the error
 * as text), behind the same checks (the token on every address, the Origin, the body's size).
 * @module
 */
import express, { type Router } from 'express';
import { refuse, refuseBody, sendRefusal, type AccessPolicy } from '../security/http-access';
import type { ConsoleScripts } from './console-script';
import { RegistryError } from './registry';

/**
 * The `/cp` router.
 * @param scripts Runs console scripts.
 * @param policy The server's access rules (the route is a `script` route).
 * @param maxBytes The largest script accepted.
 */
export function legacyScriptRouter(scripts: ConsoleScripts, policy: AccessPolicy, maxBytes: number): Router {
  const r = express.Router();
  r.post(
    '/:cpName',
    (req, res, next) => {
      // Checked before the body is read: running a script is running code as this user.
      const refused = refuse(req, policy, 'script') ?? refuseBody(req, maxBytes, 'script');
      if (refused) return sendRefusal(res, refused.status, { error: refused.error });
      next();
    },
    express.text({ type: ['text/plain', 'application/javascript', 'text/javascript'], limit: maxBytes }),
    (req, res, next) => {
      const code = typeof req.body === 'string' ? req.body : '';
      if (!code.trim()) return void res.status(400).type('text').send('the request body is the script (Content-Type text/plain or application/javascript)\n');
      scripts.run(String(req.params.cpName), code).then((outcome) => {
        if (outcome.error === undefined) return void res.type('text').send('ok');
        res.status(500).type('text').send([outcome.error, ...outcome.output].join('\n') + '\n');
      }, next);
    },
  );
  r.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (err instanceof RegistryError) return void res.status(err.status).type('text').send(`${err.message}: create it first (the UI, or POST /api/chargepoints)\n`);
    // body-parser: too large, bad charset.
    res.status(e?.status ?? 500).type('text').send(`${e?.message ?? String(err)}\n`);
  });
  return r;
}
