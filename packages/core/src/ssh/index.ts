export { validateInput } from '../validate-input.ts';
export { clearHostKey, clearHostKeyInput } from './clear-host-key.ts';
export {
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  type ExecOnVmInput,
  execOnVm,
  execOnVmInput,
  resolveSshTarget,
  resolveVmHost,
  type SshContext,
} from './exec-on-vm.ts';
export {
  createSshExecutor,
  type ExecOptions,
  type ExecResult,
  type SshExecutor,
  type SshExecutorOptions,
  type SshTarget,
  type UploadResult,
} from './executor.ts';
export {
  createDeploymentHostKeyStore,
  createMemoryHostKeyStore,
  type HostKeyStore,
  hostKeyFingerprint,
} from './host-keys.ts';
export { UPLOAD_WORKDIR, validateRemotePath, validateWorkdirPath } from './remote-path.ts';
export { redactSecrets, shellQuote } from './shell-quote.ts';
export { type UploadFileInput, uploadFileInput, uploadFileToVm } from './upload-file.ts';
