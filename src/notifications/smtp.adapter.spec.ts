import { Logger } from '@nestjs/common';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { NotificationsService } from './notifications.service';
import { SmtpDelivery } from './smtp.adapter';

/** Just enough of an SMTP server to receive one message: envelope and data, as a real server would. */
function fakeSmtpServer(): Promise<{ server: Server; port: number; received: { rcpt: string[]; data: string }[] }> {
  const received: { rcpt: string[]; data: string }[] = [];
  const server = createServer((socket) => {
    let buffer = '';
    let inData = false;
    let current = { rcpt: [] as string[], data: '' };
    socket.write('220 fake ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) !== -1) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            received.push(current);
            current = { rcpt: [], data: '' };
            socket.write('250 queued\r\n');
          } else current.data += `${line}\n`;
        } else if (/^(EHLO|HELO)/i.test(line)) socket.write('250 fake\r\n');
        else if (/^RCPT TO:/i.test(line)) {
          current.rcpt.push(line.replace(/^RCPT TO:\s*/i, ''));
          socket.write('250 ok\r\n');
        } else if (/^DATA/i.test(line)) {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, received })),
  );
}

describe('SMTP delivery', () => {
  let outbox: string;
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    outbox = mkdtempSync(join(tmpdir(), 'dm-outbox-'));
  });
  afterEach(() => rmSync(outbox, { recursive: true, force: true }));

  const setup = (smtpUrl: string | undefined) => {
    const config = Object.assign(new AppConfig(), {
      smtpUrl,
      smtpFrom: 'DotMac <no-reply@example.test>',
      notifyOutboxDir: join(outbox, 'files'),
    });
    const notifications = new NotificationsService(config);
    const delivery = new SmtpDelivery(config, notifications);
    delivery.onModuleInit();
    return { notifications, delivery };
  };

  it('sends email through SMTP_URL instead of the file outbox', async () => {
    const smtp = await fakeSmtpServer();
    const { notifications, delivery } = setup(`smtp://127.0.0.1:${smtp.port}`);
    try {
      await notifications.send({
        channel: 'email',
        to: 'jane@example.test',
        subject: 'Reset your password',
        text: 'Your token: abc123',
        kind: 'password_reset',
        token: 'abc123',
      });
    } finally {
      delivery.onApplicationShutdown();
      smtp.server.close();
    }
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].rcpt).toEqual(['<jane@example.test>']);
    expect(smtp.received[0].data).toMatch(/^From: DotMac <no-reply@example.test>$/m);
    expect(smtp.received[0].data).toMatch(/^Subject: Reset your password$/m);
    expect(smtp.received[0].data).toContain('Your token: abc123');
    expect(existsSync(join(outbox, 'files'))).toBe(false);
  });

  it('leaves email to the file outbox when SMTP_URL is not set', async () => {
    const { notifications } = setup(undefined);
    await notifications.send({
      channel: 'email',
      to: 'jane@example.test',
      subject: 's',
      text: 't',
      kind: 'invitation',
    });
    expect(existsSync(join(outbox, 'files'))).toBe(true);
  });
});
