import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import { AppConfig } from '../config/app-config';
import type { DeliveryAdapter, Notification } from './notification.port';
import { NotificationsService } from './notifications.service';

/** What the adapter needs of a nodemailer transporter. */
export interface MailTransport {
  sendMail(mail: { from: string; to: string; subject: string; text: string }): Promise<unknown>;
  close(): void;
}

/** Email by SMTP (nodemailer): the message's subject and text, from SMTP_FROM. */
export class SmtpAdapter implements DeliveryAdapter {
  constructor(
    private readonly transport: MailTransport,
    private readonly from: string,
  ) {}

  async deliver(message: Notification): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
  }

  close(): void {
    this.transport.close();
  }
}

/** With SMTP_URL set, email goes out by SMTP instead of into the file outbox. */
@Injectable()
export class SmtpDelivery implements OnModuleInit, OnApplicationShutdown {
  private adapter?: SmtpAdapter;

  constructor(
    private readonly config: AppConfig,
    private readonly notifications: NotificationsService,
  ) {}

  onModuleInit(): void {
    if (!this.config.smtpUrl) return;
    this.adapter = new SmtpAdapter(createTransport(this.config.smtpUrl), this.config.smtpFrom);
    this.notifications.use('email', this.adapter);
  }

  onApplicationShutdown(): void {
    this.adapter?.close();
  }
}
