import {
  checkHealth,
  type HealthReport,
  publicHealthReport,
  type ServiceHealth,
  VERSION,
} from '@tensornode/core';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { publicProcedure } from '../trpc.ts';

const serviceHealth = z.object({
  status: z.enum(['up', 'degraded', 'down', 'disabled']),
  kind: z.string().optional(),
  error: z.string().optional(),
  latencyMs: z.number().optional(),
}) satisfies z.ZodType<ServiceHealth>;

export const healthReportSchema = z.object({
  status: z.enum(['healthy', 'degraded']),
  version: z.string(),
  uptimeSeconds: z.number(),
  services: z.record(z.string(), serviceHealth),
}) satisfies z.ZodType<HealthReport>;

// Also served as REST `GET /v1/health` (openapi.ts).
const healthCheckProcedure = publicProcedure.meta({
  openapi: { method: 'GET', path: '/health', tags: ['health'], summary: 'Service health', protect: false },
});

export const healthRouter = {
  check: healthCheckProcedure.output(healthReportSchema).query(async ({ ctx }) => {
    const report = await checkHealth(ctx.services.healthProbes, {
      version: VERSION,
      startedAt: ctx.services.startedAt,
    });
    // Error details can reveal configuration: only callers with a token see them.
    return ctx.caller ? report : publicHealthReport(report);
  }),
} satisfies TRPCRouterRecord;
