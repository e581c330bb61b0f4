import type { UserStatus } from '../common/user-types';

/**
 * The account lifecycle, all of it in this one table:
 *
 *   pending ──activate──▶ active ──suspend──▶ suspended
 *      │                   ▲  │                  │
 *      │                   │  └──deactivate──▶ inactive
 *      │                   └──activate── (suspended | inactive)
 *      └──────────── delete (from any live state) ──────────▶ deleted (terminal)
 *
 * Reactivation: a suspended or deactivated account can be activated again, and an administrator may turn a
 * suspension into a deactivation or the other way round. Nothing returns to `pending` (it means "never
 * verified", which stays true of no account that has been active), and `deleted` is final: a soft-deleted
 * account has given up its username and email.
 */
export const LIFECYCLE_ACTIONS = ['activate', 'deactivate', 'suspend', 'delete'] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

export const TRANSITIONS: Readonly<Record<LifecycleAction, { from: readonly UserStatus[]; to: UserStatus }>> = {
  activate: { from: ['pending', 'suspended', 'inactive'], to: 'active' },
  deactivate: { from: ['pending', 'active', 'suspended'], to: 'inactive' },
  suspend: { from: ['pending', 'active', 'inactive'], to: 'suspended' },
  delete: { from: ['pending', 'active', 'suspended', 'inactive'], to: 'deleted' },
};

/** The audit action of each lifecycle action. */
export const LIFECYCLE_AUDIT_ACTIONS: Readonly<Record<LifecycleAction, string>> = {
  activate: 'user.activated',
  deactivate: 'user.deactivated',
  suspend: 'user.suspended',
  delete: 'user.deleted',
};

/** Actions after which the account may no longer sign in: its sessions and API keys are revoked with it. */
export const REVOKING_ACTIONS: ReadonlySet<LifecycleAction> = new Set(['deactivate', 'suspend', 'delete']);

export type TransitionOutcome =
  | { kind: 'change'; from: UserStatus; to: UserStatus }
  /** Already in the target state: nothing to do (so that retries and bulk runs are idempotent). */
  | { kind: 'unchanged'; status: UserStatus }
  | { kind: 'refused'; from: UserStatus; reason: string };

export function planTransition(current: UserStatus, action: LifecycleAction): TransitionOutcome {
  const { from, to } = TRANSITIONS[action];
  if (current === to) return { kind: 'unchanged', status: current };
  if (from.includes(current)) return { kind: 'change', from: current, to };
  return { kind: 'refused', from: current, reason: `A ${current} account cannot be changed by ${action}` };
}
