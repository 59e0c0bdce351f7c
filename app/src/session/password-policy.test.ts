import { describe, expect, it } from 'vitest';
import { MIN_PASSWORD_LENGTH, registrationProblem } from './password-policy.ts';

describe('registrationProblem', () => {
  const password = 'x'.repeat(MIN_PASSWORD_LENGTH);

  it('accepts a username with a long enough password typed twice', () => {
    expect(registrationProblem({ username: 'ada', password, confirmation: password })).toBeNull();
  });

  it('asks for a username and a password first', () => {
    expect(registrationProblem({ username: '  ', password, confirmation: password })).toMatch(
      /Enter a username/,
    );
    expect(registrationProblem({ username: 'ada', password: '', confirmation: '' })).toMatch(
      /Enter a username/,
    );
  });

  it('refuses a short password before comparing the two', () => {
    const short = 'x'.repeat(MIN_PASSWORD_LENGTH - 1);
    expect(
      registrationProblem({ username: 'ada', password: short, confirmation: 'other' }),
    ).toMatch(/too short/);
  });

  it('refuses a confirmation that differs, even by a trailing space', () => {
    expect(
      registrationProblem({ username: 'ada', password, confirmation: `${password} ` }),
    ).toMatch(/differ/);
    expect(registrationProblem({ username: 'ada', password, confirmation: '' })).toMatch(/differ/);
  });
});
