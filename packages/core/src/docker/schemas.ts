import { z } from 'zod';
import { vmIdSchema } from '../deployments/schemas.ts';

/**
 * Input rules for everything that reaches a docker command on a VM. Builders quote every value
 * anyway; these rules reject what no legitimate request needs, naming the field.
 */

const CONTROL_OR_SPACE = /[\s\u0000-\u001f\u007f-\u009f]/u;
/** Shell syntax no Dockerfile URL needs; rejected outright even though quoting would neutralise it. */
const SHELL_SYNTAX = /[`$;|<>\\'"(){}]/;
const MAX_URL_LENGTH = 2048;

export const dockerfileUrlSchema = z
  .string()
  .min(1)
  .max(MAX_URL_LENGTH)
  .refine((u) => !CONTROL_OR_SPACE.test(u), 'must not contain whitespace or control characters')
  .refine((u) => !SHELL_SYNTAX.test(u), 'must not contain shell syntax characters such as $ ` ; | ( )')
  .transform((u, ctx) => {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
      return z.NEVER;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'must use http or https' });
      return z.NEVER;
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not carry credentials' });
      return z.NEVER;
    }
    // What curl receives is the normalised URL; it obeys the same rules.
    if (url.href.length > MAX_URL_LENGTH || CONTROL_OR_SPACE.test(url.href) || SHELL_SYNTAX.test(url.href)) {
      ctx.addIssue({ code: 'custom', message: 'is not acceptable once normalised' });
      return z.NEVER;
    }
    return url.href;
  });

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;
export const workdirSchema = z
  .string()
  .min(1)
  .max(255)
  .refine(
    (w) => w.split('/').every((s) => SAFE_SEGMENT.test(s) && s !== '..'),
    'must be a relative path of letters, digits, ".", "_" and "-" segments, without ".."',
  );

/** Docker's container name rule: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`. */
export const containerNameSchema = z
  .string()
  .max(128)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, 'must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (Docker container name)');

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_REFERENCE = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$`,
);
/** Docker's image reference grammar (repository[:tag]; no digest, since we build it). */
export const imageNameSchema = z
  .string()
  .max(255)
  .regex(IMAGE_REFERENCE, 'must be a Docker image reference like name or registry/name:tag (lowercase)');

export const containerPortSchema = z.number().int().min(1).max(65535);
/** The same rule for a form field, which arrives as text (the multipart upload route). */
const containerPortFieldSchema = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    if (/^\d{1,5}$/.test(value)) return Number(value);
    ctx.addIssue({ code: 'custom', message: 'must be a port number' });
    return z.NEVER;
  })
  .pipe(containerPortSchema);

export const DEFAULT_WORKDIR = 'tensornode-miner';
export const DEFAULT_IMAGE = 'tensornode-miner';
export const DEFAULT_CONTAINER = 'tensornode-miner';
export const DEFAULT_CONTAINER_PORT = 3000;
/** Builds pull base images and dependencies; 20 minutes is generous, not unbounded. */
export const DEFAULT_BUILD_TIMEOUT_MS = 20 * 60_000;

const vmId = vmIdSchema;
const timeoutMs = z
  .number()
  .int()
  .min(1_000)
  .max(60 * 60_000)
  .default(DEFAULT_BUILD_TIMEOUT_MS);

/**
 * Hand GITHUB_TOKEN to this build even though its Dockerfile URL is not on GITHUB_TOKEN_URL_PREFIXES.
 * Admin only: a Dockerfile can send the token anywhere.
 */
const withGithubToken = z.boolean().default(false);
/** The same for a form field (the multipart upload route): "true" or "false". */
const withGithubTokenField = z
  .union([z.boolean(), z.string()])
  .transform((value, ctx) => {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    ctx.addIssue({ code: 'custom', message: 'must be true or false' });
    return z.NEVER;
  })
  .default(false);

export const deployFromUrlInput = z.object({
  vmId,
  dockerfileUrl: dockerfileUrlSchema,
  withGithubToken,
  workdir: workdirSchema.default(DEFAULT_WORKDIR),
  image: imageNameSchema.default(DEFAULT_IMAGE),
  container: containerNameSchema.default(DEFAULT_CONTAINER),
  port: containerPortSchema.default(DEFAULT_CONTAINER_PORT),
  timeoutMs,
});

export const deployFromUploadInput = z.object({
  vmId,
  /** A temp file on this machine (the multipart route writes it), not a request-supplied path. */
  dockerfilePath: z.string().min(1),
  withGithubToken: withGithubTokenField,
  workdir: workdirSchema.default(DEFAULT_WORKDIR),
  image: imageNameSchema.default(DEFAULT_IMAGE),
  container: containerNameSchema.default(DEFAULT_CONTAINER),
  port: containerPortFieldSchema.default(DEFAULT_CONTAINER_PORT),
  timeoutMs,
});

export const stopContainerInput = z.object({
  vmId,
  container: containerNameSchema.default(DEFAULT_CONTAINER),
});

export const containerHealthInput = z.object({
  vmId,
  port: containerPortSchema.default(DEFAULT_CONTAINER_PORT),
  timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
});
