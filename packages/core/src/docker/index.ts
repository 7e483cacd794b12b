export {
  type BuiltCommand,
  buildDeployFromUploadCommand,
  buildDeployFromUrlCommand,
  buildStopCommand,
  type DeployFromUploadCommandInput,
  type DeployFromUrlCommandInput,
  type StopCommandInput,
  sh,
} from './commands.ts';
export { type ContainerHealth, containerHealth } from './container-health.ts';
export { deployFromUpload } from './deploy-from-upload.ts';
export { type ContainerDeployResult, deployFromUrl } from './deploy-from-url.ts';
export { DOCKER_MAX_OUTPUT_BYTES, type DockerContext, githubTokenFor } from './run-built-command.ts';
export {
  containerHealthInput,
  containerNameSchema,
  containerPortSchema,
  DEFAULT_BUILD_TIMEOUT_MS,
  DEFAULT_CONTAINER,
  DEFAULT_CONTAINER_PORT,
  DEFAULT_IMAGE,
  DEFAULT_WORKDIR,
  deployFromUploadInput,
  deployFromUrlInput,
  dockerfileUrlSchema,
  imageNameSchema,
  stopContainerInput,
  workdirSchema,
} from './schemas.ts';
export { stopContainer } from './stop-container.ts';
