import { ClientError, describeError } from '../api/api-error.ts';
import { newPasswordProblem } from '../session/password-policy.ts';

export interface PasswordChangeInput {
  currentPassword: string;
  newPassword: string;
  confirmation: string;
}

/** What is wrong with the form before anything is derived or sent, or null when it may go. */
export function passwordChangeProblem(input: PasswordChangeInput): string | null {
  if (input.currentPassword === '') return 'Enter your current password.';
  const weak = newPasswordProblem(input.newPassword);
  if (weak !== null) return weak;
  if (input.newPassword !== input.confirmation) return 'The two new passwords differ.';
  if (input.newPassword === input.currentPassword) {
    return 'The new password is the same as the current one.';
  }
  return null;
}

/** The sentence for a refused or failed change; the server's codes, worded for this form. */
export function describePasswordChangeError(error: unknown): string {
  if (error instanceof ClientError && error.code === 'INVALID_CREDENTIALS') {
    return 'Your current password is wrong. Your password was not changed.';
  }
  if (error instanceof ClientError && error.code === 'OFFLINE') {
    return 'You are offline, or the server cannot be reached. Your password was not changed; try again when you are connected.';
  }
  return describeError(error);
}

/** What the form says once the change went through, naming the devices it signed out. */
export function describePasswordChanged(signedOutDevices: number): string {
  if (signedOutDevices === 0) return 'Your password is changed.';
  if (signedOutDevices === 1) return 'Your password is changed. Your other device is signed out.';
  return `Your password is changed. Your ${signedOutDevices} other devices are signed out.`;
}
