export { type AuditPage, listAuditInput, listPrivilegedActions } from './list-actions.ts';
export { describeTarget, type PrivilegedAction, recordPrivilegedAction } from './record-action.ts';
