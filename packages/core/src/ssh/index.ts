export {
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  type ExecOnVmInput,
  execOnVm,
  execOnVmInput,
  resolveVmHost,
  type SshContext,
} from './exec-on-vm.ts';
export {
  createSshExecutor,
  type ExecOptions,
  type ExecResult,
  type SshExecutor,
  type SshExecutorOptions,
  type UploadResult,
} from './executor.ts';
export { validateRemotePath } from './remote-path.ts';
export { redactSecrets, shellQuote } from './shell-quote.ts';
export { validateInput } from './validate-input.ts';
