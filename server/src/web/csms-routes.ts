/**
 * The CSMS view's REST routes (`/api/csms/…`, see docs/web-api.md): a station's frame log and
 * events, the meter readings of its transactions, and the probe findings; the bridge brings
 * what comes after (`csms-feed.ts`).
 * @module
 */
import express, { type Router } from 'express';
import type { CsmsWatch } from './csms-watch';

/**
 * The routes, mounted under `/api`.
 * @param watch What the CSMS view shows.
 */
export function csmsViewRouter(watch: CsmsWatch): Router {
  const r = express.Router();
  r.get('/csms/findings', (_req, res) => {
    res.json(watch.findings());
  });
  // `since`: only frames after that seq (the events are few and come whole).
  r.get('/csms/:cpId/log', (req, res) => {
    const since = Number(req.query.since ?? 0);
    if (!Number.isInteger(since) || since < 0) return void res.status(400).json({ error: 'since must be a frame seq (an integer ≥ 0)' });
    res.json(watch.log(String(req.params.cpId), since));
  });
  r.get('/csms/:cpId/meter', (req, res) => {
    res.json(watch.series.list(String(req.params.cpId)));
  });
  return r;
}
