/** The dashboard's sections, in sidebar order. */
export const NAVIGATION = [
  { href: '/', label: 'Overview' },
  { href: '/vms', label: 'VMs' },
  { href: '/deployments', label: 'Deployments' },
  { href: '/validation', label: 'Validation' },
  { href: '/rounds', label: 'Rounds' },
  { href: '/schedule', label: 'Schedule' },
  { href: '/bank', label: 'Question bank' },
  { href: '/leaderboard', label: 'Leaderboard' },
  { href: '/ledger', label: 'Ledger' },
  { href: '/rewards', label: 'Rewards' },
  { href: '/settings', label: 'Settings' },
] as const;
