import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { FileOutboxAdapter } from './file-outbox.adapter';
import type { DeliveryAdapter, Notification, NotificationChannel } from './notification.port';

/** The one notification port: each channel goes to its delivery adapter, or to the file outbox. */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger('Notifications');
  private readonly adapters = new Map<NotificationChannel, DeliveryAdapter>();
  private readonly outbox: DeliveryAdapter;

  constructor(config: AppConfig) {
    this.outbox = new FileOutboxAdapter(config.notifyOutboxDir);
  }

  /** Registers a real delivery adapter for a channel (SMTP for email when SMTP_URL is set). */
  use(channel: NotificationChannel, adapter: DeliveryAdapter): void {
    this.adapters.set(channel, adapter);
  }

  async send(message: Notification): Promise<void> {
    const adapter = this.adapters.get(message.channel) ?? this.outbox;
    await adapter.deliver({ ...message, createdAt: new Date().toISOString() });
    this.logger.log({ kind: message.kind, channel: message.channel }, 'notification sent');
  }
}
