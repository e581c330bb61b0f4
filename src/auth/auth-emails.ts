import type { Notification } from '../notifications/notification.port';

type Email = Pick<Notification, 'subject' | 'text'>;

/** The texts of the emails the account flows send; each carries its token only in `token` and in the text. */
export const authEmails = {
  emailVerification: (token: string): Email => ({
    subject: 'Verify your email address',
    text:
      'Welcome! To activate your account, verify your email address with this token ' +
      `(valid for 24 hours):\n\n${token}\n\nIf you did not register, ignore this message.`,
  }),
  passwordReset: (token: string): Email => ({
    subject: 'Reset your password',
    text:
      'Someone (hopefully you) asked to reset your password. Use this token within one hour to choose a new ' +
      `one:\n\n${token}\n\nIf you did not ask for it, ignore this message: your password stays as it is.`,
  }),
  passwordChanged: (): Email => ({
    subject: 'Your password was changed',
    text:
      'The password of your account was just changed, and your other sessions were signed out. If this was ' +
      'not you, reset your password at once and contact your administrator.',
  }),
};
