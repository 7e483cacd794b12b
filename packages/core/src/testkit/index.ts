export { freePort } from '../vms/local/free-port.ts';
export * from './fluence-stand-in.ts';
export * from './openai-stand-in.ts';
export * from './sshd.ts';
export * from './stand-in-miners.ts';
