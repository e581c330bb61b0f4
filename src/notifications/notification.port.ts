export type NotificationChannel = 'email' | 'sms';

export type NotificationKind =
  | 'email_verification'
  | 'password_reset'
  | 'invitation'
  | 'mfa_code'
  | 'new_device'
  | 'suspicious_login'
  | 'password_changed';

export interface Notification {
  channel: NotificationChannel;
  to: string;
  subject: string;
  text: string;
  kind: NotificationKind;
  /** The single-use token the message carries (verification, reset, invitation). */
  token?: string;
  /** The one-time code the message carries (MFA). */
  code?: string;
}

/** Delivery of one channel (SMTP, an SMS gateway, the file outbox). */
export interface DeliveryAdapter {
  deliver(message: Notification & { createdAt: string }): Promise<void>;
}
