import { USER_STATUSES, type UserStatus } from '../common/user-types';
import { LIFECYCLE_ACTIONS, type LifecycleAction, planTransition } from './user-lifecycle';

describe('user lifecycle', () => {
  // Every (status, action) pair, written out so that a change to the table shows up here.
  const expected: Record<UserStatus, Record<LifecycleAction, UserStatus | 'unchanged' | 'refused'>> = {
    pending: { activate: 'active', deactivate: 'inactive', suspend: 'suspended', delete: 'deleted' },
    active: { activate: 'unchanged', deactivate: 'inactive', suspend: 'suspended', delete: 'deleted' },
    suspended: { activate: 'active', deactivate: 'inactive', suspend: 'unchanged', delete: 'deleted' },
    inactive: { activate: 'active', deactivate: 'unchanged', suspend: 'suspended', delete: 'deleted' },
    deleted: { activate: 'refused', deactivate: 'refused', suspend: 'refused', delete: 'unchanged' },
  };

  for (const status of USER_STATUSES) {
    for (const action of LIFECYCLE_ACTIONS) {
      const want = expected[status][action];
      it(`${status} --${action}--> ${want}`, () => {
        const outcome = planTransition(status, action);
        if (want === 'unchanged') expect(outcome).toEqual({ kind: 'unchanged', status });
        else if (want === 'refused') expect(outcome).toMatchObject({ kind: 'refused', from: status });
        else expect(outcome).toEqual({ kind: 'change', from: status, to: want });
      });
    }
  }

  it('never leads back to pending', () => {
    for (const status of USER_STATUSES) {
      for (const action of LIFECYCLE_ACTIONS) {
        const outcome = planTransition(status, action);
        if (outcome.kind === 'change') expect(outcome.to).not.toBe('pending');
      }
    }
  });
});
