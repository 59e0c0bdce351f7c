import { describe, expect, it } from 'vitest';
import { ClientError } from '../api/api-error.ts';
import { MIN_PASSWORD_LENGTH } from '../session/password-policy.ts';
import {
  describePasswordChanged,
  describePasswordChangeError,
  passwordChangeProblem,
} from './password-change.ts';

const valid = {
  currentPassword: 'old secret words',
  newPassword: 'new secret words',
  confirmation: 'new secret words',
};

describe('changing the password', () => {
  it('lets a complete, confirmed, long enough new password go', () => {
    expect(passwordChangeProblem(valid)).toBeNull();
    const shortest = 'x'.repeat(MIN_PASSWORD_LENGTH);
    expect(
      passwordChangeProblem({ ...valid, newPassword: shortest, confirmation: shortest }),
    ).toBeNull();
  });

  it('names each problem of the form before anything is sent', () => {
    expect(passwordChangeProblem({ ...valid, currentPassword: '' })).toBe(
      'Enter your current password.',
    );
    const short = 'x'.repeat(MIN_PASSWORD_LENGTH - 1);
    expect(passwordChangeProblem({ ...valid, newPassword: short, confirmation: short })).toBe(
      'The password is too short: use at least 8 characters.',
    );
    expect(passwordChangeProblem({ ...valid, confirmation: 'new secret word' })).toBe(
      'The two new passwords differ.',
    );
    expect(
      passwordChangeProblem({
        currentPassword: valid.newPassword,
        newPassword: valid.newPassword,
        confirmation: valid.newPassword,
      }),
    ).toBe('The new password is the same as the current one.');
  });

  it('words a wrong current password and a missing network for this form', () => {
    expect(
      describePasswordChangeError(new ClientError('INVALID_CREDENTIALS', 'wrong secret')),
    ).toBe('Your current password is wrong. Your password was not changed.');
    expect(describePasswordChangeError(new ClientError('OFFLINE', 'unreachable'))).toMatch(
      /^You are offline.*not changed/,
    );
    expect(describePasswordChangeError(new ClientError('RATE_LIMITED', 'slow down'))).toBe(
      'Too many attempts. Wait a minute and try again.',
    );
  });

  it('says which other devices it signed out', () => {
    expect(describePasswordChanged(0)).toBe('Your password is changed.');
    expect(describePasswordChanged(1)).toBe(
      'Your password is changed. Your other device is signed out.',
    );
    expect(describePasswordChanged(3)).toBe(
      'Your password is changed. Your 3 other devices are signed out.',
    );
  });
});
