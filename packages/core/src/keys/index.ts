export { DEFAULT_KEY_COMMENT, generateSshKeypair, type SshKeypair } from './generate-keypair.ts';
export { readPublicKey, sshKeyPath } from './read-public-key.ts';
