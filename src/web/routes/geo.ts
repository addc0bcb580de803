import { z } from 'zod';
import { courierWilayaOf, listWilayas } from '../../geo/algeria';
import { resolveCommune, type CommuneMatch } from '../../geo/resolve';
import { invalidInput } from '../../errors';
import type { RouteModule } from '../types';

export const communeQuery = z.object({
  q: z.string().trim().max(120).optional(),
  wilaya: z.string().trim().max(60).optional(),
  limit: z.coerce.number().int().min(1).max(10).default(10),
});

const communeJson = (c: CommuneMatch) => ({
  code: c.code,
  name_fr: c.nameFr,
  name_ar: c.nameAr,
  wilaya: c.wilaya,
  wilaya_name_fr: c.wilayaNameFr,
  wilaya_before: c.wilayaBefore,
  courier_wilaya: c.courierWilaya,
  score: c.score,
});

/** Reference data for the settings pages and merchants' scripts: the same resolver the agent uses. */
export const geoRoutes: RouteModule = (router) => {
  router.get('/geo/wilayas', (_req, res) => {
    res.json({
      wilayas: listWilayas().map((w) => ({
        code: w.code,
        name_fr: w.nameFr,
        name_ar: w.nameAr,
        parent: w.parent,
        courier_wilaya: courierWilayaOf(w),
      })),
    });
  });

  router.get('/geo/communes', (req, res) => {
    const query = communeQuery.parse(req.query);
    if (!query.q) throw invalidInput('q is required: the commune name to look up, e.g. ?q=bab ezzouar&wilaya=16');
    const r = resolveCommune(query.q, { wilaya: query.wilaya || undefined });
    const decided = r.kind === 'match' ? r.commune.code : null;
    res.json({
      query: query.q,
      wilaya: r.wilaya ? { code: r.wilaya.code, name_fr: r.wilaya.nameFr, courier_wilaya: r.wilaya.courierWilaya } : null,
      decision: r.kind,
      match: decided,
      message: r.message,
      results: r.ranked.slice(0, query.limit).map(communeJson),
    });
  });
};
