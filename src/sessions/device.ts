import { createHash } from 'node:crypto';
import { UAParser } from 'ua-parser-js';
import type { DeviceInfo } from './entities/session.entity';

interface ParsedAgent {
  device: DeviceInfo;
  id: string;
}

/**
 * User agents parsed so far. A sign-in reads its agent four times (risk, session), and clients repeat a
 * handful of agents, while parsing one costs about a tenth of a millisecond. Bounded: cleared when full.
 */
const parsed = new Map<string, ParsedAgent>();
const MAX_PARSED = 1_000;

function parse(userAgent: string | undefined): ParsedAgent {
  const text = userAgent ?? '';
  let agent = parsed.get(text);
  if (!agent) {
    const ua = new UAParser(text).getResult();
    const browser = ua.browser.name ? `${ua.browser.name}${ua.browser.major ? ` ${ua.browser.major}` : ''}` : null;
    const os = ua.os.name ? `${ua.os.name}${ua.os.version ? ` ${ua.os.version}` : ''}` : null;
    const key = [ua.browser.name, ua.os.name, ua.device.type, ua.device.vendor, ua.device.model].join('|');
    agent = {
      device: { browser, os, type: ua.device.type ?? (browser ? 'desktop' : 'unknown') },
      id: createHash('sha256').update(key).digest('hex').slice(0, 32),
    };
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(text, agent);
  }
  return agent;
}

/** The user agent parsed into `{ browser, os, type }`; a device without a type is a desktop. */
export function parseDevice(userAgent: string | undefined): DeviceInfo {
  return { ...parse(userAgent).device };
}

/**
 * A stable id of the client device for "new device" detection: the browser family, OS and device type,
 * not the version numbers, which change with every update.
 */
export function deviceId(userAgent: string | undefined): string {
  return parse(userAgent).id;
}
