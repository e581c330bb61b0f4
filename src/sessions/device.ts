import { createHash } from 'node:crypto';
import { UAParser } from 'ua-parser-js';
import type { DeviceInfo } from './entities/session.entity';

/** The user agent parsed into `{ browser, os, type }`; a device without a type is a desktop. */
export function parseDevice(userAgent: string | undefined): DeviceInfo {
  const ua = new UAParser(userAgent ?? '').getResult();
  const browser = ua.browser.name ? `${ua.browser.name}${ua.browser.major ? ` ${ua.browser.major}` : ''}` : null;
  const os = ua.os.name ? `${ua.os.name}${ua.os.version ? ` ${ua.os.version}` : ''}` : null;
  return { browser, os, type: ua.device.type ?? (browser ? 'desktop' : 'unknown') };
}

/**
 * A stable id of the client device for "new device" detection: the browser family, OS and device type,
 * not the version numbers, which change with every update.
 */
export function deviceId(userAgent: string | undefined): string {
  const ua = new UAParser(userAgent ?? '').getResult();
  const key = [ua.browser.name, ua.os.name, ua.device.type, ua.device.vendor, ua.device.model].join('|');
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}
