import { Global, Module } from '@nestjs/common';
import { NotificationsService } from './notifications.service';
import { SmtpDelivery } from './smtp.adapter';

@Global()
@Module({ providers: [NotificationsService, SmtpDelivery], exports: [NotificationsService] })
export class NotificationsModule {}
