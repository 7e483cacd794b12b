import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DomainError, InvalidInputError, roleAtLeast } from '@tensornode/core';
import { deployFromUpload } from '@tensornode/core/docker';
import { uploadFileToVm } from '@tensornode/core/ssh';
import type { Role } from '@tensornode/db';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorize, callerOfRequest } from '../caller.ts';
import { httpErrorBody, toTRPCError } from '../errors.ts';
import { assertMayRequestGithubToken, dockerContext, toContainerRunResult } from '../router/docker.ts';
import type { AppServices } from '../services.ts';

export interface UploadRoutesOptions {
  services: AppServices;
}

/** A refusal the route answers itself, as JSON naming the field when there is one. */
class RouteError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

interface Upload {
  /** The uploaded file, written to a private temp directory. */
  path: string;
  fields: Record<string, string>;
}

/**
 * The multipart upload routes beside tRPC (tRPC carries JSON only):
 * `POST /v1/vms/:vmId/files` (file + remotePath) and `POST /v1/vms/:vmId/docker` (Dockerfile +
 * workdir/port). Both need an operator token in the Authorization header.
 */
export async function uploadRoutes(app: FastifyInstance, { services }: UploadRoutesOptions): Promise<void> {
  const guard = (
    req: FastifyRequest<{ Params: { vmId: string } }>,
    role: Role,
  ): { vmId: string; callerRole: Role } => {
    const caller = authorize(callerOfRequest(services, req), role);
    const { vmProvider } = services;
    const vmId = vmProvider.canonicalVmId(req.params.vmId);
    if (!vmProvider.isValidVmId(vmId)) {
      throw new RouteError(400, `vmId: not a valid ${vmProvider.name} VM id`, 'vmId');
    }
    if (!req.isMultipart()) throw new RouteError(415, 'expected a multipart/form-data body', 'file');
    return { vmId, callerRole: caller.role };
  };

  /** Reads the one file (under any of `fileFields`) and the text fields. */
  async function receive(req: FastifyRequest, dir: string, fileFields: string[]): Promise<Upload> {
    const fields: Record<string, string> = {};
    let path: string | undefined;
    for await (const part of req.parts()) {
      if (part.type === 'field') {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      if (!fileFields.includes(part.fieldname) || path) {
        part.file.resume();
        throw new RouteError(400, `unexpected file field "${part.fieldname}"`, part.fieldname);
      }
      path = join(dir, 'upload');
      await pipeline(part.file, createWriteStream(path, { mode: 0o600 }));
      if (part.file.truncated) {
        throw new RouteError(413, `${part.fieldname}: larger than the upload limit`, part.fieldname);
      }
    }
    if (!path) throw new RouteError(400, `${fileFields[0]}: a file is required`, fileFields[0]);
    return { path, fields };
  }

  async function respondWithError(error: unknown, reply: FastifyReply): Promise<FastifyReply> {
    if (error instanceof RouteError) {
      return reply
        .status(error.status)
        .send(httpErrorBody(error.status, error.message, error.field ? { field: error.field } : {}));
    }
    if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') {
      return reply
        .status(getHTTPStatusCodeFromError(error))
        .send(httpErrorBody(getHTTPStatusCodeFromError(error), error.message));
    }
    const statusCode = (error as { statusCode?: number }).statusCode;
    if (statusCode === 413) {
      return reply
        .status(413)
        .send(httpErrorBody(413, 'file: larger than the upload limit', { field: 'file' }));
    }
    if (error instanceof DomainError) {
      const status = getHTTPStatusCodeFromError(toTRPCError(error));
      return reply
        .status(status)
        .send(
          httpErrorBody(
            status,
            error.message,
            error instanceof InvalidInputError ? { field: error.field } : {},
          ),
        );
    }
    throw error; // the server's error handler logs it and answers a generic 500
  }

  /** Auth, a private temp directory for the upload, errors as JSON. */
  function route(
    role: Role,
    fileFields: string[],
    handle: (vmId: string, upload: Upload, req: FastifyRequest, callerRole: Role) => Promise<unknown>,
  ) {
    return async (req: FastifyRequest<{ Params: { vmId: string } }>, reply: FastifyReply) => {
      let dir: string | undefined;
      try {
        const { vmId, callerRole } = guard(req, role);
        dir = await mkdtemp(join(tmpdir(), 'tensornode-upload-'));
        const upload = await receive(req, dir, fileFields);
        return reply.send(await handle(vmId, upload, req, callerRole));
      } catch (error) {
        return respondWithError(error, reply);
      } finally {
        if (dir) await rm(dir, { recursive: true, force: true });
      }
    };
  }

  app.post<{ Params: { vmId: string } }>(
    '/v1/vms/:vmId/files',
    // Operators write only inside the VM's upload directory; admins (who may exec anyway) anywhere.
    route('operator', ['file'], (vmId, upload, req, callerRole) =>
      uploadFileToVm(
        { provider: services.vmProvider, ssh: services.ssh, log: req.log },
        {
          vmId,
          localPath: upload.path,
          remotePath: upload.fields.remotePath ?? '',
          confined: !roleAtLeast(callerRole, 'admin'),
        },
      ),
    ),
  );

  app.post<{ Params: { vmId: string } }>(
    '/v1/vms/:vmId/docker',
    route('operator', ['file', 'Dockerfile', 'dockerfile'], async (vmId, upload, req, callerRole) => {
      const { workdir, port, withGithubToken } = upload.fields;
      assertMayRequestGithubToken(callerRole, withGithubToken);
      const result = await deployFromUpload(dockerContext({ services, log: req.log }), {
        vmId,
        dockerfilePath: upload.path,
        ...(withGithubToken !== undefined ? { withGithubToken } : {}),
        ...(workdir !== undefined ? { workdir } : {}),
        ...(port !== undefined ? { port } : {}),
      });
      return toContainerRunResult(result);
    }),
  );
}
